// A moment written as the page's language writes it, in the school's time zone
// (PALABRE_TIMEZONE, on <html data-timezone>), as the server writes it with Babel:
// the browser's own locale and zone would show mm/dd/yyyy inside the French pages.

export function formatMoment(value, options = { dateStyle: "short", timeStyle: "short" }) {
  const moment = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(moment.getTime())) return String(value ?? "");
  const root = document.documentElement;
  const zone = root.dataset.timezone;
  try {
    return moment.toLocaleString(root.lang || "fr", zone ? { ...options, timeZone: zone } : options);
  } catch {
    return moment.toLocaleString(root.lang || "fr", options); // a zone this browser lacks
  }
}
