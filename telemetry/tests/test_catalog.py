import logging
from pathlib import Path

import pytest

from telemetry.catalog import EVENTS, CatalogError, bucket, catalog_markdown
from telemetry.emitter import emit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "all_tracked_events.md"

REQUIRED_EVENTS = {
    "auth.login", "auth.logout", "auth.login_failed",
    "timer.started", "timer.stopped",
    "time_entry.created", "time_entry.updated", "time_entry.deleted",
    "project.created", "project.updated", "project.archived", "project.deleted",
    "client.created", "client.updated", "client.archived", "client.deleted",
    "task.created", "task.updated", "task.status_changed", "task.deleted",
    "comment.created", "comment.updated", "comment.deleted",
    "invoice.created", "invoice.updated", "invoice.sent", "invoice.paid", "invoice.deleted",
    "report.viewed", "export.csv",
    "admin.user_created", "admin.user_updated", "admin.user_deleted",
    "admin.telemetry_dashboard_viewed", "admin.telemetry_toggled",
    "setup.completed", "install.first_seen", "install.heartbeat",
}  # fmt: skip


def test_the_catalog_covers_every_required_event():
    assert set(EVENTS) >= REQUIRED_EVENTS
    assert len(EVENTS) >= 40


def test_event_names_follow_area_dot_action():
    for name in EVENTS:
        area, _, action = name.partition(".")
        assert area and action and name == name.lower()


def test_the_generated_event_list_is_up_to_date():
    """Regenerate with `python manage.py telemetry docs` when this fails."""
    assert DOCS.read_text(encoding="utf-8") == catalog_markdown()


def test_an_unknown_event_is_rejected(telemetry_on):
    with pytest.raises(CatalogError, match="not in the event catalog"):
        emit("timer.exploded")


def test_an_unknown_property_is_rejected(telemetry_on):
    with pytest.raises(CatalogError, match="'username' is not in the catalog"):
        emit("auth.login_failed", reason="invalid_credentials", username="alice")


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        ("timer.stopped", {"duration_seconds": "90"}),
        ("timer.stopped", {"duration_seconds": True}),
        ("task.status_changed", {"from_status": "todo", "to_status": "Alice's task"}),
        ("time_entry.updated", {"changed_fields": ["notes", "secret"]}),
        ("install.heartbeat", {"python_version": "3.11; DROP TABLE"}),
    ],
)
def test_a_value_of_the_wrong_kind_is_rejected(telemetry_on, name, properties):
    with pytest.raises(CatalogError):
        emit(name, **properties)


def test_in_production_a_violation_is_logged_and_dropped(
    telemetry_on, settings, sent_events, caplog
):
    settings.TELEMETRY_STRICT = False
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="telemetry"):
        assert emit("auth.login_failed", username="alice") is False
    assert "not allowed by the catalog" in caplog.text
    assert "alice" not in caplog.text
    assert sent_events() == []


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (0, "0"),
        (1, "1"),
        (2, "2-5"),
        (20, "6-20"),
        (21, "21-100"),
        (5000, "1001-10000"),
        (10**6, "10001+"),
    ],
)
def test_counts_are_bucketed(count, label):
    assert bucket(count) == label
