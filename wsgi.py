"""The WSGI entry point: ``gunicorn wsgi:app`` (Socket.IO included) or ``flask --app wsgi``.

Under gunicorn's gevent workers (``gunicorn.conf.py``), which monkey-patch the standard
library before loading this module, Socket.IO runs in gevent mode; otherwise in threads."""

import sys

from app import create_app
from app.config import Config
from app.extensions import socketio


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


config = Config()
if _gevent_patched():
    config.SOCKETIO_ASYNC_MODE = "gevent"
app = create_app(config)

__all__ = ["app", "socketio"]
