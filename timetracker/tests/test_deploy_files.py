"""The deployment files that can be checked here: the Dockerfile passes hadolint, the
compose file validates against the Compose specification, the container's entrypoint runs
outside a container (no engine on this machine), and the nginx example proxies a real
request to gunicorn."""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port
from timetracker.tests.helpers import require_tool, set_up_with_admin

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


def test_the_compose_file_follows_the_compose_specification(tmp_path):
    def check(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", path],
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = check(BASE_DIR / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    # The check can fail: a condition Compose does not know.
    broken = tmp_path / "compose.yaml"
    text = (BASE_DIR / "compose.yaml").read_text()
    broken.write_text(text.replace("condition: service_healthy", "condition: healthy"))
    assert check(broken).returncode == 1


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
            # Once it listens, a worker still booting on a busy machine may take a while.
            with urllib.request.urlopen(url, timeout=30) as answer:
                return json.loads(answer.read())
        except (urllib.error.URLError, ConnectionError):  # not listening yet
            if server.poll() is not None:
                raise AssertionError(server.stdout.read().decode()) from None
            time.sleep(0.2)
    raise AssertionError("the entrypoint's server never answered")


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def nginx(tmp_path):
    """``nginx(site)``: Debian's nginx serving the site configuration ``site`` (with its own
    pid, logs and temporary files under ``tmp_path``); stopped after the test."""
    require_tool(NGINX, "nginx")
    started = []

    def run(site: str) -> None:
        (tmp_path / "site.conf").write_text(site)
        (tmp_path / "nginx.conf").write_text(
            f"user root;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
            "events {}\nhttp {\n    include /etc/nginx/mime.types;\n"
            f"    access_log {tmp_path}/access.log;\n"
            + "".join(
                f"    {kind}_temp_path {tmp_path}/{kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"    include {tmp_path}/site.conf;\n}}\n"
        )
        command = [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        # As a daemon: the command returns once nginx listens.
        subprocess.run(command, check=True, timeout=30)
        started.append(command)

    yield run
    for command in started:
        subprocess.run([*command, "-s", "quit"], check=True, timeout=30)


def test_the_nginx_example_proxies_over_tls_and_serves_static_files(
    tmp_path, server_process, nginx
):
    app = server_process(env={"HTTPS": "true", "ALLOWED_HOSTS": "time.example.com"})
    app.migrate()
    set_up_with_admin(app).start(collect_static=False)
    # What collectstatic would have left in STATIC_ROOT: a name the app itself does not
    # know, so only nginx can answer it.
    static_root = tmp_path / "staticfiles"
    (static_root / "css").mkdir(parents=True)
    stylesheet = "css/app.0123456789ab.css"
    (static_root / stylesheet).write_text("body { margin: 0 }\n")
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=time.example.com", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    http_port, https_port = free_port(), free_port()
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    for example, here in [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app.port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/letsencrypt/live/time.example.com/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/time.example.com/privkey.pem", str(key)),
        ("/srv/timetracker/staticfiles/", f"{static_root}/"),
    ]:
        assert example in site, example
        site = site.replace(example, here)
    nginx(site)

    plain = answer(http_port, "/accounts/login/")
    assert plain.status == 301
    assert plain.getheader("Location") == "https://time.example.com/accounts/login/"
    # Through the proxy, Django knows the request came over TLS (X-Forwarded-Proto): it
    # serves the page instead of redirecting to https, and sends HSTS.
    page = answer(https_port, "/accounts/login/", tls=True)
    assert page.status == 200 and b"<form" in page.read()
    assert page.getheader("Strict-Transport-Security", "").startswith("max-age=")
    static = answer(https_port, f"/static/{stylesheet}", tls=True)
    assert static.status == 200 and static.getheader("Content-Type") == "text/css"
    assert static.getheader("Cache-Control") == "max-age=31536000, public, immutable"
    assert static.read() == b"body { margin: 0 }\n"


def test_the_systemd_units_pass_systemd_analyze(tmp_path):
    analyze = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
    require_tool(analyze, "systemd")
    units = sorted((BASE_DIR / "deploy").glob("*.service")) + sorted(
        (BASE_DIR / "deploy").glob("*.timer")
    )
    for unit in units:  # as installed: the programs they start exist, run as root here
        text = unit.read_text().replace("/srv/timetracker/.venv/bin/python", sys.executable)
        text = text.replace("/srv/timetracker/.venv/bin/gunicorn", str(BIN / "gunicorn"))
        text = text.replace("=timetracker\n", "=root\n")
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *(unit.name for unit in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_the_caddy_example_is_valid(tmp_path):
    caddy = shutil.which("caddy") or "/usr/bin/caddy"
    require_tool(caddy, "caddy")
    result = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", "deploy/Caddyfile"],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "Valid configuration" in result.stdout, result.stderr


def answer(port: int, path: str, tls: bool = False):
    """The answer of nginx on ``port`` to a GET of ``path`` for time.example.com (a
    self-signed certificate over TLS)."""
    if tls:
        context = ssl._create_unverified_context()
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers={"Host": "time.example.com"})
    return connection.getresponse()
