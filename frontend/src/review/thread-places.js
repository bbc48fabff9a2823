// Where a section's threads show: a margin column beside the editor on a laptop
// (≥ 1024 px); on a phone, a marker on the section ("3 comments") opening a bottom sheet
// (a modal dialog: the focus stays in it, Escape or its button closes it, the focus goes
// back where it was). One list of threads, moved between the two as the width changes.
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

export function mountPlaces({ entry, t, list, wide }) {
  const margin = el("aside", "comment-margin");
  margin.setAttribute("aria-label", t.comments_title);
  margin.append(el("h3", "comment-margin-title", t.comments_title));
  entry.workspace.querySelector(".panes").append(margin);
  entry.workspace.classList.add("with-comments");

  const marker = el("button", "comment-marker");
  marker.type = "button";
  marker.setAttribute("aria-haspopup", "dialog");
  marker.hidden = true;
  entry.card.querySelector(".section-head").insertBefore(marker, entry.openButton);

  const sheet = el("dialog", "comment-sheet");
  const titleId = `comment-sheet-${entry.config.key}`;
  sheet.setAttribute("aria-labelledby", titleId);
  const head = el("div", "comment-sheet-head");
  const title = el("h2", null, t.sheet_title.replace("{section}", entry.config.title));
  title.id = titleId;
  const close = el("button", "comment-sheet-close");
  close.type = "button";
  close.setAttribute("aria-label", t.close);
  close.innerHTML = '<svg class="icon" aria-hidden="true" focusable="false"><use href="#i-x"></use></svg>';
  head.append(title, close);
  const body = el("div", "comment-sheet-body");
  sheet.append(head, body);
  entry.card.append(sheet);
  let returnFocus = null;
  close.addEventListener("click", () => sheet.close());
  marker.addEventListener("click", () => open());
  sheet.addEventListener("click", (event) => {
    if (event.target === sheet) sheet.close(); // a tap on the backdrop
  });
  sheet.addEventListener("close", () => (returnFocus?.isConnected ? returnFocus : marker).focus());

  // A phone's keyboard covers the bottom of the screen: the sheet sits above it.
  const fit = () => {
    const viewport = window.visualViewport;
    if (!viewport) return;
    const covered = Math.max(0, window.innerHeight - viewport.height - viewport.offsetTop);
    sheet.style.setProperty("--keyboard", `${covered}px`);
    sheet.style.setProperty("--viewport", `${viewport.height}px`);
  };
  window.visualViewport?.addEventListener("resize", fit);

  const placeList = () => {
    if (wide.matches && sheet.open) sheet.close();
    (wide.matches ? margin : body).append(list.element);
  };
  wide.addEventListener("change", placeList);
  placeList();

  // On a phone: the sheet, at the thread `id` if given.
  function open(id) {
    if (wide.matches) return;
    if (!sheet.open) {
      returnFocus = document.activeElement;
      fit();
      sheet.showModal();
    }
    const card = id && list.card(id);
    if (card) {
      card.scrollIntoView({ block: "nearest" });
      card.focus({ preventScroll: true });
    } else {
      close.focus();
    }
  }

  return {
    open,
    close: () => sheet.open && sheet.close(),
    // The marker's words; `removed`: the member no longer reads this section's review.
    show(label, { any, removed }) {
      marker.hidden = removed || !any;
      marker.textContent = label;
      margin.hidden = removed;
    },
  };
}
