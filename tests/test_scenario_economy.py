"""--economy on scenario and trend: an economy's imports lost and the partners that remain,
its partners per year; checked against the trade rows themselves and against 'economy'."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from test_cli import assert_one_error_line, call

from raw_scan import api, store
from raw_scan.economies import EU27
from raw_scan.report import export
from raw_scan.scenario import IMPORT_COLUMNS
from raw_scan.trend import IMPORT_COLUMNS as TREND_IMPORT_COLUMNS


def imports_from_rows(economy: str, material: str, stage: str, year: int) -> pd.Series:
    """Value of the economy's imports by partner, summed straight from the trade table."""
    hs = store.load("hs_materials")
    codes = set(hs.loc[(hs["material"] == material) & (hs["stage"] == stage), "hs6"])
    t = store.load("trade")
    rows = t[(t["importer"] == economy) & (t["year"] == year) & t["hs6"].isin(codes)]
    return rows.groupby("exporter")["value"].sum()


@pytest.fixture(scope="module")
def bel() -> api.ScenarioResult:
    return api.scenario(["CHN"], technologies=["li-ion-batteries"], economy="BEL")


def test_share_of_belgian_graphite_imports_from_china(bel):
    year = bel.economy["trade_year"]
    assert year == max(store.load("trade")["year"])
    by_partner = imports_from_rows("BEL", "natural-graphite", "mining", year)
    row = bel.materials.set_index(["material", "stage"]).loc[("natural-graphite", "mining")]
    assert row["economy"] == "BEL" and row["trade_year"] == year
    assert row["imports_value"] == pytest.approx(by_partner.sum())
    assert row["import_share_lost"] == pytest.approx(by_partner["CHN"] / by_partner.sum())
    rest = by_partner.drop("CHN").sort_values(ascending=False)
    assert row["top_partner_after"] == rest.index[0]
    assert row["top_partner_share_after"] == pytest.approx(rest.iloc[0] / rest.sum())
    assert row["partners_after"].startswith(f"{rest.index[0]} {rest.iloc[0] / rest.sum():.3f}")


def test_technology_ranking_gains_the_worst_import_loss(bel):
    li = bel.technologies.set_index("technology").loc["li-ion-batteries"]
    assert li["worst_import_loss"] == pytest.approx(bel.materials["import_share_lost"].max())
    assert 0 < li["worst_import_loss"] <= 1


def test_half_of_the_imports_and_no_import_loss_at_fraction_zero():
    half = api.scenario(["CHN"], fraction=0.5, technologies=["li-ion-batteries"], economy="BEL")
    full = api.scenario(["CHN"], technologies=["li-ion-batteries"], economy="BEL")
    a = half.materials.set_index(["material", "stage"])["import_share_lost"].dropna()
    b = full.materials.set_index(["material", "stage"])["import_share_lost"].dropna()
    pd.testing.assert_series_equal(a, b / 2)
    zero = api.scenario(["CHN"], fraction=0.0, technologies=["li-ion-batteries"], economy="BEL")
    assert (zero.materials["import_share_lost"].dropna() == 0).all()


def test_a_member_of_the_group_is_not_a_partner():
    """EU27 without Germany: German supply is internal to the EU27, so no import is lost."""
    res = api.scenario(["DEU"], technologies=["li-ion-batteries"], economy="EU27")
    assert res.economy["kind"] == "eu" and set(res.economy["members"]) == set(EU27)
    assert (res.materials["import_share_lost"].dropna() == 0).all()
    assert not res.materials["partners_after"].dropna().str.contains("DEU").any()


def test_materials_without_an_hs_code_keep_missing_import_figures(bel):
    hs = set(store.load("hs_materials")["material"])
    unmapped = bel.materials[~bel.materials["material"].isin(hs)]
    assert len(unmapped) and unmapped["import_share_lost"].isna().all()


def test_scenario_economy_csv_json_and_table(capsys, bel):
    code, out, _ = call(
        ["scenario", "-w", "CHN", "li-ion-batteries", "--economy", "BEL", "-f", "csv"], capsys
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == api.SCENARIO_COLUMNS + IMPORT_COLUMNS
    code, out, _ = call(
        ["scenario", "-w", "CHN", "li-ion-batteries", "--economy", "BEL", "-f", "json"], capsys
    )
    payload = json.loads(out)
    assert payload["economy"]["economy"] == "BEL" and payload["economy"]["caveats"]
    assert payload["materials"] == export.records(bel.materials, bel.columns)
    assert "CEPII BACI bilateral trade flows, HS92" in {s["name"] for s in payload["sources"]}
    code, out, _ = call(["scenario", "-w", "CHN", "li-ion-batteries", "-e", "BEL"], capsys)
    text = " ".join(out.split())
    assert "Imports of BEL (2024, BACI values): share from CHN" in text
    assert "Direct imports only" in text and "Antwerp" in text


def test_import_notes_count_the_rows_in_words(capsys):
    args = ["scenario", "-w", "CHN", "--stage", "refining", "li-ion-batteries", "-e", "BEL"]
    code, out, _ = call(args, capsys)
    assert code == 0
    m = api.scenario(["CHN"], "refining", technologies=["li-ion-batteries"], economy="BEL")
    m = m.materials
    spared = int((m["imports_value"].notna() & (m["import_share_lost"] == 0)).sum())
    untraded = int(m["imports_value"].isna().sum())
    assert (spared, untraded) == (1, 10)  # BEL 2024: cobalt, lithium from CHN; one row not
    text = " ".join(out.split())
    assert "1 material x stage row imported, none of it from CHN" in text
    assert "10 material x stage rows without imports in the trade data" in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["scenario", "-w", "CHN", "--economy", "BLG"], "did you mean"),
        (["scenario", "-w", "CHN", "--economy", "BEL", "--year", "1999"], "2018"),
        (["scenario", "-w", "CHN", "--year", "2022"], "--economy"),
        (["trend", "cobalt", "--economy", "EU28"], "EU27"),
    ],
)
def test_bad_economy_input_exits_2(args, needle, capsys):
    code, out, err = call(args, capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert needle in err


# ------------------------------------------------------------------ trend --economy
def test_import_trend_equals_the_economy_table_year_by_year():
    meta, imp = api.import_trend("lithium", "BEL", "refining")
    assert meta["economy"] == "BEL" and list(imp["year"]) == meta["years"]
    for year in (2018, 2024):
        eco = api.economy("BEL", year)
        want = eco[(eco["material"] == "lithium") & (eco["stage"] == "refining")].iloc[0]
        got = imp[imp["year"] == year].iloc[0]
        for col in ("imports_value", "import_hhi", "top_partner_share", "non_eu_share"):
            assert got[col] == pytest.approx(want[col]), (year, col)
        assert got["top_partner"] == want["top_partner"]
        assert got["geopolrisk"] == pytest.approx(want["geopolrisk"])
    # and straight from the trade rows
    by_partner = imports_from_rows("BEL", "lithium", "refining", 2024)
    got = imp[imp["year"] == 2024].iloc[0]
    assert got["top_partner"] == by_partner.idxmax()
    assert got["top_partner_share"] == pytest.approx(by_partner.max() / by_partner.sum())


def test_a_stage_without_imports_is_left_out_and_named(capsys):
    meta, imp = api.import_trend("gallium", "BEL")
    assert imp.empty and meta["no_imports"] == ["mining", "refining"]
    code, out, _ = call(["trend", "gallium", "--economy", "BEL"], capsys)
    assert code == 0
    assert "no HS6 code mapped to this material" in " ".join(out.split())


def test_trend_economy_csv_json(capsys):
    code, out, _ = call(["trend", "cobalt", "-e", "EU27", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == TREND_IMPORT_COLUMNS
    assert set(df["economy"]) == {"EU27"} and df["year"].is_monotonic_increasing
    code, out, _ = call(["trend", "cobalt", "-e", "EU27", "--format", "json"], capsys)
    payload = json.loads(out)
    meta, imp = api.import_trend("cobalt", "EU27")
    assert payload["imports"]["rows"] == export.records(imp, TREND_IMPORT_COLUMNS)
    assert payload["trend"] == export.records(api.trend("cobalt"), list(payload["trend"][0]))


def test_trend_economy_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from test_plots import svg_text

    path = tmp_path / "co.svg"
    code, _, err = call(["trend", "cobalt", "-e", "EU27", "--plot", str(path)], capsys)
    assert code == 0, err
    text = svg_text(path)
    assert "Imports of EU27 (% of value)" in text and "refining: top partner" in text
    assert "CEPII BACI" in text and "trade years 2018-2024" in text
