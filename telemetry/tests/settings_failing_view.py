"""Settings for a real server that also serves ``/boom/`` (see urls_for_errors)."""

from timetracker.settings import *  # noqa: F403 (the real settings, one URLconf changed)

ROOT_URLCONF = "telemetry.tests.urls_for_errors"
