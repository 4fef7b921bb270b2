"""The refreshable sources: how each is fetched, loaded into tables, and which tables it declares.

Every source is an :class:`Adapter`; a new source adds one entry to :data:`ADAPTERS` and lists
the tables its loader returns (each table's kind decides its checks in
``raw_scan.refresh.validate``; a table without a kind of its own gets the row-count and
key-coverage checks).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from raw_scan import store
from raw_scan.errors import RawScanError

SOURCE_IDS = ("usgs", "wgi", "wmd", "iea", "eu", "baci", "bgs")
DEFAULT_IDS = ("usgs", "wgi", "wmd")  # the ones with a public download URL


# ------------------------------------------------------------------ per-source adapters
def _fetch_usgs(staging: Path, progress: bool) -> tuple[Path, str]:
    from raw_scan.sources import http, usgs

    url, name = http.resolve_url("usgs", ""), None
    if not url:  # ScienceBase file URLs end in an item id: keep the file's own name
        url, name = usgs.resolve_download(staging, progress=progress)
    return http.download(url, staging, source_id="usgs", filename=name, progress=progress), url


def _load_usgs(path: Path) -> tuple[dict[str, pd.DataFrame], str]:
    from raw_scan.sources import usgs

    df = usgs.parse(path, origins=True)  # errors name the member file and line (validate)
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

    df = wmd.parse_workbook(path, origins=True)  # errors name the sheet, row and column
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

    if "strategic_annex_I" in eu.read_csv(path).columns:
        lists = eu.parse_crma(path)
        cited = " ".join(lists.get("source_location", pd.Series(dtype=str)).astype(str))
        m = re.search(r"Regulation \(EU\) (\d{4})/\d+", cited)
        return {"eu_crma_lists": lists}, f"eu-crma-{m.group(1)}" if m else "eu-crma-file"
    materials = store.load("materials")
    return {
        "eu_assessment": eu.attach_material_ids(eu.parse_results(path), materials)
    }, "eu-crm-file"  # the results file does not say which assessment it is


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


@dataclass(frozen=True)
class Adapter:
    """One refreshable source: ``fetch(staging, progress) -> (path, url)``, ``load(path) ->
    ({table: rows}, edition)``, and the tables ``load`` may return (each has its checks in
    ``raw_scan.validate``). ``folder_ok``: ``--file`` may name a folder."""

    fetch: Callable[[Path, bool], tuple[Path, str]]
    load: Callable[[Path], tuple[dict[str, pd.DataFrame], str]]
    tables: tuple[str, ...]
    folder_ok: bool = False


ADAPTERS: dict[str, Adapter] = {
    "usgs": Adapter(_fetch_usgs, _load_usgs, ("production",), folder_ok=True),
    "wgi": Adapter(_fetch_wgi, _load_wgi, ("governance",)),
    "wmd": Adapter(_fetch_wmd, _load_wmd, ("production",)),
    "iea": Adapter(_fetch_iea, _load_iea, ("production",)),
    "eu": Adapter(_fetch_eu, _load_eu, ("eu_assessment", "eu_crma_lists")),
    "baci": Adapter(_fetch_baci, _load_baci, ("trade",)),
    "bgs": Adapter(_fetch_bgs, _load_bgs, ("production",)),
}
# the manifest's dataset key of a table, where it is not the source id
DATASET_OF_TABLE = {"eu_crma_lists": "crma"}
