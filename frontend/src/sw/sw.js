// Palabre's service worker, served at /sw.js (scope "/", app/pwa/views.py), built by
// frontend/build.mjs with Workbox's modules:
//
// - precaching: every hashed file of static/dist (names change with their bytes) and the
//   offline page in French and English (revised with the server's translations);
// - pages (navigations): network first, through navigation preload. The pages the server
//   marks as readable offline (header X-Palabre-Offline: the paper, the debate, the
//   announcements, the edition, the home page) are kept, by URL and member, each time they
//   are loaded. Without network (or none within NAVIGATION_TIMEOUT_SECONDS), the kept copy
//   is shown, marked as such (<html data-offline-copy="when" data-offline-kind="…">, read by
//   frontend/src/pages/shell.js); any other page shows the offline page;
// - uploads (images of the papers) are kept with the pages; other static files, network
//   first.
// Pages of one member are never shown to another: the pages tell the worker who is logged
// in, and a new member's first page drops the previous member's copies (logout drops them
// all, frontend/src/offline/store.js).
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { registerRoute } from "workbox-routing";
import { NetworkFirst, NetworkOnly } from "workbox-strategies";
import { ExpirationPlugin } from "workbox-expiration";
import * as navigationPreload from "workbox-navigation-preload";
import { clientsClaim } from "workbox-core";
import PRECACHE from "virtual:precache";
import {
  KEPT_AT_HEADER,
  OFFLINE_HEADER,
  PAGES_CACHE,
  STATE_CACHE,
  STATIC_CACHE,
  TITLE_HEADER,
  USER_HEADER,
} from "../offline/caches.js";

// The server replaces this with a digest of the offline page's template and translations
// and of the assets (app/pwa/views.py), so that a change to any of them updates the worker.
const SERVER_REVISION = "__PALABRE_SERVER_REVISION__";
const LANGUAGES = ["fr", "en"];
const NAVIGATION_TIMEOUT_SECONDS = 6;
const STATE_URL = "/__palabre/state";

precacheAndRoute([...PRECACHE, ...LANGUAGES.map((lang) => ({ url: `/offline?lang=${lang}`, revision: SERVER_REVISION }))]);
cleanupOutdatedCaches();
navigationPreload.enable();
clientsClaim();

// --- the worker's state: who is logged in, in which language ------------------------------

const sameOrigin = (url) => url.origin === self.location.origin;

let state = null;

async function readState() {
  if (state) return state;
  try {
    const cache = await caches.open(STATE_CACHE);
    const response = await cache.match(STATE_URL);
    state = response ? await response.json() : {};
  } catch {
    state = {};
  }
  return state;
}

async function writeState(changes) {
  state = { ...(await readState()), ...changes };
  const cache = await caches.open(STATE_CACHE);
  await cache.put(STATE_URL, new Response(JSON.stringify(state), { headers: { "Content-Type": "application/json" } }));
}

// Drop the pages kept for anyone but `user` (everyone's when `user` is null).
async function dropPages(user) {
  const cache = await caches.open(PAGES_CACHE);
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (user === null || response?.headers.get(USER_HEADER) !== String(user)) await cache.delete(request);
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "hello") {
    event.waitUntil(
      (async () => {
        const before = await readState();
        const changes = {};
        if (LANGUAGES.includes(data.lang)) changes.lang = data.lang;
        if (data.user && data.user !== before.user) {
          await dropPages(data.user);
          changes.user = data.user;
        }
        if (Object.keys(changes).length) await writeState(changes);
        // A page loaded before this worker controlled it (the first visit): keep it too.
        if (data.keep) await keepPage(data.keep);
      })(),
    );
  } else if (data.type === "forget") {
    event.waitUntil(Promise.all([caches.delete(PAGES_CACHE), writeState({ user: null })]));
  } else if (data.type === "skip-waiting") {
    self.skipWaiting();
  }
});

// --- pages ---------------------------------------------------------------------------

async function offlinePage() {
  const { lang } = await readState();
  return (await matchPrecache(`/offline?lang=${LANGUAGES.includes(lang) ? lang : "fr"}`)) || Response.error();
}

const TITLE = /<title>([^<]*)<\/title>/i;

// Kept: a whole page the server marked as readable offline, stamped with when and whose.
const keepMarked = {
  cacheWillUpdate: async ({ response }) => {
    if (!response || response.status !== 200 || !response.headers.has(OFFLINE_HEADER)) return null;
    const html = await response.clone().text();
    const headers = new Headers(response.headers);
    headers.set(KEPT_AT_HEADER, new Date().toISOString());
    const title = TITLE.exec(html)?.[1]?.trim();
    if (title) headers.set(TITLE_HEADER, encodeURIComponent(title));
    return new Response(html, { status: 200, statusText: response.statusText, headers });
  },
};

// Shown: only to the member it was kept for, and marked as a copy.
const showMarked = {
  cachedResponseWillBeUsed: async ({ cachedResponse }) => {
    if (!cachedResponse) return null;
    const { user } = await readState();
    if (user && cachedResponse.headers.get(USER_HEADER) !== String(user)) return null;
    const when = cachedResponse.headers.get(KEPT_AT_HEADER) || "";
    const kind = cachedResponse.headers.get(OFFLINE_HEADER) === "editor" ? "editor" : "page";
    const html = (await cachedResponse.text()).replace(
      /<html\b/i,
      `<html data-offline-copy="${when.replace(/[^0-9TZ:.+-]/g, "")}" data-offline-kind="${kind}"`,
    );
    return new Response(html, { status: 200, headers: cachedResponse.headers });
  },
};

const fallBack = { handlerDidError: offlinePage };

async function keepPage(href) {
  const url = new URL(href, self.location.origin);
  if (!sameOrigin(url)) return;
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    const kept = await keepMarked.cacheWillUpdate({ response });
    if (kept) await (await caches.open(PAGES_CACHE)).put(url.href, kept);
  } catch {
    // Offline already: the next visit keeps it.
  }
}

// One expiration for the private cache (pages and uploads): 150 entries, 60 days.
const kept = new ExpirationPlugin({ maxEntries: 150, maxAgeSeconds: 60 * 24 * 3600 });

const pages = new NetworkFirst({
  cacheName: PAGES_CACHE,
  networkTimeoutSeconds: NAVIGATION_TIMEOUT_SECONDS,
  plugins: [kept, keepMarked, showMarked, fallBack],
});

const isNavigation = ({ request, url }) => request.mode === "navigate" && sameOrigin(url);

registerRoute(isNavigation, pages, "GET");
// A form sent without network (the pages hold them back when the browser knows it is
// offline): the offline page rather than the browser's error.
registerRoute(isNavigation, new NetworkOnly({ plugins: [fallBack] }), "POST");

// Images of the papers: private, kept with the pages.
registerRoute(
  ({ url }) => sameOrigin(url) && url.pathname.startsWith("/uploads/"),
  new NetworkFirst({ cacheName: PAGES_CACHE, plugins: [kept] }),
);

// Static files without a hashed name (the hashed ones are precached, above).
registerRoute(
  ({ url }) => sameOrigin(url) && url.pathname.startsWith("/static/"),
  new NetworkFirst({
    cacheName: STATIC_CACHE,
    plugins: [new ExpirationPlugin({ maxEntries: 60 })],
  }),
);
