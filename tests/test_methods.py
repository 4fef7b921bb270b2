"""Methods as plug-ins: the registry, each method on hand-computed values from the bundled data,
Spearman's rho against a hand computation, and `raw-scan compare`."""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd
import pytest
from test_cli import assert_one_error_line, call

from raw_scan import api, methods, store
from raw_scan.compare import compare
from raw_scan.errors import UsageError
from raw_scan.methods import gss
from raw_scan.scoring import composite
from raw_scan.scoring.rank import risk_rank, spearman


def score_of(method: str, material: str, stage: str) -> pd.Series:
    s = methods.scores(method)
    return s[(s["material"] == material) & (s["stage"] == stage)].iloc[0]


# --------------------------------------------------------------------------- the registry
def test_registry_describes_every_method():
    assert methods.ids() == ["composite", "eu-sr", "hhi-wgi", "gss", "geopolrisk"]
    for m in methods.REGISTRY.values():
        assert m.name and m.reference and m.scale and m.banding
        assert list(m.thresholds) == sorted(m.thresholds) and len(m.thresholds) == 3
    assert methods.REGISTRY["composite"].thresholds == composite.THRESHOLDS
    assert [m for m in methods.REGISTRY.values() if m.needs_economy] == [
        methods.REGISTRY["geopolrisk"]
    ]


def test_band_rule_uses_the_lower_limits():
    m = methods.REGISTRY["eu-sr"]
    assert [m.band(x) for x in (0.49, 0.5, 0.99, 1.0, 1.99, 2.0, float("nan"))] == [
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "very high",
        "no data",
    ]


def test_unknown_method_and_missing_economy_are_usage_errors():
    with pytest.raises(UsageError, match="choose one of: composite, eu-sr, hhi-wgi, gss"):
        methods.get("gps")
    with pytest.raises(UsageError, match="needs an importing economy: add --economy"):
        methods.get("geopolrisk")


# --------------------------------------------------------------------------- each method
def test_composite_is_the_stage_table_score():
    s = methods.scores("composite").set_index(["material", "stage"])
    t = api.stage_table().set_index(["material", "stage"])
    pd.testing.assert_series_equal(
        s["method_score"], t["risk_score"], check_names=False, check_index_type=False
    )
    assert (s["method_band"] == t["risk_band"]).all()


def test_eu_sr_is_the_published_value_per_stage():
    # eureport_results.csv: Cobalt,2.8,...,Extraction,...,supply_risk_primary 2.8, refined 0.5
    mining, refining = (
        score_of("eu-sr", "cobalt", "mining"),
        score_of("eu-sr", "cobalt", "refining"),
    )
    assert (mining["method_score"], mining["method_band"]) == (2.8, "very high")
    assert (refining["method_score"], refining["method_band"]) == (0.5, "medium")
    assert (
        "EU bottleneck" in mining["method_drivers"]
        and "import reliance 81%" in mining["method_drivers"]
    )
    # Gallium was assessed at processing only (eu_stages P)
    assert math.isnan(score_of("eu-sr", "gallium", "mining")["method_score"])
    assert score_of("eu-sr", "gallium", "refining")["method_score"] == 3.9
    missing = score_of("eu-sr", "synthetic-graphite", "mining")
    assert missing["method_band"] == "no data"
    assert missing["method_drivers"] == "not in the EU 2023 assessment"


def test_hhi_wgi_recomputed_by_hand_for_gallium_refining():
    # mcs2024-galli_world.csv, 2023: CHN 600 000, RUS 5 000, JPN 3 000, KOR 2 000; world 610 000
    shares = {"CHN": 600_000, "RUS": 5_000, "JPN": 3_000, "KOR": 2_000}
    gov = store.load("governance")
    gov = gov[gov["year"] == 2022].groupby("country")["estimate"].mean()
    expected = sum((q / 610_000) ** 2 * (2.5 - gov[c]) * 2 for c, q in shares.items())
    got = score_of("hhi-wgi", "gallium", "refining")
    assert got["method_score"] == pytest.approx(expected, rel=1e-12)
    assert got["method_band"] == "very high"  # above 2.5 = world-average governance at HHI 5 000


def test_gss_formula_on_hand_values():
    assert gss.score(5000, 6.0, 0.5, 0.2) == pytest.approx(0.5 * (0.6 + 0.5) * 0.8)
    assert gss.score(5000, 6.0, 0.0, None) == pytest.approx(0.5 * 0.6)  # unknown EoL-RIR: 0
    assert math.isnan(gss.score(float("nan"), 6.0, 0.0, 0.1))
    limits = methods.REGISTRY["gss"].thresholds
    assert limits == pytest.approx(tuple(gss.score(h, 5.0, 0.0, 0.0) for h in (1500, 2500, 5000)))


def test_gss_nickel_mining_counts_indonesia_as_export_restricted():
    # eureport_tradeparameters.csv: Nickel,Indonesia,1.3,primary,world;
    # mcs2024-nicke_world.csv, 2023: Indonesia 1 800 000 of a world total of 3 600 000 t
    row = api.stage_table().set_index(["material", "stage"]).loc[("nickel", "mining")]
    er = 1_800_000 / 3_600_000
    expected = row["hhi"] / 10_000 * (row["supplier_wgi"] / 10 + er) * (1 - 0.16)
    got = score_of("gss", "nickel", "mining")
    assert got["method_score"] == pytest.approx(expected)
    assert "IDN 50% (t 1.3)" in got["method_drivers"]
    # refining: no listed country produces (Indonesia's t is for primary nickel only)
    assert "ER 0.00" in score_of("gss", "nickel", "refining")["method_drivers"]


def test_gss_says_when_export_restrictions_are_unknown():
    got = score_of("gss", "magnet-rare-earths", "refining")
    assert "export restrictions unknown (not in the EU 2023 assessment)" in got["method_drivers"]


def test_trade_parameters_are_bundled_with_iso3_codes():
    tp = store.load("eu_trade_parameters")
    assert len(tp) == 121
    cobalt = tp[(tp["material"] == "cobalt") & (tp["scope"] == "world")]
    assert set(cobalt["country"]) == {"COD", "ZMB"}  # "DR Congo", "Zambia" in the file
    assert set(tp["stage"]) == {"mining", "refining"}


def test_geopolrisk_needs_an_economy(capsys):
    code, out, err = call(["report", "li-ion-batteries", "--method", "geopolrisk"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "--economy" in err


def test_geopolrisk_reproduces_the_published_usa_2022_figures():
    # issue 8 / geopolrisk-py 2.0.1 on its own data, USA 2022: nickel (HS 260400) 3.2472e-4,
    # manganese (260200) 0.110519, natural graphite (250410 + 250490) 0.272651
    s = methods.scores("geopolrisk", economy="USA", year=2022).set_index(["material", "stage"])
    assert s.loc[("nickel", "mining"), "method_score"] == pytest.approx(3.2472e-4, rel=1e-3)
    assert s.loc[("manganese", "mining"), "method_score"] == pytest.approx(0.110519, rel=1e-4)
    graphite = s.loc[("natural-graphite", "mining")]
    assert graphite["method_score"] == pytest.approx(0.272651, rel=1e-4)
    assert graphite["method_band"] == "very high"  # >= 0.25
    assert graphite["method_drivers"].startswith("USA 2022: production HHI 0.467")
    assert "no refining trade codes" in s.loc[("natural-graphite", "refining"), "method_drivers"]


def test_geopolrisk_on_the_command_line(capsys):
    code, out, err = call(
        ["material", "graphite", "-m", "geopolrisk", "-e", "USA", "-y", "2022", "-f", "json"],
        capsys,
    )
    assert code == 0, err
    mining = {s["stage"]: s for s in json.loads(out)["stages"]}["mining"]
    assert (mining["method"], mining["method_band"]) == ("geopolrisk", "very high")
    assert mining["method_score"] == pytest.approx(0.272651, rel=1e-4)
    assert mining["geopolrisk"] == mining["method_score"]  # the economy column agrees


# --------------------------------------------------------------------------- ranks, Spearman
def test_spearman_against_a_hand_computed_value():
    a = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], index=list("abcdef"))
    b = pd.Series([5.0, 6.0, 7.0, 8.0, 7.0, float("nan")], index=list("abcdef"))
    # f is dropped (b unknown). Ranks of a: 1..5; of b: 1, 2, 3.5, 5, 3.5 (tie averaged).
    # Deviations from 3: a -2 -1 0 1 2, b -2 -1 0.5 2 0.5; sum of products 8, of squares 10
    # and 9.5: rho = 8 / sqrt(95).
    rho, n = spearman(a, b)
    assert n == 5
    assert rho == pytest.approx(8 / math.sqrt(95))
    assert spearman(a, -a) == (pytest.approx(-1.0), 6)
    assert math.isnan(spearman(a.iloc[:2], b.iloc[:2])[0])


def test_risk_rank_puts_the_highest_score_first():
    r = risk_rank(pd.Series([0.2, 0.9, float("nan"), 0.9]))
    assert r.tolist()[:2] == [3.0, 1.0] and math.isnan(r[2]) and r[3] == 1.0


def test_compare_flags_follow_the_stated_rule():
    ids = list(store.load("materials")["id"])
    comp = compare(ids)
    t = comp.table
    assert comp.methods == ["composite", "eu-sr", "hhi-wgi", "gss"]
    ranked = t[[f"{m}_score" for m in comp.methods]].notna().all(axis=1)
    assert comp.common == int(ranked.sum()) and comp.rank_margin == round(comp.common / 4)
    assert t.loc[~ranked, "composite_rank"].isna().all()
    rule = (t["band_spread"] >= 2) | (t["rank_spread"] > comp.rank_margin)
    assert (t["flagged"] == rule.fillna(False)).all()
    assert (t.loc[t["flagged"], "why"].str.len() > 0).all()
    assert (t.loc[~t["flagged"], "why"] == "").all()
    assert len(comp.spearman) == 6 and comp.spearman["rho"].between(-1, 1).all()
    # every pair's rho is the hand formula on the table's own scores
    one = comp.spearman.iloc[0]
    x = t.set_index("material")[[f"{one['method_a']}_score", f"{one['method_b']}_score"]].dropna()
    assert one["n"] == len(x)
    assert one["rho"] == pytest.approx(x.rank().corr().iloc[0, 1])


def test_compare_with_an_economy_adds_geopolrisk():
    comp = api.compare_methods(["li-ion-batteries"], economy="USA")
    assert comp.methods[-1] == "geopolrisk" and len(comp.spearman) == 10
    graphite = comp.table.set_index("material").loc["natural-graphite"]
    assert graphite["geopolrisk_stage"] == "mining" and graphite["geopolrisk_band"] == "very high"


def test_compare_explains_germanium_from_the_drivers():
    comp = compare(list(store.load("materials")["id"]))
    ge = comp.table.set_index("material").loc["germanium"]
    assert ge["flagged"]
    # the composite sees China's 93 % of refining; the published EU SR is 1.8 (high)
    assert "CHN 93% of refining" in ge["why"] and "EU 2023 SR 1.8" in ge["why"]


def test_compare_cli_formats(capsys):
    code, out, err = call(["compare", "li-ion-batteries", "--format", "csv"], capsys)
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    links = store.load("technology_materials")
    expected = set(links.loc[links["technology"] == "li-ion-batteries", "material"])
    assert {r["material"] for r in rows} == expected and "cobalt" in expected
    scored = [r for r in rows if all(r[f"{m}_score"] for m in ("composite", "eu-sr", "gss"))]
    assert scored and all(r["composite_rank"].isdigit() for r in scored)
    assert all(r["composite_rank"] == "" for r in rows if r not in scored)
    code, out, _ = call(["compare", "li-ion-batteries", "--format", "json"], capsys)
    doc = json.loads(out)
    expected = api.compare_methods(["li-ion-batteries"]).payload()
    assert doc == json.loads(json.dumps(expected))
    code, out, _ = call(["compare", "li-ion-batteries", "--rank-margin", "0"], capsys)
    text = " ".join(out.split())
    assert code == 0 and "Spearman" in text and "ranks more than 0 apart" in text


@pytest.mark.parametrize(
    "args, words",
    [
        (["compare"], "--all"),
        (["compare", "--all", "solar-pv"], "not both"),
        (["compare", "li-ion-batteries", "--economy", "XYZ"], "unknown economy"),
        (["compare", "solar-pvv"], "did you mean: solar-pv"),
    ],
)
def test_compare_bad_input(args, words, capsys):
    code, out, err = call(args, capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert words in err


# --------------------------------------------------------------------------- --method
def test_report_and_material_export_the_chosen_method(capsys):
    code, out, _ = call(["report", "li-ion-batteries", "-m", "eu-sr", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    cobalt = df[(df["material"] == "cobalt") & (df["stage"] == "mining")].iloc[0]
    assert (cobalt["method"], cobalt["method_score"], cobalt["method_band"]) == (
        "eu-sr",
        2.8,
        "very high",
    )
    assert cobalt["risk_score"] == pytest.approx(0.505009, abs=1e-6)  # composite kept beside it
    code, out, _ = call(["material", "nickel", "--method", "gss", "--format", "json"], capsys)
    stages = {s["stage"]: s for s in json.loads(out)["stages"]}
    assert stages["mining"]["method"] == "gss"
    assert stages["mining"]["method_score"] == pytest.approx(
        score_of("gss", "nickel", "mining")["method_score"], abs=1e-6
    )


def test_report_table_names_the_method_in_the_footer(capsys):
    code, out, _ = call(["report", "wind-turbines", "--method", "hhi-wgi"], capsys)
    assert code == 0
    assert "Band and Score = governance-weighted concentration" in " ".join(out.split())
