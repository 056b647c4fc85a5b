"""Writing a file all or nothing: into a temporary file beside it, renamed over it only when complete.

Every package that writes user-facing files (mappings, evidence templates, maps, reports, KML) uses this,
so a failed or interrupted write never leaves a half-written file where the old one was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "writable_problem"]


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success give it the usual permissions (not the private
    0600 of temporary files) and rename it to ``path``; on failure remove it and leave ``path`` as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """UTF-8 text with ``\\n`` line ends."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return Path(path)


def writable_problem(path: str | Path) -> str | None:
    """Why ``path`` could not be written by :func:`atomic_path` (None when it can), found out without changing
    anything that stays: a temporary file is made in its folder and deleted again. Call it before committing
    other changes, so that a file that cannot be written is refused while nothing has been changed yet."""
    path = Path(path)
    if path.is_dir():
        return "it is a folder; give a file name inside it"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # atomic_path creates the missing folders: the nearest existing one must take them
    if not folder.is_dir():
        return f"{folder} is a file, not a folder"
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return f"the folder {folder} cannot be written: {exc.strerror or exc}"
    return None
