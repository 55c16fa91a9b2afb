import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def test_the_suite_runs_on_the_database_it_was_asked_for(db):
    """`make test` runs twice: SQLite by default, PostgreSQL when DATABASE_URL says so."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres", "pgsql", "psql")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_sqlite_commits_survive_a_power_cut_and_temporary_data_stays_in_memory(db):
    """Full sync (a commit survives a power cut), and the statement journals of the running
    totals' triggers in memory (tracking/totals_sql.py). (The test database lives in
    memory, so its journal is not the server's WAL.)"""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own settings")
    with connection.cursor() as cursor:
        found = [
            cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("synchronous", "temp_store")
        ]
    assert found == [2, 2]  # FULL, MEMORY


@pytest.mark.subprocess
def test_a_first_start_with_a_secret_key_and_no_data_directory_makes_the_directory(tmp_path):
    data_dir = tmp_path / "not" / "there" / "yet"
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "a-secret-key-set-by-the-operator-" + "z" * 20,
        "TIMETRACKER_DATA_DIR": str(data_dir),
        "LOG_DIR": str(tmp_path / "logs"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (data_dir / "timetracker.sqlite3").exists()
