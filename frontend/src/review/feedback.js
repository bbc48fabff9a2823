// A section's feedback: the facilitators write a draft ("Feedback" panel: a status and a
// text, saved over HTTP); the group reads the released one as a card at the top of the
// section (releasing every draft at once is the dashboard's).
import { formatMoment } from "../net/moment.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

let counter = 0;

// `staff`: may write the draft; `save({body, status})` → the feedback as the server has it.
export function mountFeedback({ t, workspace, staff, save }) {
  const box = el("div", "feedback-box");
  const card = el("section", "feedback-card");
  card.hidden = true;
  box.append(card);
  const statusLabel = (status) => (status === "ready" ? t.status_ready : t.status_to_review);
  let panel = null;
  let form = null;

  if (staff) {
    const id = `feedback-${++counter}`;
    panel = el("details", "feedback-panel");
    const summary = el("summary", null, t.feedback_panel);
    const state = el("span", "feedback-state");
    summary.append(" ", state);
    form = el("form", "feedback-form");
    const fieldset = el("fieldset");
    fieldset.append(el("legend", null, t.feedback_status));
    for (const value of ["to_review", "ready"]) {
      const label = el("label");
      const radio = el("input");
      radio.type = "radio";
      radio.name = `${id}-status`;
      radio.value = value;
      radio.checked = value === "to_review";
      label.append(radio, ` ${statusLabel(value)}`);
      fieldset.append(label);
    }
    const bodyLabel = el("label", null, t.feedback_body);
    bodyLabel.htmlFor = id;
    const textarea = el("textarea");
    textarea.id = id;
    textarea.rows = 4;
    textarea.maxLength = 4000;
    const saveButton = el("button", "primary", t.feedback_save);
    saveButton.type = "submit";
    const note = el("p", "feedback-note");
    note.setAttribute("role", "status");
    form.append(fieldset, bodyLabel, textarea, saveButton, note);
    panel.append(summary, form);
    box.append(panel);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = form.querySelector("input[type=radio]:checked")?.value || "to_review";
      saveButton.disabled = true;
      try {
        const saved = await save({ body: textarea.value, status });
        show(saved);
        note.textContent = t.feedback_saved;
      } catch (error) {
        note.textContent = navigator.onLine ? error.message : t.needs_network;
      } finally {
        saveButton.disabled = false;
      }
    });
    panel.state = state;
    panel.textarea = textarea;
    panel.note = note;
  }
  workspace.prepend(box);

  function show(feedback) {
    const released = feedback?.released;
    card.hidden = !released || staff;
    if (released && !staff) {
      const title = el("h3", null, t.feedback_title);
      title.append(" ", el("span", `feedback-status ${released.status}`, statusLabel(released.status)));
      const body = el("div", "prose");
      body.innerHTML = released.html; // sanitized by the server
      const when = el("p", "feedback-when", formatMoment(released.at));
      card.replaceChildren(title, body, when);
    }
    if (!panel) return;
    const draft = feedback?.draft;
    if (draft && document.activeElement !== panel.textarea) {
      panel.textarea.value = draft.body;
      const radio = form.querySelector(`input[value="${draft.status}"]`);
      if (radio) radio.checked = true;
    }
    let state = t.feedback_none;
    if (draft?.pending) state = t.feedback_draft.replace("{status}", statusLabel(draft.status));
    else if (released) state = t.feedback_released.replace("{status}", statusLabel(released.status));
    panel.state.textContent = `(${state})`;
  }

  return { show, element: box };
}
