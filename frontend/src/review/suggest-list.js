// The list of a section's pending suggestions, under its toolbar: who suggested what, its
// state (waiting to be sent, refused), and the group's Accept / Reject, one by one or all
// of one author's. Drawn again only when what it shows changes (not at every keystroke),
// and the button that had the focus keeps it.
const SHORT = 120;

function short(text) {
  return text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, action, id, handler, className = "") {
  const node = element("button", className, label);
  node.type = "button";
  node.dataset.action = action;
  node.dataset.id = id;
  node.addEventListener("click", handler);
  return node;
}

function change(item, strings) {
  const parts = [];
  if (item.deleted) {
    const del = element("del", "suggestion-deleted");
    del.append(element("span", "visually-hidden", `${strings.deleted} `), short(item.deleted));
    parts.push(del);
  }
  if (item.inserted) {
    const ins = element("ins", "suggestion-inserted");
    ins.append(element("span", "visually-hidden", `${strings.inserted} `), short(item.inserted));
    if (parts.length) parts.push(" ");
    parts.push(ins);
  }
  return parts;
}

function row(item, options) {
  const { strings, may, deciding } = options;
  const li = element("li", `suggestion is-${item.state}`);
  li.dataset.suggestion = item.id;
  const line = element("p", "suggestion-line");
  line.append(element("strong", "suggestion-author", item.author), " ");
  if (item.from !== null && options.editor) {
    const go = button("", "show", item.id, () => options.show(item), "link suggestion-passage");
    go.title = strings.show;
    go.append(...change(item, strings));
    line.append(go);
  } else {
    const passage = element("span", "suggestion-passage");
    passage.append(...change(item, strings));
    line.append(passage);
  }
  li.append(line);
  const actions = element("div", "suggestion-actions");
  if (item.state === "pending" && may.decide && !deciding.has(item.id)) {
    actions.append(
      button(strings.accept, "accept", item.id, () => options.decide(item.id, "accept"), "primary"),
      button(strings.reject, "reject", item.id, () => options.decide(item.id, "reject")),
    );
  }
  if (item.state === "refused") actions.append(button(strings.dismiss, "dismiss", item.id, () => options.dismiss(item.id)));
  if (actions.childElementCount) li.append(actions);
  const notes = [];
  if (item.state === "waiting") notes.push(strings.waiting);
  if (deciding.has(item.id)) notes.push(strings.decision_waiting);
  if (item.changed && item.state === "pending" && !item.problem) notes.push(strings.changed);
  if (notes.length) li.append(element("p", "suggestion-state", notes.join(" · ")));
  if (item.problem) {
    const problem = element("p", "suggestion-problem", item.problem);
    problem.setAttribute("role", "alert");
    li.append(problem);
  }
  return li;
}

// "Accept all / reject all from <author>", for each author with several pending.
function bulk(items, options) {
  const { strings, may } = options;
  if (!may.decide) return null;
  const byAuthor = new Map();
  for (const item of items) {
    if (item.state !== "pending" || options.deciding.has(item.id)) continue;
    const entry = byAuthor.get(item.authorId) || { name: item.author, count: 0 };
    entry.count += 1;
    byAuthor.set(item.authorId, entry);
  }
  const rows = [...byAuthor].filter(([, entry]) => entry.count > 1);
  if (!rows.length) return null;
  const box = element("div", "suggestions-bulk");
  for (const [authorId, { name }] of rows) {
    const key = `author-${authorId}`;
    const line = element("p", "suggestions-bulk-line");
    line.append(
      button(strings.accept_all.replace("{name}", name), "accept-all", key, () => options.decideAll(authorId, "accept")),
      button(strings.reject_all.replace("{name}", name), "reject-all", key, () => options.decideAll(authorId, "reject")),
    );
    box.append(line);
  }
  return box;
}

function signature(items, options) {
  const shown = items.map(({ id, state, author, deleted, inserted, changed, problem, from }) => [
    id,
    state,
    author,
    deleted,
    inserted,
    changed,
    problem,
    from === null,
  ]);
  return JSON.stringify([shown, [...options.deciding], options.may, options.editor]);
}

export function renderList(box, items, options) {
  const key = signature(items, options);
  if (box.dataset.signature === key) return;
  box.dataset.signature = key;
  const focused = box.contains(document.activeElement) ? document.activeElement.dataset : null;
  const focus = focused && { action: focused.action, id: focused.id };
  const counted = items.filter((item) => item.state !== "refused").length;
  const summary = element("summary", "suggestions-title", options.strings.pending.replace("{n}", String(counted)));
  summary.dataset.action = "summary";
  const list = element("ul", "suggestions-list");
  list.append(...items.map((item) => row(item, options)));
  box.replaceChildren(summary, ...[bulk(items, options)].filter(Boolean), list);
  box.hidden = items.length === 0;
  if (focus?.action) {
    const again = focus.id && box.querySelector(`[data-action="${focus.action}"][data-id="${CSS.escape(focus.id)}"]`);
    (again || summary).focus();
  }
}
