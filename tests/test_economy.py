"""Economies (ISO3, EU27, user groups), internal flows, partners, and the dependency screen with
its persistence, on hand-built trade tables."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import one

from raw_scan import economies
from raw_scan.economies import EU27, Economy, resolve
from raw_scan.errors import UsageError
from raw_scan.exposure import material_indicators, product_screen
from raw_scan.scoring import imports
from raw_scan.scoring.dependency import Thresholds, import_reliance

COUNTRIES = frozenset({"BEL", "NLD", "LUX", "DEU", "FRA", "CHN", "USA", "JPN", "ZAF"})


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("RAW_SCAN_CONFIG_DIR", str(tmp_path))
    return tmp_path / "groups.toml"


# ------------------------------------------------------------------------------- economies
def test_iso3_names_and_eu27_resolve(config):
    assert resolve("BEL", COUNTRIES) == Economy("BEL", ("BEL",), "country")
    assert resolve("bel", COUNTRIES).code == "BEL"
    assert resolve("Belgium", COUNTRIES).code == "BEL"
    eu = resolve("eu27", COUNTRIES)
    assert eu.code == "EU27" and eu.kind == "eu" and len(eu.members) == 27
    assert "GBR" not in eu.members and {"HRV", "BEL", "SWE"} <= set(eu.members)
    assert eu.in_eu and eu.outside_label == "non-EU"
    assert resolve("USA", COUNTRIES).outside_label == "foreign"


def test_user_groups_from_toml(config):
    config.write_text('[groups]\nBENELUX = ["BEL", "NLD", "LUX"]\nfareast = "JPN, usa"\n')
    bnl = resolve("benelux", COUNTRIES)
    assert bnl == Economy("BENELUX", ("BEL", "NLD", "LUX"), "group")
    assert bnl.in_eu
    far = resolve("FarEast", COUNTRIES)
    assert far.members == ("JPN", "USA") and far.outside_label == "foreign"


def test_unknown_economy_names_the_closest(config):
    config.write_text('[groups]\nBENELUX = ["BEL", "NLD", "LUX"]\n')
    with pytest.raises(UsageError, match=r"unknown economy 'BELG'.*did you mean: BEL"):
        resolve("BELG", COUNTRIES)
    with pytest.raises(UsageError, match="BENELUX"):
        resolve("BENELUKS", COUNTRIES)


def test_plain_unquoted_group_lines_as_in_the_issue(config):
    config.write_text("# my groups\nBENELUX = BEL, NLD, LUX\nfareast = JPN,USA  # two\n")
    assert resolve("benelux", COUNTRIES) == Economy("BENELUX", ("BEL", "NLD", "LUX"), "group")
    assert resolve("FAREAST", COUNTRIES).members == ("JPN", "USA")
    config.write_text("[groups]\nBENELUX = BEL, NDL, LUX\n")
    with pytest.raises(UsageError, match=r"group BENELUX names 'NDL'.*did you mean: NLD"):
        resolve("BENELUX", COUNTRIES)
    config.write_text("BENELUX = BEL, NLD\nthis is not a group\n")
    with pytest.raises(UsageError, match="not valid TOML"):
        resolve("BENELUX", COUNTRIES)


def test_a_misspelt_country_name_suggests_the_country(config):
    with pytest.raises(UsageError, match=r"did you mean: BEL \(Belgium\)"):
        resolve("Belgum", COUNTRIES)
    with pytest.raises(UsageError, match=r"did you mean: NLD \(Netherlands\)"):
        resolve("Netherlnds", COUNTRIES)
    with pytest.raises(UsageError) as err:
        resolve("Frnace", COUNTRIES)
    assert str(err.value).count("FRA") == 1  # the code is not suggested twice


def test_group_naming_an_unknown_country_fails_with_the_closest(config):
    config.write_text('[groups]\nBENELUX = ["BEL", "NDL", "LUX"]\n')
    with pytest.raises(UsageError, match=r"group BENELUX names 'NDL'.*did you mean: NLD"):
        resolve("BENELUX", COUNTRIES)
    assert resolve("BEL", COUNTRIES).code == "BEL"  # other economies still work


@pytest.mark.parametrize(
    "text, message",
    [
        ("[groups\nX = 1", "not valid TOML"),
        ('[groups]\nBEL = ["NLD"]\n', "not allowed"),
        ('[groups]\nEU27 = ["NLD"]\n', "not allowed"),
        ("[groups]\nABCD = 3\n", "must be a list of ISO3 codes"),
        ("[groups]\nABCD = []\n", "no members"),
        ('groups = "BEL"\n', "must be a table"),
    ],
)
def test_bad_group_files_are_one_line_usage_errors(config, text, message):
    config.write_text(text)
    with pytest.raises(UsageError, match=message) as exc:
        resolve("BEL", COUNTRIES)
    assert "\n" not in str(exc.value) and str(config) in str(exc.value)


def test_port_caveat_for_belgium_and_the_netherlands():
    assert "Antwerp (BEL)" in Economy("BEL", ("BEL",), "country").caveats()[0]
    assert "Rotterdam (NLD)" in Economy("EU27", EU27, "eu").caveats()[0]
    assert Economy("DEU", ("DEU",), "country").caveats() == []


def test_config_dir_follows_the_environment(config):
    assert economies.config_path() == config


# --------------------------------------------------------------- internal flows of a group
def trade(rows):
    return pd.DataFrame(rows, columns=["year", "exporter", "importer", "hs6", "value", "quantity"])


HS = pd.DataFrame({"hs6": ["260400"], "material": ["nickel"], "stage": ["mining"]})
NO_PROD = pd.DataFrame(
    columns=["material", "stage", "country", "row_kind", "year", "quantity", "unit", "basis",
             "source"]
)  # fmt: skip
GOV = pd.DataFrame(
    {"country": ["CHN", "USA", "NLD", "DEU", "ZAF"], "year": 2022, "indicator": "PV",
     "estimate": [-0.5, 0.0, 0.5, 0.5, -1.0]}
)  # fmt: skip
BENELUX = Economy("BENELUX", ("BEL", "NLD", "LUX"), "group")

FLOWS = trade(
    [
        (2022, "CHN", "BEL", "260400", 60.0, 6.0),
        (2022, "NLD", "BEL", "260400", 50.0, 5.0),  # internal to BENELUX
        (2022, "CHN", "NLD", "260400", 20.0, 2.0),
        (2022, "DEU", "NLD", "260400", 20.0, 2.0),
        (2022, "LUX", "BEL", "260400", 10.0, 1.0),  # internal to BENELUX
        (2022, "BEL", "FRA", "260400", 30.0, 3.0),
        (2022, "BEL", "NLD", "260400", 5.0, 0.5),  # internal to BENELUX
    ]
)


def test_group_partners_exclude_internal_flows_non_eu_share_counts_them():
    out = material_indicators(FLOWS, HS, NO_PROD, GOV, [BENELUX], [2022])
    r = one(out, economy="BENELUX")
    assert r["imports_value"] == 100.0  # CHN 60 + CHN 20 + DEU 20; NLD, LUX are internal
    assert r["imports_value_all"] == 165.0  # with NLD 50, LUX 10 into BEL and BEL 5 into NLD
    assert r["top_partner"] == "CHN" and r["top_partner_share"] == pytest.approx(0.8)
    assert r["top_partners"] == "CHN 0.800; DEU 0.200"
    assert r["import_hhi"] == pytest.approx(0.8**2 + 0.2**2)
    assert r["non_eu_share"] == pytest.approx(80 / 165)  # CHN only, over all imports
    assert r["exports_value"] == 30.0 and r["exports_value_all"] == 95.0  # 30 + 5 + 50 + 10
    assert r["third_country"] == "CHN" and r["third_country_share"] == pytest.approx(0.8)
    assert r["imports_tonnes"] == 10.0  # the import risk's F: internal tonnes left out
    assert r["numerator"] == pytest.approx(0.6 * 8 + 0.4 * 2)


def test_a_member_alone_counts_its_partners_in_the_group():
    bel = Economy("BEL", ("BEL",), "country")
    out = material_indicators(FLOWS, HS, NO_PROD, GOV, [bel, BENELUX], [2022])
    r = one(out, economy="BEL")
    assert r["imports_value"] == 120.0
    assert r["top_partners"] == "CHN 0.500; NLD 0.417; LUX 0.083"
    assert r["non_eu_share"] == pytest.approx(0.5)
    # the largest partner outside the EU (CHN), share of all of BEL's imports
    assert r["third_country"] == "CHN" and r["third_country_share"] == pytest.approx(0.5)
    assert one(out, economy="BENELUX")["imports_value"] == 100.0  # computed side by side


def test_eu27_counts_intra_eu_trade_in_the_denominators_only():
    eu = Economy("EU27", EU27, "eu")
    out = material_indicators(FLOWS, HS, NO_PROD, GOV, [eu], [2022])
    r = one(out, economy="EU27")
    assert r["imports_value"] == 80.0  # CHN only: NLD, LUX, DEU, BEL, FRA are members
    assert r["imports_value_all"] == 195.0  # every row but the two from CHN is intra-EU...
    assert r["non_eu_share"] == pytest.approx(80 / 195)  # ...and counts in the denominator
    assert r["exports_value"] == 0.0 and r["exports_value_all"] == 115.0


def test_import_reliance_is_missing_without_production():
    imp = pd.Series([10.0, 10.0, 10.0, 2.0])
    exp = pd.Series([2.0, 2.0, 2.0, 30.0])
    prod = pd.Series([2.0, 0.0, float("nan"), 10.0])
    ir = import_reliance(imp, exp, prod)
    assert ir[0] == pytest.approx(8 / 10) and ir[1] == 1.0
    assert pd.isna(ir[2])  # production unknown: never 0
    assert pd.isna(ir[3])  # exports exceed production + imports


# ------------------------------------------------------------------------------ the screen
def screen_year(year, chn, usa, deu, exports):
    """FRA imports one product from CHN, USA (outside the EU) and DEU; exports to JPN."""
    return [
        (year, "CHN", "FRA", "260400", chn, 1.0),
        (year, "USA", "FRA", "260400", usa, 1.0),
        (year, "DEU", "FRA", "260400", deu, 1.0),
        (year, "FRA", "JPN", "260400", exports, 1.0),
    ]


FRA = Economy("FRA", ("FRA",), "country")


def test_three_criteria_on_values():
    # outside: CHN 90 + USA 10 = 100; HHI .81 + .01 = .82; outside share 100/150; ratio 100/50
    t = trade(screen_year(2022, 90.0, 10.0, 50.0, 50.0))
    r = one(product_screen(t, [FRA], 2022, Thresholds()), hs6="260400")
    assert r["supplier_hhi"] == pytest.approx(0.82)
    assert r["outside_share"] == pytest.approx(100 / 150)
    assert r["imports_to_exports"] == pytest.approx(2.0)
    assert r["criteria_met"] == 3 and r["dependent"]
    strict = Thresholds(supplier_hhi=0.9, outside_share=0.7, imports_to_exports=3.0)
    r = one(product_screen(t, [FRA], 2022, strict), hs6="260400")
    assert r["criteria_met"] == 0 and not r["dependent"]
    assert not (r["c1_supplier_hhi"] or r["c2_outside_share"] or r["c3_imports_to_exports"])


def test_each_criterion_fails_alone():
    cases = {
        "c1_supplier_hhi": screen_year(2022, 50.0, 50.0, 10.0, 10.0),  # HHI 0.5 ok...
        "c2_outside_share": screen_year(2022, 90.0, 10.0, 150.0, 10.0),  # 100/250 = 0.4
        "c3_imports_to_exports": screen_year(2022, 90.0, 10.0, 10.0, 200.0),  # 100/200
    }
    cases["c1_supplier_hhi"] = screen_year(2022, 40.0, 40.0, 10.0, 10.0) + [
        (2022, "ZAF", "FRA", "260400", 20.0, 1.0)  # CHN .4, USA .4, ZAF .2: HHI 0.36
    ]
    for failing, rows in cases.items():
        r = one(product_screen(trade(rows), [FRA], 2022, Thresholds()), hs6="260400")
        assert not r[failing], failing
        assert r["criteria_met"] == 2 and not r["dependent"], failing


def test_no_exports_meets_criterion_three_without_a_ratio():
    rows = [r for r in screen_year(2022, 90.0, 10.0, 50.0, 0.0) if r[1] != "FRA"]
    r = one(product_screen(trade(rows), [FRA], 2022, Thresholds()), hs6="260400")
    assert pd.isna(r["imports_to_exports"]) and r["c3_imports_to_exports"] and r["dependent"]


def test_persistence_is_two_of_the_last_three_years():
    dependent = screen_year(2020, 90.0, 10.0, 50.0, 50.0)
    not_dep = screen_year(2021, 90.0, 10.0, 500.0, 50.0)  # outside share 100/600
    again = screen_year(2022, 90.0, 10.0, 50.0, 50.0)
    t = trade(dependent + not_dep + again)
    r = one(product_screen(t, [FRA], 2022, Thresholds()), hs6="260400")
    assert r["dependent"] and r["years_dependent"] == 2 and r["persistent"]
    r = one(product_screen(t, [FRA], 2021, Thresholds()), hs6="260400")
    assert not r["dependent"] and r["years_dependent"] == 1 and not r["persistent"]
    older = trade(screen_year(2019, 90.0, 10.0, 50.0, 50.0) + not_dep + again)
    r = one(product_screen(older, [FRA], 2022, Thresholds()), hs6="260400")
    assert r["years_dependent"] == 1 and not r["persistent"]  # 2019 is outside the window


def test_outside_the_eu_means_foreign_partners_for_a_non_eu_economy():
    rows = [
        (2022, "DEU", "JPN", "260400", 90.0, 1.0),
        (2022, "FRA", "JPN", "260400", 10.0, 1.0),
        (2022, "JPN", "USA", "260400", 10.0, 1.0),
    ]
    jpn = Economy("JPN", ("JPN",), "country")
    r = one(product_screen(trade(rows), [jpn], 2022, Thresholds()), hs6="260400")
    assert r["outside_share"] == 1.0 and r["non_eu_share"] == 0.0
    assert r["supplier_hhi"] == pytest.approx(0.82) and r["dependent"]


def test_eu27_screen_counts_member_trade_in_imports_and_exports():
    rows = [
        (2022, "CHN", "DEU", "260400", 80.0, 1.0),
        (2022, "NLD", "DEU", "260400", 100.0, 1.0),  # intra-EU: in all imports
        (2022, "DEU", "FRA", "260400", 60.0, 1.0),  # intra-EU: in all exports
    ]
    eu = Economy("EU27", EU27, "eu")
    r = one(product_screen(trade(rows), [eu], 2022, Thresholds()), hs6="260400")
    assert r["imports_value_all"] == 240.0 and r["outside_value"] == 80.0
    assert r["outside_share"] == pytest.approx(80 / 240)
    assert r["imports_to_exports"] == pytest.approx(80 / 160)
    assert r["supplier_hhi"] == 1.0 and r["criteria_met"] == 1


def test_flow_table_marks_internal_and_outside_partners():
    f = imports.flows(FLOWS, [BENELUX, Economy("USA", ("USA",), "country")])
    imp = f[(f["economy"] == "BENELUX") & (f["flow"] == "import")].set_index("partner")
    assert imp.loc["NLD", "internal"] and imp.loc["LUX", "internal"]
    assert not imp.loc["CHN", "internal"] and imp.loc["CHN", "outside"]
    assert not imp.loc["DEU", "internal"] and not imp.loc["DEU", "outside"]  # EU, not outside
    assert imp.loc["NLD", "value"] == 50.0  # BEL's import from NLD
    assert imp.loc["CHN", "value"] == 80.0  # BEL 60 + NLD 20 summed per partner


def test_a_year_outside_gapped_trade_data_lists_the_years_held():
    from raw_scan.exposure import TradeData, year_spans

    assert year_spans([2022, 2018, 2019, 2020]) == "2018-2020, 2022"
    td = TradeData(None, None, frozenset({"BEL"}), (2019, 2022, 2023), {})
    assert td.year(None) == 2023
    with pytest.raises(UsageError, match=r"no trade data for 2020; .* cover 2019, 2022-2023 \("):
        td.year(2020)
