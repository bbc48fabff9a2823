// A prose editor: CodeMirror 6 with only what writing Markdown needs (no basicSetup, no
// grammar: light marks, see marks.js), bound to a Y.Text by y-codemirror.next, whose
// Y.UndoManager is the undo history (it undoes this member's changes only).
import { Compartment, EditorSelection, EditorState, findClusterBreak } from "@codemirror/state";
import { EditorView, drawSelection, keymap, placeholder } from "@codemirror/view";
import {
  cursorCharLeft,
  cursorCharRight,
  cursorDocEnd,
  cursorDocStart,
  cursorGroupLeft,
  cursorGroupRight,
  cursorLineBoundaryBackward,
  cursorLineBoundaryForward,
  cursorLineDown,
  cursorLineUp,
  cursorPageDown,
  cursorPageUp,
  deleteGroupBackward,
  deleteGroupForward,
  insertNewline,
  selectAll,
  selectCharLeft,
  selectCharRight,
  selectDocEnd,
  selectDocStart,
  selectGroupLeft,
  selectGroupRight,
  selectLineBoundaryBackward,
  selectLineBoundaryForward,
  selectLineDown,
  selectLineUp,
  selectPageDown,
  selectPageUp,
} from "@codemirror/commands";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import * as Y from "yjs";
import { markdownMarks } from "./marks.js";

// Delete the selection, or the character (grapheme) before or after the cursor: the commands'
// own deleteChar* also delete by indentation unit, which brings a grammar runtime along.
const deleteChar = (forward) => (view) => {
  const { state } = view;
  const transaction = state.changeByRange((range) => {
    if (!range.empty) return { changes: { from: range.from, to: range.to }, range: EditorSelection.cursor(range.from) };
    const line = state.doc.lineAt(range.head);
    let target = line.from + findClusterBreak(line.text, range.head - line.from, forward);
    if (target === range.head && line.number !== (forward ? state.doc.lines : 1)) target += forward ? 1 : -1;
    const [from, to] = forward ? [range.head, target] : [target, range.head];
    return { changes: { from, to }, range: EditorSelection.cursor(from) };
  });
  if (transaction.changes.empty) return false;
  view.dispatch(state.update(transaction, { scrollIntoView: true, userEvent: forward ? "delete.forward" : "delete.backward" }));
  return true;
};
const deleteCharBackward = deleteChar(false);
const deleteCharForward = deleteChar(true);

// The keys prose needs (@codemirror/commands' standardKeymap, but Enter inserts a plain
// line break): its defaultKeymap adds code commands (brackets, comments, syntax-aware
// selection) that bring a grammar runtime along. Phones type through input events anyway.
const proseKeymap = [
  { key: "ArrowLeft", run: cursorCharLeft, shift: selectCharLeft, preventDefault: true },
  { key: "Mod-ArrowLeft", mac: "Alt-ArrowLeft", run: cursorGroupLeft, shift: selectGroupLeft, preventDefault: true },
  { key: "ArrowRight", run: cursorCharRight, shift: selectCharRight, preventDefault: true },
  { key: "Mod-ArrowRight", mac: "Alt-ArrowRight", run: cursorGroupRight, shift: selectGroupRight, preventDefault: true },
  { key: "ArrowUp", run: cursorLineUp, shift: selectLineUp, preventDefault: true },
  { key: "ArrowDown", run: cursorLineDown, shift: selectLineDown, preventDefault: true },
  { key: "PageUp", run: cursorPageUp, shift: selectPageUp },
  { key: "PageDown", run: cursorPageDown, shift: selectPageDown },
  { key: "Home", run: cursorLineBoundaryBackward, shift: selectLineBoundaryBackward, preventDefault: true },
  { key: "Mod-Home", run: cursorDocStart, shift: selectDocStart },
  { key: "End", run: cursorLineBoundaryForward, shift: selectLineBoundaryForward, preventDefault: true },
  { key: "Mod-End", run: cursorDocEnd, shift: selectDocEnd },
  { key: "Enter", run: insertNewline, shift: insertNewline },
  { key: "Mod-a", run: selectAll },
  { key: "Backspace", run: deleteCharBackward, shift: deleteCharBackward, preventDefault: true },
  { key: "Delete", run: deleteCharForward, preventDefault: true },
  { key: "Mod-Backspace", mac: "Alt-Backspace", run: deleteGroupBackward, preventDefault: true },
  { key: "Mod-Delete", mac: "Alt-Delete", run: deleteGroupForward, preventDefault: true },
];

export function createEditor(parent, session, { nonce, placeholderText, onChange }) {
  const editable = new Compartment();
  // What loads later (the review's decorations and filters, frontend/src/review/) joins here.
  const extras = new Compartment();
  const added = [];
  const undoManager = new Y.UndoManager(session.text);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: session.text.toString(),
      extensions: [
        EditorView.cspNonce.of(nonce || ""),
        keymap.of([...yUndoManagerKeymap, ...proseKeymap]),
        drawSelection(),
        EditorView.lineWrapping,
        markdownMarks,
        placeholder(placeholderText || ""),
        yCollab(session.text, session.awareness, { undoManager }),
        editable.of(EditorView.editable.of(!session.readonly)),
        extras.of([]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange?.();
        }),
        // The text box is named as its container is (the page's "Text in Markdown").
        EditorView.contentAttributes.of({
          "aria-multiline": "true",
          spellcheck: "true",
          "aria-label": parent.getAttribute("aria-label") || "",
        }),
      ],
    }),
  });
  return {
    view,
    undoManager,
    setReadonly(readonly) {
      view.dispatch({ effects: editable.reconfigure(EditorView.editable.of(!readonly)) });
    },
    addExtensions(extensions) {
      added.push(extensions);
      view.dispatch({ effects: extras.reconfigure([...added]) });
    },
    destroy() {
      view.destroy();
      undoManager.destroy();
    },
  };
}

// --- toolbar commands on the selection ------------------------------------------------------

function wrap(view, mark) {
  view.dispatch(
    view.state.changeByRange((range) => {
      const text = view.state.sliceDoc(range.from, range.to);
      const insert = `${mark}${text}${mark}`;
      return {
        changes: { from: range.from, to: range.to, insert },
        range: EditorSelection.range(range.from + mark.length, range.from + mark.length + text.length),
      };
    }),
  );
}

function prefixLines(view, prefix) {
  const { state } = view;
  const changes = [];
  let number = 1;
  for (const range of state.selection.ranges) {
    for (let pos = range.from; pos <= range.to; ) {
      const line = state.doc.lineAt(pos);
      const mark = typeof prefix === "function" ? prefix(number++) : prefix;
      changes.push({ from: line.from, insert: mark });
      pos = line.to + 1;
    }
  }
  view.dispatch({ changes });
}

function insertLink(view, label) {
  const range = view.state.selection.main;
  const text = view.state.sliceDoc(range.from, range.to) || label;
  const insert = `[${text}](https://)`;
  view.dispatch({
    changes: { from: range.from, to: range.to, insert },
    selection: { anchor: range.from + text.length + 3, head: range.from + insert.length - 1 },
  });
}

function insertFootnote(view) {
  const doc = view.state.doc.toString();
  const used = [...doc.matchAll(/\[\^(\d+)\]/g)].map((m) => Number(m[1]));
  const n = used.length ? Math.max(...used) + 1 : 1;
  const at = view.state.selection.main.to;
  const note = `${doc.endsWith("\n") ? "" : "\n"}\n[^${n}]: `;
  view.dispatch({
    changes: [
      { from: at, insert: `[^${n}]` },
      { from: doc.length, insert: note },
    ],
    selection: { anchor: doc.length + `[^${n}]`.length + note.length },
  });
}

export const COMMANDS = {
  bold: (view) => wrap(view, "**"),
  italic: (view) => wrap(view, "_"),
  heading: (view) => prefixLines(view, "### "),
  bullets: (view) => prefixLines(view, "- "),
  numbers: (view) => prefixLines(view, (n) => `${n}. `),
  quote: (view) => prefixLines(view, "> "),
  link: (view, label) => insertLink(view, label),
  footnote: (view) => insertFootnote(view),
};
