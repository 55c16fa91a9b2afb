"""What the benchmark and the soak run share: an isolated environment, manage.py, gunicorn."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(work: Path, database_url: str | None = None, **extra) -> dict:
    """Settings for a TimeTracker whose data, logs and static files live under ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "timetracker.settings",
        "TIMETRACKER_DATA_DIR": str(work / "data"),
        "LOG_DIR": str(work / "logs"),
        "STATIC_ROOT": str(work / "static"),
        "SECRET_KEY": "loopback-secret-key-" + "k" * 40,
        "DATABASE_URL": database_url or f"sqlite:///{work / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        **extra,
    }


def manage(env: dict, *command, timeout: float = 1800) -> str:
    """Run ``manage.py`` with ``env``; return its output (raise if it fails)."""
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    ).stdout


def start_gunicorn(env: dict, port: int, *options: str, log=subprocess.DEVNULL):
    """Serve the app on 127.0.0.1:``port`` and wait until /healthz answers."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "timetracker.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            *options,
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")
