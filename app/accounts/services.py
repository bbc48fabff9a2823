"""Account services: plain functions that flush, never commit."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import make_transient_to_detached

from app.accounts.models import User
from app.core import authz
from app.core.errors import BadInput, Conflict
from app.extensions import db

authz.depends_on(User)  # the session user is reused within a generation (load_session_user)

# Argon2id through argon2-cffi: the OWASP-recommended password hash, maintained.
_DEFAULT_HASHER = PasswordHasher()
_dummy_hashes: dict[tuple, str] = {}


def _hasher() -> PasswordHasher:
    """argon2-cffi's defaults, cheaper only when the test configuration says so."""
    params = current_app.config.get("ARGON2_PARAMETERS") if has_app_context() else None
    return PasswordHasher(**params) if params else _DEFAULT_HASHER


def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified when the e-mail is unknown, so that a wrong e-mail costs the same time."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash("palabre-timing-equaliser")
    return _dummy_hashes[key]


MIN_PASSWORD_LENGTH = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise BadInput(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(email: str, name: str, password: str, *, is_organizer: bool = False) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise BadInput(_("This e-mail address is not valid."))
    if not (name or "").strip():
        raise BadInput(_("Your name is required."))
    check_password_strength(password)
    if find_user(email) is not None:
        raise Conflict(_("An account already exists for this e-mail address."))
    user = User(
        email=email,
        name=name.strip()[:120],
        password_hash=_hasher().hash(password),
        is_organizer=is_organizer,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = _hasher().hash(password)
    end_all_sessions(user)


def authenticate(email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None (same cost either way)."""
    user = find_user(email)
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(hasher), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie of this user, on every device."""
    user.session_version += 1
    db.session.flush()


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>.<session_version>"`` must match the database.

    A socket event loads its user on every message: within one access generation (which
    any change to a user bumps, see ``app.core.authz``) the row is not read again."""
    user_id, _sep, version = (session_id or "").partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    loaded: list[User | None] = []

    def read() -> dict | None:
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.active:
            user = None
        loaded.append(user)
        return {c.key: getattr(user, c.key) for c in inspect(User).column_attrs} if user else None

    values = authz.kept("session_users", session_id, read)
    if loaded:  # read just now: the row of this session
        return loaded[0]
    return _copy(values) if values is not None else None


def _copy(values: dict) -> User:
    """A User row as if loaded earlier and detached (built the way the ORM builds a row:
    no constructor, no attribute events). A user has no relationships to lazy-load; a
    session that needs it (an assignment to a relationship) attaches it."""
    user = inspect(User).class_manager.new_instance()
    user.__dict__.update(values)
    make_transient_to_detached(user)
    return user
