// The /debate channel: watch one question's room and hear `changed` messages
// ({question, what, argument, parent}). Used by the threaded page and the map page.
import { getLink } from "../net/link.js";

export function watchQuestion(edition, question, onChange) {
  const socket = getLink().socket("/debate");
  const watch = () => socket.emit("watch", { edition, question });
  // On every (re)connection: join the room again and catch up on what was missed.
  let connectedOnce = false;
  socket.on("connect", () => {
    watch();
    if (connectedOnce) onChange({ what: "reconnected" });
    connectedOnce = true;
  });
  socket.on("changed", (message) => {
    if (message && message.question === question) onChange(message);
  });
  // The phase may open, freeze or hide the debate: redraw with the new rights.
  document.addEventListener("palabre:live", (event) => {
    if (["phase", "membership", "access"].includes(event.detail.name)) onChange({ what: "phase" });
  });
  return socket;
}

export async function fetchHtml(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

// Parse server-rendered (sanitized) HTML into nodes without running anything: a <template>
// never executes scripts or fires load/error handlers of what it holds.
export function parse(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}
