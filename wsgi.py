"""The WSGI entry point: ``gunicorn wsgi:app`` (Socket.IO included) or ``flask --app wsgi``."""

from app import create_app
from app.extensions import socketio

app = create_app()

__all__ = ["app", "socketio"]
