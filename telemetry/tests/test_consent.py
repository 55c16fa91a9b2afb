import pytest

from setupwizard import installation
from telemetry import consent


@pytest.mark.parametrize(
    ("do_not_track", "enable_telemetry", "admin_choice", "enabled", "locked"),
    [
        (False, None, False, False, False),  # the default: off until an admin opts in
        (False, None, True, True, False),  # the admin's choice
        (False, False, True, False, True),  # the operator's config beats the admin
        (False, True, False, True, True),
        (True, True, True, False, True),  # DO_NOT_TRACK beats everything
        (True, None, True, False, True),
    ],
)
def test_consent_precedence(
    settings, do_not_track, enable_telemetry, admin_choice, enabled, locked
):
    settings.DO_NOT_TRACK = do_not_track
    settings.ENABLE_TELEMETRY = enable_telemetry
    installation.complete_setup(telemetry_enabled=admin_choice)
    decision = consent.decide()
    assert (decision.enabled, decision.locked) == (enabled, locked)
    assert consent.is_enabled() is enabled


def test_it_is_off_until_setup_is_complete(settings):
    settings.ENABLE_TELEMETRY = True
    installation.set_telemetry_enabled(True)
    assert consent.is_enabled() is False
    assert "setup is not complete" in consent.decide().reason


def test_a_damaged_store_means_off(settings):
    settings.ENABLE_TELEMETRY = True
    installation.complete_setup(telemetry_enabled=True)
    (settings.TIMETRACKER_DATA_DIR / "installation.json").write_text("{")
    installation.reset_cache()
    assert consent.is_enabled() is False
    assert "problem" in consent.decide().reason


def test_the_reason_names_the_variable_that_locked_it(settings):
    settings.DO_NOT_TRACK = True
    installation.complete_setup(telemetry_enabled=True)
    assert "DO_NOT_TRACK=1" in consent.decide().reason
