// Comments on a passage of a section (issue 16): select words, "Comment", a small form
// (comment-editor.js); the commented passages highlighted in the editor, following the
// text as anyone edits (passages.js); the threads in a margin on a laptop, behind a
// marker and in a bottom sheet on a phone (thread-places.js, thread-view.js); the
// facilitators' feedback (feedback.js). Live: the room's news applies at once, its whole
// state after each reconnect replaces everything. Offline, what one writes waits in the
// room's queue and shows at once as "waiting to be sent".
import { mountCommentEditor } from "./comment-editor.js";
import { mountFeedback } from "./feedback.js";
import { locate } from "./passages.js";
import { uuid } from "./room.js";
import { mountPlaces } from "./thread-places.js";
import { ThreadList } from "./thread-view.js";

const WIDE = "(min-width: 1024px)";
const SLOW_MS = 4000; // an answer later than this: the comment shows as waiting

function strings() {
  return JSON.parse(document.getElementById("palabre-review-comments-i18n").textContent);
}

export function mountComments({ entry, room, config, api }) {
  const t = strings();
  const may = entry.config.may || {};
  const me = config.user.id;
  const staff = Boolean(may.feedback);
  const plural = new Intl.PluralRules(document.documentElement.lang || "fr");
  const wide = window.matchMedia(WIDE);
  let threads = new Map();
  const refused = new Map(); // this device's threads the server refused: id → {payload, message}
  let activeId = null;
  let removed = false;

  // --- what is shown: the server's threads, with this device's writes not sent yet ---

  function names() {
    const found = new Set();
    const add = (person) => person?.name && person.id !== me && found.add(person.name);
    for (const thread of threads.values()) {
      for (const comment of [thread, ...(thread.replies || [])]) {
        add(comment.author);
        (comment.mentions || []).forEach(add);
      }
    }
    for (const state of entry.session.awareness.getStates().values()) add(state.user);
    return [...found].sort((a, b) => a.localeCompare(b));
  }

  function current() {
    const shown = new Map([...threads].map(([id, thread]) => [id, { ...thread, replies: [...(thread.replies || [])] }]));
    const author = { id: me, name: config.user.name };
    for (const { event, payload } of room.waiting) {
      const thread = shown.get(payload.comment);
      if (event === "comment" && !shown.has(payload.id)) {
        shown.set(payload.id, { ...payload, author, replies: [], resolved: null, pending: true });
      } else if (event === "reply" && thread && !thread.replies.some((r) => r.id === payload.id)) {
        thread.replies.push({ ...payload, author, pending: true });
      } else if (event === "resolve" && thread) {
        thread.resolved = payload.resolved ? { by: author, pending: true } : null;
      }
    }
    for (const [id, { payload, message }] of refused) {
      if (!shown.has(id)) shown.set(id, { ...payload, author, replies: [], resolved: null, pending: true, refused: message });
    }
    const list = [...shown.values()].map((thread) => ({ ...thread, place: locate(entry.session.doc, thread.start, thread.end) }));
    // In the text's order; a passage not on this device yet where the server says it is.
    const at = (thread) => thread.place?.from ?? (thread.place ? Infinity : (thread.range?.[0] ?? Infinity));
    return list.sort((a, b) => at(a) - at(b));
  }

  function marks() {
    return current()
      .filter((thread) => thread.place?.to && !thread.resolved && !thread.refused)
      .map((thread) => ({
        id: thread.id,
        from: thread.place.from,
        to: thread.place.to,
        className: thread.id === activeId ? "cm-comment cm-comment-active" : "cm-comment",
      }));
  }

  // --- writing ---

  const status = document.createElement("p");
  status.className = "comment-status";
  status.setAttribute("role", "status");

  async function send(event, payload) {
    const ack = await room.send(event, payload);
    status.textContent = !ack.ok && ack.error !== "queued" ? ack.message || ack.error : "";
    if (ack.ok) upsert(ack.comment);
    render();
    return ack;
  }

  async function submit(draft, body) {
    const payload = { section: entry.config.name, id: uuid(), start: draft.start, end: draft.end, quote: draft.quote, body };
    const slow = new Promise((resolve) => setTimeout(() => resolve({ ok: false, error: "queued" }), SLOW_MS));
    const ack = await Promise.race([room.send("comment", payload), slow]);
    if (!ack.ok && ack.error !== "queued") {
      refused.delete(payload.id); // said in the form, where the words still are
      render();
      return ack.message || ack.error;
    }
    if (ack.ok) upsert(ack.comment);
    activeId = payload.id;
    render();
    return null;
  }

  const list = new ThreadList({
    t,
    me,
    staff,
    mayComment: Boolean(may.comment),
    mayResolve: (thread) => Boolean(may.comment) && (staff || config.writer || thread.author?.id === me),
    names,
    actions: {
      async reply(thread, body) {
        const ack = await send("reply", { comment: thread.id, id: uuid(), body });
        return ack.ok || ack.error === "queued" ? null : ack.message || ack.error;
      },
      resolve: (thread, resolved) => send("resolve", { comment: thread.id, resolved }),
      hide(comment) {
        const reason = window.prompt(t.hide_reason)?.trim();
        if (reason) send("moderate_comment", { comment: comment.id, operation: "hide", reason });
      },
      restore: (comment) => send("moderate_comment", { comment: comment.id, operation: "restore", reason: "" }),
      select: (thread) => select(thread.id, { toText: true }),
      dismiss(thread) {
        refused.delete(thread.id);
        render();
      },
    },
  });
  list.element.prepend(status);
  const places = mountPlaces({ entry, t, list, wide });

  // `toText`: to the passage in the editor; else to the thread in the list.
  function select(id, { toText = false } = {}) {
    activeId = id;
    render();
    const thread = current().find((item) => item.id === id);
    const view = entry.editor?.view;
    if (toText && view && thread?.place?.to && !entry.editorBox.hidden) {
      places.close();
      view.dispatch({ selection: { anchor: thread.place.from, head: thread.place.to }, scrollIntoView: true });
      view.focus();
    } else if (wide.matches) {
      list.card(id)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
    } else {
      places.open(id);
    }
  }

  const editor = mountCommentEditor({ entry, t, may, wide, names, marks, submit, view: select, select });

  let feedbackState = null;
  const feedback = mountFeedback({
    t,
    workspace: entry.workspace,
    staff,
    save: async (body) => {
      const url = config.urls.feedback.replace("{key}", entry.config.key);
      const answer = await api(url, { method: "POST", body: JSON.stringify(body) });
      feedbackState = answer.feedback;
      return answer.feedback;
    },
  });

  // --- the room ---

  // A hidden comment loses its words in the room's news; the staff keep reading them.
  function merge(old, fresh) {
    if (staff && fresh.hidden && !fresh.body && old?.body) return { ...fresh, body: old.body, html: old.html };
    return fresh;
  }

  function upsert(comment) {
    if (!comment) return;
    if (comment.thread == null) {
      const old = threads.get(comment.id);
      const replies = (comment.replies || old?.replies || []).map((reply) =>
        merge(old?.replies?.find((r) => r.id === reply.id), reply),
      );
      const merged = merge(old, { ...old, ...comment, replies });
      if (!("passage" in comment) && old) Object.assign(merged, { passage: old.passage, range: old.range });
      threads.set(comment.id, merged);
      return;
    }
    const root = threads.get(comment.thread);
    if (!root) return; // the next state brings it
    const replies = [...(root.replies || [])];
    const at = replies.findIndex((reply) => reply.id === comment.id);
    if (at >= 0) replies[at] = merge(replies[at], comment);
    else replies.push(comment);
    threads.set(root.id, { ...root, replies });
  }

  function render() {
    const shown = current();
    list.render(shown, activeId);
    const open = shown.filter((thread) => !thread.resolved).length;
    const label = (plural.select(open) === "one" ? t.marker_one : t.marker_other).replace("{n}", String(open));
    places.show(label, { any: shown.length > 0, removed });
    editor.refresh();
  }

  function showState(state) {
    removed = false;
    threads = new Map((state.comments || []).map((comment) => [comment.id, comment]));
    feedbackState = state.feedback;
    feedback.show(feedbackState);
    render();
  }

  room.addEventListener("state", (event) => showState(event.detail));
  room.addEventListener("review", ({ detail }) => {
    if (detail.kind === "comment") upsert(detail.comment);
    else if (detail.kind === "feedback" && detail.action === "released") {
      const draft = feedbackState?.draft && { ...feedbackState.draft, pending: false };
      feedbackState = { ...detail.feedback, ...(draft && { draft }) };
      feedback.show(feedbackState);
    }
    render();
  });
  room.addEventListener("settled", ({ detail: { item, ack } }) => {
    if (item.event === "comment" && item.payload.section === entry.config.name) {
      if (ack.ok) upsert(ack.comment);
      else refused.set(item.payload.id, { payload: item.payload, message: ack.message || ack.error });
    } else if (ack.ok && ack.comment) {
      upsert(ack.comment);
    }
    render();
  });
  room.addEventListener("sent", render);
  room.addEventListener("removed", () => {
    removed = true;
    threads = new Map();
    places.close();
    status.textContent = t.removed;
    render();
  });

  // The text changed (here or elsewhere): the passages' order, a passage deleted.
  let later = null;
  entry.session.text.observe(() => {
    clearTimeout(later);
    later = setTimeout(render, 250);
  });

  if (room.state) showState(room.state);
  else render();
  return { select, render };
}
