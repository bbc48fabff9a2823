// Countdowns to deadlines: every <time class="countdown" datetime="..."> on the page
// (and the phase chip of the live client) shows the time left, updated every second.

export function formatLeft(ms, strings) {
  if (ms <= 0) return strings.passed;
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (d > 0) return `${d} ${strings.days} ${h} h ${pad(m)}`;
  if (h > 0) return `${h} h ${pad(m)} min`;
  return `${m} min ${pad(sec)} s`;
}

export function startCountdowns(strings, onZero) {
  const fired = new WeakSet();
  function tick() {
    const now = Date.now();
    for (const el of document.querySelectorAll("time.countdown[datetime]")) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (Number.isNaN(at)) continue;
      if (!el.dataset.absolute) el.dataset.absolute = el.textContent;
      const left = at - now;
      el.textContent = formatLeft(left, strings);
      el.title = el.dataset.absolute;
      el.classList.toggle("urgent", left > 0 && left < 15 * 60 * 1000);
      el.classList.toggle("passed", left <= 0);
      if (left <= 0 && !fired.has(el)) {
        fired.add(el);
        if (onZero) onZero(el);
      }
    }
  }
  tick();
  return setInterval(tick, 1000);
}
