"""The built-in server: ``python -m app.server`` (what ``make run`` starts).

A threaded Werkzeug server carrying Flask-SocketIO's WebSocket transport
(simple-websocket), with ``TCP_NODELAY`` on every accepted connection: without it a
binary Socket.IO event (text header + binary attachment, two writes) waits for the
peer's delayed ACK, ~40 ms per message (see shared/FINDINGS.md).

SIGTERM drains: stop accepting connections, close every Socket.IO connection (clients
reconnect, to another process behind a proxy, and re-sync what was not acknowledged),
wait for the event handlers still running to commit (``DRAIN_SECONDS``), close the
database connections, exit. Nothing acknowledged is lost even on SIGKILL: an update is
committed before it is acknowledged or relayed. A second process is just another
``PORT``; with ``REDIS_URL`` they relay to each other (see gunicorn.conf.py).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import threading

from flask import Flask
from werkzeug.serving import ThreadedWSGIServer


class PalabreServer(ThreadedWSGIServer):
    daemon_threads = True
    request_queue_size = 256

    def get_request(self):
        connection, address = super().get_request()
        if connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 0) -> PalabreServer:
    """A server bound to (host, port); port 0 picks a free port (``server.server_port``)."""
    return PalabreServer(host, port, app)


def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0):
    """Start a server in a daemon thread; returns (server, base_url). Tests use it."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, name="palabre-server", daemon=True)
    thread.start()
    return server, f"http://{host}:{server.server_port}"


def main() -> None:
    from app import create_app

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    # What is loaded at start lives as long as the process: keep it out of the cyclic
    # collector's way, and collect young objects less often (a keystroke's relay makes
    # thousands of them); pauses of the collector otherwise show in the editors' latency.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    server = make_server(app, host, port)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Palabre is served on http://{host}:{port}", flush=True)
    server.serve_forever()
    drain(app, float(os.environ.get("DRAIN_SECONDS", "10")))
    server.server_close()
    print("Palabre stopped.", flush=True)


def drain(app: Flask, seconds: float) -> None:
    """After the listener stopped: close the Socket.IO connections, let running event
    handlers commit, release the database."""
    from app.core import sockets
    from app.extensions import db, socketio

    if socketio.server is not None:
        # engineio's disconnect waits until each socket's send queue is flushed, forever
        # if a writer is gone: bound it (the clients re-sync what was not acknowledged).
        closing = threading.Thread(target=socketio.server.eio.disconnect, daemon=True)
        closing.start()
        closing.join(seconds)
    if not sockets.drain(seconds):
        logging.getLogger(__name__).warning("event handlers still running after %ss", seconds)
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
