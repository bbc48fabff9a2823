"""What ``make run`` does, step by step, in real processes: migrate, load the demo, serve."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def instance_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PALABRE_INSTANCE"] = str(tmp_path)
    return env


def _run(args, env):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _wait_for(url: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_a_fresh_instance_migrates_loads_the_demo_and_serves_the_french_login(instance_env):
    assert _run([*FLASK, "db", "upgrade"], instance_env).returncode == 0
    loaded = _run([*FLASK, "load-demo", "--if-empty"], instance_env)
    assert "loaded" in loaded.stdout
    again = _run([*FLASK, "load-demo", "--if-empty"], instance_env)
    assert "not loaded" in again.stdout
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "serve.py")],  # as `make run` starts it
        cwd=ROOT,
        env={**instance_env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = _wait_for(f"http://127.0.0.1:{port}/login")
        assert "Se connecter" in page
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}" in output
