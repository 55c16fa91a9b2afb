import pytest
from django.db import connection

from setupwizard.checks import check_store_for_several_servers

pytestmark = pytest.mark.django_db


def test_a_postgresql_database_with_a_file_store_is_warned_about(settings):
    settings.INSTALLATION_STORE = "file"
    warned = [message.id for message in check_store_for_several_servers(None)]
    assert warned == (["setupwizard.W003"] if connection.vendor == "postgresql" else [])


def test_a_database_store_is_not_warned_about(settings):
    settings.INSTALLATION_STORE = "database"
    assert check_store_for_several_servers(None) == []
