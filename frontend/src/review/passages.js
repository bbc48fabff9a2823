// A commented passage in the editor: two Yjs relative positions (README, "Comments and
// suggestions"), turned back into offsets of the text as it is now, and the CodeMirror
// field that highlights them. The highlights map through every change at once, then are
// recomputed from the relative positions once the editor and the Y.Text agree again: they
// follow the words whoever edits, offline too.
import { StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin } from "@codemirror/view";
import * as Y from "yjs";

function toBase64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// `start` on the passage's first character, `end` after its last (assoc -1).
export function anchorPassage(ytext, from, to) {
  const start = Y.createRelativePositionFromTypeIndex(ytext, from, 0);
  const end = Y.createRelativePositionFromTypeIndex(ytext, to, -1);
  return { start: toBase64(Y.encodeRelativePosition(start)), end: toBase64(Y.encodeRelativePosition(end)) };
}

// Where a passage is now: {from, to}; {deleted: true} once its text is gone; null when
// this device does not hold the text it points to yet.
export function locate(doc, start, end) {
  try {
    const from = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(start)), doc);
    const to = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(end)), doc);
    if (!from || !to) return null;
    return from.index < to.index ? { from: from.index, to: to.index } : { deleted: true };
  } catch {
    return null;
  }
}

// [{id, from, to, className}] → the highlights.
export const setPassages = StateEffect.define();

function build(passages, length) {
  const marks = [];
  for (const p of passages) {
    if (p.from >= p.to || p.to > length) continue;
    marks.push(
      Decoration.mark({
        class: p.className,
        attributes: { "data-thread": p.id },
        inclusiveStart: false,
        inclusiveEnd: false,
      }).range(p.from, p.to),
    );
  }
  return Decoration.set(marks, true);
}

const passageField = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    let marks = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setPassages)) marks = build(effect.value, tr.state.doc.length);
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// The threads whose passage holds `pos`, innermost (shortest) first.
export function threadsAt(state, pos) {
  const found = [];
  state.field(passageField).between(pos, pos, (from, to, mark) => {
    const id = mark.spec.attributes?.["data-thread"];
    if (id && from <= pos && pos <= to) found.push({ id, length: to - from });
  });
  return found.sort((a, b) => a.length - b.length).map((f) => f.id);
}

// `compute()` → the passages now; `onSelect(ids, view)`: the selection moved (ids: the
// threads under it); `onClick(ids)`: a click on highlighted words.
export function passageExtension(ytext, { compute, onSelect, onClick }) {
  const refresher = ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.view = view;
        this.pending = false;
        this.schedule();
      }

      // Once the update is over (y-codemirror brings the Y.Text up to date in its own
      // plugin): then both texts are one and the offsets hold.
      schedule() {
        if (this.pending) return;
        this.pending = true;
        queueMicrotask(() => {
          this.pending = false;
          if (this.destroyed) return;
          if (this.view.state.doc.length !== ytext.length) {
            setTimeout(() => this.schedule(), 30);
            return;
          }
          this.view.dispatch({ effects: setPassages.of(compute()) });
        });
      }

      update(update) {
        if (update.docChanged) this.schedule();
        if (update.selectionSet || update.docChanged || update.focusChanged) {
          const { main } = update.state.selection;
          onSelect(threadsAt(update.state, main.head), update.view);
        }
      }

      destroy() {
        this.destroyed = true;
      }
    },
  );
  const clicks = EditorView.domEventHandlers({
    click(event, view) {
      if (!event.target.closest?.("[data-thread]") || !view.state.selection.main.empty) return false;
      const pos = view.posAtCoords({ x: event.clientX, y: event.clientY });
      if (pos != null) onClick(threadsAt(view.state, pos));
      return false;
    },
  });
  return { extension: [passageField, refresher, clicks], refresh: (view) => view.plugin(refresher)?.schedule() };
}
