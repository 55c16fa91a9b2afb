"""/healthz tells a load balancer the truth, and a failing database answers 503 with a
clear message (JSON for the API) instead of a 500."""

import html
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from django.db import connection
from django.test import Client as HttpClient

from setupwizard import installation
from timetracker.tests.helpers import ADMIN, set_up_with_admin
from tracking.models import Client, Project


def test_liveness_answers_without_login_setup_or_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz?live")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok\n"


def test_readiness_asks_the_database_and_writes_nothing(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_health_answers_a_check_by_address_that_pages_refuse(client, db, setup_done, settings):
    """Docker's health check and load balancers ask by address, not by the site's name."""
    settings.ALLOWED_HOSTS = ["time.example.com"]
    for host in ("127.0.0.1:8000", "10.0.0.5"):
        assert client.get("/healthz", HTTP_HOST=host).json() == {"status": "ok"}
        assert client.get("/healthz?live", HTTP_HOST=host).content == b"ok\n"
        assert client.get("/accounts/login/", HTTP_HOST=host).status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="time.example.com").status_code == 200


def test_readiness_says_when_the_data_directory_is_nearly_full(client, db, settings):
    settings.HEALTHZ_MIN_FREE_MB = 10**9  # more than any disk here has
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["problems"]["data directory"].startswith("only ")


def test_readiness_says_when_the_installation_store_cannot_be_read(client, db, settings):
    store = Path(settings.TIMETRACKER_DATA_DIR) / "installation.json"
    store.write_text("{ not json")
    installation.expire()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "installation store" in response.json()["problems"]


@pytest.mark.urls("timetracker.tests.urls_for_errors")
def test_a_bug_in_the_api_answers_json_in_each_apis_shape(db, setup_done):
    web = HttpClient(raise_request_exception=False)
    v1 = web.get("/api/v1/bug/")
    assert v1.status_code == 500 and v1["Content-Type"] == "application/json"
    assert v1.json() == {"detail": "A server error occurred; it is in the server's log."}
    kimai = web.get("/api/bug")
    assert kimai.status_code == 500
    assert kimai.json() == {
        "code": 500,
        "message": "A server error occurred; it is in the server's log.",
    }


def test_healthz_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_full_sqlite_database_answers_503_and_keeps_what_it_had(colleague, setup_done):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own limit stands in for a full disk; PostgreSQL: next test")
    website = Project.objects.create(name="Website", client=Client.objects.create(name="Acme"))
    web = HttpClient(raise_request_exception=False)
    web.force_login(colleague)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
    try:
        for _ in range(200):  # fill the pages' last free space with entries
            response = web.post(
                "/timer/start/", {"project": website.pk, "notes": "x" * 2000}, follow=False
            )
            if response.status_code != 302:
                break
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert response.status_code == 503
    assert "The server's disk is full" in html.unescape(response.content.decode())
    assert response["Retry-After"] == "60"


@pytest.mark.postgres_only
def test_a_database_that_is_gone_answers_503_everywhere_and_healthz_says_so(server_process):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("a database to drop under a running server: the PostgreSQL pass runs it")
    parts = urlparse(url)
    name = f"tt_gone_{os.getpid()}"
    admin = (
        f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute(f'CREATE DATABASE "{name}"')
    try:
        server = set_up_with_admin(
            server_process(env={"DATABASE_URL": f"{parts.scheme}://{parts.netloc}/{name}"}).start()
        )
        token = server.manage("create_api_token", ADMIN, "--name", "t").stdout.split()[-1]
        assert fetch(server.url + "/healthz")[0] == 200
        with psycopg.connect(admin, autocommit=True) as pg:
            pg.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        status, body, kind = fetch(server.url + "/healthz")
        assert (status, kind) == (503, "application/json")
        assert json.loads(body)["problems"] == {"database": "The database is not answering."}
        assert fetch(server.url + "/healthz?live")[0] == 200
        assert fetch(server.url + "/accounts/login/")[0] == 200  # needs no database
        status, body, kind = fetch(server.url + "/api/v1/me/", token)
        assert (status, kind) == (503, "application/json")
        assert "The database is not answering" in body
    finally:
        with psycopg.connect(admin, autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fetch(url: str, token: str = "") -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, answer.read().decode(), answer.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers["Content-Type"]
