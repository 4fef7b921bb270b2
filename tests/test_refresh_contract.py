"""The refresh contract: a well-formed file with wrong or less data never replaces good data.

Each case of issue 6 is here as it was reported, run through the command line: the refresh is
refused (exit 1) with a line that says what and why, and every file of the data directory is
left byte for byte as it was; with ``--allow-loss`` a loss (never an impossible value) is
accepted and listed in the refresh summary. Expected counts are read off the bundled tables
(``datasets/``) and the fixture files, never off the code under test.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_refresh import FIX, SERVED, active_manifest, assert_consistent, call, tree_hashes

from raw_scan import api, refresh, store
from raw_scan.refresh import validate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FULL_USGS = ROOT / "benchmarks" / "data" / "mcs2024_world.zip"  # all 77 real MCS 2024 files
LITHI = "world/mcs2024-lithi_world.csv"
# mcs2024-lithi_world.csv: MCS2024,Australia,"Mine production, lithium content",74700,86000,
AUS_LITHIUM = b'Australia,"Mine production, lithium content",74700,86000,'


@pytest.fixture(autouse=True)
def env(refresh_env):
    return refresh_env


def bundled(table: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "datasets" / f"{table}.csv")


def usgs_series() -> int:
    """material x stage series with a positive country value in the bundled USGS rows."""
    p = bundled("production")
    p = p[p["source"].str.startswith("usgs") & (p["row_kind"] == "country") & (p["quantity"] > 0)]
    return p.groupby(["material", "stage"]).ngroups


def zip_with(src: Path, keep=None, edit=None) -> bytes:
    """A copy of the zip ``src`` with only the members ``keep`` (default all), the lithium
    file passed through ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if keep is not None and info.filename not in keep:
                continue
            data = zin.read(info)
            zout.writestr(info, edit(data) if edit and info.filename == LITHI else data)
    return out.getvalue()


def refused(capsys, argv, env) -> list[str]:
    """Run the CLI; assert exit 1, nothing on stdout, no traceback, the data directory
    untouched; return the stderr lines."""
    before = tree_hashes(env) if env.exists() else {}
    code, out, err = call(argv, capsys)
    assert code == 1, err
    assert out == "" and "Traceback" not in err
    assert (tree_hashes(env) if env.exists() else {}) == before
    lines = err.splitlines()
    assert lines[-1].startswith("raw-scan: the active datasets were not changed (")
    return lines


# ----------------------------------------------------------------- the cases of issue 6
def test_usgs_zip_with_only_the_lithium_file_is_refused_for_loss(env, tmp_path, capsys):
    path = tmp_path / "mcs2024_world.zip"
    path.write_bytes(zip_with(FULL_USGS, keep={LITHI}))
    p = bundled("production")
    ok = p[(p["row_kind"] == "country") & (p["quantity"] > 0)]
    # the file replaces the MCS 2024 edition; the bundled MCS 2023 edition stays, so every
    # series but lithium mining loses 2023, and the series MCS 2023 lacks are lost altogether
    e24 = ok[ok["source"] == "usgs-mcs-2024"].groupby(["material", "stage"])["year"].max()
    e23 = ok[ok["source"] == "usgs-mcs-2023"].groupby(["material", "stage"])["year"].max()
    only24 = [k for k in e24.index if k not in e23.index]
    years_lost = [k for k in e24.index if k in e23.index and k != ("lithium", "mining")]
    lines = refused(capsys, ["refresh", "usgs", "--file", str(path), "-q"], env)
    n = usgs_series()
    assert (
        f"raw-scan: error: usgs: {len(only24)} of {n} material x stage series would be lost: "
        + ", ".join(" ".join(k) for k in sorted(only24))
    ) in lines
    assert any(
        line.startswith(f"raw-scan: error: usgs: {len(years_lost)} series years would be lost: ")
        and "aluminium mining 2023, aluminium refining 2023" in line
        for line in lines
    )
    assert any(
        line.startswith("raw-scan: error: report: ") and "would go back to older data" in line
        for line in lines
    )
    assert lines[-1] == (
        "raw-scan: the active datasets were not changed (the refresh of usgs was refused "
        "because it would lose data; rerun with --allow-loss to accept the loss)"
    )
    assert not (env / "active.json").exists()

    techs = list(store.load("technologies")["id"])
    before = api.technology_report(techs)
    code, out, err = call(["refresh", "usgs", "--file", str(path), "-q", "--allow-loss"], capsys)
    assert code == 0, err
    accepted = "raw-scan: warning: accepted with --allow-loss: "
    assert f"{accepted}usgs: {len(years_lost)} series years would be lost" in err
    folder = assert_consistent(env)
    kept = (folder / "refresh-summary.txt").read_text(encoding="utf-8")
    assert "Accepted with --allow-loss: data the previous snapshot had:" in kept
    assert f"usgs: {len(years_lost)} series years would be lost" in kept
    after = api.technology_report(techs, store.Snapshot(folder))
    # what the user accepted: only lithium mining keeps MCS 2024 data; the other USGS rows fall
    # back to the older MCS 2023 edition (2022), none gains newer data
    uses_lithium = (before["material"] == "lithium") & (before["stage"] == "mining")
    assert after["source"].eq("usgs-mcs-2024").sum() == uses_lithium.sum()
    assert before["source"].eq("usgs-mcs-2024").sum() > 100
    assert after["source"].eq("usgs-mcs-2023").sum() > 100
    keys = ["technology", "material", "stage"]
    both = before.merge(after, on=keys, suffixes=("_before", "_after")).dropna(
        subset=["year_before", "year_after"]
    )
    usgs_after = both["source_after"].str.startswith("usgs")  # (zirconium moves to WMD 2024)
    went_up = both[usgs_after & (both["year_after"] > both["year_before"])]
    assert went_up.empty, went_up[[*keys, "source_before", "year_before", "source_after"]]
    assert (both["year_after"] < both["year_before"]).sum() > 100


def test_wgi_file_with_one_country_is_refused_for_loss(env, tmp_path, capsys):
    lines = (FIX / "WGIData.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    china = [line for line in lines if line.startswith('"China","CHN"')]
    assert {line.split('","')[3] for line in china} >= {
        f"{d}.EST" for d in ["CC", "GE", "PV", "RL", "RQ", "VA"]
    }
    path = tmp_path / "WGIData.csv"
    path.write_text(lines[0] + "".join(china), encoding="utf-8")
    gov = bundled("governance")
    per_year = gov.dropna(subset=["estimate"]).groupby(["country", "year"])["indicator"].nunique()
    complete = set(per_year[per_year == 6].index.get_level_values("country"))
    out = refused(capsys, ["refresh", "wgi", "--file", str(path), "-q"], env)
    assert out[0] == (
        f"raw-scan: error: wgi: governance (all six WGI dimensions) would be lost for "
        f"{len(complete) - 1} of {len(complete)} countries: "
        + ", ".join(sorted(complete - {"CHN"})[:8])
        + f" and {len(complete) - 9} more"
    )
    assert any("material x stage rows would lose their supplier governance" in x for x in out)


CELL = "mcs2024-lithi_world.csv line 4, Prod_t_est_2023"  # the member, line and column
VALUES = {  # replacement of Australia's 2023 lithium cell (86000) -> the error line
    "1e300": f"{CELL}: lithium mining, Australia 2023: quantity 1e+300 is absurdly large (more "
    "than 1e+12 in any unit)",
    "inf": f"{CELL}: lithium mining, Australia 2023: quantity inf is infinite",
    "nan": f"{CELL}: lithium mining, Australia 2023: quantity nan is not a number",
    # the parser's check
    "-5": f"negative quantity in 1 rows, e.g. lithium mining Australia 2023 ({CELL})",
    # 10 million t: more than 10 x the world total of 184,680 t (sum of the country rows)
    "10000000": f"{CELL}: lithium mining, Australia 2023: 1e+07 t is more than 10 times the "
    "active snapshot's world total (184,680 t)",
}


@pytest.mark.parametrize("value", VALUES)
def test_impossible_values_are_errors_even_with_allow_loss(
    value, env, seeded_usgs, tmp_path, capsys
):
    shutil.copytree(seeded_usgs, env)
    path = tmp_path / "mcs2024_world.zip"
    edit = lambda data: data.replace(AUS_LITHIUM, AUS_LITHIUM.replace(b"86000", value.encode()))  # noqa: E731
    path.write_bytes(zip_with(SERVED["usgs"].file, edit=edit))
    for extra in ([], ["--allow-loss"]):
        lines = refused(capsys, ["refresh", "usgs", "--file", str(path), "-q", *extra], env)
        assert lines[0] == f"raw-scan: error: usgs: mcs2024_world.zip: {VALUES[value]}"
        assert lines[-1] == "raw-scan: the active datasets were not changed (usgs failed)"
        assert not any("moved by more than" in x for x in lines)  # an error is not a jump too


def _lithium_at_zero(*, keep_world: bool):
    """An edit of the lithium CSV setting its 2022 and 2023 production cells to 0 (the World
    total row too, unless ``keep_world``)."""

    def zeros(data: bytes) -> bytes:
        rows = data.decode("utf-8-sig").split("\n")
        out = [rows[0]]
        for row in rows[1:]:
            cells = row.split(",")
            world = len(cells) > 1 and cells[1].startswith("World")
            if len(cells) > 5 and cells[0] == "MCS2024" and not (keep_world and world):
                start = 3 if not row.count('"') else 4  # the Type cell is quoted
                cells[start], cells[start + 1] = "0", "0"
            out.append(",".join(cells))
        return "\n".join(out).encode()

    return zeros


def test_an_all_zero_series_is_an_error(env, seeded_usgs, tmp_path, capsys):
    shutil.copytree(seeded_usgs, env)

    path = tmp_path / "mcs2024_world.zip"  # every 2022 and 2023 lithium cell -> 0
    path.write_bytes(zip_with(SERVED["usgs"].file, edit=_lithium_at_zero(keep_world=False)))
    lines = refused(capsys, ["refresh", "usgs", "--file", str(path), "-q", "--allow-loss"], env)
    # 11 rows of the lithium file (8 countries, United States W, Other countries, World)
    assert lines[0] == (
        "raw-scan: error: usgs: mcs2024_world.zip: mcs2024-lithi_world.csv line 2, Prod_t_2022: "
        "lithium mining 2022: every one of its 9 country values is zero"
    )


def test_every_country_at_zero_beside_a_positive_world_total_is_an_error(
    env, seeded_usgs, tmp_path, capsys
):
    # the country cells go to zero, the World total row keeps its 146,000 and 180,000 t: the
    # series is still all zero where it counts (before, only a loss: --allow-loss accepted it)
    shutil.copytree(seeded_usgs, env)

    path = tmp_path / "mcs2024_world.zip"
    path.write_bytes(zip_with(SERVED["usgs"].file, edit=_lithium_at_zero(keep_world=True)))
    lines = refused(capsys, ["refresh", "usgs", "--file", str(path), "-q", "--allow-loss"], env)
    prefix = "raw-scan: error: usgs: mcs2024_world.zip: mcs2024-lithi_world.csv line 2, "
    assert lines[:2] == [
        prefix + "Prod_t_2022: lithium mining 2022: every one of its 9 country values is zero",
        prefix + "Prod_t_est_2023: lithium mining 2023: every one of its 9 country values is zero",
    ]


def test_australia_falling_to_zero_is_refused_as_a_coverage_loss(
    env, seeded_usgs, tmp_path, capsys
):
    shutil.copytree(seeded_usgs, env)
    path = tmp_path / "mcs2024_world.zip"
    edit = lambda data: data.replace(AUS_LITHIUM, AUS_LITHIUM.replace(b"86000", b"0"))  # noqa: E731
    path.write_bytes(zip_with(SERVED["usgs"].file, edit=edit))
    lines = refused(capsys, ["refresh", "usgs", "--file", str(path), "-q"], env)
    # 2023e countries sum to 184,680 t (> the rounded world 180,000): coverage 100 %; without
    # Australia's 86,000 t they sum to 98,680 t, under the world row: 98,680 / 180,000 = 55 %
    assert lines[0] == (
        "raw-scan: error: report: 1 material x stage row would lose more than 10% of the world "
        "supply attributed to countries: lithium mining 100%→55%"
    )
    assert lines[1] == (
        "raw-scan: warning: usgs: 1 value moved by more than 10 times: lithium mining, "
        "Australia 2023: 86,000 → 0 t"
    )


def test_the_2017_world_mining_data_workbook_does_not_replace_newer_data(env, capsys):
    wmd = FIXTURES / "wmd2017_6.4_production_by_minerals_trimmed.xlsx"
    lines = refused(capsys, ["refresh", "wmd", "--file", str(wmd), "-q"], env)
    p = bundled("production")
    newest = int(p.loc[p["source"].str.startswith("wmd"), "year"].max())  # 2024 (wmd-gpr)
    assert f"raw-scan: error: wmd: its newest data year would go back from {newest} to 2015" in (
        lines
    )


def test_the_trimmed_usgs_fixture_is_refused(env, capsys):
    lines = refused(
        capsys,
        ["refresh", "usgs", "--file", str(FIXTURES / "usgs_mcs2024_world_trimmed.zip")],
        env,
    )
    assert "raw-scan: usgs: 66 rows parsed (usgs-mcs-2024)" not in lines  # messages say usgs:
    assert "usgs: 66 rows parsed (usgs-mcs-2024)" in lines  # parsed, then refused
    # the trimmed zip has copper (mine, refinery), gallium and lithium: 4 series of MCS 2024;
    # the others keep the bundled MCS 2023 edition but lose 2023, or are lost altogether
    assert any(" series years would be lost: aluminium mining 2023" in line for line in lines)
    assert any(
        line.startswith("raw-scan: error: usgs: ") and "material x stage series would be lost"
        for line in lines
    )


def test_the_eu_results_table_gets_the_generic_row_and_key_checks(env, tmp_path, capsys):
    text = (FIX / "eureport_results.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "eureport_results.csv"
    path.write_text("".join(text[:46]), encoding="utf-8")  # the header and 45 of 91 rows
    lines = refused(capsys, ["refresh", "eu", "--file", str(path), "-q"], env)
    rows = len(bundled("eu_assessment"))
    assert lines[0].startswith(f"raw-scan: error: eu: eu_assessment: rows would drop from {rows}")
    assert any("eu_assessment: " in x and " material values would be lost: " in x for x in lines)


# ----------------------------------------------------------------- what is accepted
def test_the_full_real_files_refresh_with_no_finding(env, capsys):
    """The full MCS 2024 zip and WGI file are what the bundled snapshot was built from."""
    wgi_zip = ROOT / "benchmarks" / "data" / "WGI_CSV.zip"
    for sid, path in (("usgs", FULL_USGS), ("wgi", wgi_zip)):
        result = refresh.refresh([sid], file=path, progress=False)
        assert result.refreshed == [sid]
        assert result.review.findings == []
        assert "No change in top producers" in result.summary


def test_a_jump_is_reported_and_accepted(env, seeded_usgs, tmp_path, capsys):
    shutil.copytree(seeded_usgs, env)
    # Chile 2023: 44,000 -> 440,000 t, ten times more and still under 10 x the world total
    old = b'Chile,"Mine production, lithium content",38000,44000,'
    path = tmp_path / "mcs2024_world.zip"
    path.write_bytes(
        zip_with(
            SERVED["usgs"].file, edit=lambda d: d.replace(old, old.replace(b"44000", b"440001"))
        )
    )
    code, out, err = call(["refresh", "usgs", "--file", str(path), "-q"], capsys)
    assert code == 0, err
    assert (
        "raw-scan: warning: usgs: 1 value moved by more than 10 times: lithium mining, Chile "
        "2023: 44,000 → 440,001 t" in err
    )
    kept = (active_manifest(env)[0] / "refresh-summary.txt").read_text(encoding="utf-8")
    assert "Reported (accepted): large moves against the previous snapshot:" in kept
    assert "lithium mining, Chile 2023: 44,000 → 440,001 t" in kept


def test_a_crma_list_file_records_its_edition_as_read_from_the_file(env, capsys):
    code, out, err = call(
        ["refresh", "eu", "--file", str(FIX / "crma_2024_1252_annex_I_II_lists_TRANSCRIBED.csv")],
        capsys,
    )
    assert code == 0, err
    entry = store.manifest()["datasets"]["crma"]
    # source_location: "Regulation (EU) 2024/1252, Annex I, Section 1, point (a)"
    assert (entry["edition"], entry["file"], entry["origin"]) == (
        "eu-crma-2024",
        "crma_2024_1252_annex_I_II_lists_TRANSCRIBED.csv",
        "refreshed",
    )
    assert store.manifest()["datasets"]["eu"]["origin"] == "bundled"  # not touched


# ----------------------------------------------------------------- the checks, one by one
def _prod(rows: list[tuple]) -> pd.DataFrame:
    cols = ["material", "stage", "country", "country_name", "row_kind", "year", "quantity"]
    df = pd.DataFrame(rows, columns=cols)
    return df.assign(unit="t", basis="content", value_status="reported", source="demo-2024")


def test_units_of_mass_are_compared_in_tonnes():
    old = _prod([("x", "mining", "AAA", "A", "country", 2023, 5000.0)]).assign(unit="t")
    new = _prod([("x", "mining", "AAA", "A", "country", 2023, 5.1)]).assign(unit="kt")
    inc = validate.Incoming("demo", "f.csv", {"production": new})
    assert validate.Production().values(new, old, inc) == []  # 5.1 kt is 5,100 t
    new = new.assign(quantity=51_000.0)  # 51,000 kt = 51 Mt: more than 10 x 5,000 t
    found = validate.Production().values(new, old, inc)
    assert [f.level for f in found] == [validate.ERROR]  # an error, not also a jump
    assert found[0].message == (
        "f.csv: x mining, A 2023: 51,000 kt is more than 10 times the active snapshot's world "
        "total (5,000 t)"
    )


def test_an_unknown_table_kind_gets_row_and_key_coverage():
    kind = validate.kind("trade")  # no checks of its own (yet)
    old = pd.DataFrame({"partner": ["CHN", "USA", "DEU"], "year": [2022, 2022, 2022]})
    assert kind.coverage("trade", old, old, "baci") == []
    lost = kind.coverage("trade", old, old.iloc[:2], "baci")
    assert [f.message for f in lost] == [
        "trade: rows would drop from 3 to 2",
        "trade: 1 partner value would be lost: DEU",
    ]
    assert {f.level for f in lost} == {validate.LOSS}


def test_review_on_the_bundled_snapshot_against_itself_finds_nothing():
    snap = store.Snapshot(store.bundled_dir())
    incoming = [validate.Incoming("usgs", "x", {"production": _own_rows(snap, "usgs")})]
    assert validate.review(snap, snap, incoming).findings == []


def _own_rows(snap, source):
    p = snap.load("production")
    return p[p["source"].str.startswith(source)].reset_index(drop=True)


def test_the_manifest_of_a_refused_refresh_is_never_written(env, tmp_path, capsys):
    path = tmp_path / "mcs2024_world.zip"
    path.write_bytes(zip_with(FULL_USGS, keep={LITHI}))
    refused(capsys, ["refresh", "usgs", "--file", str(path), "-q"], env)
    assert not list(env.glob("snapshots/*")) and not list(env.glob(".staging-*"))
    assert json.loads((store.bundled_dir() / "manifest.json").read_text())["kind"] == "bundled"


def test_a_new_edition_keeps_the_older_editions_of_its_family(env, capsys):
    """Refreshing USGS with the MCS 2024 release replaces the MCS 2024 rows only: the bundled
    MCS 2023 rows (2021 for trends) stay, and no revision between editions is a 'jump'."""
    before = bundled("production")
    mcs2023 = before[before["source"] == "usgs-mcs-2023"]
    assert set(mcs2023["year"]) == {2021, 2022}
    result = refresh.refresh(["usgs"], file=FULL_USGS, progress=False)
    assert result.review.findings == []
    after = store.Snapshot(result.snapshot).load("production")
    kept = after[after["source"] == "usgs-mcs-2023"]
    assert len(kept) == len(mcs2023)
    assert set(after.loc[after["source"].str.startswith("usgs"), "year"]) == {2021, 2022, 2023}


def test_editions_rank_by_the_year_they_name_and_undated_compilations_lowest():
    from raw_scan.supply import edition_rank

    assert edition_rank("usgs-mcs-2024") > edition_rank("usgs-mcs-2023")
    # a publisher's dated edition beats the bundled third-party compilation (no year in its id)
    assert edition_rank("wmd-2026") > edition_rank("wmd-gpr-2.0.1")
    assert max(["wmd-gpr-2.0.1", "wmd-2026"], key=edition_rank) == "wmd-2026"


def test_years_a_series_would_lose_are_a_loss():
    rows = [
        ("lithium", "mining", "AUS", "country", 2021, 55000.0),
        ("lithium", "mining", "AUS", "country", 2022, 61000.0),
        ("lithium", "mining", "AUS", "country", 2023, 86000.0),
    ]
    cols = ["material", "stage", "country", "row_kind", "year", "quantity"]
    old = pd.DataFrame(rows, columns=cols)
    new = old[old["year"] != 2021]
    found = validate.kind("production").coverage("production", old, new, "usgs")
    assert [f.level for f in found] == ["loss"]
    assert "1 series year would be lost: lithium mining 2021" in found[0].message


def test_a_source_taking_a_row_back_over_is_not_data_going_back(env, tmp_path, capsys):
    """After an accepted loss (the lithium file alone: USGS zirconium gone, the report falls
    back to World Mining Data 2024), loading the full MCS release again gives hafnium and
    zirconium back to USGS (data year 2023): a source taking a row over, not a row going back
    (before, this restore was refused every day until someone passed --allow-loss)."""
    path = tmp_path / "mcs2024_world.zip"
    path.write_bytes(zip_with(FULL_USGS, keep={LITHI}))
    refresh.refresh(["usgs"], file=path, allow_loss=True, progress=False)
    rows = api.stage_table(store.Snapshot(store.active_dir())).set_index(["material", "stage"])
    assert rows.loc[("zirconium", "mining"), "source"].startswith("wmd")
    assert rows.loc[("zirconium", "mining"), "year"] == 2024
    result = refresh.refresh(["usgs"], file=FULL_USGS, allow_loss=True, progress=False)
    rows = api.stage_table(store.Snapshot(result.snapshot)).set_index(["material", "stage"])
    assert rows.loc[("zirconium", "mining"), "source"] == "usgs-mcs-2024"
    assert rows.loc[("zirconium", "mining"), "year"] == 2023
    assert not [f for f in result.review.findings if "go back" in f.message]


def test_report_rows_go_back_only_within_a_source_or_to_another_source():
    cols = ["material", "stage", "hhi", "supplier_wgi", "year", "source", "coverage"]
    old = pd.DataFrame(
        [
            ("zirconium", "mining", 1800.0, 6.0, 2024, "wmd-gpr-2.0.1", 0.9),
            ("lithium", "mining", 3000.0, 6.0, 2023, "usgs-mcs-2024", 1.0),
        ],
        columns=cols,
    )
    new = old.assign(year=2022, source=["usgs-mcs-2024", "usgs-mcs-2023"])
    found = validate.report_rows(old, new, frozenset({"usgs"}))
    assert [f.message for f in found] == [
        "1 material x stage row would go back to older data: lithium mining 2023→2022"
    ]
    # a refresh of another source: USGS replacing WMD was not its doing, both rows go back
    found = validate.report_rows(old, new, frozenset({"wgi"}))
    assert "2 material x stage rows would go back to older data" in found[0].message


def test_a_workbook_value_error_names_the_sheet_row_and_column():
    from raw_scan.sources import wmd

    book = Path(__file__).parent / "fixtures" / "wmd2017_6.4_production_by_minerals_trimmed.xlsx"
    rows = wmd.parse_workbook(book, origins=True)
    assert "origin" not in wmd.parse_workbook(book).columns  # never stored
    aus = rows.index[(rows["country_name"] == "Australia") & (rows["material"] == "cobalt")][0]
    # the workbook's own cell: sheet 'Cobalt', row 3 (Australia), column C (2011) holds 4254
    assert rows.loc[aus, "origin"] == "sheet 'Cobalt' row 3, column C"
    assert (rows.loc[aus, "year"], rows.loc[aus, "quantity"]) == (2011, 4254.0)
    rows.loc[aus, "quantity"] = float("inf")
    inc = validate.Incoming("wmd", book.name, {"production": rows})
    found = validate.kind("production").values(rows, rows.iloc[:0], inc)
    assert [str(f) for f in found] == [
        f"wmd: {book.name}: sheet 'Cobalt' row 3, column C: cobalt mining, Australia 2011: "
        "quantity inf is infinite"
    ]
