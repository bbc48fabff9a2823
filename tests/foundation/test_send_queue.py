"""Engine.IO's per-connection send queue (``app.core.sockets.SendQueue``)."""

import queue
import threading

import pytest

from app.core.sockets import SendQueue


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
