"""The local snapshot: the bundled datasets/ and refreshed snapshots in the user data directory.

Layout of the data directory (``RAW_SCAN_DATA_DIR``, default from platformdirs)::

    snapshots/<stamp>/          one complete snapshot: the tables + manifest.json
    active.json                 {"snapshot": "snapshots/<stamp>"}; replaced atomically
    refresh.lock                held while a refresh runs

The active snapshot is the one ``active.json`` names, or the bundled one when there is none.
A refresh writes a whole new snapshot folder, then switches ``active.json`` with ``os.replace``;
the previous snapshot is kept, so a failure never leaves a half-written table in use.

One snapshot per command: :func:`current` returns a :class:`Snapshot` that every table of a
command is read from. Inside :func:`pinned` (the command line wraps every command in it) the
active snapshot is resolved once, on first use, and kept for the rest of the command, so a
refresh switching ``active.json`` half-way through a report cannot mix two snapshots.
"""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from raw_scan.errors import RawScanError

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
