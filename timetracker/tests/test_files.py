import os

import pytest

from timetracker.files import atomic_write, atomic_write_json


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "files"
    path.mkdir()
    return path


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary_file(folder):
    path = folder / "state.json"
    atomic_write_json(path, {"a": 1})
    atomic_write_json(path, {"a": 2})
    assert path.read_text() == '{\n  "a": 2\n}\n'
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in folder.iterdir()] == ["state.json"]


def test_without_overwrite_the_first_writer_wins(folder):
    path = folder / "secret"
    assert atomic_write(path, "first", overwrite=False) is True
    assert atomic_write(path, "second", overwrite=False) is False
    assert path.read_text() == "first"
    assert [p.name for p in folder.iterdir()] == ["secret"]
