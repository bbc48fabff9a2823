// What a member keeps on this device: each section's Yjs document in IndexedDB (through
// y-indexeddb, one database per member and section), and how many of their changes the
// server has not confirmed yet (the "outbox", in localStorage so that every page, and the
// logout button, can read it at once).
import { PAGES_CACHE } from "./caches.js";

const PREFIX = "palabre:";

// The IndexedDB database of a member's copy of a section. One per member: on a shared
// phone, one member's unsent edits are never sent under another's session.
export const copyName = (userId, section) => `${PREFIX}${userId}:${section}`;
// Before per-member copies (2026-12), a section's copy was shared by the device.
export const legacyCopyName = (section) => `${PREFIX}${section}`;

const outboxKey = (userId, section) => `${PREFIX}outbox:${userId}:${section}`;
const copiesKey = (userId) => `${PREFIX}copies:${userId}`;

function read(key, fallback) {
  try {
    const value = localStorage.getItem(key);
    return value === null ? fallback : JSON.parse(value);
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or refused: the count is only shown, the edits stay in IndexedDB.
  }
}

// Remember which sections this member has a copy of (IndexedDB cannot always list them).
export function rememberCopy(userId, section) {
  const copies = read(copiesKey(userId), []);
  if (!copies.includes(section)) write(copiesKey(userId), [...copies, section].sort());
}

// The changes of one member in one section that the server has not confirmed. Counters
// only grow while the page lives (a late acknowledgement can never confirm a newer change);
// the stored entry is removed once everything is confirmed.
export class Outbox {
  constructor(userId, section, url) {
    this.key = outboxKey(userId, section);
    this.url = url;
    const stored = read(this.key, null);
    this.local = stored?.local ?? 0;
    this.confirmed = stored?.confirmed ?? 0;
    this.listeners = new Set();
  }

  get count() {
    return Math.max(0, this.local - this.confirmed);
  }

  // A change made here (a keystroke, a paste, a toolbar command).
  changed() {
    this.local += 1;
    this.save();
  }

  // What a message sent now carries: every change up to this mark.
  mark() {
    return this.local;
  }

  // The server committed everything up to `mark`.
  confirm(mark) {
    const confirmed = Math.max(this.confirmed, Math.min(mark, this.local));
    if (confirmed === this.confirmed) return;
    this.confirmed = confirmed;
    this.save();
  }

  save() {
    write(this.key, this.count ? { local: this.local, confirmed: this.confirmed, url: this.url } : null);
    for (const listener of this.listeners) listener(this.count);
  }
}

// Every section of this member with changes the server has not confirmed:
// [{section, count, url}].
export function waiting(userId) {
  const prefix = outboxKey(userId, "");
  const found = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key?.startsWith(prefix)) continue;
    const entry = read(key, null);
    const count = entry ? entry.local - entry.confirmed : 0;
    if (count > 0) found.push({ section: key.slice(prefix.length), count, url: entry.url });
  }
  return found.sort((a, b) => (a.section < b.section ? -1 : 1));
}

export function waitingCount(userId) {
  return waiting(userId).reduce((sum, entry) => sum + entry.count, 0);
}

function deleteDatabase(name) {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = () => resolve();
    // Still open in this page (its editor): deleted once the page has closed it.
    request.onblocked = () => resolve();
  });
}

// After logout (or another member's login on this device): delete this member's copies
// of the sections, except those with changes still waiting (`keepWaiting`: their only
// copy), and (`pages`) the private pages kept for offline reading.
export async function forgetMember(userId, { keepWaiting = true, pages = true } = {}) {
  const keep = new Set(keepWaiting ? waiting(userId).map((entry) => entry.section) : []);
  const names = new Set(read(copiesKey(userId), []).map((section) => copyName(userId, section)));
  if (indexedDB.databases) {
    try {
      for (const db of await indexedDB.databases()) {
        if (db.name?.startsWith(`${PREFIX}${userId}:`)) names.add(db.name);
      }
    } catch {
      // Not listable here: the remembered names will do.
    }
  }
  const prefix = `${PREFIX}${userId}:`;
  const deleted = [];
  for (const name of names) {
    const section = name.slice(prefix.length);
    if (keep.has(section)) continue;
    await deleteDatabase(name);
    write(outboxKey(userId, section), null);
    deleted.push(section);
  }
  write(copiesKey(userId), keep.size ? [...keep].sort() : null);
  if (pages) await forgetPages();
  return { deleted, kept: [...keep] };
}

export async function forgetPages() {
  if (!("caches" in window)) return;
  try {
    await caches.delete(PAGES_CACHE);
  } catch {
    // No cache storage (private window): nothing was kept.
  }
}

// Members with a copy on this device (for clean-up when another member logs in).
export function membersWithCopies() {
  const ids = new Set();
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    const match = key && /^palabre:(?:copies|outbox):(\d+):?/.exec(key);
    if (match) ids.add(match[1]);
  }
  return [...ids];
}
