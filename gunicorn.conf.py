"""gunicorn settings: ``.venv/bin/gunicorn wsgi:app`` (this file is read automatically).

gevent workers, like the built-in server (``app/server.py``, whose docstring and the README's
benchmarks say why): each worker is one thread with a greenlet per connection, and
``wsgi.py`` runs Socket.IO in gevent mode when it finds the standard library patched.
Checked on gunicorn 27 / gevent 26 / python-socketio 5.18.1:

- ``TCP_NODELAY``: gunicorn sets it on the listening socket and Linux accepted sockets
  inherit it, so binary Socket.IO events are not held back by Nagle (shared/FINDINGS.md).
- Several workers (``WEB_CONCURRENCY`` > 1) or several hosts need ``REDIS_URL``: the
  Socket.IO message queue relays room emits between processes, and every process catches
  up a section from the database before answering it. python-socketio 5.18's Redis
  manager serialises with JSON (no pickle); bytes payloads are split out as attachments
  and base64-encoded in the queue, so they arrive as bytes on the other side.
- Without sticky sessions, clients must use the ``websocket`` transport only (long
  polling needs every request of a session to reach the same worker).
- Each worker relays what it commits to its own members and, through Redis, to the
  other's; the kernel spreads the connections over the workers. On one SQLite file two
  workers take its write lock in turn and fall behind under load: use PostgreSQL (README,
  "Several processes", for what was measured).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", "1000"))
backlog = 256
# SIGTERM: stop accepting, give open requests this long, then exit. Updates are committed
# before they are acknowledged, so nothing acknowledged is lost when a socket is cut.
graceful_timeout = 10
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
timeout = 60  # the worker heartbeat
preload_app = False  # each worker builds its own app (after gevent's patching): pool, Redis

if workers > 1 and not os.environ.get("REDIS_URL"):
    raise SystemExit("WEB_CONCURRENCY > 1 needs REDIS_URL (Socket.IO relays between workers)")


def post_worker_init(worker):
    """What a worker loaded at start lives as long as it does: out of the cyclic
    collector's way, as ``python -m app.server`` does (``gc.freeze``)."""
    import gc

    gc.freeze()


def post_request(worker, req, environ, resp):
    """Check once per worker that accepted sockets really have TCP_NODELAY."""
    import socket

    sock = environ.get("gunicorn.socket")
    if sock is None or getattr(worker, "palabre_nodelay_checked", False):
        return
    try:
        nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    except OSError:  # a WebSocket's connection, closed by the time its request ends
        return
    worker.palabre_nodelay_checked = True
    if nodelay:
        worker.log.info("TCP_NODELAY is on for accepted connections")
    else:
        worker.log.warning("TCP_NODELAY is off: binary Socket.IO events wait ~40 ms each")
