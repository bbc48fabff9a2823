// The banner under the top bar: announcements (until dismissed), phase changes, locks,
// "your access ended". One message shows at a time, the newest, with "1/3" and a "+2"
// button that unfolds the others: on a phone the banner never covers more than a few
// lines. Closing an announcement marks it read and is remembered on this device
// (localStorage, per member), so it does not come back. Announcement HTML is sanitized by
// the server (nh3).

import { formatMoment } from "../net/moment.js";

const CLOSE_ICON = '<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-x"/></svg>';
const KEPT_DISMISSALS = 200;

export class Banner {
  constructor(root, strings, { user = "", allUrl = "" } = {}) {
    this.root = root;
    this.strings = strings;
    this.items = new Map();
    this.expanded = false;
    this.storageKey = `palabre:dismissed-announcements:${user}`;
    this.list = document.createElement("div");
    this.list.className = "live-list";
    this.bar = document.createElement("div");
    this.bar.className = "live-bar";
    this.count = document.createElement("span");
    this.count.className = "live-count";
    this.more = document.createElement("button");
    this.more.type = "button";
    this.more.className = "live-more";
    this.more.setAttribute("aria-expanded", "false");
    this.more.addEventListener("click", () => {
      this.expanded = !this.expanded;
      this._sync();
    });
    this.bar.append(this.count, this.more);
    this.allUrl = allUrl;
    root.replaceChildren(this.list, this.bar);
  }

  // Newest first; only the first shows unless the banner is unfolded.
  _sync() {
    const ordered = [...this.items.values()].sort((a, b) => b.order - a.order);
    const n = ordered.length;
    if (n < 2) this.expanded = false;
    this.root.hidden = n === 0;
    this.root.classList.toggle("expanded", this.expanded);
    ordered.forEach((entry, index) => {
      entry.element.hidden = index > 0 && !this.expanded;
      this.list.append(entry.element);
    });
    this.bar.hidden = n < 2;
    this.count.textContent = `1/${n}`;
    this.more.textContent = this.expanded ? this.strings.less || "−" : `+${n - 1}`;
    this.more.setAttribute("aria-expanded", String(this.expanded));
    this.more.setAttribute(
      "aria-label",
      this.expanded ? this.strings.less || "" : (this.strings.more || "{n}").replace("{n}", String(n - 1)),
    );
  }

  show(key, { html = null, text = "", kind = "info", dismissible = true, onDismiss = null, order = null } = {}) {
    this.remove(key, { quiet: true });
    const element = document.createElement("div");
    element.className = `live-item live-${kind}`;
    element.dataset.key = key;
    const body = document.createElement("div");
    body.className = "live-body";
    if (html !== null) body.innerHTML = html;
    else body.textContent = text;
    element.append(body);
    if (dismissible) {
      const close = document.createElement("button");
      close.type = "button";
      close.className = "live-close";
      close.innerHTML = CLOSE_ICON;
      close.setAttribute("aria-label", this.strings.dismiss);
      close.addEventListener("click", () => {
        this.remove(key);
        if (onDismiss) onDismiss();
      });
      element.append(close);
    }
    this.items.set(key, { element, kind, order: order ?? Date.now() + this.items.size / 1000 });
    this._sync();
    return element;
  }

  remove(key, { quiet = false } = {}) {
    const entry = this.items.get(key);
    if (entry) entry.element.remove();
    this.items.delete(key);
    if (!quiet) this._sync();
  }

  dismissed() {
    try {
      return JSON.parse(localStorage.getItem(this.storageKey) || "[]");
    } catch {
      return [];
    }
  }

  _remember(id) {
    const ids = this.dismissed().filter((other) => other !== id);
    ids.push(id);
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(ids.slice(-KEPT_DISMISSALS)));
    } catch {
      // Private mode or a full storage: the server's "read" still keeps it away.
    }
  }

  announcement(a, onRead) {
    if (this.dismissed().includes(a.id)) {
      if (onRead) onRead(); // closed here while the link was down: tell the server now
      return null;
    }
    // The title opens the announcements page (every message, in full).
    const title = `${escapeHtml(this.strings.announcement)}${a.group ? ` · ${escapeHtml(a.group)}` : ""}`;
    const link = this.allUrl
      ? `<a href="${escapeHtml(this.allUrl)}" title="${escapeHtml(this.strings.all || "")}">${title}</a>`
      : title;
    const header = `<strong class="live-title">${link}</strong> <span class="live-author">${escapeHtml(a.author || "")}</span>`;
    return this.show(`announcement-${a.id}`, {
      html: `${header}<div class="live-message">${a.html}</div>`,
      kind: "announcement",
      order: Date.parse(a.at) || Date.now(),
      onDismiss: () => {
        this._remember(a.id);
        if (onRead) onRead();
      },
    });
  }
}

// Where writing stands, worked out again in the page when the phase or a lock changes:
// the same rules as app/workshops/locks.py (writing_status), over the course of phases
// the page was served with.
export function writingState(course, phase, locked) {
  if (!phase || !phase.key) return { state: "closed" };
  if (!phase.write_own_paper || phase.papers_locked) {
    const index = course.findIndex((p) => p.key === phase.key);
    const later = course.slice(index + 1).find((p) => p.writes);
    if (!later) return { state: "closed" };
    const earlier = course.slice(0, Math.max(index, 0)).some((p) => p.writes);
    return { state: earlier ? "paused" : "not_started", next: later.name, at: phase.deadline };
  }
  return { state: locked ? "locked" : "open" };
}

export function writingText(status, strings) {
  const when = status.at ? formatMoment(status.at) : null;
  const pick = (name) => (when ? strings[`${name}_at`] : strings[name]) || "";
  const fill = (text) => text.replace("{phase}", status.next || "").replace("{when}", when || "");
  if (status.state === "not_started") return fill(pick("not_started"));
  if (status.state === "paused") return fill(pick("paused"));
  if (status.state === "locked") return strings.locked_by || "";
  if (status.state === "closed") return strings.closed || "";
  return "";
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
