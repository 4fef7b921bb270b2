"""The local snapshot: the bundled datasets/ and refreshed snapshots in the user data directory.

Layout of the data directory (``RAW_SCAN_DATA_DIR``, default from platformdirs)::

    snapshots/<stamp>/          one complete snapshot: the tables, manifest.json and
                                refresh-summary.txt (what the refresh changed)
    active.json                 {"snapshot": "snapshots/<stamp>"}; replaced atomically
    refresh.lock                held while a refresh or a reset runs
    refresh.log                 the change summary of every refresh, appended
    .staging-*/                 a refresh in progress (removed by the next one if it was killed)

The active snapshot is the one ``active.json`` names, or the bundled one when there is none.
A refresh writes a whole new snapshot folder (every file fsynced), then switches ``active.json``
with ``os.replace``; the previous snapshots are kept (the newest three), so a failure never
leaves a half-written table in use. Files get the user's umask, so a data directory shared by a
team stays readable by the team.

One snapshot per command: :func:`current` returns a :class:`Snapshot` that every table of a
command is read from. Inside :func:`pinned` (the command line wraps every command in it) the
active snapshot is resolved once, on first use, and kept for the rest of the command, so a
refresh switching ``active.json`` half-way through a report cannot mix two snapshots.
"""

from __future__ import annotations

import contextvars
import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from raw_scan import atomic
from raw_scan.errors import LockedError, RawScanError, UsageError

TABLES = (
    "production",
    "governance",
    "eu_assessment",
    "eu_crma_lists",
    "eu_trade_parameters",
    "materials",
    "technologies",
    "technology_materials",
    "hs_materials",
    "trade",
)
# Tables stored compressed (gzip CSV); the others are plain CSV.
COMPRESSED = ("trade",)
DTYPES = {
    "production": {"country": "str", "year": "int64", "quantity": "float64"},
    "governance": {"country": "str", "year": "int64", "estimate": "float64"},
    "hs_materials": {"hs6": "str"},
    "trade": {
        "year": "int64",
        "exporter": "str",
        "importer": "str",
        "hs6": "str",
        "value": "float64",
        "quantity": "float64",
        "source": "str",
    },
}
# Text tables: an empty cell is an empty string, not missing ("NA" is Namibia, not a gap).
TEXT_TABLES = (
    "materials",
    "technologies",
    "technology_materials",
    "eu_crma_lists",
    "eu_trade_parameters",
    "hs_materials",
)


def table_file(name: str) -> str:
    """File name of a table inside a snapshot folder: ``trade.csv.gz``, ``production.csv``."""
    return f"{name}.csv.gz" if name in COMPRESSED else f"{name}.csv"


def bundled_dir() -> Path:
    """The snapshot shipped with raw-scan (inside the wheel, or datasets/ in a checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_datasets"
    if (packaged / "manifest.json").exists():
        return packaged
    return here.parent / "datasets"


def data_dir() -> Path:
    env = os.environ.get("RAW_SCAN_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("raw-scan", appauthor=False))


def active_dir() -> Path:
    """Folder of the snapshot in use: the refreshed one named by active.json, else bundled."""
    pointer = data_dir() / "active.json"
    if pointer.exists():
        try:
            rel = json.loads(pointer.read_text())["snapshot"]
        except (ValueError, KeyError, TypeError):
            raise RawScanError(
                f"{pointer} is damaged; run 'raw-scan datasets --reset' to use the bundled data"
            ) from None
        folder = data_dir() / rel
        if (folder / "manifest.json").exists():
            return folder
        raise RawScanError(
            f"the active snapshot {folder} is missing; run 'raw-scan datasets --reset'"
        )
    return bundled_dir()


def manifest(folder: Path | None = None) -> dict:
    folder = folder or current().folder
    path = folder / "manifest.json"
    if not path.exists():
        raise RawScanError(
            f"no datasets found at {folder}; reinstall raw-scan or run 'raw-scan datasets --reset'"
        )
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=32)
def _load(folder: str, name: str):
    import pandas as pd

    path = Path(folder) / table_file(name)
    if not path.exists() and (bundled_dir() / table_file(name)).exists():
        # a snapshot refreshed by an older raw-scan lacks the tables added since: those come
        # from the bundled snapshot, as a refresh would carry them over
        path = bundled_dir() / table_file(name)
    if not path.exists():
        raise RawScanError(
            f"dataset {name} is missing from {folder}; run 'raw-scan datasets --reset'"
        )
    if name == "trade":
        # only empty cells are missing: an exporter or importer code is never read as NaN
        return pd.read_csv(path, dtype=DTYPES["trade"], keep_default_na=False, na_values=[""])
    return pd.read_csv(path, dtype=DTYPES.get(name), keep_default_na=name not in TEXT_TABLES)


@dataclass(frozen=True)
class Snapshot:
    """One snapshot folder: its tables and manifest. Cheap to create; tables load lazily and
    are cached per folder (do not modify a loaded table in place)."""

    folder: Path

    def load(self, name: str):
        if name not in TABLES:
            raise ValueError(name)
        return _load(str(self.folder), name)

    @property
    def manifest(self) -> dict:
        return manifest(self.folder)

    @property
    def key(self) -> str:
        """A string that identifies the snapshot (for caches keyed by snapshot)."""
        return str(self.folder)


# The snapshot pinned for the command in progress: None outside pinned(); a one-element list
# inside it, empty until the first current() resolves the active snapshot.
_PIN: contextvars.ContextVar[list | None] = contextvars.ContextVar("raw_scan_pin", default=None)


def current() -> Snapshot:
    """The snapshot to read from: the one pinned for this command, else the active one now."""
    slot = _PIN.get()
    if slot is None:
        return Snapshot(active_dir())
    if not slot:
        slot.append(Snapshot(active_dir()))
    return slot[0]


def pin(snapshot: Snapshot | None = None) -> contextvars.Token:
    """From now on (until :func:`unpin`), :func:`current` resolves the active snapshot once
    and keeps it; returns the token to give to :func:`unpin`."""
    return _PIN.set([snapshot] if snapshot is not None else [])


def unpin(token: contextvars.Token) -> None:
    _PIN.reset(token)


@contextmanager
def pinned(snapshot: Snapshot | None = None) -> Iterator[None]:
    """Within this block, :func:`current` resolves the active snapshot once and keeps it."""
    token = pin(snapshot)
    try:
        yield
    finally:
        unpin(token)


def load(name: str, folder: Path | None = None):
    """A table of the given folder, or of the current snapshot, as a DataFrame (cached; do not
    modify it in place)."""
    if folder is not None:
        return Snapshot(Path(folder)).load(name)
    return current().load(name)


def clear_cache() -> None:
    _load.cache_clear()


# ------------------------------------------------------------------ writing (refresh, reset)
DEFAULT_LOCK_TIMEOUT = 120.0
MAX_LOCK_TIMEOUT = 86400.0
KEEP_SNAPSHOTS = 3


def lock_timeout() -> float:
    """Seconds to wait for another refresh: ``$RAW_SCAN_LOCK_TIMEOUT``, 0 to 86400, default 120."""
    raw = os.environ.get("RAW_SCAN_LOCK_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_LOCK_TIMEOUT:  # also rejects nan and inf
        raise UsageError(
            f"RAW_SCAN_LOCK_TIMEOUT must be a number of seconds from 0 to {MAX_LOCK_TIMEOUT:g}, "
            f"not {raw!r}"
        )
    return value


def unwritable(root: Path, exc: OSError) -> RawScanError:
    return RawScanError(
        f"cannot write to the data directory {root}: {exc.strerror or exc}; make it writable or "
        "set RAW_SCAN_DATA_DIR to a writable folder; nothing was changed"
    )


@contextmanager
def locked() -> Iterator[Path]:
    """Hold the data directory's lock (the one every refresh and reset takes); yields the data
    directory. Waits ``lock_timeout()`` seconds for another holder, then gives up."""
    from filelock import FileLock, Timeout

    timeout = lock_timeout()
    root = data_dir()
    path = root / "refresh.lock"
    try:
        root.mkdir(parents=True, exist_ok=True)
        # create the lock file first: FileLock would take a folder it cannot write to for a
        # lock held by someone else, and wait the whole timeout
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, atomic.new_file_mode()))
        lock = FileLock(str(path), mode=atomic.new_file_mode())
        lock.acquire(timeout=timeout)
    except Timeout:
        raise LockedError(
            f"another raw-scan refresh is running (lock {root / 'refresh.lock'}); waited "
            f"{timeout:g} s; try again later"
        ) from None
    except OSError as exc:
        raise unwritable(root, exc) from None
    try:
        yield root
    finally:
        lock.release()


def clean_staging(root: Path) -> list[str]:
    """Remove what a killed refresh left (staging folders, temporary pointer files); call it
    only while holding the lock. Returns the names removed."""
    gone = []
    for p in sorted(root.glob(".staging-*")) + sorted(root.glob(".active.json.*.tmp")):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        gone.append(p.name)
    return gone


def publish(root: Path, work: Path, stamp: str) -> Path:
    """Move a complete, fsynced snapshot folder ``work`` into ``snapshots/`` under a fresh name;
    returns its final path."""
    snapshots = root / "snapshots"
    snapshots.mkdir(exist_ok=True)
    final, n = snapshots / stamp, 1
    while final.exists():
        final, n = snapshots / f"{stamp}-{n}", n + 1
    os.replace(work, final)
    atomic.fsync_dir(snapshots)
    return final


def switch(root: Path, folder: Path) -> None:
    """Point ``active.json`` at ``folder`` (atomically), then prune old snapshots."""
    pointer = json.dumps({"snapshot": folder.relative_to(root).as_posix()})
    atomic.write_text(root / "active.json", pointer, mode=atomic.new_file_mode())
    prune(root, keep=KEEP_SNAPSHOTS)


def prune(root: Path, keep: int) -> None:
    """Keep the active snapshot and the ``keep`` newest others; delete older ones."""
    active = active_dir().resolve()
    snaps = sorted((p for p in (root / "snapshots").iterdir() if p.is_dir()), reverse=True)
    for old in [p for p in snaps if p.resolve() != active][keep:]:
        shutil.rmtree(old, ignore_errors=True)


def reset() -> bool:
    """Go back to the bundled snapshot (under the lock); refreshed snapshots stay on disk until
    pruned. False if the bundled snapshot was already in use."""
    lock_timeout()  # a bad RAW_SCAN_LOCK_TIMEOUT is reported even when there is nothing to do
    if not (data_dir() / "active.json").exists() and not data_dir().exists():
        return False
    with locked() as root:
        pointer = root / "active.json"
        if not pointer.exists():
            return False
        try:
            pointer.unlink()
            atomic.fsync_dir(root)
        except OSError as exc:
            raise unwritable(root, exc) from None
    clear_cache()
    return True
