import pytest

# The API's client and the tracking catalogue (Acme, Website, entries).
from api.tests.conftest import Api, api_as  # noqa: F401
from tracking.tests.conftest import acme, at, design_task, make_entry, website  # noqa: F401


@pytest.fixture(autouse=True)
def _setup_complete(setup_done):
    """Pages and the API answer once first-run setup is complete."""


@pytest.fixture(autouse=True)
def loopback_receivers(settings):
    """The receivers here are test servers on 127.0.0.1."""
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def hook(recording_server):
    """A webhook on a loopback receiver, subscribed to every event."""
    from webhooks.models import EVENTS, Webhook

    return Webhook.objects.create(url=recording_server.url + "/hook", events=list(EVENTS))
