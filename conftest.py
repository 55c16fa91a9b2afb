"""Fixtures shared by every app's tests: people, an isolated data dir, fast hashing."""

import pytest
from django.contrib.auth import get_user_model

from setupwizard import installation


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, settings):
    """Each test gets its own data and log directories and a fresh store cache."""
    settings.TIMETRACKER_DATA_DIR = tmp_path / "data"
    settings.LOG_DIR = tmp_path / "logs"
    settings.TIMETRACKER_DATA_DIR.mkdir()
    installation.reset_cache()
    yield
    installation.reset_cache()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Tests render templates without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def setup_done():
    """An installation whose first-run setup is complete, telemetry off."""
    return installation.complete_setup(telemetry_enabled=False)


def _make_user(username, **extra):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.test", password="pw-" + username, **extra
    )


@pytest.fixture
def owner(db):
    """A staff member who runs the agency."""
    return _make_user("owner", is_staff=True)


@pytest.fixture
def colleague(db):
    return _make_user("colleague")


@pytest.fixture
def stranger(db):
    """Another user, to prove that people only reach their own things."""
    return _make_user("stranger")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="admin", email="admin@example.test", password="pw-admin"
    )
