// The /collab wire contract (README, "The /collab protocol") on top of socket.io-client.
// One Connection per page; one SectionSession per open section, each with its Yjs doc.
import { io } from "socket.io-client";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as syncProtocol from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

export class Connection {
  constructor(onStatus) {
    this.sessions = new Map();
    this.onStatus = onStatus;
    this.socket = io("/collab", { transports: ["websocket"], withCredentials: true });
    this.socket.on("connect", () => {
      this.onStatus("connected");
      for (const session of this.sessions.values()) session.join();
    });
    this.socket.on("disconnect", () => {
      // A new connection must join again (a retry after "unavailable" then joins too).
      for (const session of this.sessions.values()) session.joined = false;
      this.onStatus(navigator.onLine ? "reconnecting" : "offline");
    });
    this.socket.io.on("reconnect_attempt", () => this.onStatus(navigator.onLine ? "reconnecting" : "offline"));
    this.socket.on("connect_error", () => this.onStatus(navigator.onLine ? "reconnecting" : "offline"));
    window.addEventListener("offline", () => this.onStatus("offline"));
    this.socket.on("sync", ({ section, data }) => this.sessions.get(section)?.receiveSync(new Uint8Array(data)));
    this.socket.on("awareness", ({ section, data }) => this.sessions.get(section)?.receiveAwareness(new Uint8Array(data)));
    this.socket.on("access", (data) => {
      if (data.reason === "session_ended") {
        for (const session of this.sessions.values()) session.setReadonly(true);
        this.onStatus("ended");
        return;
      }
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

  // A session's edits reached the server again: once none is left unsaved, say so.
  saved() {
    if (!this.socket.connected) return;
    for (const session of this.sessions.values()) if (session.unsaved) return;
    this.onStatus("connected");
  }

  open(name, handlers) {
    const session = new SectionSession(this, name, handlers);
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
  constructor(connection, name, handlers) {
    this.connection = connection;
    this.name = name;
    this.handlers = handlers;
    this.doc = new Y.Doc();
    this.text = this.doc.getText("markdown");
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.readonly = true;
    this.joined = false;
    this.unsaved = false;
    this.onUpdate = (update, origin) => {
      if (origin !== this) this.sendUpdate(update);
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

  emit(event, data, callback) {
    if (!this.joined || !this.socket.connected) return;
    const payload = { section: this.name, data };
    if (callback) this.socket.emit(event, payload, callback);
    else this.socket.emit(event, payload);
  }

  join() {
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
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, this.doc);
      this.emit("sync", encoding.toUint8Array(encoder), (reply) => this.acknowledged(reply));
      if (this.awareness.getLocalState()) {
        this.awareness.setLocalState(this.awareness.getLocalState());
      }
    });
  }

  sendUpdate(update) {
    if (this.readonly) return; // kept locally (IndexedDB) until writing is allowed again
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeUpdate(encoder, update);
    this.emit("sync", encoding.toUint8Array(encoder), (reply) => this.acknowledged(reply));
  }

  acknowledged(reply) {
    if (reply && reply.ok) {
      this.handlers.onSaved?.();
      if (this.unsaved) {
        this.unsaved = false;
        this.connection.saved();
      }
    } else if (reply && reply.error === "unavailable") this.markUnsaved();
    else if (reply && reply.error === "resync") {
      // The server lacks what this update builds on: a fresh step 1 makes it ask for it all.
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.resync(), 200);
    }
  }

  markUnsaved() {
    this.unsaved = true;
    this.handlers.onUnsaved?.();
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
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.emit("sync", encoding.toUint8Array(encoder), (reply) => this.acknowledged(reply));
  }

  receiveSync(data) {
    const decoder = decoding.createDecoder(data);
    const encoder = encoding.createEncoder();
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
    if (kind === syncProtocol.messageYjsSyncStep1 && encoding.length(encoder) > 1) {
      // The server asks for what it lacks: our step 2 carries the edits made offline.
      this.emit("sync", encoding.toUint8Array(encoder), (reply) => this.acknowledged(reply));
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
