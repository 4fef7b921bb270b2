"""``raw-scan refresh`` end to end against a local HTTP server (127.0.0.1 only).

Every source is served by pytest-httpserver from real files, whole or trimmed, and a few
documented-shape files (tests/fixtures/refresh; see PROVENANCE.md there), and reached through
``RAW_SCAN_<ID>_URL`` or, for the default discovery paths, through the module constants pointed
at the local server. Every test has its own data directory, no retry back-off and a short HTTP
timeout. Numbers asserted are read off the fixture files (quoted in comments), never off the
parser's output.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from conftest import USER_LINE
from werkzeug import Response

from raw_scan import api, cli, refresh, store
from raw_scan.errors import DataValidationError
from raw_scan.sources import usgs, wgi, wmd

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).resolve().parent / "fixtures" / "refresh"
SOURCE_IDS = ("usgs", "wgi", "wmd", "iea", "eu")  # the sources served from fixtures here
HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Error</title></head>"
    b"<body>Service unavailable</body></html>\n"
)


@dataclass(frozen=True)
class Served:
    path: str  # URL path on the local server
    file: Path  # fixture served there


# trimmed fixtures hold less than the bundled snapshot: refreshing from them loses data, which the
# refresh refuses unless allow_loss (tests/test_refresh_contract.py checks the refusal)
TRIMMED = ("usgs", "wgi", "wmd")
SERVED = {
    "usgs": Served("/usgs/mcs2024_world.zip", FIX / "mcs2024_world_5.zip"),
    "wgi": Served("/wgi/WGI_CSV.zip", FIX / "WGI_CSV.zip"),
    "wmd": Served("/wmd/wmd2017_6.4.xlsx", FIX / "wmd2017_6.4_four_sheets.xlsx"),
    "iea": Served(
        "/iea/CM_Data_Explorer_May2024.xlsx", FIX / "CM_Data_Explorer_May2024_supply_sheet.xlsx"
    ),
    "eu": Served("/eu/eureport_results.csv", FIX / "eureport_results.csv"),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def env(refresh_env):
    """A private data directory, no back-off, short timeouts, no source URL from outside."""
    return refresh_env


def serve(httpserver, monkeypatch, sid: str, body: bytes | None = None) -> str:
    """Serve a source's fixture (or ``body``) and point ``RAW_SCAN_<ID>_URL`` at it."""
    s = SERVED[sid]
    httpserver.expect_request(s.path).respond_with_data(
        s.file.read_bytes() if body is None else body
    )
    url = httpserver.url_for(s.path)
    monkeypatch.setenv(f"RAW_SCAN_{sid.upper()}_URL", url)
    return url


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m raw_scan ARGS`` in a fresh process, with this test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "raw_scan", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def call(argv: list[str], capsys) -> tuple[int, str, str]:
    """In-process ``raw_scan.cli.main(argv)``: (exit code, stdout, stderr)."""
    store.clear_cache()
    try:
        cli.main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    store.clear_cache()
    out, err = capsys.readouterr()
    return code, out, err


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except the lock file."""
    return {
        str(p.relative_to(root)): sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "refresh.lock"
    }


def active_manifest(data: Path) -> tuple[Path, dict]:
    rel = json.loads((data / "active.json").read_text())["snapshot"]
    folder = data / rel
    return folder, json.loads((folder / "manifest.json").read_text())


def assert_consistent(data: Path) -> Path:
    """The active snapshot exists, and each table's manifest sha256 and row count match."""
    folder, manifest = active_manifest(data)
    assert {t["table"] for t in manifest["tables"]} == set(store.TABLES)
    for t in manifest["tables"]:
        path = folder / t["file"]
        assert sha256(path) == t["sha256"], t["table"]
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", newline="", encoding="utf-8") as fh:
            assert sum(1 for _ in csv.reader(fh)) - 1 == t["rows"], t["table"]
    assert not list(data.glob(".staging-*")) and not list(data.glob(".active-*"))
    return folder


def one(df, **where):
    mask = True
    for col, value in where.items():
        mask = mask & (df[col] == value)
    hit = df[mask]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return hit.iloc[0]


# ----------------------------------------------------------------- each source, library level
def check_usgs():
    prod = store.load("production")
    usgs_rows = prod[prod["source"] == "usgs-mcs-2024"]
    # mcs2024-galli_world.csv: MCS2024,China,Primary production,600000,600000,...
    row = one(usgs_rows, material="gallium", country="CHN", year=2023)
    assert (row["quantity"], row["unit"], row["value_status"]) == (600000.0, "kg", "estimated")
    # mcs2024-lithi_world.csv: MCS2024,Australia,"Mine production, lithium content",74700,86000
    assert one(usgs_rows, material="lithium", country="AUS", year=2023)["quantity"] == 86000.0
    assert set(usgs_rows["material"]) == {"cobalt", "copper", "gallium", "lithium", "rare-earths"}
    stages = api.stage_table().set_index(["material", "stage"])
    lithium = stages.loc[("lithium", "mining")]
    # 2023e: Australia 86000 of the country rows (Chile 44000, China 33000, Argentina 9600, ...)
    assert (lithium["top_country"], lithium["source"], lithium["year"]) == (
        "AUS",
        "usgs-mcs-2024",
        2023,
    )
    # cobalt: Congo (Kinshasa) 170,000 t of a rounded world total of 230,000 t (2023e)
    cobalt = stages.loc[("cobalt", "mining")]
    assert cobalt["top_country"] == "COD"
    assert cobalt["top_share"] == pytest.approx(170000 / 230000)


def check_wgi():
    gov = store.load("governance")
    # WGIData.csv: "China","CHN","Political Stability ...","PV.EST",...,"-0.441073626279831" (2022)
    assert one(gov, country="CHN", indicator="PV", year=2022)["estimate"] == pytest.approx(
        -0.441073626279831
    )
    # "Congo, Dem. Rep.","COD",...,"RL.EST",...,"-1.67243385314941" (2022)
    assert one(gov, country="COD", indicator="RL", year=2022)["estimate"] == pytest.approx(
        -1.67243385314941
    )
    assert gov["country"].nunique() == 10
    assert set(gov["indicator"]) == set(wgi.DIMENSIONS)
    assert set(gov["source"]) == {"wgi-bulk-2022"}


def check_wmd():
    prod = store.load("production")
    rows = prod[prod["source"] == "wmd-2017"]
    # sheet Cobalt: ('Congo, D.R.', 'metr. t', 99475, 86433, 76593, 76475, 84400, 'reported')
    row = one(rows, material="cobalt", country="COD", year=2015)
    assert (row["quantity"], row["unit"], row["value_status"]) == (84400.0, "t", "reported")
    # sheet Lithium: ('China', 'metr. t', 5290, 6870, 8600, 10000, 9500, 'estimate')
    row = one(rows, material="lithium", country="CHN", year=2015)
    assert (row["quantity"], row["value_status"]) == (9500.0, "estimated")
    # sheet Rare Earth Minerals, last row: ('Total', 'metr. t', ..., 122986, None)
    assert one(rows, material="rare-earths", row_kind="world", year=2015)["quantity"] == 122986


def check_iea():
    prod = store.load("production")
    rows = prod[prod["source"] == "iea-cmde-2024"]
    # sheet '2 Total supply...': Copper - Mining: ('Chile', 5311.3, 5211.3, ...) for 2023
    assert one(rows, material="copper", stage="mining", country="CHL")["quantity"] == 5311.3
    # Copper - Refining: ('China', 11547, 14788, ...)
    assert one(rows, material="copper", stage="refining", country="CHN")["quantity"] == 11547
    assert set(rows["year"]) == {2023}  # projections (2030, 2035, 2040) are not production
    stages = api.stage_table().set_index(["material", "stage"])
    assert stages.loc[("copper", "refining"), "source"] == "iea-cmde-2024"


def check_eu():
    eu = store.load("eu_assessment").set_index("eu_name")
    # eureport_results.csv: Gallium,3.9,3.7,Processing,P,,,GS+EU,3.9,0.98,0.98,,98,0,...
    assert (eu.loc["Gallium", "supply_risk"], eu.loc["Gallium", "economic_importance"]) == (
        3.9,
        3.7,
    )
    assert eu.loc["Gallium", "bottleneck_stage"] == "refining"
    assert eu.loc["Gallium", "material"] == "gallium"
    # Cobalt,2.8,6.8,Extraction,E+P,GSonly,2.8,GS+EU,0.5,0.97,0.98,81,1,22 -> IR 81 %, EoL-RIR 22 %
    assert eu.loc["Cobalt", "import_reliance_mining"] == pytest.approx(0.81)
    assert eu.loc["Cobalt", "eol_rir"] == pytest.approx(0.22)


CHECKS = {
    "usgs": check_usgs,
    "wgi": check_wgi,
    "wmd": check_wmd,
    "iea": check_iea,
    "eu": check_eu,
}


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_each_source_refreshes_into_a_new_snapshot(sid, env, httpserver, monkeypatch):
    url = serve(httpserver, monkeypatch, sid)
    result = refresh.refresh([sid], allow_loss=sid in TRIMMED, progress=False)
    assert result.refreshed == [sid]
    assert bool(result.review.losses) == (sid in TRIMMED)  # listed, and accepted
    assert not result.review.errors
    folder = assert_consistent(env)
    assert result.snapshot == folder and store.active_dir() == folder
    CHECKS[sid]()
    # the change summary is kept with the snapshot and appended to the refresh log
    kept = (folder / "refresh-summary.txt").read_text(encoding="utf-8")
    assert kept.startswith("raw-scan refresh ") and f"  {sid}: " in kept
    assert ("Accepted with --allow-loss" in kept) == (sid in TRIMMED)
    logged = (env / "refresh.log").read_text(encoding="utf-8")
    assert logged == kept + f"snapshot: snapshots/{folder.name}\n\n"
    entry = store.manifest()["datasets"][sid]
    assert entry["origin"] == "refreshed"
    assert entry["url"] == url
    assert entry["file"] == Path(SERVED[sid].path).name
    assert entry["sha256"] == sha256(SERVED[sid].file)
    assert len(httpserver.log) == 1


# --------------------------------------------------------------------- the command line
def test_cli_refreshes_every_source_then_datasets_max_age_and_reset(env, httpserver, monkeypatch):
    urls = {sid: serve(httpserver, monkeypatch, sid) for sid in SOURCE_IDS}
    done = run("refresh", *SOURCE_IDS, "--allow-loss")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"refreshed {', '.join(SOURCE_IDS)}; active snapshot" in done.stderr
    for sid in SOURCE_IDS:
        assert f"{sid}: downloading" in done.stderr
    assert "What changed" in done.stdout
    assert len(httpserver.log) == len(SOURCE_IDS)
    assert_consistent(env)
    for sid in SOURCE_IDS:
        CHECKS[sid]()

    shown = run("datasets", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert Path(payload["snapshot"]) == active_manifest(env)[0]
    rows = {r["dataset"]: r for r in payload["datasets"]}
    for sid in SOURCE_IDS:
        assert rows[sid]["origin"] == "refreshed"
        assert rows[sid]["url"] == urls[sid]
        assert rows[sid]["sha256"] == sha256(SERVED[sid].file)
        assert rows[sid]["retrieved_at"].endswith("Z")
        assert rows[sid]["age_days"] < 0.1
    assert rows["usgs"]["source_id"] == "usgs-mcs-2024"
    # MCS2024 (the files' Source column); edition text of the known edition id
    assert rows["usgs"]["edition"].startswith("MCS 2024 data release")
    assert (rows["usgs"]["data_years"], rows["usgs"]["file"]) == ("2022-2023", "mcs2024_world.zip")
    assert rows["wmd"]["source_id"] == rows["wmd"]["edition"] == "wmd-2017"
    assert rows["wmd"]["data_years"] == "2011-2015"  # the 2017 workbook's five years
    # the results file does not say which assessment it is; the CRMA lists were not refreshed
    assert (rows["eu"]["source_id"], rows["eu"]["file"]) == ("eu-crm-file", "eureport_results.csv")
    assert (rows["crma"]["source_id"], rows["crma"]["origin"]) == ("eu-crma-2024", "bundled")
    assert rows["technologies"]["origin"] == "bundled"  # untouched: keeps its bundling date
    assert rows["technologies"]["retrieved_at"] is None
    assert rows["technologies"]["bundled_at"] == store.manifest(store.bundled_dir())["built_at"]

    before = tree_hashes(env)
    skipped = run("refresh", "usgs", "wgi", "--max-age", "1")
    assert skipped.returncode == 0, skipped.stderr
    assert "usgs: refreshed 0.0 days ago, skipped (--max-age 1)" in skipped.stderr
    assert "wgi: refreshed 0.0 days ago, skipped (--max-age 1)" in skipped.stderr
    assert "nothing to refresh" in skipped.stderr
    assert len(httpserver.log) == len(SOURCE_IDS)  # nothing was downloaded
    assert tree_hashes(env) == before

    reset = run("datasets", "--reset")
    assert reset.returncode == 0 and "using the bundled datasets" in reset.stderr
    rows = {
        r["dataset"]: r for r in json.loads(run("datasets", "--format", "json").stdout)["datasets"]
    }
    assert {r["origin"] for r in rows.values()} == {"bundled"}
    assert store.active_dir() == store.bundled_dir()


def test_what_changed_after_a_refresh_with_different_data(env, httpserver, monkeypatch, capsys):
    serve(httpserver, monkeypatch, "usgs")
    code, out, err = call(["refresh", "usgs", "-q", "--allow-loss"], capsys)
    assert code == 0, err
    first = active_manifest(env)[0]
    httpserver.clear()  # the same URL now serves the MCS 2023 files of the same commodities
    serve(httpserver, monkeypatch, "usgs", (FIX / "mcs2023_world_5.zip").read_bytes())
    before = tree_hashes(env)
    code, out, err = call(["refresh", "usgs", "-q"], capsys)  # an older edition: refused
    assert code == 1 and out == ""
    assert (
        "raw-scan: error: usgs: edition usgs-mcs-2023 is older than the active usgs-mcs-2024" in err
    )
    assert tree_hashes(env) == before
    code, out, err = call(["refresh", "usgs", "-q", "--allow-loss"], capsys)
    assert code == 0, err
    assert (
        "raw-scan: warning: accepted with --allow-loss: usgs: edition usgs-mcs-2023 is older" in err
    )
    assert active_manifest(env)[0] != first
    assert "What changed (" in out
    # mcs2024-cobal 2023e: Congo (Kinshasa) 170,000 of 230,000 t; mcs2023-cobal 2022e: 130,000
    # of 190,000 t
    assert "cobalt mining: top COD 74% → COD 68%" in out
    assert "source usgs-mcs-2024 → usgs-mcs-2023" in out
    assert store.manifest()["datasets"]["usgs"]["edition"] == "usgs-mcs-2023"


# ------------------------------------------------------- USGS one-file layouts (2025, 2026)
def test_usgs_mcs2025_wide_csv_in_a_zip(env, httpserver, monkeypatch):
    sample = (FIX / "MCS2025_World_Data_layout_sample.csv").read_bytes()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as zf:  # the 2025 release ships the CSV in a zip
        zf.writestr("MCS2025_World_Data.csv", sample)
        zf.writestr("MCS2025_World_Data.xml", "<metadata/>")
    serve(httpserver, monkeypatch, "usgs", packed.getvalue())
    assert refresh.refresh(["usgs"], allow_loss=True, progress=False).refreshed == ["usgs"]
    prod = store.load("production")
    rows = prod[prod["source"] == "usgs-mcs-2025"]
    # MCS2025,Cobalt ,Congo (Kinshasa),"Mine production, ...",metric tons,170000,226000,...
    row = one(rows, material="cobalt", country="COD", year=2024)
    assert (row["quantity"], row["value_status"], row["unit"]) == (226000.0, "estimated", "t")
    assert one(rows, material="cobalt", country="COD", year=2023)["value_status"] == "reported"
    # MCS2025,Cobalt ,Australia ,...: trailing spaces in commodity and country names
    assert one(rows, material="cobalt", country="AUS", year=2024)["country_name"] == "Australia"
    # MCS2025,Lithium ,United States,...,W,W
    assert one(rows, material="lithium", country="USA", year=2024)["value_status"] == "withheld"
    assert set(rows["year"]) == {2023, 2024}


LAYOUT_FAULTS = {
    "2026-renamed-column": (
        "MCS2026_Commodities_Data_excerpt.csv",
        b",Statistics_detail,",
        b",Detail,",
        "missing columns Statistics_detail",
    ),
    "2026-text-for-number": (
        "MCS2026_Commodities_Data_excerpt.csv",
        b'2025,"230,000",Estimated.',
        b"2025,lots,Estimated.",
        "text 'lots' where a number belongs",
    ),
    "2026-bad-year": (
        "MCS2026_Commodities_Data_excerpt.csv",
        b'2025,"230,000",Estimated.',
        b'2021-25,"230,000",Estimated.',
        "year '2021-25' is not a year",
    ),
    "2025-renamed-column": (
        "MCS2025_World_Data_layout_sample.csv",
        b"SOURCE,COMMODITY,COUNTRY,TYPE,",
        b"SOURCE,COMMODITY,NATION,TYPE,",
        "missing columns COUNTRY",
    ),
    "2025-text-for-number": (
        "MCS2025_World_Data_layout_sample.csv",
        b"metric tons,170000,226000,",
        b"metric tons,170000,about 226000,",
        "text 'about 226000' where a number belongs",
    ),
    "unknown-layout": (
        "MCS2025_World_Data_layout_sample.csv",
        b"SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,",
        b"A,B,C,D,E,F,G,",
        "not an MCS data file",
    ),
}


@pytest.mark.parametrize("case", LAYOUT_FAULTS)
def test_usgs_one_file_layout_faults_are_one_clear_line(case, tmp_path):
    name, old, new, expected = LAYOUT_FAULTS[case]
    raw = (FIX / name).read_bytes()
    assert old in raw
    path = tmp_path / name
    path.write_bytes(raw.replace(old, new, 1))
    with pytest.raises(DataValidationError) as info:
        usgs.parse(path)
    message = str(info.value)
    assert message.startswith(f"usgs: {name}: ") and "\n" not in message
    assert expected in message


# ----------------------------------------------------------------- default discovery paths
def sciencebase(httpserver, monkeypatch, listing: dict, items: dict[str, Path]) -> str:
    base = httpserver.url_for("").rstrip("/")
    monkeypatch.setattr(
        usgs, "RELEASES_URL", f"{base}/catalog/items?parentId=5c8c03e4e4b0938824529f7d&format=json"
    )
    monkeypatch.setattr(usgs, "ITEM_URL", base + "/catalog/item/{id}?format=json")
    httpserver.expect_request("/catalog/items").respond_with_json(listing)
    for item_id, path in items.items():
        text = path.read_text(encoding="utf-8").replace("https://www.sciencebase.gov", base)
        httpserver.expect_request(f"/catalog/item/{item_id}").respond_with_data(
            text, content_type="application/json"
        )
    return base


LISTING = json.loads((FIX / "sciencebase_items_parent_listing.json").read_text(encoding="utf-8"))


def test_usgs_discovery_picks_the_newest_release_mcs2026_long_csv(env, httpserver, monkeypatch):
    item = "696a75d5d4be0228872d3bf8"
    base = sciencebase(httpserver, monkeypatch, LISTING, {item: FIX / "sciencebase_item_2026.json"})
    data = (FIX / "MCS2026_Commodities_Data_excerpt.csv").read_bytes()
    httpserver.expect_request(
        f"/catalog/file/get/{item}", query_string="f=__disk__comm"
    ).respond_with_data(data, content_type="text/csv")
    result = refresh.refresh(["usgs"], allow_loss=True, progress=False)
    assert result.refreshed == ["usgs"]
    assert_consistent(env)
    prod = store.load("production")
    rows = prod[prod["source"] == "usgs-mcs-2026"]
    # COBALT,World Mine Production and Reserves,Cobalt,Congo (Kinshasa),Production,
    #   Mine production,metric tons,2025,"230,000",Estimated.,...
    row = one(rows, material="cobalt", country="COD", year=2025)
    assert (row["quantity"], row["value_status"], row["unit"]) == (230000.0, "estimated", "t")
    # LITHIUM,...,Chile,Production,Mine production,metric tons,2024,"48,900",Reported.,...
    assert one(rows, material="lithium", country="CHL", year=2024)["value_status"] == "reported"
    # ...,Lithium,World total,Production,Mine production: rounded,metric tons,2025,"290,000",...
    assert one(rows, material="lithium", row_kind="world", year=2025)["quantity"] == 290000
    # Capacity and Reserves rows are not production
    assert one(rows, material="gallium", country="CHN", year=2025)["quantity"] == 900000
    entry = store.manifest()["datasets"]["usgs"]
    assert entry["file"] == "MCS2026_Commodities_Data.csv"
    assert entry["url"] == f"{base}/catalog/file/get/{item}?f=__disk__comm"
    assert entry["edition"] == "usgs-mcs-2026"
    assert [r.path for r, _ in httpserver.log] == [
        "/catalog/items",
        f"/catalog/item/{item}",
        f"/catalog/file/get/{item}",
    ]


def test_usgs_discovery_mcs2024_world_zip(env, httpserver, monkeypatch):
    item = "65a6e45fd34e5af967a46749"
    older = {
        "items": [
            i for i in LISTING["items"] if "2025" not in i["title"] and "2026" not in i["title"]
        ]
    }
    sciencebase(httpserver, monkeypatch, older, {item: FIX / "sciencebase_item_2024.json"})
    httpserver.expect_request(
        f"/catalog/file/get/{item}", query_string="f=__disk__world"
    ).respond_with_data(SERVED["usgs"].file.read_bytes(), content_type="application/zip")
    assert refresh.refresh(["usgs"], allow_loss=True, progress=False).refreshed == ["usgs"]
    check_usgs()
    assert store.manifest()["datasets"]["usgs"]["file"] == "world.zip"


def test_wmd_discovery_follows_the_landing_page_link(env, httpserver, monkeypatch):
    landing = "/en/topics/mining/mineral-resources-policy/wmd.html"
    monkeypatch.setattr(wmd, "LANDING_URL", httpserver.url_for(landing))
    httpserver.expect_request(landing).respond_with_data(
        (FIX / "wmd_landing_page.html").read_bytes(), content_type="text/html"
    )
    workbook = (
        "/dam/jcr:00000000-0000-0000-0000-000000000002/"
        "6.4. Production_of_Mineral_Raw_Materials_of_individual_Countries_by_Minerals.xlsx"
    )
    httpserver.expect_request(workbook).respond_with_data(SERVED["wmd"].file.read_bytes())
    assert refresh.refresh(["wmd"], allow_loss=True, progress=False).refreshed == ["wmd"]
    check_wmd()
    entry = store.manifest()["datasets"]["wmd"]
    assert entry["url"].endswith(
        "/6.4.%20Production_of_Mineral_Raw_Materials_of_individual_Countries_by_Minerals.xlsx"
    )
    assert len(httpserver.log) == 2


def test_wgi_discovery_pages_through_the_api(env, httpserver, monkeypatch):
    payloads = json.loads((FIX / "wgi_api_v2_est_2021_2022.json").read_text(encoding="utf-8"))
    by_dim = {p[1][0]["indicator"]["id"].split("_")[-1].split(".")[0]: p for p in payloads}
    monkeypatch.setattr(
        wgi,
        "API_URL",
        httpserver.url_for("/v2/country/all/indicator/GOV_WGI_{dim}.EST")
        + "?source=3&format=json&per_page=20000&date={start}:{end}",
    )

    def answer(dim):
        header, records = by_dim[dim]

        def handler(request):
            assert request.args["source"] == "3" and request.args["format"] == "json"
            page = int(request.args.get("page", "1"))
            if dim != "PV":
                return Response(json.dumps([header, records]), content_type="application/json")
            half = len(records) // 2  # PV comes in two pages
            part = records[:half] if page == 1 else records[half:]
            head = {**header, "page": page, "pages": 2, "per_page": half}
            return Response(json.dumps([head, part]), content_type="application/json")

        return handler

    for dim in wgi.DIMENSIONS:
        httpserver.expect_request(
            f"/v2/country/all/indicator/GOV_WGI_{dim}.EST"
        ).respond_with_handler(answer(dim))
    assert refresh.refresh(["wgi"], allow_loss=True, progress=False).refreshed == ["wgi"]
    pages = [(r.path.rsplit("_", 1)[-1], r.args["page"]) for r, _ in httpserver.log]
    assert pages == [
        ("CC.EST", "1"),
        ("GE.EST", "1"),
        ("PV.EST", "1"),
        ("PV.EST", "2"),
        ("RL.EST", "1"),
        ("RQ.EST", "1"),
        ("VA.EST", "1"),
    ]
    gov = store.load("governance")
    assert len(gov) == 120  # 10 countries x 6 dimensions x 2 years
    assert set(gov["source"]) == {"wgi-2023-09-29"}
    check_pv = gov[(gov["indicator"] == "PV") & (gov["year"] == 2021)]
    assert len(check_pv) == 10  # 2021 records are on page 2 only
    # WGIData.csv: "Congo, Dem. Rep.","COD",...,"PV.EST",...: 2021 "-1.65781247615814"
    assert one(check_pv, country="COD")["estimate"] == pytest.approx(-1.65781247615814)
    entry = store.manifest()["datasets"]["wgi"]
    assert entry["file"] == "wgi_api.json" and entry["url"] == wgi.API_URL


# ------------------------------------------------------------------------- fault matrix
def _zip_edit(src: Path, member: str, edit) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename.endswith(member) else data)
    return out.getvalue()


def _replace_once(old: bytes, new: bytes):
    def edit(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)

    return edit


def _workbook_edit(src: Path, edit) -> bytes:
    wb = openpyxl.load_workbook(src)
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _iea_text(wb) -> None:
    ws = wb.active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "Chile")
    # Copper - Mining, Chile, 2023 ('n/a' would be read as a missing value, like an empty cell)
    ws.cell(row=cell.row, column=cell.column + 1, value="lots")


def _iea_rename(wb) -> None:
    wb.active.title = "2 Supply"


def _wmd_header(wb) -> None:
    wb["Cobalt"]["A2"] = "Land"  # row 2 is 'Country, unit, 2011, ..., Sources of data'


def _wmd_text(wb) -> None:
    wb["Cobalt"]["G3"] = "lots"  # Australia, 2015 (6030)


LITHI = "mcs2024-lithi_world.csv"
BAD_DATA = {
    # source: {"renamed-column": bytes, "text-for-number": bytes}
    "usgs": {
        "renamed-column": lambda: _zip_edit(
            FIX / "mcs2024_world_5.zip", LITHI, _replace_once(b"Source,Country,", b"Source,Nation,")
        ),
        "text-for-number": lambda: _zip_edit(
            FIX / "mcs2024_world_5.zip",
            LITHI,
            _replace_once(b'lithium content",74700,86000,', b'lithium content",74700,lots,'),
        ),
    },
    "wgi": {
        "renamed-column": lambda: _zip_edit(
            FIX / "WGI_CSV.zip", "WGIData.csv", _replace_once(b'"Indicator Code"', b'"Series Code"')
        ),
        "text-for-number": lambda: _zip_edit(
            FIX / "WGI_CSV.zip",
            "WGIData.csv",
            _replace_once(b'"-0.441073626279831"', b'"abc"'),  # China PV.EST 2022
        ),
    },
    "wmd": {
        "renamed-column": lambda: _workbook_edit(SERVED["wmd"].file, _wmd_header),
        "text-for-number": lambda: _workbook_edit(SERVED["wmd"].file, _wmd_text),
    },
    "iea": {
        "renamed-column": lambda: _workbook_edit(SERVED["iea"].file, _iea_rename),
        "text-for-number": lambda: _workbook_edit(SERVED["iea"].file, _iea_text),
    },
    "eu": {
        "renamed-column": lambda: _replace_once(b",economic_importance,", b",ei,")(
            SERVED["eu"].file.read_bytes()
        ),
        "text-for-number": lambda: _replace_once(b"Cobalt,2.8,6.8,", b"Cobalt,2.8,high,")(
            SERVED["eu"].file.read_bytes()
        ),
    },
}
FAULTS = (
    "http-404",
    "timeout",
    "connection-refused",
    "truncated",
    "html-page",
    "empty-file",
    "renamed-column",
    "text-for-number",
)
EXPECTED = {  # a word of the one-line message each fault must give
    "http-404": "HTTP 404",
    "timeout": "timed out",
    "connection-refused": "refused",
    "truncated": "truncated download",
    "html-page": "HTML page",
    "empty-file": "is empty",
    "renamed-column": "",
    "text-for-number": "",
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One data directory per source with a refreshed (not bundled) active snapshot, made once
    with ``--file`` and copied for each test."""
    made: dict[str, Path] = {}

    def get(sid: str) -> Path:
        if sid not in made:
            root = tmp_path_factory.mktemp(f"seeded-{sid}")
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("RAW_SCAN_DATA_DIR", str(root))
                refresh.refresh([sid], file=SERVED[sid].file, allow_loss=True, progress=False)
            store.clear_cache()
            made[sid] = root
        return made[sid]

    return get


RELEASE = threading.Event()


def _fault(fault: str, sid: str, httpserver, monkeypatch) -> socket.socket | None:
    """Arrange the server (or the URL) so that fetching ``sid`` meets ``fault``."""
    s = SERVED[sid]
    url = httpserver.url_for(s.path)
    sock = None
    if fault == "http-404":
        httpserver.expect_request(s.path).respond_with_data("not here", status=404)
    elif fault == "timeout":
        monkeypatch.setenv("RAW_SCAN_HTTP_TIMEOUT", "0.2")

        def slow(request):  # answers only after the client gave up (or after 2 s)
            RELEASE.wait(2)
            return Response(s.file.read_bytes())

        RELEASE.clear()
        httpserver.expect_request(s.path).respond_with_handler(slow)
    elif fault == "connection-refused":
        sock = socket.socket()  # bound, never listening: connecting is refused at once
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}{s.path}"
    elif fault == "truncated":
        body = s.file.read_bytes()
        httpserver.expect_request(s.path).respond_with_handler(
            lambda request: Response(
                iter([body[: len(body) // 2]]), headers={"Content-Length": str(len(body))}
            )
        )
    elif fault == "html-page":
        httpserver.expect_request(s.path).respond_with_data(HTML, content_type="text/html")
    elif fault == "empty-file":
        httpserver.expect_request(s.path).respond_with_data(b"")
    else:
        httpserver.expect_request(s.path).respond_with_data(BAD_DATA[sid][fault]())
    monkeypatch.setenv(f"RAW_SCAN_{sid.upper()}_URL", url)
    return sock


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_fault_leaves_the_data_directory_untouched(
    sid, fault, env, seeded, httpserver, monkeypatch, capsys
):
    shutil.copytree(seeded(sid), env)
    before = tree_hashes(env)
    assert json.loads((env / "active.json").read_text())["snapshot"].startswith("snapshots/")
    sock = _fault(fault, sid, httpserver, monkeypatch)
    try:
        code, out, err = call(["refresh", sid, "--quiet"], capsys)
    finally:
        if sock is not None:
            sock.close()
        if fault == "timeout":  # let the held requests finish inside this test
            RELEASE.set()
            deadline = time.monotonic() + 5
            while len(httpserver.log) < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert all(line.startswith("raw-scan:") and sid in line for line in lines), err
    assert lines[0].startswith(f"raw-scan: error: {sid}: ")
    assert EXPECTED[fault] in lines[0]
    assert lines[1] == f"raw-scan: the active datasets were not changed ({sid} failed)"
    assert tree_hashes(env) == before
    if fault in ("timeout", "truncated"):
        assert len(httpserver.log) == 4  # the first attempt and 3 retries
    elif fault == "http-404":
        assert len(httpserver.log) == 1  # a 404 is not retried


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_http_500_then_success_is_retried(sid, env, seeded, httpserver, monkeypatch, capsys):
    shutil.copytree(seeded(sid), env)
    old = active_manifest(env)[0]
    s = SERVED[sid]
    httpserver.expect_oneshot_request(s.path).respond_with_data("boom", status=500)
    httpserver.expect_oneshot_request(s.path).respond_with_data(s.file.read_bytes())
    monkeypatch.setenv(f"RAW_SCAN_{sid.upper()}_URL", httpserver.url_for(s.path))
    code, out, err = call(["refresh", sid, "--quiet"], capsys)
    assert code == 0, err
    assert len(httpserver.log) == 2
    assert [resp.status_code for _, resp in httpserver.log] == [500, 200]
    folder = assert_consistent(env)
    assert folder != old
    CHECKS[sid]()


def test_every_source_failing_in_one_process_gives_one_line_each(
    env, seeded, httpserver, monkeypatch
):
    shutil.copytree(seeded("usgs"), env)
    before = tree_hashes(env)
    for sid in SOURCE_IDS:
        _fault("http-404", sid, httpserver, monkeypatch)
    done = run("refresh", *SOURCE_IDS)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("raw-scan:")]
    assert [line.split(":")[2].strip() for line in errors[:-1]] == list(SOURCE_IDS)
    assert errors[-1] == (
        f"raw-scan: the active datasets were not changed ({', '.join(SOURCE_IDS)} failed)"
    )
    assert tree_hashes(env) == before


# ------------------------------------------------------------------------- concurrency
def test_two_refreshes_at_once_leave_one_consistent_snapshot(env):
    zipped = str(SERVED["usgs"].file)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "raw_scan", "refresh", "usgs", "--file", zipped, "-q"]
            + ["--allow-loss"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert "Traceback" not in err
        if code:
            assert err.startswith("raw-scan: error: another raw-scan refresh is running")
        else:
            assert "refreshed usgs; active snapshot" in err
    assert any(code == 0 for code, _, _ in results)
    folder = assert_consistent(env)
    snaps = [p for p in (env / "snapshots").iterdir()]
    assert folder in snaps and len(snaps) == sum(code == 0 for code, _, _ in results)
    store.clear_cache()
    check_usgs()


def test_a_held_lock_gives_the_lock_error(env, monkeypatch):
    from filelock import FileLock

    env.mkdir(parents=True)
    monkeypatch.setenv("RAW_SCAN_LOCK_TIMEOUT", "0.3")
    with FileLock(str(env / "refresh.lock")):
        done = run("refresh", "usgs", "--file", str(SERVED["usgs"].file))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("raw-scan: error: another raw-scan refresh is running (lock ")
    assert "waited 0.3 s; try again later" in done.stderr
    assert not (env / "active.json").exists() and not (env / "snapshots").exists()


# ------------------------------------------------------------------------- schedule


def test_schedule_install_show_remove_with_a_fake_crontab(env, crontab, tmp_path, monkeypatch):
    table = crontab
    monkeypatch.setenv("RAW_SCAN_SYSTEMCTL_CMD", str(tmp_path / "no-systemctl"))  # never systemd
    monkeypatch.delenv("RAW_SCAN_SYSTEMD_DIR", raising=False)

    installed = run("schedule", "install", "--every", "daily")
    assert installed.returncode == 0, installed.stderr
    block = installed.stdout.removesuffix("\n")  # print() added a line end to the block
    lines = block.splitlines()
    assert lines[0] == "# BEGIN raw-scan refresh (managed by raw-scan; do not edit)"
    assert lines[-1] == "# END raw-scan refresh"
    assert lines[1].startswith("17 3 * * * ")
    assert "-m raw_scan refresh --max-age 1 -q > /dev/null 2>> " in lines[1]
    assert lines[1].endswith(shlex.quote(str(env / "refresh.log")))
    assert table.read_text() == USER_LINE + block

    shown = run("schedule", "show")
    assert shown.returncode == 0 and shown.stdout == block + "\n"

    removed = run("schedule", "remove")
    assert removed.returncode == 0 and removed.stderr.strip() == "removed"
    assert table.read_text() == USER_LINE
    nothing = run("schedule", "show")
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert nothing.stderr.strip() == "no scheduled refresh installed"


def test_the_scheduled_job_runs_with_the_installers_settings(
    env, crontab, tmp_path, monkeypatch, httpserver
):
    """The job line, run by a scheduler with a bare environment (another HOME, no RAW_SCAN_*),
    refreshes the installer's data directory from the installer's mirror and logs there."""
    monkeypatch.setenv("RAW_SCAN_SYSTEMCTL_CMD", str(tmp_path / "no-systemctl"))
    monkeypatch.delenv("RAW_SCAN_SYSTEMD_DIR", raising=False)
    urls = {sid: serve(httpserver, monkeypatch, sid) for sid in ("usgs", "wgi", "wmd")}
    assert run("refresh", "--allow-loss", "-q").returncode == 0  # the installer's own refresh
    installed = run("schedule", "install", "--every", "daily")
    assert installed.returncode == 0, installed.stderr
    shown = run("schedule", "show").stdout
    assert shlex.quote(f"RAW_SCAN_DATA_DIR={env}") in shown
    for sid, url in urls.items():
        assert shlex.quote(f"RAW_SCAN_{sid.upper()}_URL={url}") in shown
    assert "RAW_SCAN_CRONTAB_CMD" not in shown  # how to install is not the job's business
    job = shown.splitlines()[1].split(" ", 5)[5]  # after the five schedule fields
    bare = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "elsewhere")}
    snapshots = sorted(p.name for p in (env / "snapshots").iterdir())
    done = subprocess.run(["sh", "-c", job], env=bare, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == done.stderr == ""  # all in the log
    assert (env / "refresh.log").read_text().endswith("nothing to refresh\n")  # --max-age 1
    assert sorted(p.name for p in (env / "snapshots").iterdir()) == snapshots
    assert not (tmp_path / "elsewhere").exists()  # the default folder was not touched
    done = subprocess.run(
        ["sh", "-c", job.replace("--max-age 1", "--max-age 0")],
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    log = (env / "refresh.log").read_text()
    assert log.count("raw-scan refresh ") == 2  # the installer's refresh, then the job's
    assert len(list((env / "snapshots").iterdir())) == len(snapshots) + 1
    assert len(httpserver.log) == 6  # each source downloaded once by each refresh
