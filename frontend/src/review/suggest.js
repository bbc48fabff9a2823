// The "Suggest" mode and the suggestions inline (README, "Comments and suggestions"). A
// member of the group switches the section's editor to "Suggérer": what they type and
// delete becomes a suggestion (suggest-editor.js) sent when they move elsewhere, stop for
// 1.5 s, leave the editor or the mode; offline it waits in the room's queue. Everyone who
// reads the section's review sees the pending ones, inline and in a list under the
// toolbar, where the group accepts or rejects them (one, or all of one author's).
import * as Y from "yjs";
import { uuid } from "./room.js";
import { draftField, isSuggesting, setDraft, setMode, setShown, suggestExtensions } from "./suggest-editor.js";
import { renderList } from "./suggest-list.js";

const IDLE = 1500;

function toBase64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function encode(ytext, index, assoc) {
  return toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, index, assoc)));
}

// The index a relative position (base64) is at now in the section's text; null if this
// device does not have the character it names (yet), or it cannot be read.
function indexOf(ytext, position) {
  if (typeof position !== "string") return null;
  try {
    const found = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(position)), ytext.doc);
    return found && found.type === ytext ? found.index : null;
  } catch {
    return null;
  }
}

export function mountSuggestions(context) {
  const { entry, room, config } = context;
  const may = entry.config.may || {};
  const strings = JSON.parse(document.getElementById("palabre-review-suggest-i18n").textContent);
  const ytext = entry.session.text;
  const me = config.user;
  const known = new Map(); // id → the server's pending suggestion
  const problems = new Map(); // id → {message, payload?}: a refusal, shown beside it
  let view = null;
  let timer = null;
  let refreshQueued = false;
  let removed = false;
  let toggle = null; // the mode switch, for those who may suggest
  let modeText = null;

  const box = document.createElement("details");
  box.className = "suggestions";
  box.open = true;
  box.hidden = true;
  entry.toolbar.after(box);
  if (config.group?.colour) entry.card.style.setProperty("--suggest-colour", config.group.colour);

  // --- what is shown ------------------------------------------------------------------

  function waiting(event) {
    return room.waiting.filter((item) => item.event === event);
  }

  function items() {
    const list = [];
    const text = ytext.toString();
    const place = (suggestion, state, author) => {
      const from = indexOf(ytext, suggestion.start);
      const end = suggestion.end ? indexOf(ytext, suggestion.end) : from;
      const to = from === null || end === null ? null : Math.max(from, end);
      list.push({
        id: suggestion.id,
        from,
        to,
        deleted: suggestion.deleted || "",
        inserted: suggestion.inserted || "",
        author,
        authorId: suggestion.author?.id ?? me.id,
        state,
        changed: to !== null && text.slice(from, to) !== (suggestion.deleted || ""),
        problem: problems.get(suggestion.id)?.message || null,
      });
    };
    for (const suggestion of known.values()) place(suggestion, "pending", suggestion.author?.name || "");
    for (const item of waiting("suggest")) {
      if (!known.has(item.payload.id)) place(item.payload, "waiting", me.name);
    }
    for (const [id, problem] of problems) {
      if (problem.payload && !known.has(id)) place(problem.payload, "refused", me.name);
    }
    return list.sort((a, b) => (a.from ?? Infinity) - (b.from ?? Infinity));
  }

  function refresh() {
    refreshQueued = false;
    if (removed) return;
    attach();
    const all = items();
    const deciding = new Set(waiting("decide").map((item) => item.payload.suggestion));
    renderList(box, all, {
      strings,
      may: { decide: Boolean(may.decide) && !entry.session.readonly },
      deciding,
      editor: Boolean(view),
      decide,
      decideAll,
      dismiss,
      show,
    });
    if (view) {
      const shown = all.filter((item) => item.from !== null).map(({ id, from, to, inserted, author, state }) => ({ id, from, to, inserted, author, state }));
      view.dispatch({ effects: setShown.of(shown) });
    }
  }

  // After the current update (CodeMirror does not take a dispatch inside one).
  function refreshSoon() {
    if (refreshQueued) return;
    refreshQueued = true;
    queueMicrotask(refresh);
  }

  // --- the editor ---------------------------------------------------------------------

  const controller = {
    sendDraft(draft) {
      const payload = payloadOf(draft);
      queueMicrotask(() => send(payload));
    },
    draftChanged(draft) {
      clearTimeout(timer);
      if (draft) timer = setTimeout(flush, IDLE);
    },
    flushSoon() {
      queueMicrotask(flush);
    },
  };

  function payloadOf(draft) {
    const payload = {
      section: room.section,
      id: uuid(),
      start: encode(ytext, draft.from, 0),
      deleted: ytext.toString().slice(draft.from, draft.to),
      inserted: draft.inserted,
    };
    if (draft.to > draft.from) payload.end = encode(ytext, draft.to, -1);
    return payload;
  }

  function flush() {
    clearTimeout(timer);
    const draft = view?.state.field(draftField, false);
    if (!draft) return;
    const payload = payloadOf(draft);
    view.dispatch({ effects: setDraft.of(null) });
    send(payload);
  }

  function send(payload) {
    room.send("suggest", payload);
    refreshSoon();
  }

  function attach() {
    if (view || !entry.editor) return;
    view = entry.editor.view;
    entry.editor.addExtensions(suggestExtensions(controller, { by: strings.by, draft: strings.draft }));
    if (toggle) toggle.disabled = entry.session.readonly;
  }

  // --- the mode switch ----------------------------------------------------------------

  if (may.suggest) {
    toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "suggest-toggle";
    toggle.setAttribute("aria-pressed", "false");
    toggle.title = strings.mode_hint;
    toggle.innerHTML = '<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-pencil-line"/></svg>';
    toggle.append(` ${strings.suggest}`);
    modeText = document.createElement("span");
    modeText.className = "suggest-mode";
    modeText.setAttribute("role", "status");
    entry.toolbar.append(toggle, modeText);
    toggle.addEventListener("click", () => setSuggesting(!(view && isSuggesting(view))));
  }

  function setSuggesting(on) {
    attach();
    if (!view) return;
    if (!on) flush();
    view.dispatch({ effects: setMode.of(on) });
    toggle.setAttribute("aria-pressed", String(on));
    modeText.textContent = on ? strings.mode : "";
    entry.card.classList.toggle("suggesting", on);
    view.focus();
  }

  // --- decisions (their answers come as "settled", sent now or after a reconnection) ---

  function decide(id, decision) {
    problems.delete(id);
    room.send("decide", { suggestion: id, decision });
    refreshSoon();
  }

  function decideAll(authorId, decision) {
    for (const suggestion of known.values()) if (suggestion.author?.id === authorId) problems.delete(suggestion.id);
    room.send("decide_all", { section: room.section, author: authorId, decision });
    refreshSoon();
  }

  function decided(ids, ack) {
    for (const id of ids) {
      if (ack.ok) known.delete(id);
      if (ack.ok) problems.delete(id);
      else problems.set(id, { message: ack.message || strings.refused });
    }
  }

  function settled({ item, ack }) {
    const { event, payload } = item;
    if (event === "suggest") {
      if (ack.ok && ack.suggestion?.status === "pending") known.set(ack.suggestion.id, ack.suggestion);
      if (ack.ok) problems.delete(payload.id);
      else problems.set(payload.id, { message: ack.message || strings.refused, payload });
    } else if (event === "decide") {
      decided([payload.suggestion], ack);
    } else if (event === "decide_all") {
      if (!ack.ok) {
        const ids = [...known.values()].filter((s) => s.author?.id === payload.author).map((s) => s.id);
        decided(ids, ack);
      } else {
        decided(ack.done || [], ack);
        for (const id of ack.skipped || []) problems.set(id, { message: strings.changed });
      }
    }
    refreshSoon();
  }

  function dismiss(id) {
    problems.delete(id);
    refreshSoon();
  }

  function show(item) {
    attach();
    if (!view || item.from === null) return;
    view.dispatch({ selection: { anchor: item.from, head: item.to }, scrollIntoView: true });
    view.focus();
  }

  // --- the room -----------------------------------------------------------------------

  function take(state) {
    removed = false;
    if (toggle) toggle.hidden = false;
    known.clear();
    for (const suggestion of state.suggestions || []) {
      if (suggestion.status === "pending") known.set(suggestion.id, suggestion);
    }
    refreshSoon();
  }

  room.addEventListener("state", (event) => take(event.detail));
  room.addEventListener("review", (event) => {
    const { kind, action, suggestion } = event.detail;
    if (kind !== "suggestion" || !suggestion) return;
    if (action === "created" && suggestion.status === "pending") known.set(suggestion.id, suggestion);
    else if (action === "accepted" || action === "rejected") {
      known.delete(suggestion.id);
      problems.delete(suggestion.id);
    }
    refreshSoon();
  });
  room.addEventListener("settled", (event) => settled(event.detail));
  room.addEventListener("sent", refreshSoon);
  // No longer allowed to read the section's review (until a later join says otherwise).
  room.addEventListener("removed", () => {
    if (view && isSuggesting(view)) setSuggesting(false);
    removed = true;
    box.hidden = true;
    if (toggle) toggle.hidden = true;
    view?.dispatch({ effects: setShown.of([]) });
  });
  ytext.observe(refreshSoon);
  // The editor may come later (a locked section's reading view, opened once unlocked);
  // a lock takes the decisions away (the card's "readonly" class).
  new MutationObserver(refreshSoon).observe(entry.editorBox, { childList: true });
  new MutationObserver(refreshSoon).observe(entry.card, { attributes: true, attributeFilter: ["class"] });

  if (room.state) take(room.state);
  else refreshSoon();
  return { refresh: refreshSoon, setSuggesting };
}
