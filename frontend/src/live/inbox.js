// The bell in the top bar (templates/base.html): its unread count follows the member's
// inbox live. On the page's /live socket (the edition-wide client's, frontend/src/live/
// client.js: no other connection), `inbox {edition}` is sent on every connect, whose
// answer is the count; the room then hears `notification {notification, unread}`.
// Offline the count stays as the page (or the last event) said.

const MAX_SHOWN = 99;

function label(bell, n) {
  if (n === 0) return bell.dataset.labelZero;
  if (n === 1) return bell.dataset.labelOne;
  return (bell.dataset.labelOther || "").replaceAll("{n}", String(n));
}

export function showUnread(bell, n) {
  const count = bell.querySelector(".inbox-count");
  bell.dataset.unread = String(n);
  bell.setAttribute("aria-label", label(bell, n));
  bell.title = label(bell, n);
  if (count) {
    count.textContent = n > MAX_SHOWN ? `${MAX_SHOWN}+` : String(n);
    count.hidden = n === 0;
  }
}

export function startInbox(bell, socket) {
  const edition = bell.dataset.inbox;
  const news = document.getElementById("inbox-news");
  const join = () =>
    socket.emit("inbox", { edition }, (ack) => {
      if (!ack || !ack.ok || !Number.isInteger(ack.unread)) return;
      showUnread(bell, ack.unread);
      bell.dataset.live = "joined"; // the room is joined: news comes as it happens
    });
  socket.on("connect", join);
  socket.on("disconnect", () => {
    bell.dataset.live = "off";
  });
  if (socket.connected) join();
  socket.on("notification", (data) => {
    if (!data || !Number.isInteger(data.unread)) return;
    showUnread(bell, data.unread);
    if (news) news.textContent = `${bell.dataset.news || ""} ${label(bell, data.unread)}`.trim();
  });
}
