// Words of a section, as its header counts them (kept apart from the preview's Markdown
// renderer, which the page loads only when a section is opened).
export function countWords(text) {
  const words = (text || "").match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);
  return words ? words.length : 0;
}
