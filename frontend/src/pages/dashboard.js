// The facilitators' dashboard: re-fetch the server-rendered fragment (SVG charts
// included) when the live channel says something changed, and every 20 s otherwise.

const REFRESH_MS = 20000;
const QUIET_MS = 1500;

const container = document.getElementById("dashboard");
if (container) {
  const url = container.dataset.fragmentUrl;
  let timer = null;
  let inflight = false;

  async function refresh() {
    if (inflight || document.hidden) return;
    inflight = true;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        container.innerHTML = await response.text();
        container.dataset.refreshedAt = new Date().toISOString();
        document.dispatchEvent(new CustomEvent("palabre:dashboard-refreshed"));
      }
    } finally {
      inflight = false;
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, QUIET_MS);
  }

  document.addEventListener("palabre:live", (event) => {
    if (["dashboard", "presence", "access", "phase", "announcement"].includes(event.detail.name)) soon();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
  setInterval(refresh, REFRESH_MS);
}
