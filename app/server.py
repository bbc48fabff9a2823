"""The built-in server: ``python serve.py`` (what ``make run`` starts), or
``python -m app.server``, the same once the ``app`` package is imported (gevent then warns
that it patches ``ssl`` late; ``serve.py`` patches before any import).

By default gevent: one process, one thread, a greenlet per connection (gevent's WSGI
server, Flask-SocketIO in gevent mode with simple-websocket). Measured on the 2-core
machine with 150 editors typing (README, benchmarks): with Werkzeug's thread per connection
about a fifth of the process's time went to handing work between threads under the
interpreter lock, and p99 ranged from 36 ms to 800 ms depending on the moment; on gevent
p99 stays under 10 ms (README, benchmarks).
``PALABRE_SERVER=threads`` keeps the threaded Werkzeug server (the one the test suite starts
inside its own process, where nothing is monkey-patched).

Either way ``TCP_NODELAY`` is set on every accepted connection: without it a binary
Socket.IO event (text header + binary attachment, two writes) waits for the peer's delayed
ACK, ~40 ms per message (see shared/FINDINGS.md).

SIGTERM drains: stop accepting connections, close every Socket.IO connection (clients
reconnect, to another process behind a proxy, and re-sync what was not acknowledged),
wait for the event handlers still running to commit (``DRAIN_SECONDS``), close the
database connections, exit. Nothing acknowledged is lost even on SIGKILL: an update is
committed before it is acknowledged or relayed. A second process is just another
``PORT``; with ``REDIS_URL`` they relay to each other (see gunicorn.conf.py).
"""

from __future__ import annotations

import os
import sys


def gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


if __name__ == "__main__" and os.environ.get("PALABRE_SERVER", "gevent") == "gevent":
    # As early as this module can: socket, ssl and threading become cooperative.
    from gevent import monkey

    monkey.patch_all()

import gc
import logging
import signal
import socket
import threading

from flask import Flask
from werkzeug.serving import ThreadedWSGIServer

from app.core import public_url


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
    app = create_app()  # Socket.IO in gevent mode when patched (``Config``)
    host, port = app.config["HOST"], app.config["PORT"]
    # What is loaded at start lives as long as the process: keep it out of the cyclic
    # collector's way (its full collections would walk it all, pausing every editor).
    gc.freeze()
    seconds = float(os.environ.get("DRAIN_SECONDS", "10"))
    listening = public_url.listen_url(host, port)
    others = public_url.configured_base_url(app.config)
    shared = f" (other devices: {others})" if others and others != listening else ""
    print(f"Palabre is served on {listening}{shared}", flush=True)
    if gevent_patched():
        _serve_gevent(app, host, port, seconds)
    else:
        _serve_threads(app, host, port, seconds)
    print("Palabre stopped.", flush=True)


def _serve_threads(app: Flask, host: str, port: int, seconds: float) -> None:
    server = make_server(app, host, port)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    drain(app, seconds)
    server.server_close()


def _serve_gevent(app: Flask, host: str, port: int, seconds: float) -> None:
    import gevent
    from gevent.pywsgi import WSGIServer

    class Server(WSGIServer):
        def do_handle(self, sock, address):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return super().do_handle(sock, address)

    server = Server((host, port), app, log=None)

    def stop():
        server.close()  # no new connections
        drain(app, seconds)
        server.stop(timeout=1)

    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, lambda: gevent.spawn(stop))
    server.serve_forever()


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
