"""``make run`` is quiet: its banner and server commands, run as the Makefile runs them on a
fresh instance, print no Python warning (gevent's MonkeyPatchWarning came from patching
after the ``app`` package had imported ssl)."""

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.collaboration.serverproc import environment, free_port, prepare_database

ROOT = Path(__file__).resolve().parents[2]
WARNING = re.compile(r"\w*Warning\b")  # MonkeyPatchWarning, DeprecationWarning…


def _run_recipe() -> list[list[str]]:
    """The commands of the Makefile's ``run`` target, with this interpreter."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    python = "$(BIN)/python"
    commands = [line.strip().lstrip("@") for line in recipe.splitlines()]
    assert all(command.startswith(python) for command in commands), commands
    return [[sys.executable, *command.removeprefix(python).split()] for command in commands]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - loopback
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_make_run_prints_the_banner_and_no_warning(tmp_path):
    env = environment(tmp_path, HOST="127.0.0.1", PORT=str(free_port()))
    env.pop("PUBLIC_URL", None)
    env.pop("PALABRE_SERVER", None)
    env.pop("PYTHONWARNINGS", None)
    prepare_database(env)
    banner_command, server_command = _run_recipe()
    banner = subprocess.run(
        banner_command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert banner.returncode == 0, banner.stderr
    assert banner.stderr == ""
    assert f"Palabre: http://127.0.0.1:{env['PORT']}" in banner.stdout
    server = subprocess.Popen(
        server_command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for(f"http://127.0.0.1:{env['PORT']}/login", server)
    finally:
        server.send_signal(signal.SIGTERM)
        output, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "Palabre is served on" in output
    assert [line for line in errors.splitlines() if WARNING.search(line)] == []
