// The small form a comment or a reply is written in: Markdown, at most 2,000 characters
// (a counter says how many), "@" offering the names this page knows of (the server
// refuses a name it does not know, with its message shown here).
const MAX = 2000;
const MENTION = /(?:^|[^\p{L}\p{N}_@])@([^@\n]{0,40})$/u;
let counter = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

// `names()` → the names to offer; `onSubmit(body)` → a promise of null (done) or a message
// to show; `onCancel()`.
export function createCommentForm({ t, label, names, onSubmit, onCancel, compact = false }) {
  const id = `comment-form-${++counter}`;
  const form = el("form", compact ? "comment-form compact" : "comment-form");
  form.noValidate = true;
  const caption = el("label", "visually-hidden", label);
  caption.htmlFor = id;
  const textarea = el("textarea");
  textarea.id = id;
  textarea.rows = 3;
  textarea.maxLength = MAX;
  textarea.placeholder = t.comment_placeholder;
  textarea.setAttribute("aria-describedby", `${id}-count`);
  const list = el("ul", "mention-list");
  list.id = `${id}-mentions`;
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", t.mention_list);
  list.hidden = true;
  // A text box has no active option: the name under the arrow keys is said here.
  const said = el("span", "visually-hidden");
  said.setAttribute("aria-live", "polite");
  const count = el("span", "comment-count");
  count.id = `${id}-count`;
  const cancel = el("button", null, t.cancel);
  cancel.type = "button";
  // Not a submit button: the shell stops every form's submission while offline
  // (frontend/src/pages/shell.js), and a comment is written to wait in the queue.
  const send = el("button", "primary comment-send", t.send);
  send.type = "button";
  const foot = el("div", "comment-form-foot");
  foot.append(count, cancel, send);
  const error = el("p", "comment-error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  form.append(caption, textarea, list, said, foot, error);

  const format = new Intl.NumberFormat(document.documentElement.lang || "fr");
  const showCount = () => {
    count.textContent = t.count.replace("{n}", format.format(textarea.value.length)).replace("{max}", format.format(MAX));
    count.classList.toggle("near", textarea.value.length > MAX - 100);
  };
  showCount();

  let options = [];
  let active = -1;
  const query = () => MENTION.exec(textarea.value.slice(0, textarea.selectionStart))?.[1];
  const closeList = () => {
    list.hidden = true;
    options = [];
    active = -1;
    said.textContent = "";
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) said.textContent = t.mention_offer.replace("{name}", options[index]);
  };
  const choose = (name) => {
    const caret = textarea.selectionStart;
    const typed = query() ?? "";
    const before = textarea.value.slice(0, caret - typed.length);
    const insert = `${name} `;
    textarea.value = before + insert + textarea.value.slice(caret);
    const at = before.length + insert.length;
    textarea.setSelectionRange(at, at);
    closeList();
    showCount();
    textarea.focus();
  };
  const offer = () => {
    const typed = query();
    if (typed == null) return closeList();
    const wanted = typed.toLocaleLowerCase();
    options = [...new Set(names())].filter((name) => name.toLocaleLowerCase().startsWith(wanted)).slice(0, 6);
    if (!options.length) return closeList();
    list.replaceChildren(
      ...options.map((name, i) => {
        const li = el("li", null, name);
        li.id = `${id}-m${i}`;
        li.setAttribute("role", "option");
        li.addEventListener("mousedown", (event) => {
          event.preventDefault(); // the textarea keeps the focus
          choose(name);
        });
        return li;
      }),
    );
    list.hidden = false;
    highlight(0);
  };

  textarea.addEventListener("input", () => {
    showCount();
    error.hidden = true;
    offer();
  });
  textarea.addEventListener("keydown", (event) => {
    if (!list.hidden && options.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + options.length) % options.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(options[Math.max(active, 0)]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        closeList();
        return;
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(closeList, 150));
  cancel.addEventListener("click", () => onCancel());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  send.addEventListener("click", () => submit());
  async function submit() {
    if (send.disabled) return;
    const body = textarea.value.trim();
    if (!body) {
      error.textContent = t.empty;
      error.hidden = false;
      return;
    }
    send.disabled = true;
    try {
      const message = await onSubmit(body);
      if (message) {
        error.textContent = message;
        error.hidden = false;
      } else {
        textarea.value = "";
        showCount();
      }
    } finally {
      send.disabled = false;
    }
  }

  return {
    element: form,
    textarea,
    focus: () => textarea.focus({ preventScroll: false }),
    reset() {
      textarea.value = "";
      error.hidden = true;
      closeList();
      showCount();
    },
  };
}
