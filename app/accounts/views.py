"""Login, logout, sign-up by invitation, language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

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


def _start_session(user) -> None:
    """A fresh session at login (no fixation); keep only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong e-mail or password."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are logged out on every device."), "info")
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
