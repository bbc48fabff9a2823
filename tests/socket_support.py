"""A python-socketio client that reads its messages in order.

python-socketio's threaded client hands every Engine.IO message to a new thread, so the
binary attachment of an event can be decoded before its header, raising
``ValueError: invalid literal for int()`` and losing the event (the race reported in
miguelgrinberg/python-socketio#403). Our events carry bytes (Yjs updates): this client
dispatches messages on the connection's reading thread, in arrival order. Handlers must
therefore not wait for an acknowledgement (``emit``, never ``call``, inside a handler).
"""

from __future__ import annotations

import functools

import socketio


class OrderedClient(socketio.Client):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        trigger = self.eio._trigger_event

        def in_order(event, *event_args, **event_kwargs):
            if event == "message":
                event_kwargs["run_async"] = False
            return trigger(event, *event_args, **event_kwargs)

        self.eio._trigger_event = in_order

    def close(self) -> None:
        """Disconnect without websocket-client's 3 s wait for the server's close frame, and
        close the socket even when the server closed first (else it leaks)."""
        ws = getattr(self.eio, "ws", None)
        if self.connected:
            if ws is not None:
                ws.close = functools.partial(ws.close, timeout=0.05)
            self.disconnect()
        if ws is not None:
            ws.shutdown()
