// The preview speaks Palabre's one Markdown dialect (see app/core/markdown.py): CommonMark
// without raw HTML, GFM tables and strikethrough, footnotes, and no reference-style link
// definitions (so "[2]: source" stays visible, as in the exports). DOMPurify sanitizes.
// The paper page imports this module when a section is first opened (not before: a third
// of the page's code, and nothing needs it to write).
import MarkdownIt from "markdown-it";
import footnote from "markdown-it-footnote";
import DOMPurify from "dompurify";

const md = new MarkdownIt("commonmark", { html: false, linkify: false, typographer: false })
  .enable(["table", "strikethrough"])
  .use(footnote);
md.disable("reference");

const SAFE_URL = /^(https?:|mailto:|\/uploads\/|#)/i;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.hasAttribute("href") && !SAFE_URL.test(node.getAttribute("href"))) {
    node.removeAttribute("href");
  }
  if (node.tagName === "IMG" && !/^\/uploads\//.test(node.getAttribute("src") || "")) {
    node.remove();
  }
  if (node.tagName === "A" && node.getAttribute("href")?.match(/^https?:/)) {
    node.setAttribute("rel", "noopener nofollow");
    node.setAttribute("target", "_blank");
  }
});

export function renderMarkdown(text) {
  return DOMPurify.sanitize(md.render(text || ""), { USE_PROFILES: { html: true } });
}
