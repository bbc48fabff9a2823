// A section's review room on /collab (README, "Comments and suggestions"): joined with
// `review {section}` whenever the socket connects (again after every reconnect, since a
// new connection is in no room), it holds what the server answered — {comments,
// suggestions, feedback} — and tells its listeners of every `review` event of the room.
//
// Writes go through `send`: each carries its own id (a UUID made here), so the device may
// send it again until the server acknowledges it. While offline they wait in a queue kept
// on this device (localStorage, per member), sent in order when the link returns; a
// refusal (forbidden, bad input, conflict) is final and reported to the listeners.
const RETRYABLE = new Set(["unavailable", "timeout", "rate_limited"]);
const RETRY_MS = 3000;
const queues = new Map();

function queueKey(userId) {
  return `palabre-review-queue:${userId}`;
}

// One queue per member and socket, shared by the page's rooms: the writes of every
// section leave in the order they were made.
class Queue {
  constructor(socket, userId) {
    this.socket = socket;
    this.key = queueKey(userId);
    this.pending = this.load();
    this.sending = false;
    this.rooms = new Map();
    socket.on("connect", () => this.flush());
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.key) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch {
      return [];
    }
  }

  save() {
    try {
      if (this.pending.length) localStorage.setItem(this.key, JSON.stringify(this.pending));
      else localStorage.removeItem(this.key);
    } catch {
      // Private browsing or a full storage: the writes still wait in memory.
    }
  }

  push(event, payload) {
    const item = { event, payload };
    this.pending.push(item);
    this.save();
    this.flush();
    return item;
  }

  async flush() {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.pending.length && this.socket.connected) {
        const item = this.pending[0];
        const ack = await emit(this.socket, item.event, item.payload);
        if (!ack.ok && RETRYABLE.has(ack.error)) {
          this.rooms.get(item.payload.section ?? item.section)?.dispatch("queued", { item });
          // Still connected (the database is out of reach, or this client is over its
          // budget): try again shortly, not only at the next connection.
          clearTimeout(this.retry);
          this.retry = setTimeout(() => this.flush(), RETRY_MS);
          break;
        }
        this.pending.shift();
        this.save();
        this.rooms.get(item.payload.section ?? item.section)?.settled(item, ack);
        for (const room of this.rooms.values()) room.dispatch("sent", { item, ack });
      }
    } finally {
      this.sending = false;
    }
  }
}

function emit(socket, event, payload, timeout = 15000) {
  return new Promise((resolve) => {
    socket.timeout(timeout).emit(event, payload, (error, ack) => {
      if (error) resolve({ ok: false, error: "timeout" });
      else resolve(ack || { ok: false, error: "bad_answer" });
    });
  });
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Events dispatched (CustomEvent, `detail` as said):
// - "state" {comments, suggestions, feedback}: the room's contents, after each join;
// - "review" {kind, action, comment|suggestion|feedback}: a change, as the room heard it;
// - "settled" {item, ack}: one of this device's writes answered (ack.ok false: refused);
// - "removed": the member may no longer read this section's review;
// - "sent" {item, ack}: any write of the page answered (to update "waiting" counts);
// - "queued" {item}: one of this device's writes could not leave (it waits for the link).
export class ReviewRoom extends EventTarget {
  constructor(socket, section, userId) {
    super();
    this.socket = socket;
    this.section = section;
    this.state = null;
    this.removed = false;
    if (!queues.has(userId)) queues.set(userId, new Queue(socket, userId));
    this.queue = queues.get(userId);
    this.queue.rooms.set(section, this);
    this.onConnect = () => this.join();
    this.onReview = (event) => {
      if (event?.section !== this.section) return;
      this.dispatch("review", event);
    };
    this.onAccess = (event) => {
      if (event?.section !== this.section || !event.review || !event.removed) return;
      this.removed = true;
      this.dispatch("removed", event);
    };
    socket.on("connect", this.onConnect);
    socket.on("review", this.onReview);
    socket.on("access", this.onAccess);
    if (socket.connected) this.join();
  }

  dispatch(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  async join() {
    const ack = await emit(this.socket, "review", { section: this.section });
    if (!ack.ok) {
      if (ack.error === "forbidden") {
        this.removed = true;
        this.dispatch("removed", ack);
      }
      return;
    }
    this.removed = false;
    this.state = { comments: ack.comments || [], suggestions: ack.suggestions || [], feedback: ack.feedback || null };
    this.dispatch("state", this.state);
  }

  // This device's writes not yet acknowledged, for this section.
  get waiting() {
    return this.queue.pending.filter((item) => (item.payload.section ?? item.section) === this.section);
  }

  // `payload` as the protocol says; `id` added when the event creates something. Resolves
  // with the server's answer, or with {ok: false, error: "queued"} when it waits offline.
  send(event, payload) {
    const item = this.queue.push(event, payload);
    item.section = this.section;
    this.queue.save();
    if (!this.socket.connected) return Promise.resolve({ ok: false, error: "queued", item });
    return new Promise((resolve) => {
      // Answered, or left waiting in the queue (the link dropped while it was sent).
      const settled = (e) => {
        if (e.detail.item !== item) return;
        this.removeEventListener("settled", settled);
        this.removeEventListener("queued", settled);
        resolve(e.type === "queued" ? { ok: false, error: "queued", item } : e.detail.ack);
      };
      this.addEventListener("settled", settled);
      this.addEventListener("queued", settled);
    });
  }

  settled(item, ack) {
    this.dispatch("settled", { item, ack });
  }

  destroy() {
    this.socket.off("connect", this.onConnect);
    this.socket.off("review", this.onReview);
    this.socket.off("access", this.onAccess);
    this.queue.rooms.delete(this.section);
  }
}
