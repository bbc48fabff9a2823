// The visual map of a question. The server draws two layouts in one SVG (maps.py); this
// picks the one that stays readable in the box (wide columns, or the narrow stack of a
// phone), fits it, pans and zooms it (map/panzoom.js), redraws it live when the /debate
// channel says the question changed, and runs the projector mode: a button or
// ?projector=1, the map alone full screen in large type; Escape leaves.
import { fetchHtml, parse, watchQuestion } from "../debate/channel.js";
import { panZoom } from "../map/panzoom.js";

const FONT = 14; // maps.FONT: the nodes' body text, in SVG units
const READABLE = 12 / FONT; // fitted, the text is never under 12 px on screen...
const LARGE = 20 / FONT; // ...nor under 20 px on a projector

const root = document.getElementById("map-root");

function setup() {
  const viewport = root.querySelector(".map-viewport");
  const tools = root.querySelector(".map-tools");
  const button = tools.querySelector("[data-action=projector]");
  let projecting = false;

  const svg = () => viewport.querySelector("svg.argument-map");
  const layer = () => {
    const el = svg();
    return el?.querySelector(`.map-layout[data-layout="${el.dataset.show}"]`);
  };
  const view = panZoom(viewport, { layer });

  // Which layout, at which scale: the one showing the whole map larger, if its text stays
  // readable (12 px, 20 px on a projector); else the one whose width fits at that size
  // (the map then pans down), a little above the floor at most.
  function plan() {
    const el = svg();
    const bw = viewport.clientWidth - 16;
    const bh = viewport.clientHeight - 16;
    const least = projecting ? LARGE : READABLE;
    const most = projecting ? 3 : 1.25;
    const [wide, narrow] = ["wide", "narrow"].map((name) => {
      const g = el.querySelector(`.map-layout[data-layout=${name}]`);
      const w = Number(g.dataset.width);
      const h = Number(g.dataset.height);
      return { name, w, whole: Math.min(bw / w, bh / h) };
    });
    const best = narrow.whole > wide.whole ? narrow : wide;
    if (best.whole >= least) return { show: best.name, scale: Math.min(best.whole, most) };
    const pick = wide.w * least <= bw ? wide : narrow;
    return { show: pick.name, scale: Math.min(Math.max(bw / pick.w, least), least * 1.25, most) };
  }

  // Returns whether the layout changed.
  function fit(onlyLayout = false) {
    const el = svg();
    if (!el) return false;
    const { show, scale } = plan();
    const changed = el.dataset.show !== show;
    el.dataset.show = show;
    if (!onlyLayout || changed) view.fitTo(scale);
    return changed;
  }

  function enter(fromUser) {
    projecting = true;
    document.body.classList.add("map-projector");
    button.setAttribute("aria-pressed", "true");
    setParam(true);
    if (fromUser) document.documentElement.requestFullscreen?.().catch(() => {});
    fit();
    viewport.focus({ preventScroll: true });
  }

  function leave() {
    if (!projecting) return;
    projecting = false;
    document.body.classList.remove("map-projector");
    button.setAttribute("aria-pressed", "false");
    setParam(false);
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    fit();
  }

  tools.hidden = false;
  root.querySelector(".map-help").hidden = false;
  viewport.classList.add("pannable");
  tools.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (action === "in") view.zoomAt(1.25);
    else if (action === "out") view.zoomAt(0.8);
    else if (action === "fit") fit();
    else if (action === "projector") projecting ? leave() : enter(true);
  });
  viewport.addEventListener("keydown", (event) => {
    if (event.key === "0" && !event.ctrlKey && !event.metaKey) {
      fit();
      event.preventDefault();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && projecting) leave();
  });
  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement) leave();
  });
  new ResizeObserver(() => {
    if (projecting) fit();
    else if (!fit(true)) view.apply();
  }).observe(viewport);

  let pending = false;
  async function redraw() {
    if (pending) return;
    pending = true;
    try {
      const html = await fetchHtml(root.dataset.svgUrl);
      if (html === null) return;
      const fragment = parse(html);
      if (!fragment.querySelector("svg")) return;
      const focused = document.activeElement?.closest?.(".map-node")?.dataset.argument;
      const shown = svg()?.dataset.show;
      if (shown) fragment.querySelector("svg").dataset.show = shown;
      const first = !shown;
      viewport.replaceChildren(fragment);
      if (first || projecting) fit();
      else if (!fit(true)) view.apply();
      if (focused) viewport.querySelector(`.map-node[data-argument="${focused}"]`)?.focus();
    } finally {
      pending = false;
    }
  }

  watchQuestion(root.dataset.edition, Number(root.dataset.question), () => {
    redraw().catch(() => {});
  });
  if (new URLSearchParams(window.location.search).get("projector") === "1") enter(false);
  else fit();
}

function setParam(on) {
  const url = new URL(window.location.href);
  if (on) url.searchParams.set("projector", "1");
  else url.searchParams.delete("projector");
  window.history.replaceState(window.history.state, "", url);
}

if (root) setup();
