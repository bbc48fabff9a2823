// The threaded debate of a question, live. The /debate channel says what changed; the page
// fetches that argument's fragment, rendered by the server for this viewer, and patches it
// in place, so a reply being typed elsewhere on the page is never lost. Changes of
// structure (merge, lock, phase) redraw the whole thread unless the person is typing.
import { fetchHtml, parse, watchQuestion } from "../debate/channel.js";

const root = document.getElementById("thread-root");
const notice = document.getElementById("debate-live");

function typingIn(element) {
  return [...element.querySelectorAll("textarea, input[name=reason], input[name=page]")].some((el) => el.value.trim());
}

function argumentUrl(id) {
  return root.dataset.argumentUrl.replace(/0$/, String(id));
}

function filtered() {
  const params = new URLSearchParams(window.location.search);
  return ["group", "kind", "unanswered"].some((name) => params.get(name));
}

function item(id) {
  return document.getElementById(`a${id}`);
}

function flash(element) {
  element.classList.remove("arrived");
  void element.offsetWidth;
  element.classList.add("arrived");
}

function countReplies(li) {
  const box = li?.querySelector(":scope > details.replies-box");
  if (!box) return;
  const n = box.querySelectorAll(":scope > ol.replies > li.argument").length;
  box.querySelector(".count").textContent = String(n);
  box.hidden = n === 0;
}

async function redraw(force = false) {
  if (!force && typingIn(root)) {
    notice.hidden = false;
    return;
  }
  const html = await fetchHtml(root.dataset.fragment + window.location.search);
  if (html === null) return;
  const open = [...root.querySelectorAll("details[open]:not(.replies-box)")].map((d) => [
    d.closest("[data-argument]")?.dataset.argument,
    d.className,
  ]);
  const closed = [...root.querySelectorAll("details.replies-box:not([open])")].map(
    (d) => d.closest("[data-argument]")?.dataset.argument,
  );
  root.replaceChildren(parse(html));
  for (const [id, cls] of open) {
    if (id && cls) item(id)?.querySelector(`:scope > article details.${cls.split(" ")[0]}`)?.setAttribute("open", "");
  }
  for (const id of closed) item(id)?.querySelector(":scope > details.replies-box")?.removeAttribute("open");
  notice.hidden = true;
}

// Replace an argument's own card (not its replies, where someone may be typing).
function replaceCard(li, fresh) {
  const card = li.querySelector(":scope > article");
  const freshCard = fresh.querySelector(":scope > article");
  if (!card || !freshCard) return;
  if (typingIn(card)) {
    notice.hidden = false;
    return;
  }
  const open = [...card.querySelectorAll("details[open]")].map((d) => d.className.split(" ")[0]);
  for (const cls of open) freshCard.querySelector(`details.${cls}`)?.setAttribute("open", "");
  li.className = fresh.className;
  li.replaceChild(freshCard, card);
  flash(li);
}

async function added(id, parentId) {
  if (item(id)) return;
  const html = await fetchHtml(argumentUrl(id));
  if (html === null) return;
  const fresh = parse(html).querySelector("li.argument");
  if (!fresh || item(id)) return;
  if (parentId) {
    const parent = item(parentId);
    const list = parent?.querySelector(":scope > details.replies-box > ol.replies");
    if (!list) return redraw();
    list.append(fresh);
    countReplies(parent);
  } else {
    const thread = root.querySelector("#thread");
    thread.querySelector(":scope > li.empty")?.remove();
    thread.append(fresh);
  }
  flash(fresh);
}

async function changed(id) {
  const li = item(id);
  if (!li) return;
  const html = await fetchHtml(argumentUrl(id));
  if (html === null) {
    // Gone (deleted without replies): take it off the page.
    const parent = li.parentElement?.closest("li.argument");
    li.remove();
    countReplies(parent);
    return;
  }
  const fresh = parse(html).querySelector("li.argument");
  if (fresh) replaceCard(li, fresh);
}

// The forms of a box (reply, insert, report, moderate) come from one <template> per kind,
// filled in when a person opens the box: the page does not carry 500 copies of them.
const KEEP = {
  hidden: (li) => li.classList.contains("is-hidden"),
  shown: (li) => !li.classList.contains("is-hidden"),
  pinned: (li) => li.classList.contains("pinned"),
  unpinned: (li) => !li.classList.contains("pinned"),
  locked: (li) => li.classList.contains("locked"),
  open: (li) => !li.classList.contains("locked"),
};

function fillBox(details) {
  if (!details.open || details.querySelector("form")) return;
  const template = document.getElementById(`box-${details.dataset.box}`);
  const li = details.closest("li.argument");
  if (!template || !li) return;
  const holder = document.createElement("div");
  holder.innerHTML = template.innerHTML.replaceAll("__ID__", li.dataset.argument);
  if (!["support", "oppose"].includes(li.dataset.kind)) holder.querySelector("option[value=rebut]")?.remove();
  const section = holder.querySelector("select[name=section]");
  const own = section && [...section.options].find((o) => o.dataset.question === li.dataset.question);
  if (own) section.value = own.value;
  for (const el of holder.querySelectorAll("[data-when]")) if (!KEEP[el.dataset.when]?.(li)) el.remove();
  details.querySelector(".box-fallback")?.remove();
  details.append(...holder.childNodes);
}

let queue = Promise.resolve();

function onChange(message) {
  const { what, argument, parent } = message;
  queue = queue
    .then(() => {
      if (what === "added" && !filtered()) return added(argument, parent);
      if (["edited", "marked", "hidden", "restored", "pinned", "deleted"].includes(what)) return changed(argument);
      return redraw();
    })
    .catch(() => {
      notice.hidden = false;
    });
}

// Moderation buttons go over the channel when it is up (no reload; the change comes back
// as a `changed` message like everyone else's), over the plain form otherwise.
function moderateLive(socket) {
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form.moderation-form");
    const operation = event.submitter?.value;
    if (!form || !socket.connected || !operation) return;
    event.preventDefault();
    const data = new FormData(form);
    const into = Number(data.get("into"));
    const payload = {
      edition: root.dataset.edition,
      argument: Number(form.closest("[data-argument]").dataset.argument),
      operation,
      reason: String(data.get("reason") || ""),
    };
    if (into) payload.into = into;
    const status = form.querySelector(".moderation-status");
    socket.timeout(10000).emit("moderate", payload, (err, ack) => {
      if (err || !ack?.ok) {
        status.textContent = ack?.message || root.dataset.failed;
        return;
      }
      status.textContent = "";
      form.reset();
    });
  });
}

if (root) {
  root.addEventListener("toggle", (event) => event.target.dataset?.box && fillBox(event.target), true);
  const socket = watchQuestion(root.dataset.edition, Number(root.dataset.question), onChange);
  moderateLive(socket);
  document.getElementById("debate-refresh")?.addEventListener("click", () => {
    notice.hidden = true;
    queue = queue.then(() => redraw(true));
  });
}
