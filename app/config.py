"""Configuration: environment variables with safe defaults.

Every setting a deployer may change is read here, once, from the environment; nothing
else in the code reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core import public_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def _instance_dir() -> Path:
    path = Path(os.environ.get("PALABRE_INSTANCE", BASE_DIR / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """Use SECRET_KEY, or generate one once and keep it under instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def quiet_native_panics() -> None:
    """Keep a Rust panic inside pycrdt (yrs) an exception, whatever the environment says.

    pyo3 turns a panic into a Python exception, but Rust's panic hook runs first and, with
    ``RUST_BACKTRACE`` set (it is on this project's machines and CI), walks the stack to
    print a backtrace: on a gevent greenlet's stack that walk has crashed the whole server
    (SIGSEGV) instead. The hook reads the variable at the first panic: set it before any."""
    os.environ["RUST_BACKTRACE"] = "0"


def _list(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


# How many Socket.IO events a connection may send: a rate per second and a burst, by event
# ("<namespace>:<event>"), else by namespace, else "default"; "user" is a user's budget
# across their connections on one process, as a multiple of a connection's. Beyond it an
# event is answered "rate_limited" with no database work; a flood is disconnected
# (app.core.budgets).
SOCKET_BUDGETS: dict[str, tuple[float, float] | float] = {
    "default": (10.0, 40.0),
    # One update per keystroke (key repeat: ~30/s); a paste, an offline step 2 and the
    # step 1 of every section after a reconnect come in bursts.
    "/collab:sync": (30.0, 120.0),
    "/collab:awareness": (10.0, 40.0),  # one per cursor move: refusals only delay a cursor
    "/collab:join": (10.0, 40.0),  # a paper has ~7 sections, joined again on reconnect
    "/collab:leave": (10.0, 40.0),
    # Review: what a member writes by hand (the offline queue replays a burst of them).
    # No rate below 1/s: a budget's strikes drain at twice its rate, and its idle records
    # must be swept within two minutes (app.core.budgets).
    "/collab:review": (10.0, 40.0),  # joined like /collab:join, every section on reconnect
    "/collab:comment": (1.0, 20.0),
    "/collab:reply": (1.0, 20.0),
    "/collab:suggest": (3.0, 30.0),  # suggestion mode sends what is typed, word by word
    "/collab:decide": (2.0, 30.0),  # accept, accept, reject… down a list
    "/collab:decide_all": (1.0, 10.0),
    "/collab:resolve": (1.0, 20.0),
    "/collab:moderate_comment": (1.0, 20.0),
    "/live:inbox": (1.0, 10.0),  # once a connection
    "/live": (5.0, 20.0),
    "/debate": (5.0, 20.0),
    "user": 3.0,
}


def socket_budgets(value: str | None) -> dict[str, tuple[float, float] | float]:
    """``SOCKET_BUDGETS`` over the defaults: comma-separated ``KEY=RATE/BURST`` (e.g.
    ``/collab:sync=30/120,/live=5/20,default=10/40``) and ``user=FACTOR``."""
    budgets = dict(SOCKET_BUDGETS)
    for item in (value or "").split(","):
        key, sep, setting = (part.strip() for part in item.partition("="))
        if not item.strip():
            continue
        rate, slash, burst = setting.partition("/")
        try:
            if not key or not sep or (key == "user") == bool(slash):
                raise ValueError
            budgets[key] = float(setting) if key == "user" else (float(rate), float(burst))
        except ValueError:
            raise ValueError(
                f"SOCKET_BUDGETS: {item.strip()!r} is neither KEY=RATE/BURST nor user=FACTOR"
            ) from None
    for key, budget in budgets.items():
        valid = budget >= 1 if key == "user" else budget[0] > 0 and budget[1] >= 1
        if not valid:
            raise ValueError(f"SOCKET_BUDGETS: {key} needs a rate > 0 and a burst ≥ 1")
    return budgets


def _seconds(name: str, default: int) -> int:
    value = int(os.environ.get(name, str(default)))
    if value < 1:
        raise ValueError(f"{name} must be at least 1 (seconds)")
    return value


def _days(name: str, default: int) -> int:
    value = int(os.environ.get(name, str(default)))
    if value < 0:
        raise ValueError(f"{name} must be 0 (no such choice) or a number of days")
    return value


def _timezone(name: str) -> str:
    """An IANA time zone name (``Africa/Bamako``): the one dates and times are shown and
    typed in. Refused at start-up when unknown, rather than shown in UTC by surprise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"PALABRE_TIMEZONE: unknown time zone {name!r} (an IANA name, e.g. Africa/Bamako)"
        ) from None
    return name


class Config:
    """Production-safe defaults; each value may be overridden by an environment variable."""

    def __init__(self) -> None:
        instance = _instance_dir()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'palabre.sqlite3'}"
        )
        # Every open Socket.IO connection runs its events on its own thread, holding a
        # database connection while one runs: size the pool for them, not for a handful of
        # page requests.
        # A server's connection can be dropped (restart, idle timeout): ping it before use.
        # A SQLite file cannot: its ping would only cost a query per event.
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"),
            "pool_size": int(os.environ.get("DB_POOL_SIZE", "10")),
            "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "40")),
            "pool_timeout": 10,
        }
        # How long a SQLite write waits for another process's write before it is refused
        # (the live editor then answers "unavailable" and the client sends it again).
        self.SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        # Socket.IO in gevent mode in a process gevent has monkey-patched (the built-in
        # server, gunicorn's gevent workers), in threads anywhere else (tests, flask CLI).
        self.SOCKETIO_ASYNC_MODE = "gevent" if _gevent_patched() else "threading"
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(instance / "uploads"))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
        # Where the built-in server listens, and the address others open (invitation
        # links, their QR codes, the banner): PUBLIC_URL, else with HOST=0.0.0.0 the LAN
        # address (app/core/public_url.py), else the address the organizer browses.
        self.HOST = os.environ.get("HOST", "127.0.0.1")
        self.PORT = int(os.environ.get("PORT", "5000"))
        self.PUBLIC_URL = public_url.normalise(os.environ.get("PUBLIC_URL"))
        # Origins allowed to open a Socket.IO connection. None means "same origin only".
        self.ALLOWED_ORIGINS = _list(os.environ.get("ALLOWED_ORIGINS"))
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https" if self.SESSION_COOKIE_SECURE else "http"
        # Number of reverse proxies in front of Palabre whose X-Forwarded-For is trusted.
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
        self.SOCKET_BUDGETS = socket_budgets(os.environ.get("SOCKET_BUDGETS"))
        # Engine.IO's heartbeat: the server pings every interval; a browser that heard no
        # ping for interval + timeout seconds closes and reconnects, so a silent drop (a
        # dying mobile link that passes no byte and closes nothing) shows on the editor's
        # badge within 9 s (Engine.IO's defaults, 25 + 20 s, took 45). The cost: one ping
        # and one pong every 5 s per open page (README, benchmarks: page_weight).
        self.SOCKETIO_PING_INTERVAL = _seconds("SOCKETIO_PING_INTERVAL", 5)
        self.SOCKETIO_PING_TIMEOUT = _seconds("SOCKETIO_PING_TIMEOUT", 4)
        # "Stay logged in on this device" (ticked by default: members write on their own
        # phones, whose browsers end session cookies when they like): the session lasts
        # this many days after the member's last visit, through browser restarts. Untick
        # it, and the session ends with the browser. 0: no such choice. Logging out ends
        # every session of the member, on every device, either way.
        self.STAY_LOGGED_IN_DAYS = _days("STAY_LOGGED_IN_DAYS", 14)
        if self.STAY_LOGGED_IN_DAYS:
            self.PERMANENT_SESSION_LIFETIME = timedelta(days=self.STAY_LOGGED_IN_DAYS)
        self.BABEL_DEFAULT_LOCALE = "fr"
        # Dates and times are stored in UTC and shown (and typed) in the school's zone.
        self.BABEL_DEFAULT_TIMEZONE = _timezone(os.environ.get("PALABRE_TIMEZONE", "Africa/Bamako"))

    SESSION_COOKIE_HTTPONLY = True
    # A kept session ("Stay logged in") is renewed by every request but static files'
    # (app/accounts/views.py): they would each carry a Set-Cookie.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "palabre_session"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None
    LANGUAGES = ("fr", "en")
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "text/csv",
    ]
    COMPRESS_ALGORITHM = ["gzip", "br", "deflate"]
    # Live editing limits (bytes).
    COLLAB_MAX_MESSAGE_BYTES = 256 * 1024
    COLLAB_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
    COLLAB_MAX_AWARENESS_BYTES = 8 * 1024
    # Seconds an editor's update may wait for the writer thread before it is refused as
    # "unavailable" (the client keeps it and sends it again).
    COLLAB_WRITE_TIMEOUT = 15.0
    TESTING = False


class TestConfig(Config):
    """Settings for the test suite; the database URL is set per test."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str, instance_path: str) -> None:
        os.environ.setdefault("PALABRE_INSTANCE", instance_path)
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] = not database_url.startswith("sqlite")
        self.INSTANCE_PATH = instance_path
        self.UPLOAD_DIR = str(Path(instance_path) / "uploads")
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SECRET_KEY = "test-secret-key"  # noqa: S105
        # Links keep the test client's address, whatever the shell exports.
        self.HOST, self.PORT, self.PUBLIC_URL = "127.0.0.1", 5000, None
        # The suite's clients type at machine speed: budgets out of reach, except where a
        # test sets them (tests/foundation/test_budgets.py).
        self.SOCKET_BUDGETS = {k: 1.0 if k == "user" else (1e9, 1e9) for k in SOCKET_BUDGETS}

    TESTING = True
    WTF_CSRF_ENABLED = False
    # Still Argon2id, at a cost that keeps the suite fast.
    ARGON2_PARAMETERS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
