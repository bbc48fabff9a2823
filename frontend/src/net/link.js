// The page's one link to the server: one Engine.IO connection (a socket.io-client Manager)
// carries every namespace the page uses (/collab, /live, /debate).
//
// Reconnection is ours, not socket.io-client's (whose backoff grows to its maximum and
// ignores the browser's `online` event):
// - at once when the browser says it is online again, or when the page comes back to the
//   foreground (a phone waking up);
// - otherwise after 0.5 s, 1 s, 2 s, then every 3 s (with jitter, so that a room full of
//   phones does not come back in step after a server restart).
// A silent drop (a mobile link that stops passing bytes without closing) is noticed by
// Engine.IO's heartbeat: the server pings every SOCKETIO_PING_INTERVAL seconds and the
// client closes the connection when no ping came for that plus SOCKETIO_PING_TIMEOUT
// (5 + 4 s by default, app/config.py).
//
// A page left in the background for SUSPEND_HIDDEN_MS with nothing left to send lets its
// connection go (the heartbeat would keep a phone's radio awake and a server socket open
// for nothing); it comes back at once when the page does.
//
// A namespace refused for lack of a session ("unauthenticated"), or told its session ended,
// makes the link "ended": it stops retrying until `restore()` (after a login in place,
// frontend/src/offline/login.js), which opens a new connection, carrying the new cookie.
import { Manager } from "socket.io-client";

export const RETRY_MIN_MS = 500;
export const RETRY_MAX_MS = 3000;
const OPEN_TIMEOUT_MS = 8000;
const SUSPEND_HIDDEN_MS = 120000;

class Link extends EventTarget {
  constructor() {
    super();
    this.manager = new Manager({
      path: "/socket.io",
      transports: ["websocket"],
      withCredentials: true,
      reconnection: false,
      autoConnect: false,
      timeout: OPEN_TIMEOUT_MS,
    });
    this.sockets = new Map();
    this.attempts = 0;
    this.timer = null;
    this.ended = false;
    this.suspended = false;
    this.hiddenTimer = null;
    // Pages say when something still has to leave (the paper: changes not confirmed).
    this.busy = () => false;
    this.manager.on("open", () => {
      this.attempts = 0;
      clearTimeout(this.timer);
      this.timer = null;
      this.emit("open");
    });
    // Closed (server gone, heartbeat timeout, the browser offline) or could not open.
    this.manager.on("close", () => {
      this.emit("close");
      this.retryLater();
    });
    this.manager.on("error", () => {
      this.emit("close");
      this.retryLater();
    });
    window.addEventListener("online", () => this.retryNow());
    window.addEventListener("offline", () => {
      // Say so now, rather than after the heartbeat's timeout.
      this.manager.engine?.close();
      this.emit("close");
    });
    document.addEventListener("visibilitychange", () => {
      clearTimeout(this.hiddenTimer);
      if (document.visibilityState === "visible") this.resume();
      else this.hiddenTimer = setTimeout(() => this.suspend(), SUSPEND_HIDDEN_MS);
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) this.retryNow(); // back from the back/forward cache
    });
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  get open() {
    return this.manager._readyState === "open";
  }

  // The namespace's socket (connected as soon as the link is up).
  socket(namespace) {
    let socket = this.sockets.get(namespace);
    if (socket) return socket;
    socket = this.manager.socket(namespace);
    this.sockets.set(namespace, socket);
    socket.on("connect_error", (error) => {
      // socket.active is false when the server refused this namespace (not the network).
      if (!socket.active && error?.message === "unauthenticated") this.end();
    });
    socket.connect();
    return socket;
  }

  // The session ended (refused, or told so): stop retrying until restore().
  end() {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = null;
    this.emit("ended");
  }

  // A new session exists (login in place): a new connection, with the new cookie (a
  // connection's namespaces all share the session of its handshake).
  restore() {
    this.ended = false;
    this.attempts = 0;
    if (this.manager.engine && this.manager._readyState !== "closed") this.manager.engine.close();
    for (const socket of this.sockets.values()) if (!socket.active) socket.connect();
    this.retryNow();
    this.emit("restored");
  }

  // In the background with nothing to send: let the connection go.
  suspend() {
    if (document.visibilityState === "visible") return;
    if (this.busy()) {
      this.hiddenTimer = setTimeout(() => this.suspend(), 10000);
      return;
    }
    this.suspended = true;
    clearTimeout(this.timer);
    this.timer = null;
    this.manager.engine?.close();
  }

  resume() {
    this.suspended = false;
    this.retryNow();
  }

  retryNow() {
    if (this.ended || this.suspended || this.open || !navigator.onLine) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.attempts = 0;
    this.connect();
  }

  retryLater() {
    if (this.ended || this.suspended || this.timer || this.open) return;
    const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempts);
    const delay = base * (0.75 + Math.random() * 0.25);
    this.attempts += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
    this.emit("retry", { delay });
  }

  connect() {
    if (this.ended || this.suspended || this.open || this.manager._readyState === "opening") return;
    // A namespace refused earlier is connected again (it subscribes to the manager again).
    for (const socket of this.sockets.values()) if (!socket.active) socket.connect();
    this.manager.open();
  }
}

let link = null;

// The page's link (created on first use).
export function getLink() {
  if (!link) link = new Link();
  return link;
}
