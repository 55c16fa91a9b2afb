"""The README's API quick start runs as written, against a served app, with curl and jq."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from timetracker.tests.helpers import ADMIN, set_up_with_admin

pytestmark = pytest.mark.subprocess

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("Quick start with `curl` and `jq`") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_api_quick_start_runs_verbatim(server_process):
    for tool in ("curl", "jq"):
        assert shutil.which(tool), f"{tool} is needed by the README's quick start"
    server = set_up_with_admin(server_process().start())
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", quick_start_block()],
        cwd=README.parent,
        env={**server.env, "TT_USER": ADMIN, "TIMETRACKER_URL": server.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr  # jq's and curl's
    assert '"name": "Website"' in result.stdout
    assert re.search(r'"duration_seconds": [1-9]\d*', result.stdout)
    assert '"notes": "standup"' in result.stdout and '"meeting"' in result.stdout
