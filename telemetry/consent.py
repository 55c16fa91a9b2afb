"""Whether telemetry may record anything, and why: the precedence in docs/privacy.md.

1. ``DO_NOT_TRACK=1`` → off, locked.
2. ``ENABLE_TELEMETRY=true|false`` → on|off, locked.
3. The administrator's choice in the installation store.
4. Any doubt (store damaged or unreadable, setup not complete) → off.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from setupwizard import installation
from setupwizard.installation import Installation

ENV_SWITCHES = ("DO_NOT_TRACK", "ENABLE_TELEMETRY")
# (DO_NOT_TRACK, ENABLE_TELEMETRY), read once: a settings lookup costs about a microsecond.
_switches: tuple | None = None


@dataclass(frozen=True)
class Consent:
    enabled: bool
    locked: bool
    reason: str


def enabled_installation() -> Installation | None:
    """The hot path: the installation if telemetry may record, else None.

    Costs two attribute reads and the store's trusted-state check; no system call.
    A store in a read-only directory cannot record a switch-off, so it records nothing.
    """
    global _switches
    if _switches is None:
        _switches = (settings.DO_NOT_TRACK, settings.ENABLE_TELEMETRY)
    do_not_track, forced = _switches
    if do_not_track or forced is False:
        return None
    state = installation.get_state()
    current = state.installation
    if current is None or not current.setup_complete or not state.writable:
        return None
    return current if forced is True or current.telemetry_enabled else None


def is_enabled() -> bool:
    return enabled_installation() is not None


@receiver(setting_changed)
def _forget_switches(setting, **kwargs):
    global _switches
    if setting in ENV_SWITCHES:
        _switches = None


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
    if not state.writable:
        return Consent(
            False,
            True,
            f"The store ({state.where}) is read-only: a store that cannot "
            "record a change of mind records and sends nothing.",
        )
    if forced is True:
        return Consent(True, True, "ENABLE_TELEMETRY=true is set by the operator.")
    if state.installation.telemetry_enabled:
        return Consent(True, False, "An administrator turned it on.")
    return Consent(False, False, "It is off until an administrator turns it on.")
