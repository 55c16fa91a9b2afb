"""Writing a small file whole or not at all: the one helper every state file uses."""

import json
import os
import tempfile
from contextlib import suppress
from pathlib import Path


def atomic_write(
    path: Path, content: str | bytes, *, mode: int = 0o600, overwrite: bool = True
) -> bool:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, whole.

    A temporary file in the same directory is written and fsynced, then moved into place
    (``os.replace``), or linked into place when ``overwrite`` is false, which never replaces
    an existing file (two processes creating it at once: one wins). The directory is fsynced
    so the new name survives a crash. Returns False only when ``overwrite`` is false and the
    file already existed. Raises ``OSError`` when it cannot write; nothing is left behind.
    """
    data = content.encode() if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            finally:
                os.unlink(tmp)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return True


def atomic_write_json(path: Path, data, **options) -> bool:
    return atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n", **options)


def _fsync_dir(directory: Path) -> None:
    with suppress(OSError):  # some file systems cannot fsync a directory; the data is safe
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
