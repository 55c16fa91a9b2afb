"""The default rate limit holds across gunicorn workers: the counts live in the cache's files
in the data directory, not in each worker's memory."""

import urllib.error
import urllib.request

import pytest

from timetracker.tests.helpers import ADMIN, set_up_with_admin

pytestmark = pytest.mark.subprocess


def status_of(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_default_limit_holds_across_two_workers_with_no_configuration(server_process):
    server = set_up_with_admin(
        server_process(env={"API_RATE_LIMIT": "20/minute"}, workers=2).start()
    )
    token = server.manage("create_api_token", ADMIN, "--name", "bench").stdout.split()[-1]
    # Each request on a new connection: the two workers take them as they come.
    answers = [status_of(server.url + "/api/v1/me/", token) for _ in range(45)]
    assert answers.count(200) == 20
    assert answers.count(429) == 25
