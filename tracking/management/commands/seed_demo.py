import random
import sys
import time
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from tracking.models import Client, Project, Task, TimeEntry

BATCH = 5000  # rows a transaction
ROWS_PER_STATEMENT = 1000  # within SQLite's 32,766 parameters a statement
NOTES = ["", "", "review", "call with client", "bug fixing", "planning", "design", "deploy"]


class Command(BaseCommand):
    help = (
        "Create realistic demo data fast (bulk inserts, no telemetry events): users, "
        "clients, projects, tasks and finished time entries going back from now."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=10_000)
        parser.add_argument("--users", type=int, default=5)
        parser.add_argument("--projects", type=int, default=20)
        parser.add_argument(
            "--clients", type=int, help="clients the projects belong to (default: projects / 10)"
        )
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            help="the last day with entries, YYYY-MM-DD (default: now); a later day fills "
            "the whole current week, as a benchmark of a real person's week wants",
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (repeatable data)")
        parser.add_argument(
            "--password", default="demo-password", help="password of every demo user"
        )

    def handle(self, *args, entries, users, projects, clients, until, seed, password, **options):
        clients = max(1, projects // 10) if clients is None else clients
        if entries < 0 or users < 1 or projects < 1 or clients < 1:
            raise CommandError("--entries must be ≥ 0, --users, --projects and --clients ≥ 1.")
        rng = random.Random(seed)  # noqa: S311 (repeatable demo data, not secrets)
        started = time.monotonic()
        people = self.create_users(users, password)
        project_list, tasks_by_project = self.create_projects(projects, clients, rng)
        latest = timezone.now() - timedelta(hours=1)
        if until is not None:
            latest = timezone.make_aware(datetime.combine(until, datetime.min.time())) + timedelta(
                hours=18
            )
        self.create_entries(entries, people, project_list, tasks_by_project, latest, rng)
        if connection.vendor == "postgresql":
            # The statistics autovacuum would gather within a minute: without them the
            # planner guesses, and the first minute's reports took three times as long.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Created {users} users (demo0…demo{users - 1}, password {password!r}), "
            f"{projects} projects and {entries:,} entries in {elapsed:.1f} s."
        )

    def create_users(self, count, password):
        User = get_user_model()
        hashed = make_password(password)  # hashed once: PBKDF2 per user would dominate
        existing = set(
            User.objects.filter(username__startswith="demo").values_list("username", flat=True)
        )
        User.objects.bulk_create(
            [
                User(username=f"demo{index}", email=f"demo{index}@example.test", password=hashed)
                for index in range(count)
                if f"demo{index}" not in existing
            ]
        )
        return list(User.objects.filter(username__in=[f"demo{i}" for i in range(count)]))

    def create_projects(self, count, client_count, rng):
        clients = Client.objects.bulk_create(
            [Client(name=f"Demo client {index}") for index in range(client_count)]
        )
        projects = Project.objects.bulk_create(
            [
                Project(
                    name=f"Demo project {index}",
                    client=clients[index % len(clients)],
                    billable=rng.random() < 0.8,
                    hourly_rate=rng.choice([None, 60, 80, 120]),
                )
                for index in range(count)
            ]
        )
        tasks = Task.objects.bulk_create(
            [
                Task(
                    project=project, title=f"Task {number}", status=rng.choice(Task.Status.values)
                )
                for project in projects
                for number in range(3)
            ]
        )
        tasks_by_project = {}
        for task in tasks:
            tasks_by_project.setdefault(task.project_id, []).append(task)
        return projects, tasks_by_project

    def create_entries(self, total, people, projects, tasks_by_project, latest, rng):
        """Insert a thousand rows a statement: a million model instances would take minutes.

        Deliberately below the ORM: no save(), no signals (so no telemetry events), with
        duration_seconds and day computed here exactly as TimeEntry.save() would. The
        database's own triggers keep the running totals (tracking.models.totals); on
        PostgreSQL they run once a statement, so a row a statement would cost twice the time.
        """
        fields = [
            "user", "project", "task", "notes", "start", "end", "duration_seconds", "day",
            "billable", "created_at", "updated_at",
        ]  # fmt: skip
        columns = ", ".join(
            connection.ops.quote_name(TimeEntry._meta.get_field(name).column) for name in fields
        )
        # Identifiers come from the model's own metadata; values are parameters.
        table = connection.ops.quote_name(TimeEntry._meta.db_table)
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        # Moments as the ORM writes them: SQLite stores text, and an aware datetime passed
        # as it is would be stored with "+00:00" after it, which compares unequal (and
        # later) to the same moment saved by the app.
        moment = connection.ops.adapt_datetimefield_value
        now = moment(timezone.now().replace(microsecond=0))
        cursors = {person.pk: latest.replace(microsecond=0) for person in people}
        show_progress = sys.stdout.isatty()
        created = 0
        while created < total:
            rows = []
            for _ in range(min(BATCH, total - created)):
                person = people[(created + len(rows)) % len(people)]
                project = rng.choice(projects)
                minutes = rng.randint(15, 180)
                end = cursors[person.pk]
                start = end - timedelta(minutes=minutes)
                cursors[person.pk] = start - timedelta(minutes=rng.randint(0, 90))
                task = rng.choice(tasks_by_project[project.pk]) if rng.random() < 0.5 else None
                rows.append(
                    (
                        person.pk, project.pk, task.pk if task else None, rng.choice(NOTES),
                        moment(start), moment(end), minutes * 60,
                        timezone.localtime(start).date(),
                        project.billable, now, now,
                    )
                )  # fmt: skip
            with transaction.atomic(), connection.cursor() as cursor:
                for first in range(0, len(rows), ROWS_PER_STATEMENT):
                    chunk = rows[first : first + ROWS_PER_STATEMENT]
                    values = ", ".join([placeholders] * len(chunk))
                    sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608
                    cursor.execute(sql, [value for row in chunk for value in row])
            created += len(rows)
            if show_progress:
                filled = int(40 * created / total)
                print(
                    f"\r[{'#' * filled}{'.' * (40 - filled)}] {created:,}/{total:,} entries",
                    end="",
                    flush=True,
                )
        if show_progress and total:
            print()
