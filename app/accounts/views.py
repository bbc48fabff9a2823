"""Login, logout, sign-up by invitation, language switch.

``/login`` and ``/logout`` also answer JSON (``Accept: application/json``), for the pages
that log a member in again without leaving (``frontend/src/offline/login.js``: the editor's
edits wait on the device meanwhile) and log out after deleting the device's copies
(``frontend/src/pages/shell.js``). A session the member asked to keep ("Stay logged in")
outlives the browser for ``STAY_LOGGED_IN_DAYS`` after the last visit; logging out ends
every session of the member (``services.end_all_sessions``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from app.accounts import services
from app.accounts.forms import JoinForm, LoginForm, SignupForm
from app.core.errors import PalabreError
from app.extensions import limiter, login_manager
from app.workshops import services as workshops

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str):
    return services.load_session_user(session_id)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if not target:
        return url_for("workshops.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("workshops.home")
    return target


def _start_session(user, *, remember: bool = True) -> None:
    """A fresh session at login (no fixation); keep only the chosen language. ``remember``:
    the session outlives the browser (``STAY_LOGGED_IN_DAYS`` after the last visit; each
    request renews it)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = bool(remember and current_app.config["STAY_LOGGED_IN_DAYS"])
    login_user(user)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _session_json(**extra):
    """Who this browser is now, and the CSRF token of its session."""
    user = current_user if current_user.is_authenticated else None
    return jsonify(
        ok=True,
        authenticated=user is not None,
        user={"id": user.id, "name": user.name} if user else None,
        csrf_token=generate_csrf(),
        **extra,
    )


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


@bp.after_app_request
def renew_kept_session(response):
    """A kept session lasts ``STAY_LOGGED_IN_DAYS`` after the last visit: every answer but a
    static file's renews its cookie (``SESSION_REFRESH_EACH_REQUEST`` is off for them)."""
    if request.endpoint not in (None, "static") and session.get("_permanent"):
        session.modified = True
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login():
    json = _wants_json()
    if current_user.is_authenticated:
        if json:
            return _session_json()
        return redirect(_safe_next(request.args.get("next")))
    if json and request.method == "GET":
        return _session_json()
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            if json:
                return _session_json()
            return redirect(_safe_next(request.args.get("next")))
        message = _("Wrong e-mail or password.")
        if json:
            return jsonify(ok=False, error="unauthenticated", message=message), 401
        flash(message, "error")
        status = 401
    elif request.method == "POST":
        status = 400
        if json:
            errors = [error for field in form for error in field.errors]
            message = " ".join(str(error) for error in errors) or _("This input is not valid.")
            return jsonify(ok=False, error="bad_input", message=message), status
    stay = current_app.config["STAY_LOGGED_IN_DAYS"]
    return render_template("accounts/login.html", form=form, stay_days=stay), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are logged out on every device."), "info")
    if _wants_json():
        return jsonify(ok=True, next=url_for("accounts.login"))
    return redirect(url_for("accounts.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    try:
        invite = workshops.find_invitation(token)
    except PalabreError as error:
        return render_template("accounts/invitation_invalid.html", message=error.message), (
            error.status
        )
    if current_user.is_authenticated:
        form = JoinForm()
        if form.validate_on_submit():
            workshops.redeem_invitation(invite, current_user)
            flash(_("Welcome to %(title)s.", title=invite.edition.title), "info")
            return redirect(url_for("workshops.edition", slug=invite.edition.slug))
        return render_template("accounts/join.html", invite=invite, form=form)
    form = SignupForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data)
        except PalabreError as error:
            flash(error.message, "error")
            status = error.status
        else:
            workshops.redeem_invitation(invite, user)
            _start_session(user)
            flash(_("Welcome to %(title)s.", title=invite.edition.title), "info")
            return redirect(url_for("workshops.edition", slug=invite.edition.slug))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/signup.html", invite=invite, form=form), status


@bp.route("/language/<code>", methods=["POST"])
def language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
    return redirect(_safe_next(request.form.get("next")))
