"""gunicorn settings: ``.venv/bin/gunicorn wsgi:app`` (this file is read automatically).

Flask-SocketIO runs in threading mode: one gthread worker carries up to ``threads``
connections at once (a WebSocket holds a thread for as long as it is open). Checked on
gunicorn 27 / python-socketio 5.18.1:

- ``TCP_NODELAY``: gunicorn sets it on the listening socket and Linux accepted sockets
  inherit it, so binary Socket.IO events are not held back by Nagle (shared/FINDINGS.md).
- Several workers (``WEB_CONCURRENCY`` > 1) or several hosts need ``REDIS_URL``: the
  Socket.IO message queue relays room emits between processes, and every process catches
  up a section from the database before answering it. python-socketio 5.18's Redis
  manager serialises with JSON (no pickle); bytes payloads are split out as attachments
  and base64-encoded in the queue, so they arrive as bytes on the other side.
- Without sticky sessions, clients must use the ``websocket`` transport only (long
  polling needs every request of a session to reach the same worker).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "100"))
backlog = 256
# SIGTERM: stop accepting, give open requests this long, then exit. Updates are committed
# before they are acknowledged, so nothing acknowledged is lost when a socket is cut.
graceful_timeout = 10
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
timeout = 60  # the worker heartbeat (gthread has no per-request timeout)
preload_app = False  # each worker builds its own app: database pool, Redis listener

if workers > 1 and not os.environ.get("REDIS_URL"):
    raise SystemExit("WEB_CONCURRENCY > 1 needs REDIS_URL (Socket.IO relays between workers)")


def post_request(worker, req, environ, resp):
    """Check once per worker that accepted sockets really have TCP_NODELAY."""
    import socket

    sock = environ.get("gunicorn.socket")
    if sock is None or getattr(worker, "palabre_nodelay_checked", False):
        return
    worker.palabre_nodelay_checked = True
    if sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
        worker.log.info("TCP_NODELAY is on for accepted connections")
    else:
        worker.log.warning("TCP_NODELAY is off: binary Socket.IO events wait ~40 ms each")
