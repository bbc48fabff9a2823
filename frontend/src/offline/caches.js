// Names shared by the service worker (frontend/src/sw/sw.js) and the pages.
export const PAGES_CACHE = "palabre-pages"; // private: pages kept for offline reading, uploads
export const STATIC_CACHE = "palabre-static"; // static files that have no hashed name
export const STATE_CACHE = "palabre-state"; // the worker's few settings (user, language)

// Response headers the server sets on the pages a member may read offline (app/pwa/assets.py)
// and those the worker adds when it keeps one.
export const OFFLINE_HEADER = "X-Palabre-Offline"; // "editor" (the paper) or "page" (a read copy)
export const USER_HEADER = "X-Palabre-User";
export const KEPT_AT_HEADER = "X-Palabre-Kept-At";
export const TITLE_HEADER = "X-Palabre-Title";
