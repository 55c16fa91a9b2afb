import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from timetracker.config import load_or_create_secret_key


def test_it_generates_a_secret_key_once_and_reuses_it(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    second = load_or_create_secret_key(tmp_path)
    assert first == second
    assert len(first) >= 50


def test_the_key_file_is_readable_by_its_owner_only(tmp_path):
    load_or_create_secret_key(tmp_path)
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_a_truncated_key_file_is_refused_not_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("short")
    with pytest.raises(ImproperlyConfigured, match="shorter than 32"):
        load_or_create_secret_key(tmp_path)
    assert (tmp_path / "secret_key").read_text() == "short"
