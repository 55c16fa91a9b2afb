import os

from django.db import connection


def test_the_suite_runs_on_the_database_it_was_asked_for(db):
    """`make test` runs twice: SQLite by default, PostgreSQL when DATABASE_URL says so."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres", "pgsql", "psql")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
