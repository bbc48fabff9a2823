// Light Markdown marks for the prose editor: headings, quotes, list markers, bold, italic,
// strikethrough, code, links and footnote references, found line by line with one regular
// expression (CodeMirror's MatchDecorator, viewport only). A full Markdown grammar
// (@lezer/markdown and @codemirror/language, ~25 KB compressed) was the single largest
// thing a phone downloaded before it could write, for colours a writer barely needs; the
// preview (frontend/src/editor/markdown.js) still shows the real rendering.
import { Decoration, MatchDecorator, ViewPlugin } from "@codemirror/view";

const PATTERN = new RegExp(
  [
    "(?<heading>^#{1,6}[ \\t].*)",
    "(?<quote>^>.*)",
    "(?<list>^[ \\t]*(?:[-*+]|\\d{1,9}[.)])(?=[ \\t]))",
    "(?<strong>\\*\\*[^*\\n]+\\*\\*|__[^_\\n]+__)",
    "(?<strike>~~[^~\\n]+~~)",
    "(?<em>(?<![\\w*])\\*(?![\\s*])[^*\\n]*[^\\s*]\\*(?![\\w*])|(?<![\\w_])_(?![\\s_])[^_\\n]*[^\\s_]_(?![\\w_]))",
    "(?<code>`[^`\\n]+`)",
    "(?<footnote>\\[\\^[^\\]\\n]+\\])",
    "(?<link>!?\\[[^\\]\\n]*\\]\\([^)\\n]*\\))",
  ].join("|"),
  "gm",
);

const MARKS = Object.fromEntries(
  ["heading", "quote", "list", "strong", "strike", "em", "code", "footnote", "link"].map((kind) => [
    kind,
    Decoration.mark({ class: `cm-md-${kind}` }),
  ]),
);

const decorator = new MatchDecorator({
  regexp: PATTERN,
  decoration: (match) => {
    for (const [kind, value] of Object.entries(match.groups)) if (value !== undefined) return MARKS[kind];
    return null;
  },
});

export const markdownMarks = ViewPlugin.define(
  (view) => ({
    decorations: decorator.createDeco(view),
    update(update) {
      this.decorations = decorator.updateDeco(update, this.decorations);
    },
  }),
  { decorations: (plugin) => plugin.decorations },
);
