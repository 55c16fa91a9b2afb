"""TimeTracker benchmarks: `make bench` (or `python benchmarks/run.py`) prints one table.

Each figure is measured in a fresh subprocess with its own data directory, on loopback only:

- emit cost on the request thread (telemetry on with PostHog unreachable; telemetry off);
- the installation store's freshness check;
- a timer start+stop request with telemetry on (PostHog blackholed, TELE_URL 3 s slow) / off;
- reports, dashboard, entries list and CSV export over --entries rows (SQLite, and
  PostgreSQL when TEST_DATABASE_URL is set);
- timer start/stop requests per second under gunicorn with 2 workers.

Medians of several runs. Results, with the machine and date, go in docs/performance.md.
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from benchmarks.loopback import free_port, isolated_env, manage, start_gunicorn  # noqa: E402

PASSWORD = "bench passphrase that is long 42"


# --- helpers shared by the phases -----------------------------------------------------------


def base_env(work: Path, database_url: str | None = None) -> dict:
    return isolated_env(work, database_url, DJANGO_SUPERUSER_PASSWORD=PASSWORD)


def phase(name: str, env: dict, *args, timeout=3600) -> dict:
    """Run one phase of this script in a fresh interpreter; it prints a JSON dict."""
    result = subprocess.run(
        [sys.executable, __file__, "--phase", name, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def silent_listener() -> tuple[socket.socket, str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(100)
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def slow_server(delay: float, deliveries=None) -> tuple[ThreadingHTTPServer, str]:
    """A loopback receiver answering 200 after ``delay`` s; it adds each request's
    X-TimeTracker-Delivery header to ``deliveries`` when given a list."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if deliveries is not None:
                deliveries.append(self.headers["X-TimeTracker-Delivery"])
            time.sleep(delay)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def median_per_call(function, calls: int, rounds: int = 7) -> float:
    """Median over rounds of the mean seconds per call."""
    results = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        results.append((time.perf_counter() - started) / calls)
    return statistics.median(results)


def django_ready():
    import django

    django.setup()


def count_queries(connection, function):
    """Call ``function``; return its result and the queries it ran. Not Django's
    CaptureQueriesContext: a request can close and reopen the connection (with
    DB_CONN_MAX_AGE=0), which empties the log it compares against."""
    connection.force_debug_cursor = True
    connection.queries_log.clear()
    try:
        result = function()
    finally:
        connection.force_debug_cursor = False
    return result, len(connection.queries_log)


# --- phases (each runs in its own interpreter) ----------------------------------------------


def phase_emit() -> dict:
    django_ready()
    from setupwizard import installation
    from telemetry import emitter

    installation.complete_setup(telemetry_enabled=False)
    off = median_per_call(lambda: emitter.emit("auth.logout"), 20000)
    installation.set_telemetry_enabled(True)
    emitter.emit("auth.logout")
    emitter.flush()  # the dispatcher and the posthog client exist before timing
    event = {"duration_seconds": 1500, "has_task": True, "billable": True}
    # The request thread's own CPU time (thread_time): the dispatcher's work runs beside it.
    cpu, wall = [], []
    for _ in range(7):
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        for _ in range(1000):
            emitter.emit("timer.stopped", **event)
        cpu.append((time.thread_time() - cpu_start) / 1000)
        wall.append((time.perf_counter() - wall_start) / 1000)
        emitter.flush()
    trusted = median_per_call(installation.get, 50000)

    def revalidate():
        installation.expire()
        installation.get()

    stat = median_per_call(revalidate, 50000)
    emitter.shutdown(timeout=1)
    return {
        "emit_on_us": statistics.median(cpu) * 1e6,
        "emit_on_wall_us": statistics.median(wall) * 1e6,
        "emit_off_us": off * 1e6,
        "store_check_us": trusted * 1e6,
        "store_revalidate_us": stat * 1e6,
    }


def phase_store() -> dict:
    """The store's cost with whichever backend INSTALLATION_STORE names."""
    django_ready()
    from setupwizard import installation

    installation.complete_setup(telemetry_enabled=False)
    trusted = median_per_call(installation.get, 50000)

    def revalidate():
        installation.expire()
        installation.get()

    return {
        "store_check_us": trusted * 1e6,
        "store_revalidate_us": median_per_call(revalidate, 2000) * 1e6,
    }


def phase_timer_requests(rounds: int) -> dict:
    django_ready()
    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient

    from setupwizard import installation
    from telemetry import emitter
    from tracking.models import Client, Project

    installation.complete_setup(telemetry_enabled=False)
    user = get_user_model().objects.create_user("timer-bench", password=PASSWORD)
    project = Project.objects.create(name="Bench", client=Client.objects.create(name="C"))
    http = HttpClient()
    http.force_login(user)

    def start_stop():
        assert http.post("/timer/start/", {"project": project.pk}).status_code == 302
        assert http.post("/timer/stop/").status_code == 302
        http.cookies.pop("messages", None)  # read, as a browser would show it

    for _ in range(20):
        start_stop()  # warm up caches and connections
    installation.set_telemetry_enabled(True)
    start_stop()
    emitter.flush(timeout=0.5)  # the dispatcher and the posthog client exist before timing
    # Interleaved A/B rounds, so that drift in the machine's load hits both sides alike.
    samples = {False: [], True: []}
    for index in range(rounds * 2):
        enabled = index % 4 in (1, 2)
        installation.set_telemetry_enabled(enabled)
        started = time.perf_counter()
        start_stop()
        samples[enabled].append(time.perf_counter() - started)
    off, on = statistics.median(samples[False]), statistics.median(samples[True])
    emitter.shutdown(timeout=1)
    return {"timer_off_ms": off * 1000, "timer_on_ms": on * 1000, "timer_ratio": on / off}


def phase_invoice() -> dict:
    """An invoice of 20 lines: its page, its print view and its PDF, per request."""
    django_ready()
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient

    from setupwizard import installation
    from tracking.models import BusinessProfile, Client, Invoice

    installation.complete_setup(telemetry_enabled=False)
    # An administrator: since the roles (migration 0013), staff alone may not see invoices.
    user = get_user_model().objects.create_superuser("bill-bench", "b@bench.test", PASSWORD)
    profile = BusinessProfile.load()
    profile.legal_name, profile.address = "Bench Studio", "1 Main Street\n12345 Town"
    profile.save()
    client = Client.objects.create(name="Acme", billing_address="2 Side Road\n54321 City")
    invoice = Invoice.objects.create(client=client, due_date=date(2026, 12, 31), tax_rate=19)
    for line in range(20):
        invoice.items.create(description=f"Line {line}", quantity="1.25", unit_price="80.00")
    http = HttpClient()
    http.force_login(user)

    def timed(path, calls):
        assert http.get(path).status_code == 200  # warm: templates, fonts, imports
        return median_per_call(lambda: http.get(path), calls, rounds=5) * 1000

    return {
        "page_ms": timed(f"/invoices/{invoice.pk}/", 50),
        "print_ms": timed(f"/invoices/{invoice.pk}/print/", 50),
        "pdf_ms": timed(f"/invoices/{invoice.pk}/pdf/", 5),
    }


def phase_large(entries: int) -> dict:
    django_ready()
    import resource

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as HttpClient

    from setupwizard import installation

    installation.complete_setup(telemetry_enabled=False)
    User = get_user_model()
    # An administrator, who sees everyone's time: staff alone see only their own since the
    # roles (migration 0013), which made these reports and the export read nothing.
    staff = User.objects.create_superuser("bench-staff", "s@bench.test", PASSWORD)
    member = User.objects.get(username="demo0")
    results = {"vendor": connection.vendor}

    def timed_page(client, path, runs=5):
        samples, queries = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            response, queries = count_queries(connection, lambda: client.get(path))
            if response.streaming:
                b"".join(response.streaming_content)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        return statistics.median(samples) * 1000, queries

    staff_client, member_client = HttpClient(), HttpClient()
    staff_client.force_login(staff)
    member_client.force_login(member)
    today = datetime.now(UTC).date()
    year_ago = today.replace(year=today.year - 1)
    for label, client, path in [
        ("reports_month", staff_client, "/reports/"),
        ("reports_year", staff_client, f"/reports/?start={year_ago}&end={today}"),
        ("reports_all", staff_client, "/reports/?start=2000-01-01&end=2100-12-31"),
        ("reports_member_all", member_client, "/reports/?start=2000-01-01&end=2100-12-31"),
        ("dashboard", member_client, "/"),
        ("entries_staff", staff_client, "/entries/"),
        ("entries_member", member_client, "/entries/"),
        ("entries_page_100", member_client, "/entries/?page=100"),
    ]:
        results[f"{label}_ms"], results[f"{label}_queries"] = timed_page(client, path)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = staff_client.get("/entries/export.csv")
    rows = -1
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results.update(
        export_rows=rows,
        export_rows_per_s=rows / elapsed,
        export_peak_rss_mb=rss_after / 1024,
        export_rss_growth_mb=(rss_after - rss_before) / 1024,
    )
    return results


# --- webhooks ---------------------------------------------------------------------------


def phase_webhooks() -> dict:
    """The outbox's cost per event, 1,000 entry events to a loopback receiver through the
    background sender, and the timer's latency with a receiver that takes 3 s."""
    django_ready()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client as HttpClient

    from setupwizard import installation
    from tracking.models import Client, Project, TimeEntry
    from webhooks.models import Delivery, Webhook
    from webhooks.outbox import enqueue

    installation.complete_setup(telemetry_enabled=False)
    user = get_user_model().objects.create_user("hook-bench", password=PASSWORD)
    project = Project.objects.create(name="Bench", client=Client.objects.create(name="C"))
    received = []
    fast, fast_url = slow_server(0, received)
    hook = Webhook.objects.create(url=fast_url + "/in", events=["entry.created"], active=False)

    # The write: one outbox row in the change's transaction (the sender is not started).
    hook.active = True
    hook.save()
    data = {"id": 1, "notes": "Bench entry", "tags": ["a", "b"]}
    samples = []
    for _ in range(5):
        with transaction.atomic():
            started = time.perf_counter()
            for _ in range(200):
                enqueue("entry.created", data)
            samples.append((time.perf_counter() - started) / 200)
            transaction.set_rollback(True)
    write_ms = statistics.median(samples) * 1000

    # 1,000 entries through the ORM, each queuing one delivery; the background thread sends.
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    for n in range(1000):
        TimeEntry.objects.create(
            user=user,
            project=project,
            start=now - timedelta(hours=n + 1),
            end=now - timedelta(hours=n, minutes=30),
        )
    deadline = time.monotonic() + 120
    while len(set(received)) < 1000 and time.monotonic() < deadline:
        time.sleep(0.05)
    thousand_s = time.perf_counter() - started
    delivered = Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()

    # The timer with and without a receiver that answers in 3 s (it sees the timer events).
    slow, slow_url = slow_server(3.0)
    http = HttpClient()
    http.force_login(user)

    def pair():
        http.post("/timer/start/", {"project": project.pk})
        http.post("/timer/stop/")
        http.cookies.pop("messages", None)

    for _ in range(10):
        pair()
    timings = {}
    for label, url in [("without", None), ("fast", fast_url), ("slow", slow_url)]:
        Webhook.objects.update(active=False)
        if url:
            Webhook.objects.create(url=url + "/in", events=["timer.started", "timer.stopped"])
        runs = []
        for _ in range(60):
            begun = time.perf_counter()
            pair()
            runs.append(time.perf_counter() - begun)
        timings[label] = statistics.median(runs) * 1000
    fast.shutdown()
    slow.shutdown()
    return {
        "write_ms": write_ms,
        "thousand_s": thousand_s,
        "delivered": delivered,
        "timer_without_ms": timings["without"],
        "timer_fast_ms": timings["fast"],
        "timer_slow_ms": timings["slow"],
    }


def webhook_rows(work: Path, row) -> None:
    env = {**base_env(work / "webhooks"), "WEBHOOK_ALLOW_PRIVATE": "true"}
    prepare(env)
    result = phase("webhooks", env)
    row("[SQLite] webhook outbox write, per event (ms)", f"{result['write_ms']:.2f}", "< 1")
    row(
        f"  1,000 entry events delivered to a loopback receiver ({result['delivered']}) (s)",
        f"{result['thousand_s']:.1f}",
        "≤ 60",
    )
    row(
        "  timer start+stop pair: no webhook / a receiver answering at once / taking 3 s (ms)",
        f"{result['timer_without_ms']:.1f} / {result['timer_fast_ms']:.1f} / "
        f"{result['timer_slow_ms']:.1f}",
        "3 s = at once",
    )


# --- the page table: every main page at a real agency's size ---------------------------------

# The shape issue 24 measured: 8 clients, 20 people, 200 projects, 600 tasks, 10,000 entries
# (about twelve a day per person, back from this week's Sunday: a full week on every page,
# whatever day the benchmark runs).
SHAPE = ["--users", "20", "--projects", "200", "--clients", "8", "--entries", "10000"]
# (label, who asks, path, budget: p50 in-process ms, req/s under gunicorn or None, kB of HTML).
# "member" is demo0, "staff" an administrator; {invoice} is an invoice billed from a month.
PAGES = [
    ("dashboard", "member", "/", 50, 60, 40),
    ("entries", "member", "/entries/", 50, 60, 40),
    ("timesheet", "member", "/timesheet/", 50, 60, 40),
    ("calendar", "member", "/calendar/", 50, None, 40),
    ("reports, month", "staff", "/reports/", 50, None, 40),
    ("reports, all time", "staff", "/reports/?start=2000-01-01&end=2100-12-31", 50, None, 40),
    ("invoice", "staff", "/invoices/{invoice}/", 50, None, 40),
    ("API entries list", "member", "/api/v1/entries/", 50, None, None),
    ("Kimai timesheets (50)", "member", "/api/timesheets", 50, None, None),
    ("Kimai timesheets, full", "member", "/api/timesheets?full=true", 50, None, None),
]


def phase_pages_seed() -> dict:
    """An administrator and an invoice billed from the last month of one client's time."""
    django_ready()
    from django.contrib.auth import get_user_model

    from setupwizard import installation
    from tracking.models import Client, Invoice

    installation.complete_setup(telemetry_enabled=False)
    get_user_model().objects.create_superuser("bench-staff", "s@bench.test", PASSWORD)
    today = datetime.now(UTC).date()
    invoice = Invoice.objects.create(
        client=Client.objects.order_by("pk").first(), due_date=today + timedelta(days=14)
    )
    invoice.add_items_from_entries(today - timedelta(days=30), today)
    return {"invoice": invoice.pk}


def phase_pages(invoice: int) -> dict:
    """Each page's median time, queries and bytes, in this process (Django's test client)."""
    django_ready()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as HttpClient

    User = get_user_model()
    clients = {}
    for who, username in [("member", "demo0"), ("staff", "bench-staff")]:
        clients[who] = HttpClient()
        clients[who].force_login(User.objects.get(username=username))
    results = {}
    for label, who, path, *_ in PAGES:
        path = path.format(invoice=invoice)
        http = clients[who]
        response = http.get(path)  # warm: templates, caches, the connection
        assert response.status_code == 200, (path, response.status_code)
        _, queries = count_queries(connection, lambda: http.get(path))  # noqa: B023
        samples = []
        for _ in range(15):
            started = time.perf_counter()
            http.get(path)
            samples.append(time.perf_counter() - started)
        results[label] = {
            "p50_ms": statistics.median(samples) * 1000,
            "queries": queries,
            "kb": len(response.content) / 1024,
        }
    return results


def page_rps(env: dict, seconds: int, path: str, username: str) -> dict:
    """Requests per second for one page under gunicorn, 2 workers, 8 clients as ``username``."""
    import requests

    address = free_port()
    server = start_gunicorn(env, address, "--workers", "2")
    base = f"http://127.0.0.1:{address}"
    counts, latencies = [0] * 8, []
    deadline = time.monotonic() + seconds

    def client(index):
        session = requests.Session()
        page = session.get(base + "/accounts/login/")
        token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        password = PASSWORD if username == "bench-staff" else "demo-password"
        session.post(
            base + "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = session.get(base + path)
            latencies.append(time.perf_counter() - started)
            counts[index] += response.status_code == 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    server.terminate()
    server.wait(timeout=30)
    return {"rps": sum(counts) / elapsed, "p50_ms": statistics.median(latencies) * 1000}


def page_rows(work: Path, seconds: int, row) -> None:
    """The page table, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: each budget kept or
    the page named as over it."""
    databases = [("SQLite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["TEST_DATABASE_URL"]))
    over = []
    for label, url in databases:
        env = base_env(work / f"pages-{label}", url)
        prepare(env)
        if url:
            manage(env, "flush", "--noinput")
        today = datetime.now(UTC).date()
        sunday = today + timedelta(days=6 - today.weekday())
        manage(env, "seed_demo", *SHAPE, "--until", sunday.isoformat())
        invoice = phase("pages_seed", env)["invoice"]
        measured = phase("pages", env, "--invoice", str(invoice))
        for page, who, path, p50_budget, rps_budget, kb_budget in PAGES:
            found = measured[page]
            served = None
            if rps_budget:
                username = "demo0" if who == "member" else "bench-staff"
                served = page_rps(env, seconds, path.format(invoice=invoice), username)["rps"]
            misses = [
                name
                for name, value, budget, worse in [
                    ("p50", found["p50_ms"], p50_budget, float.__gt__),
                    ("req/s", served, rps_budget, float.__lt__),
                    ("size", found["kb"], kb_budget, float.__gt__),
                ]
                if budget and worse(float(value), float(budget))
            ]
            if misses:
                over.append(f"[{label}] {page}: {', '.join(misses)}")
            budget = f"p50 ≤ {p50_budget} ms"
            budget += f", ≥ {rps_budget} req/s" if rps_budget else ""
            budget += f", ≤ {kb_budget} kB" if kb_budget else ""
            row(
                f"[{label}] {page}: p50 ms · req/s · queries · kB",
                f"{found['p50_ms']:.1f} · {f'{served:.0f}' if served else '-'} · "
                f"{found['queries']} · {found['kb']:.0f}",
                budget + (" **OVER**" if misses else ""),
            )
        if url:
            manage(env, "flush", "--noinput")
    print("Pages over budget: " + ("; ".join(over) if over else "none"), file=sys.stderr)


# Notes a freelancer writes, numbered: 600 distinct ones over 100,000 entries.
NOTE_WORDS = [
    "Homepage hero section",
    "Invoice export",
    "Client call",
    "Sprint planning",
    "Code review",
    "Bug triage",
    "Design system",
    "Newsletter",
    "Onboarding flow",
    "Deploy",
    "Database migration",
    "Support ticket",
    "Research",
    "Workshop",
    "Copywriting",
]
SUGGEST_QUERIES = ["Homep", "call", "review 7", "zzz-never", "e", "Deploy 42"]


def phase_fast_entry_seed(entries: int) -> dict:
    """One person with ``entries`` entries on 40 projects (4 archived)."""
    django_ready()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection

    from setupwizard import installation
    from tracking.models import Client, Project, TimeEntry

    installation.complete_setup(telemetry_enabled=False)
    person = get_user_model().objects.create_user("bench-fast", password=PASSWORD)
    acme = Client.objects.create(name="Acme")
    projects = Project.objects.bulk_create(
        Project(name=f"Project {i}", client=acme, archived=i % 10 == 9) for i in range(40)
    )
    now = datetime.now(UTC).replace(microsecond=0)
    batch = 10_000
    for first in range(0, entries, batch):
        TimeEntry.objects.bulk_create(
            TimeEntry(
                user=person,
                project=projects[n % len(projects)],
                notes=f"{NOTE_WORDS[n % len(NOTE_WORDS)]} {n % 200}",
                start=now - timedelta(hours=n + 1),
                end=now - timedelta(hours=n, minutes=30),
            )
            for n in range(first, min(first + batch, entries))
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"entries": entries}


def phase_fast_entry() -> dict:
    """The suggestions' answer times, in a fresh process as a server would answer them."""
    django_ready()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as HttpClient

    client = HttpClient()
    client.force_login(get_user_model().objects.get(username="bench-fast"))
    results = {"vendor": connection.vendor}
    for query in SUGGEST_QUERIES:
        samples = []
        for _ in range(15):
            started = time.perf_counter()
            response = client.get("/entries/suggest/", {"q": query})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        results[query] = {
            "p50_ms": statistics.median(samples) * 1000,
            "p95_ms": sorted(samples)[int(len(samples) * 0.95)] * 1000,
            "found": len(response.json()),
        }
    return results


def fast_entry_rows(work: Path, entries: int, row) -> None:
    databases = [("SQLite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["TEST_DATABASE_URL"]))
    for label, url in databases:
        env = base_env(work / f"fast-{label}", url)
        prepare(env)
        if url:
            manage(env, "flush", "--noinput")
        phase("fast_entry_seed", env, "--entries", str(entries))
        result = phase("fast_entry", env)
        for query in SUGGEST_QUERIES:
            found = result[query]
            row(
                f"[{label}] /entries/suggest/?q={query}, {entries:,} entries "
                f"({found['found']} found): p50 (p95) ms",
                f"{found['p50_ms']:.1f} ({found['p95_ms']:.1f})",
                "p50 < 30",
            )
        if url:
            manage(env, "flush", "--noinput")


def toggl_file(path: Path, rows: int) -> None:
    """A Toggl Track detailed export of ``rows`` entries: 40 projects, 5 clients, tags, eight
    entries a day."""
    header = (
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
        "End date,End time,Duration,Tags,Amount (EUR)\n"
    )
    start = datetime(2000, 1, 3, 9, 0)
    with path.open("w", encoding="utf-8-sig") as out:
        out.write(header)
        for n in range(rows):  # eight a day from 09:00, clear of any clock change
            began = start + timedelta(days=n // 8, hours=n % 8)
            ended = began + timedelta(minutes=45)
            out.write(
                f"Ada,ada@example.test,Client {n % 5},Project {n % 40},,"
                f'"{NOTE_WORDS[n % len(NOTE_WORDS)]} {n % 200}, part {n % 7}",'
                f"{'Yes' if n % 4 else 'No'},{began:%Y-%m-%d},{began:%H:%M:%S},"
                f"{ended:%Y-%m-%d},{ended:%H:%M:%S},00:45:00,"
                f'"{"Design, Call" if n % 3 else ""}",60.00\n'
            )


def phase_import(path: str) -> dict:
    """``import_entries`` of ``path`` in this fresh process: its time and peak memory."""
    django_ready()
    import resource
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    get_user_model().objects.get_or_create(username="ada", email="ada@example.test")
    options = ["--format", "toggl", "--user", "ada", "--timezone", "Europe/Berlin"]
    out = StringIO()
    started = time.perf_counter()
    call_command("import_entries", path, *options, stdout=out)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": elapsed, "peak_mb": peak, "out": out.getvalue()}


def import_rows(work: Path, rows: int, row) -> None:
    """``import_entries`` of a ``rows``-row Toggl file into SQLite, each run in a fresh
    process: wall time and that process's peak memory; then the same file again."""
    env = base_env(work / "import")
    prepare(env)
    path = work / "toggl-export.csv"
    toggl_file(path, rows)
    size = path.stat().st_size / 1024 / 1024
    first = phase("import", env, "--file", str(path))
    assert f"Entries: {rows} imported" in first["out"], first["out"]
    row(
        f"[SQLite] import_entries, Toggl, {rows:,} rows ({size:.0f} MB) (s)",
        f"{first['seconds']:.1f}",
        "≤ 60",
    )
    row("  peak RSS of the importing process (MB)", f"{first['peak_mb']:.0f}", "< 200")
    again = phase("import", env, "--file", str(path))
    assert f"0 imported, {rows} skipped" in again["out"], again["out"]
    row("  the same file again, every row skipped (s)", f"{again['seconds']:.1f}")


# --- orchestration --------------------------------------------------------------------------


def prepare(env: dict) -> None:
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")


def seed(env: dict, entries: int) -> float:
    prepare(env)
    started = time.perf_counter()
    manage(env, "seed_demo", "--entries", str(entries), "--users", "20", "--projects", "200")
    return time.perf_counter() - started


# What one client does per round, through the web pages or the REST API: (method, path, the
# answer that counts as done). "entries" lists 100 of the user's entries.
WORKLOADS = {
    "web timer": [("post", "/timer/start/", 302), ("post", "/timer/stop/", 302)],
    "api timer": [("post", "/api/v1/timer/start/", 201), ("post", "/api/v1/timer/stop/", 200)],
    "web entries": [("get", "/entries/", 200)],  # the web list's page: 50 entries
    "api entries": [("get", "/api/v1/entries/?limit=100", 200)],
    "web dashboard": [("get", "/", 200)],
}
# (projects, tasks, entries per client, hours between a client's entries). The dashboard is
# measured with a real catalogue: 200 projects, 600 tasks, 10,000 entries over a year.
CATALOGUES = {"web dashboard": (200, 600, 1250, 7)}
SMALL_CATALOGUE = (1, 0, 150, 1)
SEED_SCRIPT = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from api.models import ApiToken
from tracking.models import Client, Project, Task, TimeEntry
User = get_user_model()
hashed = make_password({password!r})
users = User.objects.bulk_create(
    [User(username=f"rps{{i}}", password=hashed) for i in range({clients})]
)
clients = Client.objects.bulk_create(Client(name=f"Client {{i}}") for i in range(10))
projects = Project.objects.bulk_create(
    Project(name=f"Project {{i}}", client=clients[i % 10], hourly_rate=80)
    for i in range({projects})
)
Task.objects.bulk_create(
    Task(project=projects[i % len(projects)], title=f"Task {{i}}") for i in range({tasks})
)
now = timezone.now().replace(microsecond=0)
TimeEntry.objects.bulk_create(
    TimeEntry(
        user=user,
        project=projects[(n + k) % len(projects)],
        start=now - timedelta(hours={step} * n + 1),
        end=now - timedelta(hours={step} * n + 0.5),
        duration_seconds=1800,
    )
    for k, user in enumerate(users)
    for n in range({entries})
)
print(*[ApiToken.objects.create_token(user, "bench")[1] for user in users])
print(projects[0].pk)
"""


def gunicorn_rps(
    work: Path,
    seconds: int,
    clients: int,
    database_url=None,
    extra_env=None,
    workload="web timer",
) -> dict:
    import requests

    env = {**base_env(work, database_url), **(extra_env or {})}
    prepare(env)
    if database_url:
        manage(env, "flush", "--noinput")
    manage(env, "setup", "--admin-username", "benchadmin", "--admin-email", "b@bench.test")
    projects, tasks, entries, step = CATALOGUES.get(workload, SMALL_CATALOGUE)
    script = SEED_SCRIPT.format(
        password=PASSWORD,
        clients=clients,
        projects=projects,
        tasks=tasks,
        entries=entries,
        step=step,
    )
    *secrets, project = manage(env, "shell", "-v", "0", "-c", script).split()
    address = free_port()
    server = start_gunicorn(env, address, "--workers", "2")
    base = f"http://127.0.0.1:{address}"
    counts = [0] * clients
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    def web_session(index):
        session = requests.Session()
        page = session.get(base + "/accounts/login/")
        token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        session.post(
            base + "/accounts/login/",
            data={"username": f"rps{index}", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        session.headers.update({"X-CSRFToken": session.cookies["csrftoken"], "Referer": base})
        return session

    def client(index):
        if workload.startswith("api"):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {secrets[index]}"
        else:
            session = web_session(index)
        while time.monotonic() < deadline:
            for method, path, done in WORKLOADS[workload]:
                started = time.perf_counter()
                if method == "get":
                    response = session.get(base + path)
                elif workload.startswith("api"):
                    response = session.post(base + path, json={"project": int(project)})
                else:
                    response = session.post(
                        base + path, data={"project": project}, allow_redirects=False
                    )
                latencies.append(time.perf_counter() - started)
                if response.status_code == done:
                    counts[index] += 1
                # A browser shows the flash message on the page it is sent to; this client
                # does not follow the redirect, so it drops the message as read.
                session.cookies.pop("messages", None)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    server.terminate()
    server.wait(timeout=30)
    if database_url:
        manage(env, "flush", "--noinput")
    return {
        "rps": sum(counts) / elapsed,
        "rps_p50_ms": statistics.median(latencies) * 1000,
    }


def large_rows(work: Path, entries: int, row) -> None:
    """Reports, lists and the CSV export over ``entries`` seeded entries, on SQLite and (with
    TEST_DATABASE_URL) PostgreSQL."""
    databases = [("SQLite", None)]
    if os.environ.get("TEST_DATABASE_URL"):
        databases.append(("PostgreSQL", os.environ["TEST_DATABASE_URL"]))
    for label, url in databases:
        env = base_env(work / label, url)
        if url:
            manage(env, "flush", "--noinput")
        seconds = seed(env, entries)
        row(
            f"[{label}] seed_demo {entries:,} entries (s)",
            f"{seconds:.0f}",
            "≤ 180 (SQLite)",
        )
        large = phase("large", env, "--entries", str(entries))
        target = "≤ 1500" if label == "SQLite" else "≤ 1000"
        for key, name in [
            ("reports_month", "reports, this month, all users"),
            ("reports_year", "reports, last 12 months, all users"),
            ("reports_all", "reports, all time, all users"),
            ("reports_member_all", "reports, all time, one user"),
        ]:
            row(
                f"[{label}] {name} (ms, queries)",
                f"{large[key + '_ms']:.0f} ({large[key + '_queries']})",
                target,
            )
        for key, name in [
            ("dashboard", "dashboard"),
            ("entries_staff", "entries list, staff (all users)"),
            ("entries_member", "entries list, one user"),
            ("entries_page_100", "entries list, page 100"),
        ]:
            row(
                f"[{label}] {name} (ms, queries)",
                f"{large[key + '_ms']:.0f} ({large[key + '_queries']})",
                "≤ 100",
            )
        row(
            f"[{label}] CSV export rows/s ({large['export_rows']:,} rows)",
            f"{large['export_rows_per_s']:,.0f}",
            "≥ 100,000",
        )
        row(
            f"[{label}] CSV export peak RSS (MB)",
            f"{large['export_peak_rss_mb']:.0f}",
            "≤ 250",
        )
        if url:
            manage(env, "flush", "--noinput")


def api_rows(work: Path, seconds: int, row, workloads=None) -> None:
    """The same work through the web pages and the REST API, and the dashboard with a real
    catalogue, under gunicorn."""
    for workload in workloads or WORKLOADS:
        result = gunicorn_rps(work / workload.replace(" ", "-"), seconds, 8, workload=workload)
        row(f"{workload} under gunicorn, 2 workers, 8 clients (req/s)", f"{result['rps']:.0f}")
        row("  median latency (ms)", f"{result['rps_p50_ms']:.1f}")


def worker_rows(work: Path, row, rounds: int = 5) -> None:
    """Worker start-up and memory: gunicorn with one worker, from its start to the first
    200 of the login page (a page that renders a template), and that worker's RSS after the
    page and after a logged-in dashboard and entry list (the code most requests load)."""
    import requests

    env = base_env(work / "workers")
    prepare(env)
    manage(env, "setup", "--admin-username", "benchadmin", "--admin-email", "b@bench.test")
    startups, first_rss, warm_rss = [], [], []
    for _ in range(rounds):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                *("timetracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            session = requests.Session()
            while True:
                try:
                    page = session.get(base + "/accounts/login/", timeout=30)
                    break
                except requests.ConnectionError:
                    time.sleep(0.005)
            assert page.status_code == 200, page.status_code
            startups.append(time.perf_counter() - started)
            worker = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0]
            first_rss.append(rss_mb(worker))
            token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
            login = {"username": "benchadmin", "password": PASSWORD, "csrfmiddlewaretoken": token}
            session.post(base + "/accounts/login/", data=login)
            for path in ("/", "/entries/", "/reports/", "/api/v1/entries/"):
                session.get(base + path).raise_for_status()
            warm_rss.append(rss_mb(worker))
        finally:
            server.terminate()
            server.wait(timeout=30)
    row(
        f"worker start-up to the first 200 (s, median of {rounds})",
        f"{statistics.median(startups):.2f}",
        "≤ 0.8",
    )
    row("worker RSS after its first page (MB)", f"{statistics.median(first_rss):.0f}", "≤ 55")
    row(
        "worker RSS after the dashboard, entries, reports and the API (MB)",
        f"{statistics.median(warm_rss):.0f}",
        "",
    )


def rss_mb(pid: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no RSS for {pid}")


def main() -> int:
    parser = argparse.ArgumentParser(description="TimeTracker benchmarks")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200, help="timer start+stop samples")
    parser.add_argument("--rps-seconds", type=int, default=20)
    parser.add_argument(
        "--skip-large", action="store_true", help="skip the seeded-database measurements"
    )
    parser.add_argument(
        "--only-api",
        action="store_true",
        help="only the request rates under gunicorn (web vs REST API, the dashboard)",
    )
    parser.add_argument("--workload", choices=WORKLOADS, help="with --only-api: just this one")
    parser.add_argument(
        "--only-import", action="store_true", help="only the 100,000-row Toggl import"
    )
    parser.add_argument(
        "--only-webhooks",
        action="store_true",
        help="only the webhook figures: outbox writes, 1,000 deliveries, a slow receiver",
    )
    parser.add_argument(
        "--only-pages",
        action="store_true",
        help="only the page table: every main page at 20 people, 200 projects, 10,000 entries",
    )
    parser.add_argument(
        "--only-fast-entry",
        action="store_true",
        help="only the fast-entry figures: suggestions for one person with 100,000 entries",
    )
    parser.add_argument(
        "--only-workers",
        action="store_true",
        help="only the worker figures: start-up to the first page and memory",
    )
    parser.add_argument(
        "--only-large",
        action="store_true",
        help="only the seeded-database figures (--entries): reports, lists, the CSV export",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--invoice", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "emit":
        print(json.dumps(phase_emit()))
        return 0
    if args.phase == "store":
        print(json.dumps(phase_store()))
        return 0
    if args.phase == "timer":
        print(json.dumps(phase_timer_requests(args.rounds)))
        return 0
    if args.phase == "invoice":
        print(json.dumps(phase_invoice()))
        return 0
    if args.phase == "large":
        print(json.dumps(phase_large(args.entries)))
        return 0
    if args.phase == "import":
        print(json.dumps(phase_import(args.file)))
        return 0
    if args.phase == "fast_entry_seed":
        print(json.dumps(phase_fast_entry_seed(args.entries)))
        return 0
    if args.phase == "webhooks":
        print(json.dumps(phase_webhooks()))
        return 0
    if args.phase == "pages_seed":
        print(json.dumps(phase_pages_seed()))
        return 0
    if args.phase == "pages":
        print(json.dumps(phase_pages(args.invoice)))
        return 0
    if args.phase == "fast_entry":
        print(json.dumps(phase_fast_entry()))
        return 0

    rows = []

    def row(figure, value, target=""):
        rows.append((figure, value, target))
        print(f"  {figure}: {value}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="timetracker-bench-") as tmp:
        work = Path(tmp)
        if args.only_api:
            api_rows(work, args.rps_seconds, row, [args.workload] if args.workload else None)
            return print_rows(rows)
        if args.only_fast_entry:
            fast_entry_rows(work, 100_000, row)
            return print_rows(rows)
        if args.only_import:
            import_rows(work, 100_000, row)
            return print_rows(rows)
        if args.only_pages:
            page_rows(work, args.rps_seconds, row)
            return print_rows(rows)
        if args.only_workers:
            worker_rows(work, row)
            return print_rows(rows)
        if args.only_large:
            large_rows(work, args.entries, row)
            return print_rows(rows)
        if args.only_webhooks:
            webhook_rows(work, row)
            return print_rows(rows)
        listener, silent_url = silent_listener()
        slow, slow_url = slow_server(3.0)

        env = base_env(work / "emit")
        prepare(env)
        env.update(POSTHOG_API_KEY="phc_bench", POSTHOG_HOST=silent_url)
        emit = phase("emit", env)
        row(
            "emit, on, PostHog unreachable: request-thread CPU (µs/event)",
            f"{emit['emit_on_us']:.1f}",
            "≤ 50",
        )
        row(
            "  same, wall clock, dispatcher sharing the GIL (µs/event)",
            f"{emit['emit_on_wall_us']:.1f}",
        )
        row("emit, telemetry off (µs/event)", f"{emit['emit_off_us']:.2f}", "≤ 2")
        row("installation store check, trusted (µs)", f"{emit['store_check_us']:.2f}", "≤ 5")
        row(
            "installation store check with stat(), once per request (µs)",
            f"{emit['store_revalidate_us']:.2f}",
            "≤ 5",
        )

        stores = [("SQLite", None)]
        if os.environ.get("TEST_DATABASE_URL"):
            stores.append(("PostgreSQL", os.environ["TEST_DATABASE_URL"]))
        for label, url in stores:
            env = {**base_env(work / f"store-{label}", url), "INSTALLATION_STORE": "database"}
            prepare(env)
            if url:
                manage(env, "flush", "--noinput")
            store = phase("store", env)
            row(
                f"[{label}] database store check, trusted (µs)",
                f"{store['store_check_us']:.2f}",
                "≤ 5",
            )
            row(
                f"[{label}] database store check with its query, once per request (µs)",
                f"{store['store_revalidate_us']:.0f}",
            )
            if url:
                manage(env, "flush", "--noinput")

        env = base_env(work / "timer")
        prepare(env)
        env.update(POSTHOG_API_KEY="phc_bench", POSTHOG_HOST=silent_url, TELE_URL=slow_url + "/in")
        timer = phase("timer", env, "--rounds", str(args.rounds))
        row("timer start+stop, telemetry off (ms)", f"{timer['timer_off_ms']:.2f}")
        row(
            "timer start+stop, on, PostHog blackholed, TELE_URL 3 s (ms)",
            f"{timer['timer_on_ms']:.2f}",
        )
        row("  ratio on / off", f"{timer['timer_ratio']:.3f}", "≤ 1.10")

        env = base_env(work / "invoice")
        prepare(env)
        invoice = phase("invoice", env)
        row("invoice page, 20 lines (ms)", f"{invoice['page_ms']:.1f}")
        row("invoice print view, 20 lines (ms)", f"{invoice['print_ms']:.1f}")
        row("invoice PDF, 20 lines, WeasyPrint (ms)", f"{invoice['pdf_ms']:.0f}")

        if not args.skip_large:
            large_rows(work, args.entries, row)
        api_rows(work, args.rps_seconds, row)
        page_rows(work, args.rps_seconds, row)
        worker_rows(work, row)
        webhook_rows(work, row)
        fast_entry_rows(work, 100_000, row)
        import_rows(work, 100_000, row)
        if os.environ.get("TEST_DATABASE_URL"):
            url = os.environ["TEST_DATABASE_URL"]
            for label, extra in [
                ("persistent connections (default)", {}),
                ("a connection per request", {"DB_CONN_MAX_AGE": "0"}),
            ]:
                rps = gunicorn_rps(work / f"rps-pg-{len(extra)}", args.rps_seconds, 8, url, extra)
                row(f"[PostgreSQL] timer start/stop, {label} (req/s)", f"{rps['rps']:.0f}")
                row("  median latency (ms)", f"{rps['rps_p50_ms']:.1f}")
        listener.close()
        slow.shutdown()
    return print_rows(rows)


def print_rows(rows) -> int:
    width = max(len(figure) for figure, _, _ in rows)
    print(
        f"\nTimeTracker benchmarks — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
    )
    print(f"| {'figure':<{width}} | {'result':>14} | target |")
    print(f"| {'-' * width} | {'-' * 14} | ------ |")
    for figure, value, target in rows:
        print(f"| {figure:<{width}} | {value:>14} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
