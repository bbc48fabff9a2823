// The banner under the top bar: announcements (until read), phase changes, locks,
// "your access ended". Announcement HTML is sanitized by the server (nh3).

export class Banner {
  constructor(root, strings) {
    this.root = root;
    this.strings = strings;
    this.items = new Map();
  }

  _sync() {
    this.root.hidden = this.items.size === 0;
  }

  show(key, { html = null, text = "", kind = "info", dismissible = true, onDismiss = null } = {}) {
    this.remove(key);
    const item = document.createElement("div");
    item.className = `live-item live-${kind}`;
    item.dataset.key = key;
    const body = document.createElement("div");
    body.className = "live-body";
    if (html !== null) body.innerHTML = html;
    else body.textContent = text;
    item.append(body);
    if (dismissible) {
      const close = document.createElement("button");
      close.type = "button";
      close.className = "live-close";
      close.textContent = "×";
      close.setAttribute("aria-label", this.strings.dismiss);
      close.addEventListener("click", () => {
        this.remove(key);
        if (onDismiss) onDismiss();
      });
      item.append(close);
    }
    this.root.append(item);
    this.items.set(key, item);
    this._sync();
    return item;
  }

  remove(key) {
    const item = this.items.get(key);
    if (item) item.remove();
    this.items.delete(key);
    this._sync();
  }

  announcement(a, onRead) {
    const header = `<strong class="live-title">${escapeHtml(this.strings.announcement)}${
      a.group ? ` · ${escapeHtml(a.group)}` : ""
    }</strong> <span class="live-author">${escapeHtml(a.author || "")}</span>`;
    return this.show(`announcement-${a.id}`, {
      html: `${header}<div class="live-message">${a.html}</div>`,
      kind: "announcement",
      onDismiss: onRead,
    });
  }
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
