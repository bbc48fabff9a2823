// Loaded on every page (templates/base.html): the service worker, pages shown from the
// device's copy, and what logging out does on a shared phone.
//
// - Registers /sw.js once the page has loaded (frontend/src/sw/sw.js), and tells it who is
//   logged in and in which language (it shows the offline page in that language, and
//   drops pages kept for another member).
// - A page the worker served from its copy (no network) is marked so: a banner says when
//   it was kept; its forms wait for the network. Any form sent while the browser is
//   offline is held back, with its text.
// - Logging out warns when changes made on this device have not reached the server, and
//   then deletes that member's copies of the sections (but those still waiting, their
//   only copy) and the private pages kept for offline reading.
// - Another member logging in on this device: the previous member's copies that wait for
//   nothing are deleted too.
// - The bell of the top bar follows the inbox live, on the edition's /live socket.
import { startInbox } from "../live/inbox.js";
import { forgetMember, membersWithCopies, waiting, waitingCount } from "../offline/store.js";
import { whoAmI } from "../offline/login.js";

const strings = JSON.parse(document.getElementById("palabre-shell-i18n")?.textContent || "{}");
const userId = document.querySelector('meta[name="palabre-user"]')?.content || "";
const root = document.documentElement;
const offlineCopy = root.dataset.offlineCopy;
const offlineKind = root.dataset.offlineKind;
const MEMBER_KEY = "palabre:member";

function fill(template, values) {
  return Object.entries(values).reduce((text, [key, value]) => text.replaceAll(`{${key}}`, value), template || "");
}

function plural(n, one, other) {
  const form = new Intl.PluralRules(root.lang || "fr").select(n) === "one" ? one : other;
  return fill(form, { n: String(n) });
}

// --- a banner under the top bar ---------------------------------------------------------

function banner() {
  let box = document.getElementById("shell-banner");
  if (!box) {
    box = document.createElement("div");
    box.id = "shell-banner";
    box.className = "shell-banner";
    box.setAttribute("role", "status");
    document.querySelector("header.topbar")?.after(box);
  }
  return box;
}

function say(key, text, actions = []) {
  const box = banner();
  let item = box.querySelector(`[data-key="${key}"]`);
  if (!item) {
    item = document.createElement("p");
    item.dataset.key = key;
    box.append(item);
  }
  item.replaceChildren(document.createTextNode(text));
  for (const [label, action] of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = label;
    button.addEventListener("click", action);
    item.append(" ", button);
  }
  return item;
}

function unsay(key) {
  document.querySelector(`#shell-banner [data-key="${key}"]`)?.remove();
}

// --- pages shown from the device's copy, forms sent offline -----------------------------

if (offlineCopy && offlineKind === "page") {
  const when = new Date(offlineCopy);
  const text = fill(strings.offline_copy, {
    when: Number.isNaN(when.getTime()) ? offlineCopy : when.toLocaleString(root.lang || "fr", { dateStyle: "medium", timeStyle: "short" }),
  });
  say("offline-copy", text);
  root.classList.add("offline-copy");
  const offerReload = () =>
    say("offline-copy", text, [[strings.reload, () => window.location.reload()]]);
  window.addEventListener("online", offerReload);
}

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (form.matches("[data-logout], dialog form")) return;
    if (navigator.onLine && !(offlineCopy && offlineKind === "page")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    say("needs-network", strings.needs_network);
    setTimeout(() => unsay("needs-network"), 8000);
  },
  true,
);

// --- the service worker -----------------------------------------------------------------

// Loaded before the worker controlled this page (the first visit): it keeps the page too.
const uncontrolled = "serviceWorker" in navigator && !navigator.serviceWorker.controller;

function hello(worker, keep = false) {
  worker?.postMessage({
    type: "hello",
    user: userId || null,
    lang: root.lang || "fr",
    keep: keep && uncontrolled && !offlineCopy ? window.location.href : null,
  });
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return; // not a secure context (plain http on a LAN)
  try {
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    navigator.serviceWorker.ready.then((ready) => hello(ready.active, true));
    const offerUpdate = () => {
      if (!registration.waiting || !navigator.serviceWorker.controller) return;
      say("update", strings.update_ready, [
        [
          strings.update,
          () => {
            navigator.serviceWorker.addEventListener("controllerchange", () => window.location.reload(), { once: true });
            registration.waiting.postMessage({ type: "skip-waiting" });
          },
        ],
      ]);
    };
    offerUpdate();
    registration.addEventListener("updatefound", () => {
      registration.installing?.addEventListener("statechange", offerUpdate);
    });
  } catch {
    // Refused (private mode, storage off): the site works without it, online.
  }
}

// Registered a moment after the page has loaded: its first install downloads the files
// the page did not need yet, which on 3G would slow the page's own sync.
const REGISTER_AFTER_LOAD_MS = 1500;
if (document.readyState === "complete") setTimeout(registerWorker, REGISTER_AFTER_LOAD_MS);
else window.addEventListener("load", () => setTimeout(registerWorker, REGISTER_AFTER_LOAD_MS), { once: true });

// --- another member on this device ------------------------------------------------------

async function forgetOthers() {
  if (!userId) return;
  let previous = null;
  try {
    previous = localStorage.getItem(MEMBER_KEY);
    localStorage.setItem(MEMBER_KEY, userId);
  } catch {
    return;
  }
  const others = new Set(membersWithCopies().filter((id) => id !== userId));
  if (previous && previous !== userId) others.add(previous);
  // Their kept pages: the service worker drops them when it hears who is logged in now.
  for (const id of others) await forgetMember(id, { keepWaiting: true, pages: false });
}
forgetOthers();

// --- the inbox's bell ------------------------------------------------------------------

// The socket is the edition-wide live client's (pages/live.js, a module that runs after
// this one): looked for once every module of the page has run.
function watchInbox() {
  const bell = document.querySelector(".inbox-bell[data-inbox]");
  const socket = window.palabreLive?.socket;
  if (bell && socket) startInbox(bell, socket);
}
if (document.readyState === "complete") watchInbox();
else document.addEventListener("DOMContentLoaded", watchInbox, { once: true });

// --- logging out ------------------------------------------------------------------------

async function postLogout(form, token) {
  const body = new FormData(form);
  body.set("csrf_token", token);
  return fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": token },
  });
}

async function logOut(form, { keepWaiting }) {
  let response;
  try {
    response = await postLogout(form, form.elements.csrf_token?.value || "");
    if (response.status === 400) {
      // A token of an earlier session (a login in another tab): ask for this one's.
      const { csrf_token: token } = await whoAmI();
      response = await postLogout(form, token || "");
    }
  } catch {
    window.alert(strings.logout_needs_network);
    return;
  }
  const answer = await response.json().catch(() => ({}));
  document.dispatchEvent(new CustomEvent("palabre:logout"));
  if (userId) await forgetMember(userId, { keepWaiting });
  navigator.serviceWorker?.controller?.postMessage({ type: "forget" });
  try {
    localStorage.removeItem(MEMBER_KEY);
  } catch {
    // Nothing kept.
  }
  window.location.assign(answer.next || "/login");
}

function waitThenLogOut(form, dialog, status) {
  const tick = () => {
    const left = waitingCount(userId);
    if (left === 0) {
      dialog.close();
      logOut(form, { keepWaiting: false });
      return;
    }
    status.textContent = plural(left, strings.sending_one, strings.sending_other);
    setTimeout(tick, 300);
  };
  tick();
}

function warn(form, entries) {
  const count = entries.reduce((sum, entry) => sum + entry.count, 0);
  const dialog = document.createElement("dialog");
  dialog.className = "logout-dialog";
  dialog.setAttribute("aria-labelledby", "logout-dialog-title");
  const title = document.createElement("h2");
  title.id = "logout-dialog-title";
  title.textContent = strings.waiting_title;
  const text = document.createElement("p");
  text.textContent = plural(count, strings.waiting_one, strings.waiting_other);
  const status = document.createElement("p");
  status.className = "logout-status";
  status.setAttribute("role", "status");
  const actions = document.createElement("div");
  actions.className = "actions";
  const button = (label, className, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `button ${className}`;
    b.textContent = label;
    b.addEventListener("click", action);
    actions.append(b);
    return b;
  };
  // The paper is open here and its link is up: its changes are on their way.
  const syncing = window.palabreEditor?.connection?.socket?.connected;
  if (syncing) {
    button(strings.wait_then_logout, "primary", (event) => {
      event.target.disabled = true;
      waitThenLogOut(form, dialog, status);
    });
  } else if (entries[0]?.url && entries[0].url !== window.location.pathname) {
    button(strings.open_paper, "primary", () => window.location.assign(entries[0].url));
  }
  const anyway = button(strings.logout_anyway, "danger", () => {
    dialog.close();
    logOut(form, { keepWaiting: true });
  });
  if (!navigator.onLine) {
    anyway.disabled = true; // the server must hear it: say so now rather than after a try
    status.textContent = strings.logout_needs_network;
  }
  button(strings.cancel, "", () => dialog.close());
  const note = document.createElement("p");
  note.className = "hint";
  note.textContent = strings.logout_anyway_note;
  dialog.append(title, text, status, actions, note);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

for (const form of document.querySelectorAll("form[data-logout]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const entries = userId ? waiting(userId) : [];
    if (entries.length) warn(form, entries);
    else logOut(form, { keepWaiting: false });
  });
}
