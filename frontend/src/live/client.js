// The edition-wide live client: one /live connection per page of an edition.
// Server events: phase, schedule, access, announcement, dashboard, presence,
// membership, session_ended. Each is re-dispatched on `document` as
// `palabre:live` (detail: {name, data}) for page scripts (dashboard, editor).

import { getLink } from "../net/link.js";
import { formatMoment } from "../net/moment.js";
import { Banner, writingState, writingText } from "./banner.js";
import { formatLeft, startCountdowns } from "./countdown.js";

const HEARTBEAT_MS = 30000;

export function startLive(root) {
  const edition = root.dataset.edition;
  const strings = JSON.parse(document.getElementById("live-strings")?.textContent || "{}");
  const banner = new Banner(document.getElementById("live-banner"), strings, {
    user: document.querySelector('meta[name="palabre-user"]')?.content || "",
    allUrl: root.dataset.announcementsUrl,
  });
  const course = JSON.parse(document.getElementById("live-writing")?.textContent || "[]");
  let writing = null; // where writing stands as the page says it (null: not joined yet)
  let notStarted = false; // writing has not opened yet on this page's watch: opening is news
  const chip = phaseChip();
  const state = { group: null, paper: null, locked: null, phase: null, schedules: [] };

  const link = getLink();
  const socket = link.socket("/live");
  // A page opened from the device's copy says so itself (frontend/src/pages/shell.js).
  const offlineCopy = Boolean(document.documentElement.dataset.offlineCopy);
  const relay = (name, data) =>
    document.dispatchEvent(new CustomEvent("palabre:live", { detail: { name, data } }));

  function markRead(id) {
    socket.emit("read", { announcement: id });
  }

  function showPhase(phase, announce) {
    if (!phase || !phase.key) return;
    if (announce && state.phase && state.phase.key !== phase.key) {
      banner.show("phase", { text: strings.phase.replace("{name}", phase.name), kind: "phase" });
    }
    state.phase = phase;
    chip.name.textContent = phase.name;
    chip.time.hidden = !phase.deadline;
    chip.label.hidden = !phase.deadline;
    if (phase.deadline) {
      chip.time.setAttribute("datetime", phase.deadline);
      chip.time.dataset.absolute = formatMoment(phase.deadline);
      chip.time.textContent = formatLeft(Date.parse(phase.deadline) - Date.now(), strings);
    }
    for (const el of document.querySelectorAll("[data-live=phase-name]")) el.textContent = phase.name;
    refreshWriting();
  }

  // The sentences saying where writing stands (workshops/_writing.html) follow the phase
  // and the locks; a notice about another group's paper only follows the phase.
  function refreshWriting() {
    if (writing === null) return;
    const status = writingState(course, state.phase, Boolean(state.locked));
    if (status.state === writing) return;
    writing = status.state;
    if (["not_started", "paused", "closed"].includes(writing)) notStarted = writing === "not_started";
    const text = writingText(status, strings);
    const byPhase = !["open", "locked"].includes(status.state);
    for (const el of document.querySelectorAll("[data-live=writing-status]")) {
      if (!byPhase && el.dataset.paper && Number(el.dataset.paper) !== state.paper) continue;
      el.textContent = text;
      el.hidden = !text;
      el.dataset.state = status.state;
      el.className = el.className.replace(/\bwriting-(?!notice)[a-z_]+/, `writing-${status.state}`);
    }
  }

  function setLocked(locked) {
    if (state.locked === locked) return;
    const before = state.locked;
    state.locked = locked;
    document.documentElement.classList.toggle("papers-locked", locked);
    refreshWriting();
    // On joining, the page already says where writing stands: only changes are news (a
    // page made while writing was open, joining once it is locked, is told).
    const rendered = document.querySelector("[data-live=writing-status]")?.dataset.state;
    if (before === null && !(locked && rendered === "open")) return;
    if (locked) {
      banner.remove("unlocked");
      const text = writingText(writingState(course, state.phase, true), strings) || strings.locked;
      banner.show("locked", { text, kind: "locked" });
    } else {
      banner.remove("locked");
      banner.show("unlocked", { text: notStarted ? strings.open_now : strings.unlocked, kind: "phase" });
      notStarted = false;
    }
  }

  socket.on("connect", () => {
    banner.remove("offline");
    socket.emit("join", { edition, page: root.dataset.page || "page" }, (ack) => {
      if (!ack || !ack.ok) return;
      state.group = ack.group;
      state.paper = ack.paper;
      showPhase(ack.phase, false);
      state.schedules = ack.schedules || [];
      if (typeof ack.locked === "boolean" && ack.group) setLocked(ack.locked);
      if (writing === null) {
        // Where the page said writing stood when it was made: a phase changed since then
        // (before this join) is shown now.
        const shown = document.querySelector("[data-live=writing-status]")?.dataset.state;
        writing = shown || writingState(course, state.phase, Boolean(state.locked)).state;
        notStarted = writing === "not_started";
        refreshWriting();
      }
      for (const a of ack.unread || []) banner.announcement(a, () => markRead(a.id));
      relay("joined", ack);
    });
  });
  socket.on("disconnect", (reason) => {
    if (reason !== "io client disconnect" && !state.ended && !offlineCopy) {
      banner.show("offline", { text: strings.offline, kind: "offline", dismissible: false });
    }
  });
  socket.on("announcement", (a) => {
    banner.announcement(a, () => markRead(a.id));
    relay("announcement", a);
  });
  socket.on("phase", (phase) => {
    showPhase(phase, true);
    relay("phase", phase);
  });
  socket.on("schedule", (data) => {
    state.schedules = data.schedules || [];
    relay("schedule", data);
  });
  socket.on("access", (data) => {
    if (data.removed || data.reason === "session_ended") {
      const text = data.reason === "session_ended" ? strings.ended : strings.changed;
      banner.show("membership", { text, kind: "phase", dismissible: false });
    }
    const mine = (data.sections || []).filter((s) => s.group === state.group);
    if (mine.length) setLocked(mine.every((s) => s.locked));
    relay("access", data);
  });
  socket.on("session_ended", (data) => {
    if (data.edition !== edition) return;
    state.ended = true;
    banner.show("ended", { text: strings.ended, kind: "locked", dismissible: false });
    document.documentElement.classList.add("session-ended");
    relay("session_ended", data);
    socket.disconnect();
  });
  // Logged in again in place (frontend/src/offline/login.js): the session is back.
  link.addEventListener("restored", () => banner.remove("membership"));
  socket.on("membership", (data) => {
    banner.show("membership", { text: strings.changed, kind: "phase", dismissible: false });
    relay("membership", data);
    if (data.reload) setTimeout(() => window.location.reload(), 2500);
  });
  for (const name of ["dashboard", "presence"]) socket.on(name, (data) => relay(name, data));

  setInterval(() => {
    if (socket.connected) socket.emit("ping", { edition });
  }, HEARTBEAT_MS);

  startCountdowns(strings, () => {
    // A scheduled lock of my paper reached its moment: read-only now (the server agrees).
    const now = Date.now();
    const due = state.schedules.some(
      (s) => Date.parse(s.at) <= now && (s.scope === "all" || (s.scope === "paper" && s.paper === state.paper)),
    );
    if (due && state.group) setLocked(true);
  });
  for (const s of state.schedules) addHiddenCountdown(s.at);
  document.addEventListener("palabre:live", (event) => {
    if (event.detail.name === "joined" || event.detail.name === "schedule") {
      for (const s of state.schedules) addHiddenCountdown(s.at);
    }
  });

  function phaseChip() {
    const main = document.getElementById("main");
    const el = document.createElement("p");
    el.className = "live-phase";
    el.innerHTML = '<span class="live-phase-name"></span> <span class="live-phase-label"></span> <time class="countdown"></time>';
    const name = el.querySelector(".live-phase-name");
    const label = el.querySelector(".live-phase-label");
    const time = el.querySelector("time");
    label.textContent = strings.deadline;
    label.hidden = true;
    time.hidden = true;
    main.prepend(el);
    return { el, name, label, time };
  }

  function addHiddenCountdown(at) {
    if (root.querySelector(`time[datetime="${CSS.escape(at)}"]`)) return;
    const t = document.createElement("time");
    t.className = "countdown";
    t.setAttribute("datetime", at);
    root.append(t);
  }

  return { socket, banner, state };
}
