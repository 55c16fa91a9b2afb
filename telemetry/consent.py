"""Whether telemetry may record anything, and why: the precedence in docs/privacy.md.

1. ``DO_NOT_TRACK=1`` → off, locked.
2. ``ENABLE_TELEMETRY=true|false`` → on|off, locked.
3. The administrator's choice in the installation store.
4. Any doubt (store damaged or unreadable, setup not complete) → off.
"""

from dataclasses import dataclass

from django.conf import settings

from setupwizard import installation


@dataclass(frozen=True)
class Consent:
    enabled: bool
    locked: bool
    reason: str


def is_enabled() -> bool:
    """The hot-path answer: a settings lookup and one cached ``stat`` of the store."""
    if settings.DO_NOT_TRACK or settings.ENABLE_TELEMETRY is False:
        return False
    current = installation.get()
    if current is None or not current.setup_complete:
        return False
    return settings.ENABLE_TELEMETRY is True or current.telemetry_enabled


def decide() -> Consent:
    """The full answer with its reason, for the admin page and ``manage.py telemetry``."""
    if settings.DO_NOT_TRACK:
        return Consent(False, True, "DO_NOT_TRACK=1 is set in the server's environment.")
    forced = settings.ENABLE_TELEMETRY
    if forced is False:
        return Consent(False, True, "ENABLE_TELEMETRY=false is set by the operator.")
    state = installation.get_state()
    if state.problem:
        return Consent(
            False, forced is True, f"The installation store has a problem: {state.detail}"
        )
    if not state.installation.setup_complete:
        return Consent(False, forced is True, "First-run setup is not complete.")
    if forced is True:
        return Consent(True, True, "ENABLE_TELEMETRY=true is set by the operator.")
    if state.installation.telemetry_enabled:
        return Consent(True, False, "An administrator turned it on.")
    return Consent(False, False, "It is off until an administrator turns it on.")
