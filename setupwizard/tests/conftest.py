import os
import subprocess

import pytest


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory nobody can write to, root included (a read-only tmpfs when root)."""
    path = tmp_path / "readonly"
    path.mkdir()
    mounted = False
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], check=True)
        mounted = True

    def seal():
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        else:
            path.chmod(0o555)

    yield path, seal
    if mounted:
        subprocess.run(["umount", "-l", str(path)], check=True)
    else:
        path.chmod(0o755)
