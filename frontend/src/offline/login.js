// Logging in again without leaving the page (templates/accounts/_login_dialog.html), when
// the server refused the page's connection for lack of a session: the edits made here
// meanwhile stay on the device and leave, once, as soon as the new session connects.
// Without JavaScript the same form is the login page, which brings the member back here.

export function updateCsrf(token) {
  if (!token) return;
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) meta.content = token;
  for (const input of document.querySelectorAll('input[name="csrf_token"]')) input.value = token;
}

async function json(response) {
  try {
    return await response.json();
  } catch {
    return { ok: false, message: response.statusText };
  }
}

// Who the server says this browser is now, and a CSRF token for its session.
export async function whoAmI() {
  const response = await fetch("/login", {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  });
  return json(response);
}

async function logIn(form) {
  const { csrf_token: token } = await whoAmI();
  const body = new FormData(form);
  body.set("csrf_token", token || "");
  const response = await fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": token || "" },
  });
  return json(response);
}

// The session of `userId` is back: carry on (another member's: reload, their page).
function resumed(answer, { link, userId }) {
  updateCsrf(answer.csrf_token);
  if (String(answer.user?.id) !== String(userId)) {
    window.location.reload();
    return;
  }
  link.restore();
}

export async function offerLogin({ link, userId, strings }) {
  const dialog = document.getElementById("login-dialog");
  if (!dialog || dialog.open) return;
  // Logged in again meanwhile (another tab): nothing to ask.
  try {
    const now = await whoAmI();
    if (now.authenticated && String(now.user?.id) === String(userId)) {
      resumed(now, { link, userId });
      return;
    }
  } catch {
    // The link dropped again: ask anyway, the form says if it cannot reach the server.
  }
  if (!link.ended || dialog.open) return;
  const form = dialog.querySelector("form");
  const error = dialog.querySelector(".login-error");
  const showError = (message) => {
    error.textContent = message;
    error.hidden = !message;
  };
  showError("");
  if (!form.dataset.ready) {
    form.dataset.ready = "1";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        const answer = await logIn(form);
        if (!answer.ok) {
          showError(answer.message || strings.login_failed);
          return;
        }
        form.elements.password.value = "";
        dialog.close();
        resumed(answer, { link, userId });
      } catch {
        showError(strings.login_unreachable);
      } finally {
        button.disabled = false;
      }
    });
    dialog.querySelector("[data-close]")?.addEventListener("click", () => dialog.close());
  }
  dialog.showModal();
  (form.elements.email.value ? form.elements.password : form.elements.email).focus();
}
