// Where a comment starts: words selected in the editor (or in the preview, the only text
// of a locked section) bring a "Comment" button beside them, which opens the small form
// there; on a phone, the caret in highlighted words brings "See the comment". The
// button keeps the editor's focus, so a phone's keyboard stays up and the button stays
// beside the words, above it.
//
// The preview is rendered Markdown: words selected there are commented only when they
// are, character for character, in the Markdown once (no formatting inside, not a phrase
// written twice): then the passage is certain.
import { keymap } from "@codemirror/view";
import { createCommentForm } from "./comment-form.js";
import { anchorPassage, locate, passageExtension } from "./passages.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function quoted(text) {
  return el("q", null, text.length > 140 ? `${text.slice(0, 140)}…` : text);
}

// `marks()` → the threads' highlights; `submit(draft, body)` → null or a message;
// `view(id)`: show a thread (phone); `select(id)`: a click on highlighted words (laptop).
export function mountCommentEditor({ entry, t, may, wide, names, marks, submit, view, select }) {
  const ytext = entry.session.text;
  const plural = new Intl.PluralRules(document.documentElement.lang || "fr");
  const panes = entry.workspace.querySelector(".panes");
  let draft = null;
  let passages = null;
  let underCaret = [];
  let source = null; // "editor" or "preview": where the words were selected
  let previewPassage = null;

  const bar = el("div", "comment-bar");
  bar.hidden = true;
  const commentButton = el("button", "primary", t.comment);
  commentButton.type = "button";
  const viewButton = el("button");
  viewButton.type = "button";
  bar.append(commentButton, viewButton);
  const popover = el("div", "comment-popover");
  popover.hidden = true;
  const popoverQuote = el("p", "comment-popover-quote");
  const form = createCommentForm({
    t,
    label: t.comment_label,
    names,
    onSubmit: async (body) => {
      const message = await submit(draft, body);
      if (!message) closeForm();
      return message;
    },
    onCancel: () => closeForm(),
  });
  popover.append(popoverQuote, form.element);
  entry.editorBox.after(bar, popover); // next to the editor for the Tab key
  bar.addEventListener("mousedown", (event) => event.preventDefault());

  // `rect`: viewport coordinates of the words' end.
  function place(node, rect) {
    const box = panes.getBoundingClientRect();
    const width = Math.min(node.offsetWidth || 0, box.width);
    node.style.top = `${rect.bottom - box.top + 6}px`;
    node.style.left = `${Math.max(0, Math.min(rect.left - box.left, box.width - width))}px`;
  }

  function placeAtEditor(node, pos) {
    const { view: editor } = entry.editor;
    editor.requestMeasure({
      read: () => editor.coordsAtPos(pos),
      write: (rect) => rect && place(node, rect),
    });
  }

  function showBar({ canComment, ids, at }) {
    underCaret = ids;
    const canView = ids.length > 0 && !wide.matches;
    commentButton.hidden = !canComment;
    viewButton.hidden = !canView;
    if (canView) {
      const one = plural.select(ids.length) === "one";
      viewButton.textContent = one ? t.view_one : t.view_other.replace("{n}", String(ids.length));
    }
    bar.hidden = !popover.hidden || !(canComment || canView);
    if (!bar.hidden) at(bar);
  }

  function fromEditor(ids, editor) {
    if (source === "preview" && !editor.hasFocus) return;
    source = "editor";
    const { main } = editor.state.selection;
    showBar({
      canComment: Boolean(may.comment) && !main.empty,
      ids,
      at: (node) => placeAtEditor(node, main.empty ? main.head : main.to),
    });
  }

  // The words selected in the preview, if they are in the Markdown exactly once.
  function previewSelection() {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!entry.preview.contains(range.commonAncestorContainer) || entry.preview.classList.contains("past")) return null;
    const words = selection.toString();
    const markdown = ytext.toString();
    const from = words.trim() ? markdown.indexOf(words) : -1;
    if (from < 0 || markdown.indexOf(words, from + 1) >= 0) return { range, from: -1 };
    return { range, from, to: from + words.length, quote: words };
  }

  document.addEventListener("selectionchange", () => {
    if (!may.comment || !popover.hidden) return;
    const found = previewSelection();
    if (!found) {
      if (source === "preview") {
        previewPassage = null;
        bar.hidden = true;
      }
      return;
    }
    source = "preview";
    previewPassage = found.from >= 0 ? found : null;
    const rects = found.range.getClientRects();
    const last = rects[rects.length - 1] || found.range.getBoundingClientRect();
    showBar({ canComment: Boolean(previewPassage), ids: [], at: (node) => place(node, last) });
  });

  function openForm() {
    if (!may.comment) return false;
    let passage = null;
    if (source === "preview" && previewPassage) {
      passage = previewPassage;
    } else if (entry.editor) {
      const { main } = entry.editor.view.state.selection;
      if (!main.empty) passage = { from: main.from, to: main.to, quote: entry.editor.view.state.sliceDoc(main.from, main.to) };
    }
    if (!passage) return false;
    draft = { ...anchorPassage(ytext, passage.from, passage.to), quote: passage.quote };
    popoverQuote.replaceChildren(quoted(draft.quote));
    const barAt = bar.getBoundingClientRect();
    bar.hidden = true;
    popover.hidden = false;
    if (source === "preview") place(popover, { left: barAt.left, bottom: barAt.top - 6 });
    else placeAtEditor(popover, passage.to);
    refresh();
    form.focus();
    return true;
  }

  function closeForm() {
    const back = source === "editor" && entry.editor;
    draft = null;
    popover.hidden = true;
    form.reset();
    refresh();
    if (back) entry.editor.view.focus();
  }

  commentButton.addEventListener("click", openForm);
  viewButton.addEventListener("click", () => underCaret[0] && view(underCaret[0]));

  function draftMark() {
    const where = draft && locate(entry.session.doc, draft.start, draft.end);
    return where?.to ? [{ id: "draft", from: where.from, to: where.to, className: "cm-comment-draft" }] : [];
  }

  function attach() {
    if (passages || !entry.editor) return;
    const { view: editor } = entry.editor;
    passages = passageExtension(ytext, {
      compute: () => [...marks(), ...draftMark()],
      onSelect: fromEditor,
      onClick: (ids) => ids[0] && wide.matches && select(ids[0]),
    });
    entry.editor.addExtensions([passages.extension, keymap.of([{ key: "Mod-Alt-m", run: openForm }])]);
    editor.dom.addEventListener("focusout", () =>
      setTimeout(() => {
        if (source === "editor" && !panes.contains(document.activeElement)) bar.hidden = true;
      }, 100),
    );
  }

  function refresh() {
    if (passages && entry.editor) passages.refresh(entry.editor.view);
  }

  if (entry.editor) attach();
  else {
    // Opened as the locked reading view: the editor may come later (the lock lifted).
    const watch = new MutationObserver(() => {
      if (!entry.editor) return;
      watch.disconnect();
      attach();
    });
    watch.observe(entry.editorBox, { childList: true });
  }

  return { refresh };
}
