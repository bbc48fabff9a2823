// A section's threads drawn as cards, in the text's order, the resolved ones folded under
// "Resolved (n)". One list per section, shown in the margin on a laptop and in the bottom
// sheet on a phone. A card's words are redrawn at every change; its reply form stays (a
// reply being typed survives the room's news). Bodies are the server's sanitized `html`;
// what this device has not sent yet is shown as text.
import { formatMoment } from "../net/moment.js";
import { createCommentForm } from "./comment-form.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function button(text, className, onClick) {
  const node = el("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

// Black or white on a group's colour (as the server's `ink` filter chooses).
function ink(colour) {
  const hex = /^#?([0-9a-f]{6})$/i.exec(colour || "")?.[1];
  if (!hex) return "#fff";
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? "#1d2433" : "#fff";
}

const UNITS = [
  ["year", 31536000],
  ["month", 2592000],
  ["week", 604800],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

function relative(value, justNow) {
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return "";
  const seconds = (moment.getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(document.documentElement.lang || "fr", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return justNow;
}

function timeOf(value, justNow) {
  const time = el("time", "comment-time", relative(value, justNow));
  time.dateTime = value;
  time.title = formatMoment(value);
  return time;
}

// `view`: {t, me (user id), staff, mayComment, mayResolve(thread), names(), actions:
// {reply(thread, body), resolve(thread, resolved), hide(comment), restore(comment),
// select(thread), dismiss(thread)}}.
export class ThreadList {
  constructor(view) {
    this.view = view;
    this.cards = new Map();
    this.element = el("div", "comment-threads");
    this.empty = el("p", "comment-empty", view.t.no_comments);
    this.open = el("div", "open-threads");
    this.resolved = el("details", "resolved-threads");
    this.resolvedTitle = el("summary");
    this.resolvedList = el("div");
    this.resolved.append(this.resolvedTitle, this.resolvedList);
    this.element.append(this.empty, this.open, this.resolved);
    this.timer = setInterval(() => this.retime(), 60000);
  }

  retime() {
    for (const time of this.element.querySelectorAll("time.comment-time")) time.textContent = relative(time.dateTime, this.view.t.just_now);
  }

  // `threads` in the text's order, each a thread as the server sends it plus `place`
  // ({from, to}, {deleted}, or null), `pending`, `refused`.
  render(threads, activeId) {
    const { t } = this.view;
    const open = threads.filter((thread) => !thread.resolved);
    const resolved = threads.filter((thread) => thread.resolved);
    for (const id of this.cards.keys()) {
      if (!threads.some((thread) => thread.id === id)) {
        this.cards.get(id).card.remove();
        this.cards.delete(id);
      }
    }
    for (const thread of threads) this.draw(thread, thread.id === activeId);
    this.place(this.open, open);
    this.place(this.resolvedList, resolved);
    this.empty.hidden = threads.length > 0;
    this.resolved.hidden = resolved.length === 0;
    this.resolvedTitle.textContent = t.resolved_n.replace("{n}", String(resolved.length));
    if (resolved.some((thread) => thread.id === activeId)) this.resolved.open = true;
  }

  // Moves only what is out of place: a card that moves loses the focus within it.
  place(parent, threads) {
    const wanted = threads.map((thread) => this.cards.get(thread.id).card);
    const same = wanted.length === parent.children.length && wanted.every((card, i) => parent.children[i] === card);
    if (!same) parent.replaceChildren(...wanted);
  }

  card(id) {
    return this.cards.get(id)?.card;
  }

  draw(thread, active) {
    let entry = this.cards.get(thread.id);
    if (!entry) {
      const card = el("article", "comment-thread");
      card.dataset.thread = thread.id;
      card.tabIndex = -1;
      const content = el("div", "thread-content");
      const replyBox = el("div", "thread-reply");
      replyBox.hidden = true;
      card.append(content, replyBox);
      entry = { card, content, replyBox, form: null };
      this.cards.set(thread.id, entry);
    }
    entry.thread = thread;
    const { card, content } = entry;
    card.classList.toggle("active", active);
    card.classList.toggle("pending", Boolean(thread.pending));
    card.classList.toggle("resolved", Boolean(thread.resolved));
    if (active) card.setAttribute("aria-current", "true");
    else card.removeAttribute("aria-current");
    // Redrawn only when it changed: a redrawn card loses the focus within it.
    const deleted = Boolean(thread.place?.deleted || (!thread.place && thread.passage === "deleted"));
    const signature = JSON.stringify([{ ...thread, place: null }, deleted]);
    if (signature !== entry.signature) content.replaceChildren(...this.threadContent(thread, entry));
    entry.signature = signature;
    if (thread.hidden || thread.pending || !this.view.mayComment) entry.replyBox.hidden = true;
  }

  threadContent(thread, entry) {
    const { t, actions } = this.view;
    const parts = [];
    const deleted = thread.place?.deleted || (!thread.place && thread.passage === "deleted");
    if (deleted) {
      const quote = el("p", "thread-quote deleted");
      quote.append(el("q", null, thread.quote), " ", el("span", "passage-deleted", t.passage_deleted));
      parts.push(quote);
    } else {
      const quote = button("", "thread-quote", () => actions.select(thread));
      quote.append(el("q", null, thread.quote));
      quote.setAttribute("aria-label", t.go_to_passage.replace("{quote}", thread.quote.slice(0, 80)));
      parts.push(quote);
    }
    const comments = el("ol", "thread-comments");
    comments.append(this.comment(thread, thread));
    for (const reply of thread.replies || []) comments.append(this.comment(reply, thread));
    parts.push(comments);
    if (thread.refused) {
      const refused = el("p", "comment-error", t.refused.replace("{message}", thread.refused));
      refused.append(" ", button(t.dismiss, "link", () => actions.dismiss(thread)));
      parts.push(refused);
      return parts;
    }
    if (thread.resolved) {
      const by = thread.resolved.by?.name || "";
      parts.push(el("p", "thread-resolved", t.resolved_by.replace("{name}", by)));
    }
    if (thread.pending) return parts;
    const tools = el("div", "thread-actions");
    if (this.view.mayComment && !thread.hidden && !thread.resolved) {
      tools.append(button(t.reply, null, () => this.openReply(entry)));
    }
    if (this.view.mayResolve(thread)) {
      const resolved = Boolean(thread.resolved);
      tools.append(button(resolved ? t.reopen : t.resolve, null, () => actions.resolve(thread, !resolved)));
    }
    if (tools.children.length) parts.push(tools);
    return parts;
  }

  comment(comment, thread) {
    const { t, staff, me, actions } = this.view;
    const li = el("li", "comment");
    if (comment.hidden) li.classList.add("hidden-comment");
    const head = el("p", "comment-head");
    head.append(el("strong", "comment-author", comment.author?.name || ""));
    if (comment.badge && comment.group) {
      const badge = el("span", "badge", comment.group.name);
      badge.style.setProperty("--group-colour", comment.group.colour);
      badge.style.setProperty("--group-ink", ink(comment.group.colour));
      head.append(" ", badge);
    }
    if (comment.pending) head.append(" ", el("span", "comment-pending", t.pending));
    else if (comment.created_at) head.append(" ", timeOf(comment.created_at, t.just_now));
    li.append(head);
    if (comment.hidden && !staff) {
      const note = el("p", "comment-hidden", t.hidden);
      if (comment.author?.id === me && comment.hidden_reason) {
        note.textContent = t.hidden_reason.replace("{reason}", comment.hidden_reason);
      }
      li.append(note);
      return li;
    }
    if (comment.hidden) li.append(el("p", "comment-hidden", t.hidden_staff.replace("{reason}", comment.hidden_reason)));
    const body = el("div", "comment-body prose");
    if (comment.pending) {
      body.classList.add("as-text");
      body.textContent = comment.body;
    } else {
      body.innerHTML = comment.html; // sanitized by the server (app/core/markdown.py)
    }
    li.append(body);
    if (staff && !comment.pending && !thread.pending) {
      const tools = el("div", "comment-tools");
      if (comment.hidden) tools.append(button(t.restore, "link", () => actions.restore(comment)));
      else tools.append(button(t.hide, "link danger", () => actions.hide(comment)));
      li.append(tools);
    }
    return li;
  }

  openReply(entry) {
    const { t, names, actions } = this.view;
    if (!entry.form) {
      entry.form = createCommentForm({
        t,
        label: t.reply_label,
        names,
        compact: true,
        onSubmit: async (body) => {
          const message = await actions.reply(entry.thread, body);
          if (!message) entry.replyBox.hidden = true;
          return message;
        },
        onCancel: () => {
          entry.form.reset();
          entry.replyBox.hidden = true;
          entry.card.querySelector(".thread-actions button")?.focus();
        },
      });
      entry.replyBox.append(entry.form.element);
    }
    entry.replyBox.hidden = false;
    entry.form.focus();
  }

  destroy() {
    clearInterval(this.timer);
  }
}
