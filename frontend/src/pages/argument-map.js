// The visual map of a question: zoom (buttons, keys, Ctrl+wheel, two-finger pinch), drag
// to pan, fit to the screen, full screen for the projector, and live redraw when the
// /debate channel says the question changed. The SVG itself is drawn by the server.
import { fetchHtml, parse, watchQuestion } from "../debate/channel.js";

const root = document.getElementById("map-root");
const MIN = 0.2;
const MAX = 3;

function setup() {
  const scroller = root.querySelector(".map-scroll");
  const tools = root.querySelector(".map-tools");
  let scale = 1;

  const svg = () => scroller.querySelector("svg");
  const natural = (el) => el.viewBox.baseVal;

  function apply(keepCentre = true) {
    const el = svg();
    if (!el) return;
    const cx = (scroller.scrollLeft + scroller.clientWidth / 2) / (scroller.scrollWidth || 1);
    const cy = (scroller.scrollTop + scroller.clientHeight / 2) / (scroller.scrollHeight || 1);
    el.setAttribute("width", String(Math.round(natural(el).width * scale)));
    el.setAttribute("height", String(Math.round(natural(el).height * scale)));
    if (keepCentre) {
      scroller.scrollLeft = cx * scroller.scrollWidth - scroller.clientWidth / 2;
      scroller.scrollTop = cy * scroller.scrollHeight - scroller.clientHeight / 2;
    }
    root.dataset.scale = scale.toFixed(2);
  }

  function zoom(factor) {
    scale = Math.min(MAX, Math.max(MIN, scale * factor));
    apply();
  }

  function fit() {
    const el = svg();
    if (!el) return;
    // Fit the width (a tall map then scrolls vertically), never below a readable minimum.
    scale = Math.min(1, Math.max(MIN, scroller.clientWidth / natural(el).width));
    apply(false);
  }

  tools.hidden = false;
  tools.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (action === "in") zoom(1.25);
    else if (action === "out") zoom(0.8);
    else if (action === "fit") fit();
    else if (action === "reset") {
      scale = 1;
      apply();
    } else if (action === "full") {
      if (document.fullscreenElement) document.exitFullscreen();
      else root.requestFullscreen?.().then(fit);
    }
  });
  document.addEventListener("fullscreenchange", () => root.classList.toggle("projector", !!document.fullscreenElement));

  scroller.addEventListener("keydown", (event) => {
    if (event.key === "+" || event.key === "=") zoom(1.25);
    else if (event.key === "-") zoom(0.8);
    else if (event.key === "0") fit();
    else return;
    event.preventDefault();
  });
  scroller.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      zoom(event.deltaY < 0 ? 1.1 : 0.9);
    },
    { passive: false },
  );

  // Mouse: drag to pan. Touch: the browser scrolls natively; two fingers zoom the map.
  const pointers = new Map();
  let drag = null;
  let pinch = null;
  scroller.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, event);
    if (event.pointerType === "mouse" && event.button === 0) {
      drag = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop, moved: false };
    }
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY), scale };
    }
  });
  scroller.addEventListener("pointermove", (event) => {
    if (pointers.has(event.pointerId)) pointers.set(event.pointerId, event);
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
      scale = Math.min(MAX, Math.max(MIN, (pinch.scale * distance) / (pinch.distance || 1)));
      apply();
    } else if (drag) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      scroller.scrollLeft = drag.left - dx;
      scroller.scrollTop = drag.top - dy;
    }
  });
  const end = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    if (event.type !== "pointerup") drag = null;
  };
  scroller.addEventListener("pointerup", (event) => {
    end(event);
    // A drag that moved is not a click on a node.
    if (drag?.moved) scroller.addEventListener("click", (e) => e.preventDefault(), { capture: true, once: true });
    drag = null;
  });
  scroller.addEventListener("pointercancel", end);

  let pending = false;
  async function redraw() {
    if (pending) return;
    pending = true;
    try {
      const html = await fetchHtml(root.dataset.svgUrl);
      if (html === null) return;
      const fragment = parse(html);
      if (fragment.querySelector("svg")) {
        scroller.replaceChildren(fragment);
        apply(false);
      }
    } finally {
      pending = false;
    }
  }

  watchQuestion(root.dataset.edition, Number(root.dataset.question), () => {
    redraw().catch(() => {});
  });
  if (scroller.clientWidth < 700) fit();
}

if (root) setup();
