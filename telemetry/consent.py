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


REASONS = {
    "do_not_track": "DO_NOT_TRACK=1 is set in the server's environment.",
    "forced_off": "ENABLE_TELEMETRY=false is set by the operator.",
    "store_problem": "The installation store has a problem: {state.detail}",
    "setup_incomplete": "First-run setup is not complete.",
    "read_only": (
        "The store ({state.where}) is read-only: a store that cannot record a change of mind "
        "records and sends nothing."
    ),
    "forced_on": "ENABLE_TELEMETRY=true is set by the operator.",
    "admin_on": "An administrator turned it on.",
    "admin_off": "It is off until an administrator turns it on.",
}


def _switch_values() -> tuple:
    global _switches
    if _switches is None:
        _switches = (settings.DO_NOT_TRACK, settings.ENABLE_TELEMETRY)
    return _switches


def _precedence(get_state) -> tuple[bool, bool, str, object]:
    """(enabled, locked, reason, store state or None): the precedence, written once. The
    store is asked (``get_state()``) only when the environment leaves the choice open."""
    do_not_track, forced = _switch_values()
    if do_not_track:
        return False, True, "do_not_track", None
    if forced is False:
        return False, True, "forced_off", None
    state = get_state()
    if state.problem:
        return False, forced is True, "store_problem", state
    if not state.installation.setup_complete:
        return False, forced is True, "setup_incomplete", state
    if not state.writable:
        return False, True, "read_only", state
    if forced is True:
        return True, True, "forced_on", state
    if state.installation.telemetry_enabled:
        return True, False, "admin_on", state
    return False, False, "admin_off", state


def enabled_installation() -> Installation | None:
    """The hot path: the installation if telemetry may record, else None.

    Costs two attribute reads and the store's trusted-state check; no system call.
    A store in a read-only directory cannot record a switch-off, so it records nothing.
    """
    enabled, _, _, state = _precedence(installation.get_state)
    return state.installation if enabled else None


def is_enabled() -> bool:
    return enabled_installation() is not None


@receiver(setting_changed)
def _forget_switches(setting, **kwargs):
    global _switches
    if setting in ENV_SWITCHES:
        _switches = None


def decide() -> Consent:
    """The full answer with its reason, for the admin page and ``manage.py telemetry``."""
    enabled, locked, reason, state = _precedence(installation.get_state)
    return Consent(enabled, locked, REASONS[reason].format(state=state))
