"""Files written whole or not at all, with the permissions a user expects.

A temporary file in the target's folder is written, flushed to disk (``fsync``) and renamed over
the target with ``os.replace``, so a reader sees the old file or the new one, never half of
one. ``tempfile.mkstemp`` would create it 0600; here a new file gets ``0666`` less the user's
umask (a data folder shared by a team stays readable by the team) and a replaced file keeps its
mode.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    return 0o666 & ~umask()


def mode_for(target: Path) -> int:
    """The mode a file written to ``target`` should get: the existing file's, else the umask's."""
    try:
        return Path(target).stat().st_mode & 0o7777
    except OSError:
        return new_file_mode()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (a no-op where folders cannot be
    opened, e.g. on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_beside(target: Path, mode: int | None = None) -> tuple[int, Path]:
    """(fd, path) of a new hidden file next to ``target``, created with ``mode`` (default: the
    mode :func:`mode_for` gives), never following or replacing an existing name."""
    target = Path(target)
    mode = mode_for(target) if mode is None else mode
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        os.chmod(tmp, mode)  # O_CREAT applied the umask; a kept mode may be wider
        return fd, tmp
    raise FileExistsError(f"no free temporary name next to {target}")


def write_bytes(target: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``target`` atomically and durably."""
    target = Path(target)
    fd, tmp = temp_beside(target, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def write_text(target: Path, text: str, *, mode: int | None = None) -> None:
    write_bytes(target, text.encode("utf-8"), mode=mode)
