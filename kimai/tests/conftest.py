import pytest

from api.models import ApiToken
from api.tests.conftest import Api, _fresh_rate_limits  # noqa: F401
from api.tests.conftest import api_as as bearer_as  # noqa: F401
from tracking.models import Preferences

# The tracking tests' catalogue and entry fixtures (Acme, Website, Design, make_entry).
from tracking.tests.conftest import (  # noqa: F401
    _setup_complete,
    acme,
    archived,
    design_task,
    internal,
    make_entry,
    website,
)


class KimaiApi(Api):
    """A Kimai client sending the legacy headers: ``X-AUTH-USER`` and ``X-AUTH-TOKEN``."""

    def __init__(self, username, secret):
        super().__init__()
        self.headers = {"X-AUTH-USER": username, "X-AUTH-TOKEN": secret}


@pytest.fixture
def kimai_as():
    """``kimai_as(user, read_only=False)``: a KimaiApi with a new token of ``user``."""

    def make(user, **options):
        _, secret = ApiToken.objects.create_token(user, "kimai client", **options)
        return KimaiApi(user.username, secret)

    return make


@pytest.fixture
def berlin(colleague):
    """The colleague works in Berlin: their times are read and written in its zone."""
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    return colleague
