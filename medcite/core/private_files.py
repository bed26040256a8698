"""Files medcite keeps about patients: folders only the owner can enter (0700), files only the owner can
read (0600), and writes that leave a whole file or none."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a folder; made 0700 when this call creates it (its parents are made as usual).
    A folder that exists already keeps the permissions its owner gave it."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=DIR_MODE, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` as an empty 0600 file, or narrow an existing one that others could read to 0600."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(FILE_MODE)
    return path


def append_private(path: Path, text: str) -> None:
    """Append ``text`` to a 0600 file (created if missing)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(text)


def write_atomic(path: Path, text: str) -> None:
    """Write a 0600 temporary file beside ``path``, then rename it: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
