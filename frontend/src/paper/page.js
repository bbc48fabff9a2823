// The paper page: every section of the group's paper, live (see templates/collaboration/paper.html),
// loaded by its entry (frontend/src/pages/paper.js) once the connection is on its way.
//
// This module and the editor (CodeMirror) come in one file, fetched at once (the template
// preloads it) while the entry opens the connection; the Markdown preview comes once the
// opened sections have their text (on 3G it would queue ahead of it). The page
// works offline (opened from the service worker's copy, frontend/src/sw/sw.js): each
// section shows and edits the device's copy, and the changes are sent when the link
// returns; the badge says how many wait.
import { IndexeddbPersistence } from "y-indexeddb";
import { Connection } from "../editor/protocol.js";
import { countWords } from "../editor/words.js";
import { formatMoment } from "../net/moment.js";
import { Outbox, copyName, legacyCopyName, rememberCopy } from "../offline/store.js";
import { offerLogin } from "../offline/login.js";
import { COMMANDS, createEditor } from "../editor/codemirror.js";

// Comments and suggestions (frontend/src/review/): loaded when a section first opens.
let reviewModule = null;
const reviewCode = () => (reviewModule ??= import("../review/index.js"));
const reviewWaiting = new Set();
function showReview(entry) {
  if (entry.review || entry.reviewLoading || !entry.config.may?.read) return;
  if (!previewAllowed) {
    reviewWaiting.add(entry); // after the sections' text, as the preview
    return;
  }
  entry.reviewLoading = true;
  reviewCode()
    .then(({ mountReview }) => mountReview(entry, { socket: connection.socket, config, nonce, api }))
    .catch(() => {
      entry.reviewLoading = false; // offline before the code came: tried again at the next opening
    });
}

let previewModule = null;
const preview = () => (previewModule ??= import("../editor/markdown.js"));
// The preview's code (a third of the page's) waits until the opened sections have their
// server text, or until there is no link to wait for: on 3G it would queue ahead of them.
let previewAllowed = false;
const previewWaiting = new Set();
function allowPreview(status) {
  if (previewAllowed) return;
  const opened = [...sections.values()].filter((entry) => entry.editor || isLockedView(entry));
  const synced = opened.length > 0 && opened.every((entry) => entry.session.synced);
  if (!synced && !["offline", "ended"].includes(status)) return;
  previewAllowed = true;
  for (const entry of previewWaiting) showPreview(entry);
  previewWaiting.clear();
  for (const entry of reviewWaiting) showReview(entry);
  reviewWaiting.clear();
}

const config = JSON.parse(document.getElementById("palabre-editor-config").textContent);
const t = JSON.parse(document.getElementById("palabre-i18n").textContent);
const nonce = document.querySelector('meta[name="csp-nonce"]')?.content;
const badge = document.getElementById("connection-badge");
const waitingBox = document.getElementById("waiting-count");
const reloginButton = document.getElementById("relogin");
const presenceList = document.getElementById("presence");
const offlineCopy = Boolean(document.documentElement.dataset.offlineCopy);
const plural = new Intl.PluralRules(document.documentElement.lang || "fr");
const sections = new Map();

function setStatus(status, waiting = 0) {
  allowPreview(status);
  if (badge.dataset.status !== status) {
    badge.dataset.status = status;
    badge.textContent = t[`status_${status}`] || status;
    badge.title = status === "connected" ? "" : t.kept_locally;
  }
  badge.dataset.waiting = String(waiting);
  waitingBox.hidden = waiting === 0;
  const template = plural.select(waiting) === "one" ? t.waiting_one : t.waiting_other;
  waitingBox.textContent = template.replace("{n}", String(waiting));
  reloginButton.hidden = status !== "ended";
}

const connection = new Connection(setStatus, { offlineAtStart: offlineCopy || !navigator.onLine });
connection.link.busy = () => connection.waiting > 0;
connection.report();

const login = () =>
  offerLogin({
    link: connection.link,
    userId: config.user.id,
    strings: t,
  });
connection.link.addEventListener("ended", login);
reloginButton.addEventListener("click", login);

// Every co-writer follows every section (to receive its text), but is *in* the one whose
// editor they opened last: only that one's presence says `open` (the server keeps it).
function renderPresence() {
  const rows = [];
  for (const [, entry] of sections) {
    const here = new Map();
    for (const [clientId, state] of entry.session.awareness.getStates()) {
      if (!state.user || state.open !== true || clientId === entry.session.doc.clientID) continue;
      here.set(state.user.id ?? state.user.name, state.user);
    }
    for (const person of here.values()) rows.push({ person, section: entry.config.title });
  }
  presenceList.replaceChildren(
    ...rows.map(({ person, section }) => {
      const li = document.createElement("li");
      const dot = document.createElement("span");
      dot.className = "presence-dot";
      dot.style.backgroundColor = person.color;
      const where = document.createElement("span");
      where.className = "presence-section";
      where.textContent = section;
      li.append(dot, ` ${person.name} — `, where);
      return li;
    }),
  );
  presenceList.closest(".presence-box").hidden = rows.length === 0;
}

// Tell the others which section this page is in (at most one: the last one opened and
// still open, not locked).
const openOrder = [];
function announceOpen() {
  const current = openOrder.filter((entry) => !isLockedView(entry)).at(-1);
  for (const entry of sections.values()) {
    const open = entry === current;
    if ((entry.session.awareness.getLocalState()?.open === true) !== open) {
      entry.session.awareness.setLocalStateField("open", open);
    }
  }
}

function showPreview(entry, text) {
  if (!(entry.editor || isLockedView(entry)) || entry.workspace.hidden || entry.preview.classList.contains("past")) return;
  if (!previewAllowed) {
    previewWaiting.add(entry);
    allowPreview(connection.status);
    return;
  }
  preview()
    .then(({ renderMarkdown }) => {
      if (!entry.workspace.hidden && !entry.preview.classList.contains("past")) {
        const markdown = text ?? entry.session.text.toString();
        if (isLockedView(entry) && !markdown.trim()) entry.preview.textContent = t.nothing_yet;
        else entry.preview.innerHTML = renderMarkdown(markdown);
      }
    })
    .catch(() => {
      entry.preview.textContent = t.preview_unavailable;
    });
}

function refresh(entry) {
  const text = entry.session.text.toString();
  entry.words.textContent = t.words.replace("{n}", countWords(text));
  showPreview(entry, text);
}

// A section is written ("write"), only read by those outside the group or the staff
// ("read"), or locked for its group ("locked": the phase, a lock or a deadline): its
// button says so, and a locked section shows its text, read-only, without opening (an
// editor open when the lock came stays, read-only: the text does not jump away).
function sectionMode(entry) {
  if (!entry.session.readonly) return "write";
  return config.writer ? "locked" : "read";
}

function isLockedView(entry) {
  return entry.card.classList.contains("locked-view");
}

function labelButton(entry) {
  const mode = sectionMode(entry);
  const opened = !entry.workspace.hidden;
  const button = entry.openButton;
  button.disabled = mode === "locked";
  button.title = mode === "locked" ? t.locked_hint : "";
  if (mode === "locked") button.textContent = t.locked_section;
  else if (mode === "write") button.textContent = opened ? t.close_editor : t.write;
  else button.textContent = opened ? t.close_reading : t.read;
  button.setAttribute("aria-expanded", String(opened && mode !== "locked"));
}

function setReadonly(entry, readonly) {
  entry.card.classList.toggle("readonly", readonly);
  entry.lock.hidden = !readonly;
  entry.toolbar.querySelectorAll("button").forEach((b) => (b.disabled = readonly));
  entry.editor?.setReadonly(readonly);
  const locked = sectionMode(entry) === "locked";
  entry.card.classList.toggle("locked-view", locked);
  entry.card.classList.toggle("editing", Boolean(entry.userOpen && entry.editor));
  if (locked) {
    entry.workspace.hidden = false;
    entry.preview.classList.remove("past");
    showReview(entry);
  } else {
    entry.workspace.hidden = !entry.userOpen;
    if (entry.userOpen) ensureEditor(entry);
  }
  labelButton(entry);
  if (sections.has(entry.config.name)) announceOpen();
  if (!entry.workspace.hidden) refresh(entry);
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content;
}

async function api(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    ...options,
  });
  const body = await response.json().catch(() => ({ ok: false, message: response.statusText }));
  if (!body.ok) throw new Error(body.message || response.statusText);
  return body;
}

async function showHistory(entry) {
  const box = entry.history;
  box.hidden = !box.hidden;
  if (box.hidden) return;
  const url = config.urls.checkpoints.replace("{key}", entry.config.key);
  box.textContent = t.loading;
  try {
    const { checkpoints } = await api(url);
    const { renderMarkdown } = await preview();
    const list = document.createElement("ol");
    list.className = "checkpoints";
    for (const checkpoint of checkpoints) {
      const li = document.createElement("li");
      const when = formatMoment(checkpoint.created_at);
      li.textContent = `${checkpoint.name || t.automatic} — ${when} `;
      const view = document.createElement("button");
      view.textContent = t.view;
      view.addEventListener("click", async () => {
        const { checkpoint: full } = await api(`${url}/${checkpoint.id}`);
        entry.preview.innerHTML = renderMarkdown(full.markdown);
        entry.preview.classList.add("past");
      });
      li.append(view);
      if (!entry.session.readonly) {
        const restore = document.createElement("button");
        restore.textContent = t.restore;
        restore.addEventListener("click", async () => {
          if (!window.confirm(t.confirm_restore)) return;
          await api(`${url}/${checkpoint.id}/restore`, { method: "POST", body: "{}" });
          entry.preview.classList.remove("past");
          box.hidden = true;
          entry.toolStatus.textContent = t.restored;
        });
        li.append(" ", restore);
      }
      list.append(li);
    }
    box.replaceChildren(list);
  } catch (error) {
    box.textContent = navigator.onLine ? error.message : t.needs_network;
  }
}

async function nameCheckpoint(entry) {
  const name = window.prompt(t.checkpoint_name);
  if (!name) return;
  const url = config.urls.checkpoints.replace("{key}", entry.config.key);
  try {
    await api(url, { method: "POST", body: JSON.stringify({ name }) });
    entry.toolStatus.textContent = t.checkpoint_saved.replace("{name}", name);
    if (!entry.history.hidden) {
      entry.history.hidden = true;
      showHistory(entry);
    }
  } catch (error) {
    window.alert(navigator.onLine ? error.message : t.needs_network);
  }
}

function ensureEditor(entry) {
  if (entry.editor) return;
  entry.editor = createEditor(entry.editorBox, entry.session, {
    nonce,
    placeholderText: t.placeholder,
    onChange: () => refresh(entry),
  });
  entry.editor.setReadonly(entry.session.readonly);
}

function open(entry) {
  if (isLockedView(entry)) return;
  entry.userOpen = entry.workspace.hidden;
  entry.workspace.hidden = !entry.userOpen;
  entry.card.classList.toggle("editing", entry.userOpen);
  labelButton(entry);
  if (openOrder.includes(entry)) openOrder.splice(openOrder.indexOf(entry), 1);
  if (entry.userOpen) openOrder.push(entry);
  announceOpen();
  if (entry.workspace.hidden) return;
  entry.preview.classList.remove("past");
  ensureEditor(entry);
  // The preview after the editor: on a slow link its code would delay the editor's.
  refresh(entry);
  entry.editor.view.focus();
  showReview(entry);
}

async function hasLegacyCopy(name) {
  if (!indexedDB.databases) return false;
  try {
    return (await indexedDB.databases()).some((db) => db.name === name);
  } catch {
    return false;
  }
}

for (const card of document.querySelectorAll(".paper-section")) {
  const sectionConfig = config.sections.find((s) => s.name === card.dataset.section);
  const entry = {
    card,
    config: sectionConfig,
    words: card.querySelector(".words"),
    lock: card.querySelector(".lock"),
    workspace: card.querySelector(".workspace"),
    toolbar: card.querySelector(".toolbar"),
    editorBox: card.querySelector(".editor"),
    preview: card.querySelector(".preview"),
    history: card.querySelector(".history"),
    toolStatus: card.querySelector(".tool-status"),
    openButton: card.querySelector(".open"),
    editor: null,
    userOpen: false,
  };
  const outbox = new Outbox(config.user.id, sectionConfig.name, window.location.pathname);
  entry.outbox = outbox;
  entry.session = connection.open(
    sectionConfig.name,
    {
      onReadonly: (readonly) => setReadonly(entry, readonly),
      onSaved: () => card.classList.remove("unsaved"),
      onUnsaved: () => card.classList.add("unsaved"),
      onRefused: (ack) => {
        card.classList.add("refused");
        entry.words.textContent = ack?.message || t.refused;
      },
      onRemoved: () => {
        card.classList.add("refused");
        entry.words.textContent = t.removed;
      },
    },
    outbox,
  );
  entry.session.readonly = sectionConfig.readonly;
  rememberCopy(config.user.id, sectionConfig.name);
  entry.persistence = new IndexeddbPersistence(copyName(config.user.id, sectionConfig.name), entry.session.doc);
  entry.session.loadsFrom(entry.persistence);
  // A copy from before per-member copies: merged in (and sent), then deleted once the
  // server has confirmed a whole exchange.
  hasLegacyCopy(legacyCopyName(sectionConfig.name)).then((found) => {
    if (!found) return;
    outbox.changed(); // unknown to the server until it confirms what follows
    connection.report();
    const legacy = new IndexeddbPersistence(legacyCopyName(sectionConfig.name), entry.session.doc);
    entry.session.loadsFrom(legacy);
    const clear = () => {
      if (outbox.count) return;
      outbox.listeners.delete(clear);
      legacy.whenSynced.then(() => legacy.clearData());
    };
    outbox.listeners.add(clear);
  });
  entry.session.awareness.setLocalStateField("user", {
    id: config.user.id,
    name: config.user.name,
    color: config.user.colour,
    colorLight: `${config.user.colour}33`,
  });
  entry.session.text.observe(() => refresh(entry));
  entry.session.awareness.on("change", renderPresence);
  entry.openButton.addEventListener("click", () => open(entry));
  entry.toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-command]");
    if (!button || !entry.editor) return;
    COMMANDS[button.dataset.command](entry.editor.view, t.link_text);
    entry.editor.view.focus();
  });
  card.querySelector(".show-history").addEventListener("click", () => showHistory(entry));
  card.querySelector(".name-checkpoint").addEventListener("click", () => nameCheckpoint(entry));
  sections.set(sectionConfig.name, entry);
  setReadonly(entry, sectionConfig.readonly);
  refresh(entry);
}
connection.report();

// Logging out (frontend/src/pages/shell.js): close the device's copies first, so that they
// can be deleted, and stop syncing.
document.addEventListener("palabre:logout", () => {
  for (const entry of sections.values()) entry.persistence.destroy();
});

document.getElementById("show-authorship")?.addEventListener("click", async (event) => {
  const box = document.getElementById("authorship");
  box.hidden = !box.hidden;
  event.target.setAttribute("aria-expanded", String(!box.hidden));
  if (box.hidden) return;
  try {
    const body = await api(config.urls.authorship);
    const rows = [];
    for (const entry of sections.values()) {
      const authors = body.sections[entry.config.key] || [];
      const total = authors.reduce((sum, a) => sum + a.characters, 0);
      const cells = authors.map((a) => `${a.name} ${Math.round((100 * a.characters) / (total || 1))} %`);
      rows.push([entry.config.title, cells.join(" · ") || "—"]);
    }
    const table = document.createElement("table");
    table.className = "table";
    for (const [title, cells] of rows) {
      const tr = table.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = title;
      tr.append(th);
      tr.insertCell().textContent = cells;
    }
    box.replaceChildren(table);
  } catch (error) {
    box.textContent = navigator.onLine ? error.message : t.needs_network;
  }
});

window.palabreEditor = {
  sections,
  connection,
  // Every section's device copy loaded (tests, benchmarks).
  loaded: Promise.all([...sections.values()].map((entry) => entry.persistence.whenSynced)),
};
