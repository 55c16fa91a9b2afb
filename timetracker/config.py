"""Strict parsing of environment configuration.

django-environ reads the values; these helpers refuse anything ambiguous so that a typo
(``DEBUG=maybe``) stops start-up with a message naming the variable instead of silently
meaning "false".
"""

import re
import secrets
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

from timetracker.files import atomic_write

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}
SUPPORTED_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off."
    )


def env_bool(env: environ.Env, name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    return default if raw.strip() == "" else parse_bool(name, raw)


def env_optional_bool(env: environ.Env, name: str) -> bool | None:
    """A tri-state switch: unset or empty means "not decided here"."""
    raw = env.str(name, default="")
    return None if raw.strip() == "" else parse_bool(name, raw)


def env_float(env: environ.Env, name: str, default: float, low: float, high: float) -> float:
    return _env_number(env, name, default, low, high, float, "a number")


def env_int(env: environ.Env, name: str, default: int, low: int, high: int) -> int:
    return _env_number(env, name, default, low, high, int, "a whole number")


def _env_number(env, name, default, low, high, parse, kind):
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {kind}.") from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name}={raw!r} must be between {low} and {high}.")
    return value


def env_url(env: environ.Env, name: str) -> str:
    """An optional http(s) URL; empty means unset."""
    raw = env.str(name, default="").strip()
    if raw and (urlparse(raw).scheme not in {"http", "https"} or not urlparse(raw).netloc):
        raise ImproperlyConfigured(f"{name}={raw!r} is not an http(s) URL.")
    return raw


# Write-ahead logging: readers never wait for a writer and a commit is one fsync of the log
# instead of journal + database (synchronous stays FULL: a commit survives a power cut).
# Temporary storage in memory: each write to an entry runs the running totals' triggers,
# for which SQLite keeps a statement journal, a temporary file opened and closed for every
# row otherwise (it doubled the cost of a bulk insert; docs/performance.md).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;",
}


def database_config(env: environ.Env, default_sqlite_path: Path) -> dict:
    raw = env.str("DATABASE_URL", default="").strip()
    if raw:
        config = _database_url_config(raw)
    else:
        # SQLite makes the file but not its directory: a first start with SECRET_KEY set
        # (nothing else made data/ yet) would fail with "unable to open database file".
        # A directory that cannot be made is reported by the database itself.
        with suppress(OSError):
            default_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite_path)}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
    else:
        # A server that does not answer in 2 s is down, for /healthz and for a page alike
        # (libpq would otherwise wait for the network's own timeout, minutes).
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    if "conn_max_age" not in raw:
        # Persistent connections (PostgreSQL's checked before each reuse): a new PostgreSQL
        # connection per request cost more than half of a timer request's time, and a new
        # SQLite one 4 ms of a page's (its pragmas, and the schema and pages it reads again).
        # A SQLite file is put back by hand only with the app stopped (README, Backups).
        config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
        config["CONN_HEALTH_CHECKS"] = True
    return config


def _database_url_config(raw: str) -> dict:
    scheme = urlparse(raw).scheme
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL has an unsupported scheme {scheme!r}: "
            "use postgres://user:password@host:5432/name or sqlite:////absolute/path.db."
        )
    try:
        config = environ.Env.db_url_config(raw)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database.")
    return config


def env_choice(env: environ.Env, name: str, choices: tuple[str, ...], default: str) -> str:
    raw = env.str(name, default="").strip() or default
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r}: use one of {', '.join(choices)}.")
    return raw


RATE_PATTERN = re.compile(r"^(\d+)/(second|minute|hour|day)$")


def env_rate(env: environ.Env, name: str, default: str) -> str:
    """A rate such as ``600/minute`` (per second, minute, hour or day)."""
    raw = env.str(name, default="").strip() or default
    if not RATE_PATTERN.match(raw) or int(raw.split("/")[0]) < 1:
        raise ImproperlyConfigured(
            f"{name}={raw!r}: write a count per second, minute, hour or day, e.g. 600/minute."
        )
    return raw


def load_or_create_secret_key(data_dir: Path) -> str:
    """Return the secret key kept in ``data_dir/secret_key``, creating it (mode 0600) once."""
    path = data_dir / "secret_key"
    try:
        return _read_secret_key(path)
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Never overwritten: when two processes start at once, one key wins.
        if not atomic_write(path, key, overwrite=False):
            return _read_secret_key(path)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and {path} cannot be created ({exc.strerror}). "
            "Set SECRET_KEY or make the data directory writable."
        ) from None
    return key


def _read_secret_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds a secret key shorter than 32 characters.")
    return key
