"""The instance folder: the database, secrets, the embedded Redis's password and the CRM
sandbox's credentials. Private to the user running liveapp: the folder 0700, its files
0600 (other users of the machine read nothing, and cannot reach Redis)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_folder(path: str | os.PathLike) -> Path:
    """Create the folder (and parents) if needed, then make it the owner's only."""
    folder = Path(path)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # someone else's folder: leave it be
        folder.chmod(FOLDER_MODE)
    return folder


def secret(path: Path, nbytes: int = 32) -> str:
    """The secret kept in `path` (0600), generated on first use. Two processes starting
    at once agree on one: the file is created exclusively."""
    if path.exists():
        return path.read_text().strip()
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path.read_text().strip()
    value = secrets.token_hex(nbytes)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    partial.replace(path)


def protect_sqlite(database: str) -> None:
    """An SQLite database and its side files, 0600. SQLite creates its WAL and shared
    memory files with the database's mode, so later ones follow."""
    for suffix in ("", *SQLITE_SIDE_FILES):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(database + suffix, FILE_MODE)
