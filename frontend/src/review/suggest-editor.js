// The "Suggest" mode inside CodeMirror: while it is on, a transaction filter keeps the
// member's edits out of the text (so out of the Y.Text) and turns them into one local
// draft — a contiguous passage of the text and what would replace it — that consecutive
// typing and deleting next to it extend. Remote Yjs changes and undo (both come through
// y-codemirror's own transactions, annotated with ySyncAnnotation) pass untouched.
//
// The suggestions are shown view-only: the passage struck through (a mark), the new text
// as a widget after it. Nothing of them enters the document, hence nothing the export
// reads. Positions come from suggest.js (resolved from the Yjs relative positions after
// every text change) and are mapped through the changes in between.
import { EditorSelection, EditorState, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, WidgetType } from "@codemirror/view";
import { ySyncAnnotation } from "y-codemirror.next";

export const setMode = StateEffect.define();
export const setDraft = StateEffect.define();
// [{id, from, to, inserted, author, state: "pending" | "waiting" | "refused"}]
export const setShown = StateEffect.define();

const modeField = StateField.define({
  create: () => false,
  update(mode, tr) {
    for (const effect of tr.effects) if (effect.is(setMode)) mode = effect.value;
    return mode;
  },
});

// A passage [from, to) and its replacement, mapped through remote changes: text typed
// at its edges stays outside it.
function mapPassage(item, changes) {
  if (item.from === item.to) {
    const at = changes.mapPos(item.from, 1);
    return { ...item, from: at, to: at };
  }
  const from = changes.mapPos(item.from, 1);
  return { ...item, from, to: Math.max(from, changes.mapPos(item.to, -1)) };
}

export const draftField = StateField.define({
  create: () => null,
  update(draft, tr) {
    for (const effect of tr.effects) if (effect.is(setDraft)) return effect.value;
    return draft && tr.docChanged ? mapPassage(draft, tr.changes) : draft;
  },
});

const shownField = StateField.define({
  create: () => [],
  update(shown, tr) {
    for (const effect of tr.effects) if (effect.is(setShown)) return effect.value;
    return tr.docChanged ? shown.map((item) => mapPassage(item, tr.changes)) : shown;
  },
});

// The member's change, as one replacement of [a, b) of the text by `text`.
function changeOf(tr) {
  const parts = [];
  tr.changes.iterChanges((fromA, toA, fromB, toB) => parts.push({ fromA, toA, fromB, toB }));
  const first = parts[0];
  const last = parts.at(-1);
  let a = first.fromA;
  let b = last.toA;
  let text = tr.newDoc.sliceString(first.fromB, last.toB);
  if (parts.length > 1) {
    // A command changing several places (a footnote, list marks): one passage covering
    // them, without the text they share at its ends.
    const old = tr.startState.sliceDoc(a, b);
    let head = 0;
    while (head < old.length && head < text.length && old[head] === text[head]) head++;
    let tail = 0;
    while (tail < old.length - head && tail < text.length - head && old.at(-1 - tail) === text.at(-1 - tail)) tail++;
    a += head;
    b -= tail;
    text = text.slice(head, text.length - tail);
  }
  return { a, b, text };
}

// The draft after the member's change `c` (startState positions), and the one to send
// when `c` is elsewhere.
export function merge(draft, c, backward) {
  const fresh = { from: c.a, to: c.b, inserted: c.text };
  if (!draft || c.b < draft.from || c.a > draft.to) return { draft: fresh, flushed: draft };
  if (!c.text && backward && c.b === draft.to && draft.inserted) {
    const kept = Math.max(0, draft.inserted.length - (c.b - c.a));
    return { draft: { ...draft, inserted: draft.inserted.slice(0, kept) }, flushed: null };
  }
  const next = {
    from: Math.min(draft.from, c.a),
    to: Math.max(draft.to, c.b),
    inserted: draft.inserted + c.text,
  };
  return { draft: next, flushed: null };
}

function suggestFilter(controller) {
  return EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || !tr.startState.field(modeField, false) || tr.annotation(ySyncAnnotation) !== undefined) {
      return tr;
    }
    const change = changeOf(tr);
    const backward = tr.isUserEvent("delete.backward");
    const { draft, flushed } = merge(tr.startState.field(draftField), change, backward);
    if (flushed) controller.sendDraft(flushed);
    const empty = draft.from === draft.to && !draft.inserted;
    const at = !draft.inserted && backward ? draft.from : draft.to;
    return {
      effects: setDraft.of(empty ? null : draft),
      selection: EditorSelection.cursor(at, -1),
      scrollIntoView: true,
    };
  });
}

class InsertedWidget extends WidgetType {
  constructor(text, label, state, active) {
    super();
    this.text = text;
    this.label = label;
    this.state = state;
    this.active = active;
  }

  eq(other) {
    return other.text === this.text && other.label === this.label && other.state === this.state && other.active === this.active;
  }

  toDOM() {
    const span = document.createElement("ins");
    span.className = `cm-suggest-inserted is-${this.state}${this.active ? " is-active" : ""}`;
    span.textContent = this.text;
    span.title = this.label;
    span.dataset.label = this.label;
    return span;
  }

  ignoreEvent() {
    return false;
  }
}

// An empty passage with nothing inserted shows nothing; a deletion alone shows its mark.
function decorate(item, label, active, ranges) {
  const classes = `cm-suggest-deleted is-${item.state}${active ? " is-active" : ""}${item.inserted ? "" : " is-labelled"}`;
  if (item.to > item.from) {
    const attributes = { title: label, "data-label": label, "data-suggestion": item.id || "draft" };
    ranges.push(Decoration.mark({ class: classes, attributes }).range(item.from, item.to));
  }
  if (item.inserted) {
    const widget = new InsertedWidget(item.inserted, label, item.state, active);
    ranges.push(Decoration.widget({ widget, side: -1 }).range(item.to));
  }
}

function decorations(strings) {
  return EditorView.decorations.compute([shownField, draftField, "selection"], (state) => {
    const head = state.selection.main.head;
    const length = state.doc.length;
    const ranges = [];
    for (const item of state.field(shownField)) {
      if (item.from > length || item.to > length) continue;
      const active = head >= item.from && head <= item.to;
      decorate(item, strings.by.replace("{name}", item.author), active, ranges);
    }
    const draft = state.field(draftField);
    if (draft) decorate({ ...draft, state: "draft" }, strings.draft, false, ranges);
    return Decoration.set(ranges, true);
  });
}

// Sends the draft when the member moves elsewhere, leaves the editor or stops typing.
function draftWatcher(controller) {
  return EditorView.updateListener.of((update) => {
    const draft = update.state.field(draftField);
    // The update that adds these extensions starts from a state without them.
    if (draft !== update.startState.field(draftField, false)) controller.draftChanged(draft);
    if (!draft) return;
    const head = update.state.selection.main.head;
    const away = update.selectionSet && (head < draft.from || head > draft.to);
    if (away || (update.focusChanged && !update.view.hasFocus)) controller.flushSoon();
  });
}

// `controller`: {sendDraft(draft), draftChanged(draft), flushSoon()}; `strings`: {by, draft}.
export function suggestExtensions(controller, strings) {
  return [modeField, draftField, shownField, suggestFilter(controller), decorations(strings), draftWatcher(controller)];
}

export function isSuggesting(view) {
  return view.state.field(modeField, false) === true;
}
