"""The socket layer's adjustments: Engine.IO's send queue (``app.core.transport``) and the
request context Flask-SocketIO pushes for each event (``app.core.sockets``)."""

import gc
import queue
import threading

import pytest
from flask.ctx import RequestContext
from werkzeug.exceptions import HTTPException

from app.core.transport import SendQueue
from tests.collaboration.conftest import Editor


def test_items_come_out_in_order_and_an_empty_queue_says_so():
    sends = SendQueue()
    for item in ("header", b"attachment", None):
        sends.put(item)
    assert [sends.get(), sends.get(), sends.get()] == ["header", b"attachment", None]
    with pytest.raises(queue.Empty):
        sends.get(block=False)
    with pytest.raises(queue.Empty):
        sends.get(timeout=0.01)


def test_join_waits_until_every_item_taken_is_done():
    sends = SendQueue()
    sends.put("packet")
    joined = threading.Event()
    waiter = threading.Thread(target=lambda: (sends.join(), joined.set()), daemon=True)
    waiter.start()
    assert sends.get() == "packet"
    assert not joined.wait(0.05)  # taken, not yet sent
    sends.task_done()
    assert joined.wait(1)


def test_socket_events_leave_no_reference_cycle_for_the_collector(demo, socketio_client):
    """Each event's request context is freed when the event ends: had the Socket.IO URL
    been matched against the routes, a NotFound and its traceback would tie it into a
    cycle, and the collector's pauses would grow with the typing."""
    editor = Editor(
        socketio_client(demo.users["gouvernement1@demo.palabre"]),
        "malisig-2023/gouvernement/introduction",
    )
    assert editor.join()["ok"]
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for n in range(20):
            assert editor.type(None, f"mot{n} ")["ok"]
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, (RequestContext, HTTPException))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
