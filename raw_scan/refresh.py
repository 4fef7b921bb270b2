"""Refresh the datasets from the public sources into a new snapshot, switched atomically.

For each requested source: fetch (or take ``--file``), parse, validate. Only when every requested
source succeeded is a new snapshot written (a complete copy: unchanged tables are carried over)
and ``active.json`` switched to it with ``os.replace``. On any failure nothing in the data
directory changes except the removal of the staging folder, and the error lists one line per
failed source. A file lock makes a second refresh wait (``RAW_SCAN_LOCK_TIMEOUT`` seconds,
default 120), then give up with a clear message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from raw_scan import manifest as mf
from raw_scan import store
from raw_scan.errors import LockedError, RawScanError, UsageError

SOURCE_IDS = ("usgs", "wgi", "wmd", "iea", "eu", "baci", "bgs")
DEFAULT_IDS = ("usgs", "wgi", "wmd")  # the ones with a public download URL


class RefreshError(RawScanError):
    """One or more sources failed; the message has one line per failed source."""

    def __init__(self, failures: dict[str, str]):
        Exception.__init__(self, "\n".join(failures.values()))
        self.failures = failures


@dataclass
class Fetched:
    id: str
    path: Path
    url: str
    tables: dict[str, pd.DataFrame]
    edition: str


@dataclass
class RefreshResult:
    refreshed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    snapshot: Path | None = None
    changes: pd.DataFrame | None = None


# ------------------------------------------------------------------ per-source adapters
def _fetch_usgs(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import http, usgs

    url, name = http.resolve_url("usgs", ""), None
    if not url:  # ScienceBase file URLs end in an item id: keep the file's own name
        url, name = usgs.resolve_download(staging, progress=progress)
    return http.download(url, staging, source_id="usgs", filename=name, progress=progress), url


def _load_usgs(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import usgs

    df = usgs.parse(path)
    return {"production": df}, ", ".join(sorted(df["source"].unique()))


def _fetch_wgi(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import http, wgi

    url = http.resolve_url("wgi", "")
    if url:
        return http.download(url, staging, source_id="wgi", progress=progress), url
    return wgi.fetch_api(staging, progress=progress), wgi.API_URL


def _load_wgi(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import wgi

    df = wgi.parse(path, source=None)
    return {"governance": df}, str(df["source"].iloc[0])


def _fetch_wmd(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import http, wmd

    url = http.resolve_url("wmd", "") or wmd.discover_url(staging, progress=progress)
    return http.download(url, staging, source_id="wmd", progress=progress), url


def _load_wmd(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import wmd

    df = wmd.parse_workbook(path)
    return {"production": df}, str(df["source"].iloc[0])


def _fetch_by_url_only(sid: str, why: str, staging: Path, progress: bool) -> tuple[Path, str]:
    """Sources without a public default download: only RAW_SCAN_<ID>_URL, else say why."""
    from raw_scan.sources import http

    url = http.resolve_url(sid, "")
    if not url:
        raise RawScanError(f"{sid}: {why}")
    return http.download(url, staging, source_id=sid, progress=progress), url


def _fetch_iea(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import iea

    why = (
        "the IEA Critical Minerals Dataset needs a free IEA account and has no public "
        f"download URL; download the workbook by hand from {iea.META['homepage']} and run "
        "`raw-scan refresh iea --file PATH` (or set RAW_SCAN_IEA_URL)"
    )
    return _fetch_by_url_only("iea", why, staging, progress)


def _load_iea(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import iea

    df = iea.parse(path)
    return {"production": df}, str(df["source"].iloc[0])


def _fetch_eu(staging: Path, progress: bool) -> tuple[Path, str]:
    why = (
        "the EU lists ship with raw-scan and change by regulation; re-import them with "
        "`raw-scan refresh eu --file PATH` (a CSV in the layout of the CRMA annex list or "
        "of the 2023 results table)"
    )
    return _fetch_by_url_only("eu", why, staging, progress)


def _load_eu(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import eu

    head = pd.read_csv(path, nrows=0).columns
    if "strategic_annex_I" in head:
        return {"eu_crma_lists": eu.parse_crma(path)}, "eu-crma-file"
    materials = store.load("materials")
    return {
        "eu_assessment": eu.attach_material_ids(eu.parse_results(path), materials)
    }, "eu-crm-file"


def _fetch_baci(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import baci, http

    url = http.resolve_url("baci", baci.META["download"])
    return http.download(url, staging, source_id="baci", progress=progress), url


def _load_baci(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import baci

    codes = baci.mapped_codes(store.load("hs_materials"))
    df, edition = baci.parse_release(path, codes)
    return {"trade": df}, edition


def _fetch_bgs(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import bgs, http

    url = http.resolve_url("bgs", "")  # a saved items JSON (one FeatureCollection)
    if url:
        return http.download(url, staging, source_id="bgs", progress=progress), url
    return bgs.fetch(staging, progress=progress), bgs.ITEMS_URL


def _load_bgs(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import bgs

    df = bgs.parse(path)
    return {"production": df}, str(df["source"].iloc[0])


ADAPTERS: dict[str, tuple[Callable, Callable]] = {
    "usgs": (_fetch_usgs, _load_usgs),
    "wgi": (_fetch_wgi, _load_wgi),
    "wmd": (_fetch_wmd, _load_wmd),
    "iea": (_fetch_iea, _load_iea),
    "eu": (_fetch_eu, _load_eu),
    "baci": (_fetch_baci, _load_baci),
    "bgs": (_fetch_bgs, _load_bgs),
}


# ------------------------------------------------------------------ the refresh
def _lock_timeout() -> float:
    try:
        return float(os.environ.get("RAW_SCAN_LOCK_TIMEOUT", "120"))
    except ValueError:
        raise UsageError("RAW_SCAN_LOCK_TIMEOUT must be a number of seconds") from None


def refresh(
    ids: list[str] | None = None,
    *,
    file: Path | None = None,
    max_age_days: float | None = None,
    progress: bool = True,
    log: Callable[[str], None] = lambda msg: None,
) -> RefreshResult:
    ids = list(dict.fromkeys(ids or DEFAULT_IDS))
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
        if not Path(file).exists():
            raise UsageError(f"--file {file}: no such file or folder")
    if max_age_days is not None and max_age_days < 0:
        raise UsageError("--max-age must be zero or more days")
    if "baci" in ids:
        from raw_scan.sources import baci

        baci.check_years_spec(os.environ.get("RAW_SCAN_BACI_YEARS"))
    from filelock import FileLock, Timeout

    root = store.data_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RawScanError(
            f"cannot create the data directory {root}: {exc.strerror}; set "
            "RAW_SCAN_DATA_DIR to a writable folder"
        ) from None
    lock = FileLock(str(root / "refresh.lock"))
    try:
        lock.acquire(timeout=_lock_timeout())
    except Timeout:
        raise LockedError(
            f"another raw-scan refresh is running (lock {root / 'refresh.lock'}); waited "
            f"{_lock_timeout():g} s; try again later"
        ) from None
    try:
        return _refresh_locked(root, ids, file, max_age_days, progress, log)
    finally:
        lock.release()


def _refresh_locked(root, ids, file, max_age_days, progress, log) -> RefreshResult:
    old_dir = store.active_dir()
    old_manifest = store.manifest(old_dir)
    state = old_manifest.get("datasets", {})
    result = RefreshResult()
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
    if not todo:
        return result
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    fetched: dict[str, Fetched] = {}
    failures: dict[str, str] = {}
    try:
        for sid in todo:
            fetch, load = ADAPTERS[sid]
            where = str(file) if file is not None else sid
            try:
                if file is not None:
                    path, url = Path(file), f"file:{Path(file).name}"
                else:
                    log(f"{sid}: downloading")
                    path, url = fetch(staging / sid, progress)
                where = path.name
                from raw_scan.sources.http import looks_like_html

                if path.is_file() and path.stat().st_size == 0:
                    raise RawScanError(f"{sid}: {path.name} is empty")
                if path.is_file() and looks_like_html(path):
                    raise RawScanError(
                        f"{sid}: {path.name} is an HTML page, not data (a login wall or an error "
                        f"page?); download the file by hand and use `raw-scan refresh {sid} "
                        "--file PATH`"
                    )
                tables, edition = load(path)
                fetched[sid] = Fetched(sid, path, url, tables, edition)
                log(f"{sid}: {sum(len(t) for t in tables.values())} rows parsed ({edition})")
            except RawScanError as exc:
                msg = str(exc)
                failures[sid] = msg if msg.startswith(f"{sid}:") else f"{sid}: {msg}"
            except Exception as exc:  # a parser choking on a malformed file
                detail = " ".join(str(exc).split())[:200]
                failures[sid] = f"{sid}: could not read {where}: {type(exc).__name__}: {detail}"
        if failures:
            raise RefreshError(failures)
        new_dir = _write_snapshot(root, staging, old_dir, old_manifest, fetched)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _switch(root, new_dir)
    store.clear_cache()
    result.refreshed = list(fetched)
    result.snapshot = new_dir
    result.changes = changes(old_dir, new_dir)
    return result


def _write_snapshot(
    root: Path, staging: Path, old_dir: Path, old_manifest: dict, fetched: dict[str, Fetched]
) -> Path:
    from raw_scan.supply import family

    work = staging / "snapshot"
    work.mkdir()
    replaced: dict[str, pd.DataFrame] = {}
    for f in fetched.values():
        for table, df in f.tables.items():
            if table == "production":
                base = replaced.get("production", store.load("production", old_dir))
                keep = base[base["source"].map(family) != f.id]
                replaced["production"] = pd.concat([keep, df], ignore_index=True)
            else:
                replaced[table] = df
    old_tables = {t["table"]: t for t in old_manifest.get("tables", [])}
    entries = []
    for table in store.TABLES:
        dest = work / store.table_file(table)
        if table in replaced:
            replaced[table].to_csv(dest, index=False, lineterminator="\n")
            rows = len(replaced[table])
        else:
            src = old_dir / store.table_file(table)
            if not src.exists():  # a table that came with a newer raw-scan than the snapshot
                src = store.bundled_dir() / store.table_file(table)
            shutil.copyfile(src, dest)
            rows = old_tables.get(table, {}).get("rows", 0)
        entry = mf.table_entry(
            table,
            dest,
            rows=rows,
            sources=old_tables.get(table, {}).get("sources", []),
            inputs=old_tables.get(table, {}).get("inputs", []),
        )
        entries.append(entry)
    now = mf.now_utc()
    datasets = dict(old_manifest.get("datasets", {}))
    for f in fetched.values():
        datasets[f.id] = {
            **mf.dataset_meta(f.id),
            "edition": f.edition,
            "origin": "refreshed",
            "retrieved_at": now,
            "url": f.url,
            "file": f.path.name,
            "sha256": mf.path_sha256(f.path),
            "rows": int(sum(len(t) for t in f.tables.values())),
        }
    manifest = mf.new_manifest(
        entries, kind="refreshed", datasets=datasets, notes=old_manifest.get("notes", [])
    )
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    stamp = re.sub(r"[^0-9TZ]", "", now)
    snapshots = root / "snapshots"
    snapshots.mkdir(exist_ok=True)
    final = snapshots / stamp
    n = 1
    while final.exists():
        final = snapshots / f"{stamp}-{n}"
        n += 1
    os.replace(work, final)
    return final


def _switch(root: Path, new_dir: Path) -> None:
    pointer = root / "active.json"
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".active-")
    with os.fdopen(fd, "w") as fh:
        json.dump({"snapshot": str(new_dir.relative_to(root))}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, pointer)
    _prune(root, keep=3)


def _prune(root: Path, keep: int) -> None:
    """Keep the active snapshot and the ``keep`` newest others; delete older ones."""
    active = store.active_dir().resolve()
    snaps = sorted((p for p in (root / "snapshots").iterdir() if p.is_dir()), reverse=True)
    for old in [p for p in snaps if p.resolve() != active][keep:]:
        shutil.rmtree(old, ignore_errors=True)


def reset() -> bool:
    """Go back to the bundled snapshot; refreshed snapshots stay on disk until pruned."""
    pointer = store.data_dir() / "active.json"
    if not pointer.exists():
        return False
    pointer.unlink()
    store.clear_cache()
    return True


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
