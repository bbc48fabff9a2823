// Pan and zoom of an SVG layer inside a box, with pointer events: one finger or the mouse
// drags, two fingers pinch, Ctrl + wheel (a trackpad's pinch) zooms at the pointer, a plain
// wheel pans while the map can move that way, arrow keys pan, + / - zoom. The layer gets a
// `transform` attribute (crisp at every scale, unlike a CSS transform of a raster layer).
// No library: these ~150 lines do exactly what the map needs (readable fit, focus follow,
// a tap on a node stays a click), which panzoom libraries would need wrapping for anyway.

const MIN = 0.2;
const MAX = 4;
const DRAG = 5; // pixels a pointer moves before a press becomes a drag (not a click)
const MARGIN = 24; // pixels of the map that always stay in the box

export function panZoom(box, { layer }) {
  let x = 0;
  let y = 0;
  let k = 1;
  const size = () => {
    const el = layer();
    return el ? { w: Number(el.dataset.width), h: Number(el.dataset.height) } : { w: 0, h: 0 };
  };

  function clamp() {
    const { w, h } = size();
    const bw = box.clientWidth;
    const bh = box.clientHeight;
    const fix = (pos, content, room) =>
      content <= room - 2 * MARGIN
        ? Math.min(Math.max(pos, MARGIN / 2), room - content - MARGIN / 2)
        : Math.min(Math.max(pos, room - content - MARGIN), MARGIN);
    x = fix(x, w * k, bw);
    y = fix(y, h * k, bh);
  }

  function apply() {
    clamp();
    box.querySelector("svg .map-view")?.setAttribute("transform", `translate(${x.toFixed(1)} ${y.toFixed(1)}) scale(${k.toFixed(4)})`);
    box.dataset.scale = k.toFixed(3);
  }

  function zoomAt(factor, px = box.clientWidth / 2, py = box.clientHeight / 2) {
    const next = Math.min(MAX, Math.max(MIN, k * factor));
    x = px - ((px - x) * next) / k;
    y = py - ((py - y) * next) / k;
    k = next;
    apply();
  }

  function panBy(dx, dy) {
    x += dx;
    y += dy;
    apply();
  }

  // Show the map at scale `scale`: centred across, and down too when it fits the height.
  function fitTo(scale) {
    const { w, h } = size();
    if (!w || !h) return;
    k = Math.min(MAX, Math.max(MIN, scale));
    x = (box.clientWidth - w * k) / 2;
    y = h * k <= box.clientHeight - MARGIN ? (box.clientHeight - h * k) / 2 : MARGIN / 2;
    apply();
  }

  // Bring an element of the layer (a focused node) into view.
  function show(el) {
    const b = el.getBBox();
    const left = x + b.x * k;
    const top = y + b.y * k;
    const right = left + b.width * k;
    const bottom = top + b.height * k;
    let dx = 0;
    let dy = 0;
    if (left < 0 || right > box.clientWidth) dx = box.clientWidth / 2 - (left + right) / 2;
    if (top < 0 || bottom > box.clientHeight) dy = box.clientHeight / 2 - (top + bottom) / 2;
    if (dx || dy) panBy(dx, dy);
  }

  const pointers = new Map();
  let gesture = null;
  const local = (event) => {
    const r = box.getBoundingClientRect();
    return { x: event.clientX - r.left, y: event.clientY - r.top };
  };
  function begin() {
    const points = [...pointers.values()];
    if (points.length === 1) {
      gesture = { kind: "pan", from: points[0], x, y, moved: gesture?.moved ?? false };
    } else if (points.length >= 2) {
      const [a, b] = points;
      gesture = {
        kind: "pinch",
        distance: Math.hypot(a.x - b.x, a.y - b.y) || 1,
        mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 },
        x,
        y,
        k,
        moved: true,
      };
    } else gesture = null;
  }

  box.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    pointers.set(event.pointerId, local(event));
    begin();
  });
  box.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId) || !gesture) return;
    pointers.set(event.pointerId, local(event));
    const points = [...pointers.values()];
    if (gesture.kind === "pinch" && points.length >= 2) {
      const [a, b] = points;
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const next = Math.min(MAX, Math.max(MIN, (gesture.k * distance) / gesture.distance));
      // The map's point under the fingers' first midpoint follows the midpoint.
      x = mid.x - ((gesture.mid.x - gesture.x) * next) / gesture.k;
      y = mid.y - ((gesture.mid.y - gesture.y) * next) / gesture.k;
      k = next;
      apply();
    } else if (gesture.kind === "pan") {
      const p = pointers.get(event.pointerId);
      const dx = p.x - gesture.from.x;
      const dy = p.y - gesture.from.y;
      if (!gesture.moved && Math.hypot(dx, dy) < DRAG) return;
      if (!gesture.moved) {
        gesture.moved = true;
        // Captured only once it is a drag: a capture at once would turn a tap on a node
        // into a click on the box.
        box.setPointerCapture?.(event.pointerId);
        box.classList.add("dragging");
      }
      x = gesture.x + dx;
      y = gesture.y + dy;
      apply();
    }
  });
  const end = (event) => {
    if (!pointers.delete(event.pointerId)) return;
    const moved = gesture?.moved;
    if (pointers.size) {
      begin();
      return;
    }
    gesture = null;
    box.classList.remove("dragging");
    // A press that became a drag or a pinch does not open the node under it.
    if (moved && event.type === "pointerup") quietUntil = performance.now() + 300;
  };
  let quietUntil = 0;
  box.addEventListener(
    "click",
    (event) => {
      if (performance.now() < quietUntil) event.preventDefault();
      quietUntil = 0;
    },
    { capture: true },
  );
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", end);
  box.addEventListener("lostpointercapture", end);

  box.addEventListener(
    "wheel",
    (event) => {
      const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? box.clientHeight : 1;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        const p = local(event);
        zoomAt(Math.exp((-event.deltaY * unit) / 300), p.x, p.y);
        return;
      }
      const before = [x, y];
      panBy(-event.deltaX * unit, -event.deltaY * unit);
      // At the edge the page scrolls on.
      if (before[0] !== x || before[1] !== y) event.preventDefault();
    },
    { passive: false },
  );

  box.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const step = event.shiftKey ? 240 : 60;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[event.key]) panBy(...moves[event.key]);
    else if (event.key === "+" || event.key === "=") zoomAt(1.25);
    else if (event.key === "-" || event.key === "_") zoomAt(0.8);
    else return;
    event.preventDefault();
  });
  box.addEventListener("focusin", (event) => {
    const node = event.target.closest?.(".map-node");
    if (node) show(node);
  });
  // Focusing a node would scroll the box itself (overflow: hidden still scrolls): the
  // transform alone places the map.
  box.addEventListener("scroll", () => {
    box.scrollTop = 0;
    box.scrollLeft = 0;
  });

  return {
    apply,
    fitTo,
    zoomAt,
    panBy,
    get scale() {
      return k;
    },
  };
}
