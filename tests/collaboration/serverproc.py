"""Real Palabre server processes for the durability, fuzzing and multi-process tests,
started as ``make run`` starts them (``serve.py``) or under gunicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app.config import SOCKET_BUDGETS

ROOT = Path(__file__).resolve().parents[2]

# As ``make run`` does: the migrations build the schema, then the demo is loaded; its
# papers left blank, as the ``demo`` fixture of these tests has them (conftest.py).
PREPARE = """
import flask_migrate
from app import create_app
from app.config import Config
from app.extensions import db
from app.workshops.demo import load_demo
app = create_app(Config())
with app.app_context():
    flask_migrate.upgrade()
    load_demo(papers=False)
    db.session.commit()
"""


# Socket event budgets out of reach (``SOCKET_BUDGETS``), for a client that sends thousands
# of messages a second on purpose (fuzzers): the budgets would refuse and disconnect it.
UNLIMITED_BUDGETS = ",".join(f"{key}=1e9/1e9" for key in SOCKET_BUDGETS if key != "user")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(PALABRE_INSTANCE=str(instance), SECRET_KEY="test-secret-key", LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def prepare_database(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env, check=True, timeout=120)


# ``serve.py``, as ``make run`` starts it: gevent patches the standard library before the
# ``app`` package is imported (``-m app.server`` patches too late, and gevent warns).
BUILT_IN = (sys.executable, str(ROOT / "serve.py"))
GUNICORN = (str(Path(sys.executable).parent / "gunicorn"), "wsgi:app")


class ServerProcess:
    """A server process on a free port (``command``: the built-in server, ``serve.py``, by
    default)."""

    def __init__(
        self, env: dict[str, str], *, preexec_fn=None, command: tuple[str, ...] = BUILT_IN
    ) -> None:
        self.port = free_port()
        self.log_path = Path(env["PALABRE_INSTANCE"]) / f"server-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env={**env, "PORT": str(self.port)},
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            preexec_fn=preexec_fn,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/login", timeout=1).close()  # noqa: S310
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(self.log_path.read_text()) from None
                time.sleep(0.1)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
