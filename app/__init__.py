"""Palabre: the application factory.

``create_app`` builds a configured app: extensions, the areas of the domain (each a
package with models, services, permissions, views and events), security headers, the
transaction boundary and the command line. It never changes the database schema:
that is the job of ``flask db upgrade`` (Alembic migrations in ``migrations/``).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import pwa
from app.config import BASE_DIR, Config, quiet_native_panics
from app.core import sockets
from app.core.errors import register_error_pages
from app.core.i18n import select_locale
from app.core.security import install_security_headers
from app.core.sockets import PalabreFlask
from app.core.transactions import install_request_transaction
from app.extensions import babel, compress, csrf, db, limiter, login_manager, migrate, socketio


def create_app(config: Config | None = None) -> Flask:
    quiet_native_panics()
    config = config or Config()
    app = PalabreFlask(
        __name__,
        static_folder=str(BASE_DIR / "static"),
        static_url_path="/static",
        instance_path=config.INSTANCE_PATH,
    )
    app.config.from_object(config)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    compress.init_app(app)
    _buffer_static_files(app)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"],
        max_http_buffer_size=4 * app.config["COLLAB_MAX_MESSAGE_BYTES"],
        # Each event runs on its connection's own thread, in the order it was sent: a
        # connection's updates stay ordered, and a burst cannot start one thread (and take
        # one database connection) per message.
        async_handlers=False,
        # A silent drop is seen by the browser within interval + timeout (app/config.py).
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
    )
    pwa.install(app)  # hashed static names, caching headers, service worker, manifest

    from app import areas  # the areas, in the factory (see app.areas)

    areas.register(app)
    sockets.install(app, socketio)

    from app.core import templating

    templating.install(app)
    install_security_headers(app)
    install_request_transaction(app)
    register_error_pages(app)
    _configure_sqlite(app)
    return app


def _configure_sqlite(app: Flask) -> None:
    """WAL, foreign keys and full durability on every SQLite connection.

    ``synchronous=FULL``: in WAL mode, NORMAL keeps a commit through a crash of the process
    but not through a power cut (the last commits may roll back), and a school's laptop
    loses power. FULL syncs the WAL at every commit; the live editor commits updates in
    batches, so it costs little (FINDINGS: ~0.18 ms a commit on this machine's disk)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def set_pragmas(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(app.config['SQLITE_BUSY_TIMEOUT_MS'])}")
        cursor.close()


def _buffer_static_files(app: Flask) -> None:
    """Read compressible static files into memory before Flask-Compress sees them: its
    streaming path leaves the file open; the buffered one closes it and can use Brotli or
    gzip. (After-request hooks run in reverse order, so this runs before Compress's.)"""
    from flask import request

    @app.after_request
    def buffer_static(response):
        if (
            request.endpoint == "static"
            and response.direct_passthrough
            and response.mimetype in app.config["COMPRESS_MIMETYPES"]
        ):
            response.direct_passthrough = False
            response.set_data(response.get_data())
        return response
