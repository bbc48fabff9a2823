// The paper page: every section of the group's paper, live (see templates/collaboration/paper.html).
import { IndexeddbPersistence } from "y-indexeddb";
import { Connection } from "../editor/protocol.js";
import { COMMANDS, createEditor } from "../editor/codemirror.js";
import { countWords, renderMarkdown } from "../editor/markdown.js";

const config = JSON.parse(document.getElementById("palabre-editor-config").textContent);
const t = JSON.parse(document.getElementById("palabre-i18n").textContent);
const nonce = document.querySelector('meta[name="csp-nonce"]')?.content;
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
const badge = document.getElementById("connection-badge");
const presenceList = document.getElementById("presence");
const sections = new Map();

function setStatus(status) {
  badge.dataset.status = status;
  badge.textContent = t[`status_${status}`] || status;
  badge.title = status === "connected" ? "" : t.kept_locally;
}

const connection = new Connection(setStatus);
setStatus(navigator.onLine ? "reconnecting" : "offline");

function renderPresence() {
  const people = new Map();
  for (const [name, entry] of sections) {
    for (const [clientId, state] of entry.session.awareness.getStates()) {
      if (!state.user || clientId === entry.session.doc.clientID) continue;
      const key = state.user.id ?? state.user.name;
      const person = people.get(key) || { ...state.user, sections: new Set() };
      person.sections.add(entry.config.title);
      people.set(key, person);
    }
  }
  presenceList.replaceChildren(
    ...[...people.values()].map((person) => {
      const li = document.createElement("li");
      const dot = document.createElement("span");
      dot.className = "presence-dot";
      dot.style.backgroundColor = person.color;
      li.append(dot, ` ${person.name} — ${[...person.sections].join(", ")}`);
      return li;
    }),
  );
  presenceList.closest(".presence-box").hidden = people.size === 0;
}

function refresh(entry) {
  const text = entry.session.text.toString();
  entry.words.textContent = t.words.replace("{n}", countWords(text));
  if (!entry.workspace.hidden) entry.preview.innerHTML = renderMarkdown(text);
}

function setReadonly(entry, readonly) {
  entry.card.classList.toggle("readonly", readonly);
  entry.lock.hidden = !readonly;
  entry.toolbar.querySelectorAll("button").forEach((b) => (b.disabled = readonly));
  entry.editor?.setReadonly(readonly);
}

async function api(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
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
    const list = document.createElement("ol");
    list.className = "checkpoints";
    for (const checkpoint of checkpoints) {
      const li = document.createElement("li");
      const when = new Date(checkpoint.created_at).toLocaleString();
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
        });
        li.append(" ", restore);
      }
      list.append(li);
    }
    box.replaceChildren(list);
  } catch (error) {
    box.textContent = error.message;
  }
}

async function nameCheckpoint(entry) {
  const name = window.prompt(t.checkpoint_name);
  if (!name) return;
  const url = config.urls.checkpoints.replace("{key}", entry.config.key);
  try {
    await api(url, { method: "POST", body: JSON.stringify({ name }) });
  } catch (error) {
    window.alert(error.message);
  }
}

function open(entry) {
  entry.workspace.hidden = !entry.workspace.hidden;
  entry.openButton.setAttribute("aria-expanded", String(!entry.workspace.hidden));
  if (entry.workspace.hidden) return;
  if (!entry.editor) {
    entry.editor = createEditor(entry.editorBox, entry.session, {
      nonce,
      placeholderText: t.placeholder,
      onChange: () => refresh(entry),
    });
    setReadonly(entry, entry.session.readonly);
  }
  entry.session.awareness.setLocalStateField("section", entry.config.name);
  entry.preview.classList.remove("past");
  refresh(entry);
  entry.editor.view.focus();
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
    openButton: card.querySelector(".open"),
    editor: null,
  };
  entry.session = connection.open(sectionConfig.name, {
    onReadonly: (readonly) => setReadonly(entry, readonly),
    onSaved: () => card.classList.remove("unsaved"),
    onUnsaved: () => {
      card.classList.add("unsaved");
      setStatus("unsaved");
    },
    onRefused: (ack) => {
      card.classList.add("refused");
      entry.words.textContent = ack?.message || t.refused;
    },
    onRemoved: () => {
      card.classList.add("refused");
      entry.words.textContent = t.removed;
    },
  });
  entry.session.readonly = sectionConfig.readonly;
  entry.persistence = new IndexeddbPersistence(`palabre:${sectionConfig.name}`, entry.session.doc);
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
    box.textContent = error.message;
  }
});

window.palabreEditor = { sections, connection };
