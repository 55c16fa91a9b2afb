"""Telemetry never breaks or slows a request, whatever the network does."""

import socket
import threading

import pytest

from telemetry import emitter
from telemetry.tests.helpers import wait_until
from tracking.models import Client, Project, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_host(settings, monkeypatch):
    """A host that accepts connections and never answers (the worst case)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.POSTHOG_API_KEY = "phc_test"
    settings.POSTHOG_HOST = url
    settings.TELE_URL = url + "/in"
    yield url
    listener.close()


@pytest.fixture
def project(db):
    return Project.objects.create(name="P", client=Client.objects.create(name="C"))


def start_stop(client, project, rounds=5) -> None:
    for _ in range(rounds):
        assert client.post("/timer/start/", {"project": project.pk}).status_code == 302
        assert client.post("/timer/stop/").status_code == 302


def test_a_silent_endpoint_does_not_block_requests(
    telemetry_on, silent_host, client, colleague, project, django_capture_on_commit_callbacks
):
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        start_stop(client, project)
    assert TimeEntry.objects.filter(user=colleague).count() == 5

    # The requests are done while delivery is still stuck on the silent host: they did not
    # wait for it (a waiting request would return only after every retry timed out, and
    # the sink would stay idle from then on). The dispatcher hands the events to the sinks
    # in its own thread, after building them: waited for, not assumed.
    def held_by_the_sink():
        sinks = emitter._current.sinks
        return sinks is not None and not sinks[-1].idle.is_set()

    assert wait_until(held_by_the_sink)


def test_a_slow_endpoint_does_not_block_requests(
    telemetry_on,
    tele_url_server,
    posthog_server,
    client,
    colleague,
    project,
    django_capture_on_commit_callbacks,
):
    posthog_server.hold()
    tele_url_server.hold()
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        start_stop(client, project)
    # Both hosts have answered nothing yet, so no request can have waited for an answer.
    assert posthog_server.answered == 0 and tele_url_server.answered == 0
    assert posthog_server.wait_for(lambda s: len(s.requests) >= 1)


def test_an_unreachable_endpoint_raises_nothing(
    telemetry_on, settings, client, colleague, project, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.POSTHOG_API_KEY = "phc_test"
    settings.POSTHOG_HOST = f"http://127.0.0.1:{closed_port}"
    settings.TELE_URL = f"http://127.0.0.1:{closed_port}/in"
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/timer/start/", {"project": project.pk})
    assert response.status_code == 302


def test_garbage_answers_raise_nothing(
    telemetry_on, settings, client, colleague, project, django_capture_on_commit_callbacks
):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(10)

    def answer_garbage():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.sendall(b"\x00\xffnot http at all\r\n\r\n")
            connection.close()

    threading.Thread(target=answer_garbage, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.POSTHOG_API_KEY = "phc_test"
    settings.POSTHOG_HOST = url
    settings.TELE_URL = url + "/in"
    client.force_login(colleague)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/timer/start/", {"project": project.pk}).status_code == 302
        assert client.post("/timer/stop/").status_code == 302
    listener.close()
