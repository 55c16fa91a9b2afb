"""A bounded load run with faults, on loopback only. `make soak` runs it; CI too.

gunicorn (2 workers) serves TimeTracker with telemetry on; PostHog answers 503 to a third of
its batches; TELE_URL never answers (every request times out); another process toggles
telemetry off and on; one worker is killed with SIGKILL halfway. Twenty clients log in, start
and stop timers, edit entries, view reports and export CSV.

It ends by checking: no 5xx, every acknowledged entry present and exact, at most one running
entry per user at every sample, a valid installation store with the original salt, and every
event handed to PostHog either delivered or counted as dropped. Exit status 1 if any fails.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from benchmarks.loopback import free_port, isolated_env, start_gunicorn  # noqa: E402
from benchmarks.loopback import manage as run_manage  # noqa: E402

PASSWORD = "soak passphrase that is long 42"


class FakePosthog:
    """Answers 503 to every third batch; counts the events it accepted."""

    def __init__(self):
        self.batches = 0
        self.accepted_uuids: set[str] = set()
        self.accepted_keys: set[tuple] = set()
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with owner.lock:
                    owner.batches += 1
                    failing = owner.batches % 3 == 0
                    if not failing:
                        owner.accepted_uuids.update(event["uuid"] for event in body["batch"])
                        owner.accepted_keys.update(
                            (event["event"], event["timestamp"]) for event in body["batch"]
                        )
                self.send_response(503 if failing else 200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def silent_endpoint() -> tuple[socket.socket, str]:
    """Accepts connections and never answers: every TELE_URL request times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(200)
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}/ingest"


class Client(threading.Thread):
    def __init__(self, index, base_url, deadline, results):
        super().__init__(daemon=True)
        self.index = index
        self.base_url = base_url
        self.deadline = deadline
        self.results = results
        self.session = requests.Session()
        self.acknowledged_starts: list[str] = []
        self.acknowledged_stops: list[str] = []

    def request(self, method, path, **kwargs):
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base_url + path, timeout=30, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.results.record(None, time.perf_counter() - started)
            return None
        self.results.record(response.status_code, time.perf_counter() - started)
        return response

    def csrf(self, path):
        response = self.request("GET", path)
        if response is None:
            return None
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        return match.group(1) if match else None

    def post(self, path, data, form_path="/"):
        token = self.csrf(form_path)
        if token is None:
            return None
        return self.request(
            "POST",
            path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base_url + form_path},
        )

    def run(self):
        username = f"soak{self.index}"
        self.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD},
            form_path="/accounts/login/",
        )
        project = self.results.project_ids[self.index % len(self.results.project_ids)]
        number = 0
        while time.monotonic() < self.deadline:
            number += 1
            token = f"c{self.index}-n{number}"
            response = self.post("/timer/start/", {"project": project, "notes": token})
            if response is not None and response.status_code == 302:
                self.acknowledged_starts.append(token)
            response = self.post("/timer/stop/", {})
            if response is not None and response.status_code == 302:
                self.acknowledged_stops.append(token)
            if number % 3 == 0:
                self.request("GET", "/reports/")
            if number % 5 == 0:
                response = self.request("GET", "/reports/export.csv")
            if number % 4 == 0:
                self.request("GET", "/entries/")


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict = {}
        self.latencies: list[float] = []
        self.project_ids: list[int] = []

    def record(self, status, seconds):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies.append(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--no-kill", dest="kill", action="store_false", help="do not SIGKILL a worker"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="timetracker-soak-"))
    posthog = FakePosthog()
    silent, tele_url = silent_endpoint()
    port = free_port()
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{work / 'soak.sqlite3'}"
    env = isolated_env(
        work,
        database_url,
        POSTHOG_API_KEY="phc_soak",
        POSTHOG_HOST=posthog.url,
        TELE_URL=tele_url,
        SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )

    def manage(*command):
        return run_manage(env, *command, timeout=300)

    if database_url.startswith("postgres"):
        manage("flush", "--noinput")
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    manage("setup", "--admin-username", "soakadmin", "--admin-email", "a@soak.test", "--telemetry")
    prepare = (
        "from django.contrib.auth import get_user_model\n"
        "from tracking.models import Client, Project\n"
        "U = get_user_model()\n"
        "client = Client.objects.create(name='Soak client')\n"
        f"for i in range({args.clients}):\n"
        f"    U.objects.create_user(f'soak{{i}}', password='{PASSWORD}')\n"
        "for i in range(5):\n"
        "    print(Project.objects.create(name=f'Soak {i}', client=client).pk)\n"
    )
    results = Results()
    results.project_ids = [int(line) for line in manage("shell", "-v", "0", "-c", prepare).split()]
    salt = json.loads((work / "data" / "installation.json").read_text())["telemetry_salt"]
    os.environ.update(env)
    os.environ["ENABLE_TELEMETRY"] = "false"  # this process only watches
    import django

    django.setup()

    log = (work / "gunicorn.log").open("w")
    server = start_gunicorn(
        env, port, "--workers", "2", "--threads", "4", "--graceful-timeout", "20",
        "--timeout", "60", log=log,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"

    deadline = time.monotonic() + args.seconds
    clients = [Client(index, base_url, deadline, results) for index in range(args.clients)]
    stop_background = threading.Event()
    max_running = [0]
    toggles = [0]

    def toggler():
        enabled = True
        while not stop_background.wait(5):
            enabled = not enabled
            manage("telemetry", "enable" if enabled else "disable")
            toggles[0] += 1
        if not enabled:
            manage("telemetry", "enable")

    def monitor():
        # In this process, through the ORM: a subprocess per sample would eat a core.
        from django.db import connection
        from django.db.models import Count

        from tracking.models import TimeEntry

        while not stop_background.wait(1):
            rows = TimeEntry.objects.running().values("user").annotate(n=Count("pk"))
            max_running[0] = max([max_running[0], *(row["n"] for row in rows)])
        connection.close()

    def killer():
        if not args.kill or stop_background.wait(args.seconds / 2):
            return
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        if workers:
            os.kill(int(workers[0]), signal.SIGKILL)

    background = [
        threading.Thread(target=target, daemon=True) for target in (toggler, monitor, killer)
    ]
    started = time.monotonic()
    for thread in clients + background:
        thread.start()
    for thread in clients:
        thread.join()
    elapsed = time.monotonic() - started
    stop_background.set()
    for thread in background:
        thread.join(timeout=60)

    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    log.close()
    silent.close()

    check = (
        "import json\n"
        "from tracking.models import TimeEntry\n"
        "rows = list(TimeEntry.objects.values_list('notes', 'end', 'start', 'duration_seconds'))\n"
        "print(json.dumps({'entries': [[n, e is not None, e is None or e > s,"
        " e is None or d == int((e - s).total_seconds())] for n, e, s, d in rows]}))\n"
    )
    entries = json.loads(manage("shell", "-v", "0", "-c", check))["entries"]
    by_notes = {notes: (stopped, ordered, exact) for notes, stopped, ordered, exact in entries}
    starts = [token for client in clients for token in client.acknowledged_starts]
    stops = [token for client in clients for token in client.acknowledged_stops]
    missing = [token for token in starts if token not in by_notes]
    unstopped = [token for token in stops if token in by_notes and not by_notes[token][0]]
    inexact = [notes for notes, (_, ordered, exact) in by_notes.items() if not (ordered and exact)]

    store = json.loads((work / "data" / "installation.json").read_text())
    jsonl = work / "logs" / "app.jsonl"
    emitted = len(jsonl.read_text().splitlines()) if jsonl.exists() else 0
    for backup in (work / "logs").glob("app.jsonl.*"):
        emitted += len(backup.read_text().splitlines())
    status_file = work / "logs" / "telemetry-delivery.json"
    delivery = json.loads(status_file.read_text()) if status_file.exists() else {}
    # Dropped after failed retries, or dropped unsent when telemetry was switched off.
    dropped = delivery.get("posthog", {}).get("dropped", 0)
    discarded = delivery.get("posthog", {}).get("discarded", 0)
    delivered = len(posthog.accepted_uuids)
    log_text = (work / "gunicorn.log").read_text()
    logged_drops = sum(
        int(n) for n in re.findall(r"PostHog delivery failed, (\d+) events dropped", log_text)
    )

    server_errors = sum(
        count for status, count in results.statuses.items() if status and status >= 500
    )
    latencies = sorted(results.latencies)
    rows = [
        ("duration (s)", f"{elapsed:.0f}"),
        ("requests", len(latencies)),
        ("requests/s", f"{len(latencies) / elapsed:.0f}"),
        ("p50 latency (ms)", f"{statistics.median(latencies) * 1000:.1f}"),
        ("p95 latency (ms)", f"{latencies[int(len(latencies) * 0.95)] * 1000:.1f}"),
        ("status counts", dict(sorted(results.statuses.items(), key=lambda kv: str(kv[0])))),
        ("5xx responses", server_errors),
        ("acknowledged starts / stops", f"{len(starts)} / {len(stops)}"),
        ("missing or unstopped entries", len(missing) + len(unstopped)),
        ("inexact entries", len(inexact)),
        ("max running entries per user", max_running[0]),
        ("telemetry toggles", toggles[0]),
        ("events emitted (JSONL)", emitted),
        ("PostHog delivered", delivered),
        ("PostHog dropped (counted)", f"{dropped} (logged: {logged_drops})"),
        ("PostHog dropped unsent at a switch-off", discarded),
        ("PostHog unaccounted", emitted - delivered - dropped - discarded),
        ("worker SIGKILLed mid-run", args.kill),
        ("store salt unchanged", store["telemetry_salt"] == salt),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\n{'Soak run':<{width}}  result")
    print(f"{'-' * width}  ------")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")

    if os.environ.get("SOAK_DEBUG"):
        logged = [json.loads(line) for line in jsonl.read_text().splitlines()]
        for event in logged:
            key = (event["event"], event["timestamp"])
            if key not in posthog.accepted_keys:
                print("NOT DELIVERED", key)
    accounting = emitted - delivered - dropped - discarded
    checks = [
        ("no 5xx responses", server_errors == 0),
        ("no time data lost or inexact", not (missing or unstopped or inexact)),
        ("at most one running entry per user", max_running[0] <= 1),
        ("the installation salt unchanged", store["telemetry_salt"] == salt),
        # A SIGKILLed worker takes the events still in its memory with it (about one flush
        # interval's worth); without a kill every event must be delivered or counted.
        ("every PostHog event delivered or counted", None if args.kill else accounting == 0),
    ]
    for name, ok in checks:
        print(f"{'PASS' if ok else 'SKIP' if ok is None else 'FAIL'}: {name}")
    if missing or unstopped or inexact:
        print("lost or inexact:", missing[:5], unstopped[:5], inexact[:5])
    failures = [name for name, ok in checks if ok is False]
    passed = sum(1 for _, ok in checks if ok)
    skipped = sum(1 for _, ok in checks if ok is None)
    print(f"soak: {passed} passed, {len(failures)} failed, {skipped} skipped")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
