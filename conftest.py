"""Fixtures shared by every app's tests: people, an isolated data dir, fast hashing."""

import gzip
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from pathlib import Path

import brotli
import pytest
from aiosmtpd.controller import Controller
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from setupwizard import installation


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, settings):
    """Each test gets its own data and log directories and a fresh store cache."""
    settings.TIMETRACKER_DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = settings.TIMETRACKER_DATA_DIR / "media"
    settings.LOG_DIR = tmp_path / "logs"
    settings.TIMETRACKER_DATA_DIR.mkdir(exist_ok=True)
    installation.reset_cache()
    yield
    installation.reset_cache()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Tests render templates without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def setup_done():
    """An installation whose first-run setup is complete, telemetry off."""
    return installation.complete_setup(telemetry_enabled=False)


def _make_user(username, **extra):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.test", password="pw-" + username, **extra
    )


@pytest.fixture
def manager_group(db) -> Group:
    """The *Manager* role (tracking/migrations/0013_roles.py), made again if a
    transactional test flushed it."""
    if not Group.objects.filter(name="Manager").exists():
        import_module("tracking.migrations.0013_roles").make_roles(django_apps, None)
    return Group.objects.get(name="Manager")


@pytest.fixture
def owner(manager_group):
    """A staff member who runs the agency: a Manager."""
    owner = _make_user("owner", is_staff=True)
    owner.groups.add(manager_group)
    return owner


@pytest.fixture
def colleague(db):
    return _make_user("colleague")


@pytest.fixture
def stranger(db):
    """Another user, to prove that people only reach their own things."""
    return _make_user("stranger")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="admin", email="admin@example.test", password="pw-admin"
    )


@pytest.fixture(autouse=True)
def no_webhook_thread(settings):
    """Webhook deliveries are sent by the test (``deliver_due``): a background sender
    started by one test would outlive it and send (or claim) another test's deliveries."""
    settings.WEBHOOK_BACKGROUND = False


@pytest.fixture(autouse=True)
def strict_telemetry(settings):
    """A catalog violation raises under tests; every test starts with no dispatcher."""
    from telemetry import emitter

    settings.TELEMETRY_STRICT = True
    yield
    emitter.shutdown(timeout=1.0, deliver=False)


class RecordingServer:
    """An HTTP server on 127.0.0.1 that records every request it receives.

    ``status`` sets the answer; ``delay`` makes it slow; ``statuses`` (a list) answers in
    turn before falling back to ``status``; ``hold()`` keeps every answer back until
    ``release()`` (a slow host, without guessing how slow).
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.statuses: list[int] = []
        self.delay = 0.0
        self.held = threading.Event()
        self.held.set()
        self.answered = 0
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                # Sentry's client compresses with brotli when the module is installed.
                encoding = self.headers.get("content-encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    body = brotli.decompress(body)
                with recorder.lock:
                    status = recorder.statuses.pop(0) if recorder.statuses else recorder.status
                    recorder.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                if recorder.delay:
                    time.sleep(recorder.delay)
                recorder.held.wait(30)
                with recorder.lock:
                    recorder.answered += 1
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": 1}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [request["body"] for request in self.requests]

    def json_bodies(self) -> list:
        return [json.loads(body) for body in self.bodies()]

    def wait_for(self, predicate, timeout=10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.02)
        return False

    def hold(self):
        self.held.clear()

    def release(self):
        self.held.set()

    def close(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recording_server():
    server = RecordingServer()
    yield server
    server.close()


@pytest.fixture
def second_recording_server():
    server = RecordingServer()
    yield server
    server.close()


BASE_DIR = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """TimeTracker served by gunicorn on 127.0.0.1, in its own data and log directories."""

    def __init__(
        self,
        tmp_path: Path,
        env: dict,
        workers: int = 1,
        name: str = "server",
        collected_static: Path | None = None,
        migrated_template: Path | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp_path / f"{name}-data"
        self.log_dir = tmp_path / f"{name}-logs"
        self.static_root = tmp_path / "static"
        # Files collected once for every server of the test session (they only read them).
        self.collected_static = collected_static
        self.migrated_template = migrated_template
        self.env = {
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "timetracker.settings",
            "TIMETRACKER_DATA_DIR": str(self.data_dir),
            "LOG_DIR": str(self.log_dir),
            "STATIC_ROOT": str(self.static_root),
            "SECRET_KEY": "server-test-secret-key-" + "y" * 40,
            "SITE_URL": self.url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}",
            **env,
        }
        self.output = tmp_path / f"{name}-output.log"
        self.workers = workers
        self.process = None

    def manage(self, *args, check=True, extra_env=None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=check,
        )

    def migrate(self) -> None:
        """Migrate the server's database; a SQLite one is copied from the one migrated first
        in this test process (``migrated_template``), which saves seconds per server."""
        url = self.env["DATABASE_URL"]
        template = self.migrated_template
        if template is None or not url.startswith("sqlite:///"):
            self.manage("migrate", "--noinput", "-v0")
            return
        database = Path(url.removeprefix("sqlite:///"))
        self.data_dir.mkdir(parents=True, exist_ok=True)  # as `migrate` would have made it
        if database.exists():  # a second server of the same test
            return
        if not template.exists():
            self.manage("migrate", "--noinput", "-v0")
            with sqlite3.connect(database) as source, sqlite3.connect(template) as copy:
                source.backup(copy)
            return
        with sqlite3.connect(template) as source, sqlite3.connect(database) as copy:
            source.backup(copy)

    def start(self, collect_static=True):
        self.migrate()
        if collect_static and self.collected_static is not None:
            if not (self.collected_static / "staticfiles.json").exists():
                self.manage("collectstatic", "--noinput", "-v0")
                self.static_root.rename(self.collected_static)
            self.env["STATIC_ROOT"] = str(self.collected_static)
        elif collect_static:
            self.manage("collectstatic", "--noinput", "-v0")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log_handle = self.output.open("w")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "timetracker.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log_handle,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        answer = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except urllib.error.HTTPError as error:
                answer = error.read().decode()
            except OSError:
                if self.process.poll() is not None:
                    break
            time.sleep(0.1)
        raise RuntimeError(f"server did not start ({answer}):\n{self.output.read_text()}")

    def log(self) -> str:
        return self.output.read_text()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log_handle.close()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """Where the static files are collected once per test process (hashing and compressing
    them takes seconds: Swagger UI alone is 4 MB)."""
    return tmp_path_factory.mktemp("collected") / "static"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A SQLite database migrated once per test process, copied for each server."""
    return tmp_path_factory.mktemp("migrated") / "template.sqlite3"


@pytest.fixture
def server_process(tmp_path, collected_static, migrated_template):
    """A factory: ``server_process(env={...}).start()`` serves the app with gunicorn."""
    servers = []

    def make(env=None, workers=1, name="server"):
        server = ServerProcess(
            tmp_path,
            env or {},
            workers=workers,
            name=name,
            collected_static=collected_static,
            migrated_template=migrated_template,
        )
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory nobody can write to, root included (a read-only tmpfs when root)."""
    path = tmp_path / "readonly"
    path.mkdir()
    mounted = False
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], check=True)
        mounted = True

    def seal():
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        else:
            path.chmod(0o555)

    yield path, seal
    if mounted:
        subprocess.run(["umount", "-l", str(path)], check=True)
    else:
        path.chmod(0o755)


def pytest_collection_modifyitems(items):
    """Tests that start the app in another process are marked, so `-m` can leave them out."""
    for item in items:
        if "server_process" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.subprocess)


class Mailbox:
    """What a loopback SMTP server received: (recipients, message) pairs."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A mail server on loopback (aiosmtpd, no STARTTLS offered), configured as the
    app's, TLS off; its Mailbox."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_CONFIGURED = False, True
    yield mailbox
    controller.stop()
