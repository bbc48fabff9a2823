// The offline page (templates/pwa/offline.html), shown by the service worker for a page
// that needs the server: try again, and the pages this device keeps for reading offline.
import { OFFLINE_HEADER, PAGES_CACHE, TITLE_HEADER } from "../offline/caches.js";

document.getElementById("offline-retry")?.addEventListener("click", () => window.location.reload());
window.addEventListener("online", () => window.location.reload());

async function listKept() {
  const list = document.getElementById("offline-kept");
  if (!list || !("caches" in window)) return;
  const cache = await caches.open(PAGES_CACHE);
  const items = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const kind = response?.headers.get(OFFLINE_HEADER);
    if (!kind) continue; // an image, not a page
    const url = new URL(request.url);
    const kept = decodeURIComponent(response.headers.get(TITLE_HEADER) || "");
    const title = kept.replace(/ · Palabre$/, "") || url.pathname;
    items.push({ href: url.pathname + url.search, title, editor: kind === "editor" });
  }
  items.sort((a, b) => Number(b.editor) - Number(a.editor) || a.title.localeCompare(b.title));
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.href;
      a.textContent = item.title;
      li.append(a);
      if (item.editor) li.append(" ", Object.assign(document.createElement("span"), { className: "tag", textContent: list.dataset.editable }));
      return li;
    }),
  );
  document.getElementById("offline-kept-box").hidden = items.length === 0;
}
listKept();
