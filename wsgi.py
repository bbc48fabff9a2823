"""The WSGI entry point: ``gunicorn wsgi:app`` (Socket.IO included) or ``flask --app wsgi``.

Under gunicorn's gevent workers (``gunicorn.conf.py``), which monkey-patch the standard
library before loading this module, ``Config`` puts Socket.IO in gevent mode."""

from app import create_app
from app.extensions import socketio

app = create_app()

__all__ = ["app", "socketio"]
