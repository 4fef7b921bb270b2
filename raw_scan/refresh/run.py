"""Refresh the datasets from the public sources into a new snapshot, switched atomically.

For each requested source: fetch (or take ``--file``), parse, validate the file. Then a complete
candidate snapshot is written (unchanged tables carried over) and reviewed against the active
one (``raw_scan.refresh.validate``): values that cannot be right are errors, a loss of coverage is
refused unless ``allow_loss``, large moves are reported. Only then is the snapshot moved into
place, fsynced, and ``active.json`` switched to it with ``os.replace``; the change summary is
kept in the snapshot folder (``refresh-summary.txt``) and appended to ``refresh.log``. On any
failure or refusal nothing in the data directory changes except the removal of the staging
folder, and the error says what and why, one line each. The data directory's lock
(``store.locked``) makes a second refresh wait ``RAW_SCAN_LOCK_TIMEOUT`` seconds (default 120),
then give up with a clear message; the staging folder of a refresh that was killed is removed by
the next one, under the lock.

The sources themselves (fetch, load, declared tables) are in ``raw_scan.refresh.adapters``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from raw_scan import atomic, store
from raw_scan import manifest as mf
from raw_scan.errors import RawScanError, UsageError
from raw_scan.refresh import validate
from raw_scan.refresh.adapters import ADAPTERS, DATASET_OF_TABLE, DEFAULT_IDS, SOURCE_IDS
from raw_scan.sources.tidy import ORIGIN


class RefreshError(RawScanError):
    """The refresh failed; ``lines`` are the one-line reasons (each starts with a source id),
    ``failures`` the first reason per source, ``outcome`` one line on what happened."""

    def __init__(self, failures: dict[str, str] | list[tuple[str, str]], review=None):
        self.review = review  # the validate.Review, when the review refused the refresh
        pairs = list(failures.items()) if isinstance(failures, dict) else list(failures)
        Exception.__init__(self, "\n".join(line for _, line in pairs))
        self.lines = [line for _, line in pairs]
        self.failures: dict[str, str] = {}
        for sid, line in pairs:
            self.failures.setdefault(sid, line)
        self.outcome = f"{', '.join(self.failures)} failed"


class LossRefused(RefreshError):
    """The refresh would lose data the active snapshot has (see ``validate``)."""

    def __init__(self, review: validate.Review, refreshing: list[str]):
        super().__init__([(f.source, str(f)) for f in review.losses], review)
        self.outcome = (
            f"the refresh of {', '.join(refreshing)} was refused because it would lose data; "
            "rerun with --allow-loss to accept the loss"
        )


@dataclass
class Fetched:
    id: str
    path: Path
    url: str
    tables: dict[str, pd.DataFrame]
    edition: str
    dataset: str  # the manifest's dataset key (e.g. "crma" for the CRMA lists of source "eu")


@dataclass
class RefreshResult:
    refreshed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    snapshot: Path | None = None
    changes: pd.DataFrame | None = None
    review: validate.Review | None = None
    summary: str = ""


# ------------------------------------------------------------------ the refresh
def _check_args(ids: list[str], file: Path | None, max_age_days: float | None) -> None:
    unknown = [i for i in ids if i not in SOURCE_IDS]
    if unknown:
        raise UsageError(
            f"unknown source {', '.join(unknown)}; choose from {', '.join(SOURCE_IDS)}"
        )
    if file is not None:
        if len(ids) != 1:
            raise UsageError(
                "--file needs exactly one source id, e.g. raw-scan refresh usgs "
                "--file mcs2024_world.zip"
            )
        from raw_scan.sources import bounded

        try:
            bounded.check_input(Path(file), ids[0], folder_ok=ADAPTERS[ids[0]].folder_ok)
        except UsageError as exc:
            raise UsageError(f"--file {exc}") from None
    if max_age_days is not None and not (0 <= max_age_days < math.inf):
        raise UsageError(
            f"--max-age must be a finite number of days, 0 or more, not {max_age_days}"
        )
    if "baci" in ids:
        from raw_scan.sources import baci

        baci.check_years_spec(os.environ.get("RAW_SCAN_BACI_YEARS"))
    store.lock_timeout()  # a bad RAW_SCAN_LOCK_TIMEOUT is reported before any work
    from raw_scan.sources import bounded, http

    bounded.limits()  # and so are bad limits and download settings: once, not per source
    if file is None:
        http.default_backoff()
        http.default_timeout()
        http.default_deadline()


def refresh(
    ids: list[str] | None = None,
    *,
    file: Path | None = None,
    max_age_days: float | None = None,
    allow_loss: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = lambda msg: None,
) -> RefreshResult:
    """Refresh the sources ``ids`` (default: the ones with a public download) into a new
    snapshot and switch to it; raises :class:`RefreshError` (or :class:`LossRefused`) and
    changes nothing when a source fails or the result does not pass the review."""
    ids = list(dict.fromkeys(ids or DEFAULT_IDS))
    _check_args(ids, file, max_age_days)
    with store.locked() as root:
        removed = store.clean_staging(root)
        if removed:
            log(f"removed {len(removed)} leftover(s) of an interrupted refresh: {removed[0]}")
        return _refresh_locked(root, ids, file, max_age_days, allow_loss, progress, log)


def _due(ids, state, file, max_age_days, result, log) -> list[str]:
    todo = []
    for sid in ids:
        age = mf.age_days((state.get(sid) or {}).get("retrieved_at"))
        if max_age_days is not None and file is None and age is not None and age < max_age_days:
            result.skipped[sid] = (
                f"{sid}: refreshed {age:.1f} days ago, skipped (--max-age {max_age_days:g})"
            )
            log(result.skipped[sid])
        else:
            todo.append(sid)
    return todo


def _fetch_all(todo, staging, file, progress, log) -> dict[str, Fetched]:
    from raw_scan.sources.http import looks_like_html

    fetched: dict[str, Fetched] = {}
    failures: dict[str, str] = {}
    for sid in todo:
        adapter = ADAPTERS[sid]
        where = str(file) if file is not None else sid
        try:
            if file is not None:
                path, url = Path(file), f"file:{Path(file).name}"
            else:
                log(f"{sid}: downloading")
                path, url = adapter.fetch(staging / sid, progress)
            where = path.name
            if path.is_file() and path.stat().st_size == 0:
                raise RawScanError(f"{sid}: {path.name} is empty")
            if path.is_file() and looks_like_html(path):
                raise RawScanError(
                    f"{sid}: {path.name} is an HTML page, not data (a login wall or an error "
                    f"page?); download the file by hand and use `raw-scan refresh {sid} "
                    "--file PATH`"
                )
            tables, edition = adapter.load(path)
            undeclared = sorted(set(tables) - set(adapter.tables))
            if undeclared or not tables:
                raise RawScanError(f"{sid}: its loader returned undeclared tables {undeclared}")
            dataset = DATASET_OF_TABLE.get(next(iter(tables)), sid)
            fetched[sid] = Fetched(sid, path, url, tables, edition, dataset)
            log(f"{sid}: {sum(len(t) for t in tables.values())} rows parsed ({edition})")
        except RawScanError as exc:
            msg = str(exc)
            failures[sid] = msg if msg.startswith(f"{sid}:") else f"{sid}: {msg}"
        except Exception as exc:  # a parser choking on a malformed file
            detail = " ".join(str(exc).split())[:200]
            failures[sid] = f"{sid}: could not read {where}: {type(exc).__name__}: {detail}"
    if failures:
        raise RefreshError(failures)
    return fetched


def _refresh_locked(root, ids, file, max_age_days, allow_loss, progress, log) -> RefreshResult:
    old = store.Snapshot(store.active_dir())
    old_manifest = old.manifest
    result = RefreshResult()
    todo = _due(ids, old_manifest.get("datasets", {}), file, max_age_days, result, log)
    if not todo:
        return result
    try:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    except OSError as exc:
        raise store.unwritable(root, exc) from None
    try:
        fetched = _fetch_all(todo, staging, file, progress, log)
        now = mf.now_utc()
        work = _write_candidate(staging, old, old_manifest, fetched, now)
        candidate = store.Snapshot(work)
        review = validate.review(
            old,
            candidate,
            [validate.Incoming(f.id, f.path.name, f.tables) for f in fetched.values()],
        )
        if review.errors:
            raise RefreshError([(f.source, str(f)) for f in review.errors], review)
        if review.losses and not allow_loss:
            raise LossRefused(review, list(fetched))
        result.review = review
        result.changes = changes(old.folder, work)
        result.refreshed = list(fetched)
        result.summary = summary_text(now, fetched, review, result.changes)
        atomic.write_text(work / "refresh-summary.txt", result.summary)
        final = store.publish(root, work, re.sub(r"[^0-9TZ]", "", now))
    except OSError as exc:  # disk full, read-only or vanished folder while writing
        raise RefreshError(
            {
                ", ".join(todo): f"cannot write the new snapshot in {root}: "
                f"{exc.strerror or exc}; free some disk space or set RAW_SCAN_DATA_DIR to "
                "a writable folder"
            }
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        store.clear_cache()
    try:
        store.switch(root, final)
    except OSError as exc:
        shutil.rmtree(final, ignore_errors=True)
        raise RefreshError(
            {", ".join(todo): f"cannot switch to the new snapshot: {exc.strerror or exc}"}
        ) from None
    result.snapshot = final
    _append_log(root, result.summary + f"snapshot: {final.relative_to(root).as_posix()}\n", log)
    return result


def _sources_of(f: Fetched, table: str, df: pd.DataFrame, old_sources: list[dict]) -> list[dict]:
    """The provenance records of a replaced table: the other families' kept, this one's new."""
    ids = list(dict.fromkeys(df["source"].dropna())) if "source" in df.columns else [f.edition]
    kept = [s for s in old_sources if s.get("id", "") not in ids]
    if table not in ("production",):
        kept = []
    return kept + [mf.source_record(str(i)) for i in ids]


def _write_candidate(
    staging: Path, old: store.Snapshot, old_manifest: dict, fetched: dict[str, Fetched], now: str
) -> Path:
    """A complete snapshot folder in ``staging``: every table, the manifest; all fsynced."""
    work = staging / "snapshot"
    work.mkdir()
    replaced: dict[str, pd.DataFrame] = {}
    for f in fetched.values():
        for table, df in f.tables.items():
            df = df.drop(columns=ORIGIN, errors="ignore")  # for messages only, never stored
            if "source" in df.columns and table == "production":
                # the editions the file brings replace themselves; the family's other editions
                # stay (MCS 2023 beside MCS 2024 keeps 2021 for trends; the newest edition
                # wins a year, see supply.edition_rank)
                base = replaced.get(table, old.load(table))
                keep = base[~base["source"].isin(set(df["source"].dropna()))]
                replaced[table] = pd.concat([keep, df], ignore_index=True)
            else:
                replaced[table] = df
    old_tables = {t["table"]: t for t in old_manifest.get("tables", [])}
    entries = []
    for table in store.TABLES:
        dest = work / store.table_file(table)
        before = old_tables.get(table, {})
        sources = before.get("sources", [])
        if table in replaced:
            replaced[table].to_csv(dest, index=False, lineterminator="\n")
            rows = len(replaced[table])
            for f in fetched.values():
                if table in f.tables:
                    sources = _sources_of(f, table, replaced[table], sources)
        else:
            src = old.folder / store.table_file(table)
            if not src.exists():  # a table that came with a newer raw-scan than the snapshot
                src = store.bundled_dir() / store.table_file(table)
            shutil.copyfile(src, dest)
            rows = before.get("rows", 0)
        atomic.fsync_file(dest)
        entries.append(
            mf.table_entry(table, dest, rows=rows, sources=sources, inputs=before.get("inputs", []))
        )
    datasets = dict(old_manifest.get("datasets", {}))
    if old_manifest.get("kind") == "bundled":  # untouched datasets keep their own date
        for entry in datasets.values():
            if entry.get("origin") == "bundled" and not entry.get("bundled_at"):
                entry["bundled_at"] = old_manifest.get("built_at")
    for f in fetched.values():
        years = [y for t in f.tables.values() if "year" in t.columns for y in t["year"]]
        datasets[f.dataset] = {
            **mf.dataset_meta(f.dataset),
            "edition": f.edition,
            "origin": "refreshed",
            "retrieved_at": now,
            "url": f.url,
            "file": f.path.name,
            "sha256": mf.path_sha256(f.path),
            "rows": int(sum(len(t) for t in f.tables.values())),
            "data_years": _span(years),
        }
    manifest = mf.new_manifest(
        entries, kind="refreshed", datasets=datasets, notes=old_manifest.get("notes", [])
    )
    atomic.write_text(
        work / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )
    atomic.fsync_dir(work)
    return work


def _span(years: list) -> str | None:
    years = pd.to_numeric(pd.Series(years, dtype=object), errors="coerce").dropna()
    if years.empty:
        return None
    lo, hi = int(years.min()), int(years.max())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def summary_text(now: str, fetched: dict[str, Fetched], review, changed) -> str:
    """The change summary kept with the snapshot and appended to refresh.log (plain text)."""
    import io

    from rich.console import Console

    from raw_scan.report import terminal

    buf = io.StringIO()
    con = Console(file=buf, width=100, force_terminal=False, color_system=None)
    con.print(f"raw-scan refresh {now}: {', '.join(fetched)}", overflow="fold")
    for f in fetched.values():
        rows = sum(len(t) for t in f.tables.values())
        con.print(
            f"  {f.id}: {rows:,} rows from {f.path.name} (edition {f.edition})", overflow="fold"
        )
    for level, title in (
        (validate.JUMP, "Reported (accepted): large moves against the previous snapshot"),
        (validate.LOSS, "Accepted with --allow-loss: data the previous snapshot had"),
    ):
        found = review.of(level)
        if found:
            con.print(title + ":")
            for finding in found:
                con.print(f"  {finding}", overflow="fold")
    terminal.print_changes(con, changed)
    return buf.getvalue()


def _append_log(root: Path, text: str, log: Callable[[str], None]) -> None:
    path = root / "refresh.log"
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError as exc:
        log(f"warning: could not append to {path}: {exc.strerror or exc}")


def reset() -> bool:
    """Go back to the bundled snapshot (under the refresh lock)."""
    return store.reset()


# ------------------------------------------------------------------ what changed
def changes(old_dir: Path, new_dir: Path, hhi_step: float = 100.0) -> pd.DataFrame:
    """Per material and stage: a new top producer, an HHI move of ``hhi_step`` or more, or a
    band change."""
    from raw_scan import api

    cols = ["material", "stage", "top_country", "top_share", "hhi", "risk_band", "source", "year"]
    old = api.stage_table(store.Snapshot(old_dir))[cols]
    new = api.stage_table(store.Snapshot(new_dir))[cols]
    both = old.merge(new, on=["material", "stage"], suffixes=("_old", "_new"))
    hhi_move = (both["hhi_new"] - both["hhi_old"]).abs()
    changed = (
        (both["top_country_old"].fillna("") != both["top_country_new"].fillna(""))
        | (hhi_move >= hhi_step)
        | (both["hhi_old"].isna() != both["hhi_new"].isna())
        | (both["risk_band_old"] != both["risk_band_new"])
    )
    return both[changed].reset_index(drop=True)
