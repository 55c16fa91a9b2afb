from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from timetracker import config
from timetracker.tests.helpers import fresh_interpreter

BASE_DIR = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, **env):
    """Import the settings in a fresh interpreter with ``env``; return (exit code, stderr)."""
    result = fresh_interpreter(tmp_path, "import django; django.setup()", **env)
    return result.returncode, result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("False", False)],
)
def test_booleans_accept_the_usual_spellings(raw, expected):
    assert config.parse_bool("DEBUG", raw) is expected


def test_an_ambiguous_boolean_is_refused_with_the_variable_named():
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        config.parse_bool("DEBUG", "maybe")


def test_start_up_stops_on_debug_maybe(tmp_path):
    code, stderr = load_settings(tmp_path, DEBUG="maybe")
    assert code != 0
    assert "DEBUG='maybe' is not a boolean" in stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mongodb://localhost/db", "unsupported scheme 'mongodb'"),
        ("postgres://user@localhost:notaport/db", "DATABASE_URL is malformed"),
        ("postgres://user@localhost:5432/", "names no database"),
    ],
)
def test_start_up_stops_on_a_bad_database_url(tmp_path, url, message):
    code, stderr = load_settings(tmp_path, DATABASE_URL=url)
    assert code != 0
    assert message in stderr


def test_start_up_stops_on_a_traces_rate_out_of_range(tmp_path):
    code, stderr = load_settings(tmp_path, SENTRY_TRACES_RATE="2")
    assert code != 0
    assert "SENTRY_TRACES_RATE='2' must be between 0.0 and 1.0" in stderr


def test_start_up_stops_on_a_tele_url_that_is_not_http(tmp_path):
    code, stderr = load_settings(tmp_path, TELE_URL="ftp://example.test/in")
    assert code != 0
    assert "TELE_URL='ftp://example.test/in' is not an http(s) URL" in stderr


def test_a_wildcard_allowed_hosts_is_refused(tmp_path):
    code, stderr = load_settings(tmp_path, ALLOWED_HOSTS="*")
    assert code != 0
    assert "ALLOWED_HOSTS=* is refused" in stderr


def test_defaults_start_without_any_configuration(tmp_path):
    code, stderr = load_settings(tmp_path)
    assert code == 0, stderr
    assert (tmp_path / "data" / "secret_key").exists()


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = config.database_config(config.environ.Env(), tmp_path / "db.sqlite3")
    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["NAME"] == str(tmp_path / "db.sqlite3")


@pytest.mark.parametrize(
    "url", ["", "sqlite:////srv/timetracker/db.sqlite3", "postgres://tt@db.internal/tt"]
)
def test_every_database_keeps_its_connections_between_requests(url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    settings = config.database_config(config.environ.Env(), tmp_path / "db.sqlite3")
    assert (settings["CONN_MAX_AGE"], settings["CONN_HEALTH_CHECKS"]) == (600, True)
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    assert config.database_config(config.environ.Env(), tmp_path / "x")["CONN_MAX_AGE"] == 0


def test_enable_telemetry_is_three_state(monkeypatch):
    env = config.environ.Env()
    monkeypatch.delenv("ENABLE_TELEMETRY", raising=False)
    assert config.env_optional_bool(env, "ENABLE_TELEMETRY") is None
    monkeypatch.setenv("ENABLE_TELEMETRY", "false")
    assert config.env_optional_bool(env, "ENABLE_TELEMETRY") is False
    monkeypatch.setenv("ENABLE_TELEMETRY", "true")
    assert config.env_optional_bool(env, "ENABLE_TELEMETRY") is True


def test_a_missing_collectstatic_is_reported_by_a_system_check(settings, tmp_path):
    from timetracker.checks import check_static_files_collected

    settings.STATIC_ROOT = tmp_path / "nothing-here"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    [warning] = check_static_files_collected(None)
    assert warning.id == "timetracker.W002"
    assert "collectstatic" in warning.hint


def test_sqlite_runs_in_write_ahead_log_mode(tmp_path):
    code, stderr = load_settings(tmp_path)
    assert code == 0, stderr
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA journal_mode')\n"
        "    print(cursor.fetchone()[0])\n"
    )
    result = fresh_interpreter(tmp_path, script)
    assert result.stdout.strip() == "wal", result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [("ten", "is not a whole number"), ("99", "must be between 0 and 72"), ("-1", "between")],
)
def test_timer_max_hours_is_parsed_strictly(value, message, monkeypatch):
    import environ

    monkeypatch.setenv("TIMER_MAX_HOURS", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        config.env_int(environ.Env(), "TIMER_MAX_HOURS", default=10, low=0, high=72)
