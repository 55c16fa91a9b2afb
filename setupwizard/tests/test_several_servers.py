"""Two real app servers, each with its own data and log directory, on one database.

With ``INSTALLATION_STORE=database`` they are one installation: one id, one fingerprint per
user, ``install.first_seen`` once, and a switch-off made through one applies on the other
from its next request. The database is PostgreSQL when the suite runs on it (a database of
its own, made for the test), else one SQLite file.
"""

import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
import uuid

import pytest
from django.db import connection

PASSWORD = "a long and unusual passphrase 42"


class Browser:
    """A cookie-keeping HTTP client that posts forms with their CSRF token."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode()

    def post(self, path: str, form: dict, token_from: str) -> int:
        _, _, page = self.get(token_from)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
            return response.status

    def log_in(self) -> None:
        self.post(
            "/accounts/login/", {"username": "boss", "password": PASSWORD}, "/accounts/login/"
        )

    def start_and_stop_a_timer(self, project_id: int) -> None:
        self.post("/timer/start/", {"project": project_id}, "/")
        self.post("/timer/stop/", {}, "/")


@pytest.fixture
def shared_database(tmp_path):
    """A database URL both servers use: a fresh PostgreSQL database, or an SQLite file."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"tt_servers_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def events(server) -> list[dict]:
    path = server.log_dir / "app.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_two_servers_on_one_database_are_one_installation(server_process, shared_database):
    env = {"INSTALLATION_STORE": "database", "DATABASE_URL": shared_database}
    first = server_process(env=env, name="a").start()
    first.manage(
        "setup",
        "--telemetry",
        "--admin-username=boss",
        "--admin-email=boss@example.test",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    project_id = int(
        first.manage(
            "shell",
            "--no-imports",
            "-c",
            "from tracking.models import Client, Project; "
            "client = Client.objects.create(name='C'); "
            "print(Project.objects.create(name='Site', client=client).pk)",
        ).stdout.strip()
    )
    second = server_process(env=env, name="b").start()

    # The second server is set up too: no wizard, a login page.
    status, url, _ = Browser(second.url).get("/")
    assert status == 200 and url.endswith("/accounts/login/?next=/")

    on_first, on_second = Browser(first.url), Browser(second.url)
    for browser in (on_first, on_second):
        browser.log_in()
        browser.start_and_stop_a_timer(project_id)

    # A switch-off through the first server's command applies on the second's next request.
    first.manage("telemetry", "disable")
    on_second.start_and_stop_a_timer(project_id)

    first.stop()
    second.stop()  # a graceful stop: every queued event has reached its log
    from_first, from_second = events(first), events(second)
    everything = from_first + from_second
    assert {event["properties"]["installation_id"] for event in everything} == {
        from_first[0]["properties"]["installation_id"]
    }
    started = [e for e in everything if e["event"] == "timer.started"]
    assert len({e["distinct_id"] for e in started}) == 1  # one fingerprint on both servers
    assert [e["event"] for e in everything].count("install.first_seen") == 1
    assert [e["event"] for e in from_second].count("timer.started") == 1  # none after the off
