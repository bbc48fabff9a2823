// A prose editor: CodeMirror 6 with only what writing Markdown needs (no basicSetup, no
// HTML/JS/CSS grammars), bound to a Y.Text by y-codemirror.next.
import { Compartment, EditorSelection, EditorState } from "@codemirror/state";
import { EditorView, drawSelection, keymap, placeholder } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { Language, defineLanguageFacet, syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { parser } from "@lezer/markdown";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import * as Y from "yjs";

const markdownLanguage = new Language(defineLanguageFacet(), parser, [], "markdown");

export function createEditor(parent, session, { nonce, placeholderText, onChange }) {
  const editable = new Compartment();
  const undoManager = new Y.UndoManager(session.text);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: session.text.toString(),
      extensions: [
        EditorView.cspNonce.of(nonce || ""),
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap, ...historyKeymap]),
        history(),
        drawSelection(),
        EditorView.lineWrapping,
        markdownLanguage,
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        placeholder(placeholderText || ""),
        yCollab(session.text, session.awareness, { undoManager }),
        editable.of(EditorView.editable.of(!session.readonly)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange?.();
        }),
        EditorView.contentAttributes.of({ "aria-multiline": "true", spellcheck: "true" }),
      ],
    }),
  });
  return {
    view,
    setReadonly(readonly) {
      view.dispatch({ effects: editable.reconfigure(EditorView.editable.of(!readonly)) });
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
