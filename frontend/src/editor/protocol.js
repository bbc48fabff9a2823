// The /collab wire contract (README, "The /collab protocol") on top of socket.io-client.
// One Connection per page (on the page's shared link, frontend/src/net/link.js); one
// SectionSession per section, each with its Yjs doc and its outbox (the changes made here
// that the server has not confirmed, frontend/src/offline/store.js).
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";
import { getLink } from "../net/link.js";

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

// The badge's states: connected, unsaved (the server refused to store for now: retrying),
// reconnecting (the first attempt after a drop), offline (no link, or attempts failing),
// ended (the session ended: log in again).
export class Connection {
  constructor(onStatus, { offlineAtStart = false } = {}) {
    this.sessions = new Map();
    this.onStatus = onStatus;
    this.offlineAtStart = offlineAtStart;
    this.link = getLink();
    this.socket = this.link.socket("/collab");
    this.socket.on("connect", () => {
      this.offlineAtStart = false;
      for (const session of this.sessions.values()) session.join();
      this.report();
    });
    this.socket.on("disconnect", () => {
      // A new connection must join again (a retry after "unavailable" then joins too).
      for (const session of this.sessions.values()) session.disconnected();
      this.report();
    });
    for (const name of ["close", "retry", "ended", "restored"]) this.link.addEventListener(name, () => this.report());
    window.addEventListener("offline", () => this.report());
    window.addEventListener("online", () => this.report());
    this.socket.on("sync", ({ section, data }) => this.sessions.get(section)?.receiveSync(new Uint8Array(data)));
    this.socket.on("awareness", ({ section, data }) => this.sessions.get(section)?.receiveAwareness(new Uint8Array(data)));
    this.socket.on("access", (data) => {
      if (data.reason === "session_ended") {
        // Nothing is lost: the edits wait here until the member logs in again.
        this.link.end();
        return;
      }
      if (data.review) return; // the section's review room (frontend/src/review/room.js)
      const session = this.sessions.get(data.section);
      if (data.removed) session?.removed();
      else session?.setReadonly(data.readonly);
    });
    this.socket.on("error", (error) => {
      const session = error && this.sessions.get(error.section);
      if (!session) return;
      if (error.code === "forbidden") session.setReadonly(true);
      if (error.code === "unavailable") session.markUnsaved();
    });
  }

  get status() {
    if (this.link.ended) return "ended";
    if (this.socket.connected) {
      for (const session of this.sessions.values()) if (session.unsaved) return "unsaved";
      return "connected";
    }
    if (!navigator.onLine || this.offlineAtStart || this.link.attempts > 1) return "offline";
    return "reconnecting";
  }

  // Changes made on this device that the server has not confirmed yet, all sections.
  get waiting() {
    let count = 0;
    for (const session of this.sessions.values()) count += session.outbox?.count || 0;
    return count;
  }

  report() {
    this.onStatus(this.status, this.waiting);
  }

  // A session's edits reached the server again.
  saved() {
    this.report();
  }

  open(name, handlers, outbox = null) {
    const session = new SectionSession(this, name, handlers, outbox);
    this.sessions.set(name, session);
    if (this.socket.connected) session.join();
    return session;
  }

  close(name) {
    const session = this.sessions.get(name);
    if (!session) return;
    this.sessions.delete(name);
    session.destroy();
    if (this.socket.connected) this.socket.emit("leave", { section: name });
  }
}

export class SectionSession {
  constructor(connection, name, handlers, outbox) {
    this.connection = connection;
    this.name = name;
    this.handlers = handlers;
    this.outbox = outbox;
    this.doc = new Y.Doc();
    this.text = this.doc.getText("markdown");
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.readonly = true;
    this.joined = false;
    this.synced = false; // the server's step 2 arrived once
    this.unsaved = false;
    // An acknowledgement confirms the outbox only once this connection has exchanged
    // whole states with the server (the step 2 answering its step 1), and no message was
    // refused since: a refused update's changes are confirmed by the next whole exchange.
    this.trusted = false;
    this.local = new Set(); // origins of local loading (y-indexeddb), not edits
    this.onUpdate = (update, origin) => {
      if (origin === this) return; // from the server
      if (!this.local.has(origin)) {
        this.outbox?.changed();
        this.connection.report();
      }
      this.sendUpdate(update);
    };
    this.doc.on("update", this.onUpdate);
    this.onAwareness = ({ added, updated, removed }, origin) => {
      if (origin === "remote") return;
      const changed = added.concat(updated, removed);
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
      this.emit("awareness", frame(MESSAGE_AWARENESS, update));
    };
    this.awareness.on("update", this.onAwareness);
  }

  get socket() {
    return this.connection.socket;
  }

  // Updates applied with this origin are the device's own copy being loaded, not edits.
  loadsFrom(origin) {
    this.local.add(origin);
  }

  emit(event, data, callback) {
    if (!this.joined || !this.socket.connected) return;
    const payload = { section: this.name, data };
    if (callback) this.socket.emit(event, payload, callback);
    else this.socket.emit(event, payload);
  }

  disconnected() {
    this.joined = false;
    this.trusted = false;
  }

  // Join, and send sync step 1 right behind it without waiting for the answer: the server
  // handles a connection's events in order (the join first), and on 3G a round trip less
  // is 0.4 s less before the text shows. A refused join makes its step 1 refused too.
  join() {
    this.trusted = false;
    this.socket.emit("join", { section: this.name }, (ack) => {
      if (ack && ack.error === "unavailable") {
        // The server is up but not its database: keep the edits, join again shortly.
        this.markUnsaved();
        return;
      }
      if (!ack || !ack.ok) {
        this.handlers.onRefused?.(ack);
        return;
      }
      this.joined = true;
      this.setReadonly(ack.readonly);
      if (this.awareness.getLocalState()) {
        this.awareness.setLocalState(this.awareness.getLocalState());
      }
    });
    this.sendStep1(true);
  }

  sendStep1(joining = false) {
    if (!joining && (!this.joined || !this.socket.connected)) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    const payload = { section: this.name, data: encoding.toUint8Array(encoder) };
    this.socket.emit("sync", payload, (reply) => this.acknowledged(reply));
  }

  sendUpdate(update) {
    if (this.readonly) return; // kept locally (IndexedDB) until writing is allowed again
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeUpdate(encoder, update);
    const mark = this.outbox?.mark();
    this.emit("sync", encoding.toUint8Array(encoder), (reply) => this.acknowledged(reply, mark));
  }

  // `mark`: the outbox's mark when the message left; `whole`: it was our step 2.
  acknowledged(reply, mark = null, whole = false) {
    if (reply && reply.ok) {
      if (whole) this.trusted = true;
      if (this.trusted && mark !== null) this.outbox?.confirm(mark);
      this.handlers.onSaved?.();
      if (this.unsaved) this.unsaved = false;
      this.connection.saved();
      return;
    }
    this.trusted = false;
    if (reply && reply.error === "unavailable") this.markUnsaved();
    else if (reply && reply.error === "resync") {
      // The server lacks what this update builds on: a fresh step 1 makes it ask for it all.
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.resync(), 200);
    }
    this.connection.report();
  }

  markUnsaved() {
    this.unsaved = true;
    this.trusted = false;
    this.handlers.onUnsaved?.();
    this.connection.report();
    // Retry: a fresh step 1 makes the server ask for everything it lacks.
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.resync(), 3000);
  }

  resync() {
    if (!this.socket.connected) return; // joined again on reconnect
    if (!this.joined) {
      this.join(); // refused as unavailable: its step 1 follows a successful join
      return;
    }
    this.sendStep1();
  }

  receiveSync(data) {
    const decoder = decoding.createDecoder(data);
    const encoder = encoding.createEncoder();
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    const mark = this.outbox?.mark() ?? null;
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
    if (kind === syncProtocol.messageYjsSyncStep2 && !this.synced) {
      this.synced = true; // the server's text is here
      this.connection.report();
    }
    if (kind === syncProtocol.messageYjsSyncStep1 && encoding.length(encoder) > 1) {
      // The server asks for what it lacks: our step 2 carries the edits made offline.
      this.emit("sync", encoding.toUint8Array(encoder), (reply) => this.acknowledged(reply, mark, true));
    }
  }

  receiveAwareness(data) {
    const decoder = decoding.createDecoder(data);
    if (decoding.readVarUint(decoder) !== MESSAGE_AWARENESS) return;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), "remote");
  }

  removed() {
    // The server took this socket out of the section's room: nothing more arrives.
    this.joined = false;
    this.setReadonly(true);
    this.handlers.onRemoved?.();
  }

  setReadonly(readonly) {
    const changed = this.readonly !== readonly;
    this.readonly = readonly;
    this.handlers.onReadonly?.(readonly);
    if (changed && !readonly && this.joined) this.resync();
  }

  destroy() {
    clearTimeout(this.retry);
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], "local");
    this.doc.off("update", this.onUpdate);
    this.awareness.off("update", this.onAwareness);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

function frame(type, payload) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}
