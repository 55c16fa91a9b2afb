"""Every page's lookups of a person's timer and of today's and this week's totals read the
few rows they need through an index, never a walk along the person's whole history: on
SQLite, which keeps no statistics unless asked, a query ordered by start or bounded by
"before now" walked that history (docs/performance.md, twelfth round)."""

import pytest
from django.db import connection

from tracking.tests.conftest import at

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's query planner (PostgreSQL keeps statistics)"
)


def plans_of(client, path):
    """SQLite's plan for each query ``path`` runs, by its SQL."""
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert client.get(path).status_code == 200
    plans = {}
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plans[sql] = " / ".join(row[-1] for row in cursor.fetchall())
    return plans


def test_the_dashboard_reads_the_timer_and_the_totals_through_their_indexes(
    client, colleague, website, make_entry
):
    make_entry(colleague, website, at(2, 9), 60)
    client.force_login(colleague)
    plans = plans_of(client, "/")
    # The timer bar's ids: the running, paused and auto-stopped entries, each by its index.
    (timer,) = [plan for sql, plan in plans.items() if "UNION" in sql and "timeentry" in sql]
    for index in ["one_running_timer_per_user", "one_paused_timer_per_user", "entry_auto_stopped"]:
        assert f"USING INDEX {index} (user_id=?)" in timer, timer
    # The week's days and their totals, and the running timer's.
    (totals,) = [plan for sql, plan in plans.items() if "GROUP BY" in sql and "SUM(" in sql]
    assert "USING INDEX entry_user_day (user_id=? AND day>? AND day<?)" in totals, totals
    (running,) = [
        plan
        for sql, plan in plans.items()
        if '"start" AS "start", "tracking_timeentry"."day"' in sql
    ]
    assert (
        running == "SEARCH tracking_timeentry USING INDEX one_running_timer_per_user (user_id=?)"
    )
    for plan in [timer, totals, running]:
        assert "entry_user_latest" not in plan and "SCAN" not in plan, plan
