"""The deployment files that can be checked here: the Dockerfile passes hadolint, and the
container's entrypoint runs outside a container (no engine on this machine)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_the_dockerfile_passes_hadolint_with_no_finding():
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", "Dockerfile"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_the_entrypoint_migrates_sets_up_and_serves(tmp_path):
    port = free_port()
    env = {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "TIMETRACKER_DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "entrypoint-test-secret-key-" + "z" * 40,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DJANGO_SUPERUSER_PASSWORD": "an entrypoint test passphrase 7",
    }
    (tmp_path / "data").mkdir(exist_ok=True)
    server = subprocess.Popen(
        ["sh", "deploy/entrypoint.sh"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz", server)
        assert health == {"status": "ok"}
        # Setup was completed by the entrypoint: the login page, not the setup page.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
            assert page.url.endswith("/accounts/login/")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def wait_for(url: str, server: subprocess.Popen) -> dict:
    """The first answer of ``url`` once the server (migrating first) listens."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return json.loads(answer.read())
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None:
                raise AssertionError(server.stdout.read().decode()) from None
            time.sleep(0.2)
    raise AssertionError("the entrypoint's server never answered")
