"""Disruption scenarios: the arithmetic by hand, its properties (hypothesis), the bundled data
(gallium without China), technologies ranked, and the scenario command's output and errors."""

from __future__ import annotations

import io
import json
import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import assert_one_error_line, call, run

from raw_scan import api, scenario, store
from raw_scan.errors import UsageError
from raw_scan.report import export
from raw_scan.scoring import concentration


# ------------------------------------------------------------------ disrupt, by hand
def test_removing_the_largest_producer():
    shares = pd.Series({"CHN": 0.5, "AUS": 0.3, "CHL": 0.2})
    after, removed, loss = scenario.disrupt(shares, {"CHN"}, 1.0)
    assert (removed, loss) == (0.5, 0.5)
    assert after.to_dict() == pytest.approx({"CHN": 0.0, "AUS": 0.6, "CHL": 0.4})
    assert concentration.hhi(after) == pytest.approx(60**2 + 40**2)


def test_half_of_one_producer():
    # CHN 50 -> 25 of a world 100 -> 75: CHN 1/3, AUS 0.4, CHL 0.2667
    shares = pd.Series({"CHN": 0.5, "AUS": 0.3, "CHL": 0.2})
    after, removed, loss = scenario.disrupt(shares, {"CHN"}, 0.5)
    assert (removed, loss) == (0.5, 0.25)
    assert after.to_dict() == pytest.approx({"CHN": 25 / 75, "AUS": 30 / 75, "CHL": 20 / 75})


def test_unattributed_supply_stays_in_the_total():
    # 60 + 20 attributed, 20 'other': without CHN the world is 40, AUS 20 of it
    shares = pd.Series({"CHN": 0.6, "AUS": 0.2})
    after, _, loss = scenario.disrupt(shares, {"CHN"}, 1.0)
    assert loss == pytest.approx(0.6)
    assert after["AUS"] == pytest.approx(0.5)


def test_the_only_producer_removed_loses_everything_without_a_crash():
    after, removed, loss = scenario.disrupt(pd.Series({"CHN": 1.0}), {"CHN"}, 1.0)
    assert (removed, loss) == (1.0, 1.0)
    c = concentration.concentration(after, 0.0)
    assert math.isnan(c.hhi) and c.top_country is None


# ------------------------------------------------------------------ properties
SHARES = st.dictionaries(
    st.sampled_from(["CHN", "AUS", "CHL", "COD", "IDN", "USA", "ZAF", "BRA"]),
    st.floats(0.0, 1.0, allow_nan=False),
    min_size=1,
).map(lambda d: pd.Series(d) / max(sum(d.values()), 1.0))  # shares summing to at most 1
WITHOUT = st.sets(st.sampled_from(["CHN", "AUS", "IDN", "XKX"]), min_size=1)
FRACTION = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(SHARES, WITHOUT)
def test_fraction_zero_changes_nothing(shares, without):
    after, _, loss = scenario.disrupt(shares, without, 0.0)
    assert loss == 0.0
    pd.testing.assert_series_equal(after, shares)


@settings(max_examples=300, deadline=None)
@given(SHARES, WITHOUT, FRACTION)
def test_losses_in_0_1_and_removed_shares_never_rise(shares, without, fraction):
    after, removed, loss = scenario.disrupt(shares, without, fraction)
    assert 0.0 <= loss <= 1.0
    assert 0.0 <= removed <= 1.0 + 1e-9
    assert loss == pytest.approx(fraction * removed)
    for c in without & set(shares.index):
        assert after[c] <= shares[c] + 1e-12
    # the others never lose share
    for c in set(shares.index) - without:
        assert after[c] >= shares[c] - 1e-12
    assert float(after.sum()) <= 1.0 + 1e-9


@settings(max_examples=200, deadline=None)
@given(SHARES)
def test_removing_every_producer_loses_everything(shares):
    shares = shares / shares.sum() if shares.sum() > 0 else pd.Series({"CHN": 1.0})
    _, _, loss = scenario.disrupt(shares, set(shares.index), 1.0)
    assert loss == pytest.approx(1.0)


# ------------------------------------------------------------------ bundled data
def gallium(result) -> pd.Series:
    m = result.materials
    return m[(m["material"] == "gallium") & (m["stage"] == "refining")].iloc[0]


def test_gallium_without_china():
    # mcs2024-galli_world.csv, 2023: world 610 000 kg = CHN 600 000 + RUS 5 000 + JPN 3 000
    # + KOR 2 000. Without CHN: 10 000 kg left, RUS 50 %, JPN 30 %, KOR 20 %; HHI 3 800.
    r = gallium(api.scenario(["CHN"], technologies=["solar-pv"]))
    assert r["loss"] == pytest.approx(600_000 / 610_000)
    assert (r["top_country_before"], r["top_country_after"]) == ("CHN", "RUS")
    assert r["top_share_after"] == pytest.approx(0.5)
    assert r["hhi_after"] == pytest.approx(3800.0)
    assert (r["risk_band_before"], r["risk_band_after"]) == ("very high", "high")
    assert r["year"] == 2023 and r["source"] == "usgs-mcs-2024"


def test_half_of_chinas_gallium():
    r = gallium(api.scenario(["CHN"], fraction=0.5, technologies=["solar-pv"]))
    assert r["loss"] == pytest.approx(300_000 / 610_000)
    assert r["top_share_after"] == pytest.approx(300_000 / 310_000)


def test_every_gallium_producer_removed_is_no_supply():
    res = api.scenario(["CHN", "RUS", "JPN", "KOR"], "refining", technologies=["solar-pv"])
    r = gallium(res)
    assert r["loss"] == pytest.approx(1.0)
    assert pd.isna(r["hhi_after"]) and pd.isna(r["top_country_after"])
    assert r["risk_band_after"] == scenario.NO_SUPPLY
    assert "undefined" in r["note"]
    assert set(res.materials["stage"]) == {"refining"}


def test_fraction_zero_leaves_the_report_as_it_is():
    res = api.scenario(["CHN"], fraction=0.0)
    m = res.materials.dropna(subset=["loss"])
    assert (m["loss"] == 0).all()
    assert (m["hhi_after"] - m["hhi_before"]).abs().max() < 1e-9
    assert (m["risk_band_after"] == m["risk_band_before"]).all()
    assert (res.technologies["materials_hit"] == 0).all()


def test_stage_limits_the_disruption():
    res = api.scenario(["CHN"], "mining", technologies=["li-ion-batteries"])
    assert set(res.materials["stage"]) == {"mining"}
    graphite = res.materials.set_index("material").loc["natural-graphite"]
    assert graphite["loss"] == pytest.approx(graphite["top_share_before"])  # CHN is top


def test_technologies_ranked_by_worst_loss():
    res = api.scenario(["CHN"])
    techs = res.technologies
    assert len(techs) == 13 and list(techs["rank"]) == list(range(1, 14))
    assert techs["worst_loss"].is_monotonic_decreasing
    li = techs.set_index("technology").loc["li-ion-batteries"]
    worst = res.materials[res.materials["technologies"].str.contains("li-ion-batteries")]
    assert li["worst_loss"] == pytest.approx(worst["loss"].max())
    links = store.load("technology_materials")
    assert (
        li["materials"]
        == links.loc[links["technology"] == "li-ion-batteries", "material"].nunique()
    )
    # materials without data keep a missing loss, never zero
    scandium = res.materials[res.materials["material"] == "scandium"]
    assert len(scandium) == 2 and scandium["loss"].isna().all()


def test_a_country_that_produces_nothing_hits_nothing(capsys):
    res = api.scenario(["LUX"])
    assert (res.materials["loss"].dropna() == 0).all()
    assert (res.technologies["worst_material"].isna()).all()
    code, out, _ = call(["scenario", "-w", "LUX", "solar-pv"], capsys)
    assert code == 0 and not re.search(r"\bnan\b", out)
    assert "No material of these technologies loses supply: LUX" in " ".join(out.split())


def test_country_names_and_codes():
    assert scenario.resolve_countries(["chn", "China", "IDN", "CHN"]) == ("CHN", "IDN")
    with pytest.raises(UsageError, match=r"unknown country code 'CHX'; did you mean: .*CHN"):
        scenario.resolve_countries(["CHX"])


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan")])
def test_fraction_outside_0_1_is_a_usage_error(fraction):
    with pytest.raises(UsageError, match="--fraction"):
        api.scenario(["CHN"], fraction=fraction)


# ------------------------------------------------------------------ the command
def test_unknown_country_exits_2_with_the_closest_codes(tmp_path, private_data_dir):
    proc = run("scenario", "--without", "CHX", cwd=tmp_path, data_dir=private_data_dir)
    assert proc.returncode == 2 and proc.stdout == ""
    assert_one_error_line(proc.stderr)
    assert "did you mean: " in proc.stderr and "CHN" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["scenario"],
        ["scenario", "--without", "CHN", "--fraction", "2"],
        ["scenario", "--without", "CHN", "--stage", "smelting"],
        ["scenario", "--without", "CHN", "--all", "solar-pv"],
        ["scenario", "--without", "CHN", "no-such-tech"],
    ],
)
def test_bad_scenario_input_exits_2(args, capsys):
    code, out, err = call(args, capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)


def test_scenario_json_equals_the_library_result(capsys):
    code, out, _ = call(
        ["scenario", "-w", "CHN,IDN", "--stage", "refining", "solar-pv", "--format", "json"],
        capsys,
    )
    assert code == 0
    payload = json.loads(out)
    res = api.scenario(["CHN", "IDN"], "refining", technologies=["solar-pv"])
    assert payload["scenario"] == {"without": ["CHN", "IDN"], "stage": "refining", "fraction": 1.0}
    assert payload["materials"] == export.records(res.materials, api.SCENARIO_COLUMNS)
    assert payload["technologies"] == export.records(res.technologies)
    assert {"usgs-mcs-2024", "wgi-2023"} <= {s["id"] for s in payload["sources"]}


def test_scenario_csv(capsys):
    code, out, _ = call(["scenario", "--without", "COD", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert list(df.columns) == api.SCENARIO_COLUMNS
    cobalt = df[(df["material"] == "cobalt") & (df["stage"] == "mining")].iloc[0]
    assert cobalt["without"] == "COD" and 0.7 < cobalt["loss"] < 0.8
    assert "li-ion-batteries" in cobalt["technologies"].split("|")
    assert df["year"].dropna().map(float.is_integer).all()


def test_scenario_terminal_at_80_and_100_columns(tmp_path, private_data_dir, monkeypatch):
    for width in (80, 100):
        monkeypatch.setenv("COLUMNS", str(width))
        proc = run("scenario", "--without", "CHN", cwd=tmp_path, data_dir=private_data_dir)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert max(len(line) for line in lines) <= width
        text = proc.stdout
        assert text.startswith("Scenario: without CHN (all of their output), mining and refining")
        assert "Gallium" in text and "98%" in text and "RUS 50%" in text
        assert "no substitution" in " ".join(text.split())


def test_scenario_no_supply_is_shown_as_undefined(capsys):
    code, out, _ = call(
        ["scenario", "-w", "CHN", "-w", "RUS", "-w", "JPN", "-w", "KOR", "solar-pv"], capsys
    )
    assert code == 0
    line = next(x for x in out.splitlines() if x.lstrip().startswith("Gallium"))
    assert "100%" in line and "undefined" in line


PRODUCERS = ["CHN", "AUS", "COD", "IDN", "ZAF", "RUS", "CHL", "BRA", "USA", "JPN"]


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(PRODUCERS), min_size=1, max_size=4), FRACTION)
def test_properties_hold_on_the_bundled_data(without, fraction):
    res = api.scenario(sorted(without), fraction=fraction, technologies=["e-mobility"])
    m = res.materials.dropna(subset=["loss"])
    assert m["loss"].between(0, 1).all()
    assert (m["loss"] <= m["removed_share"] + 1e-12).all()
    assert ((m["loss"] - fraction * m["removed_share"]).abs() < 1e-9).all()
    # a removed country that stays on top never gains share
    stays = m[
        m["top_country_after"].isin(without) & (m["top_country_after"] == m["top_country_before"])
    ]
    assert (stays["top_share_after"] <= stays["top_share_before"] + 1e-12).all()
    if fraction == 0:
        assert (m["loss"] == 0).all()


def test_a_partial_basis_gives_a_lower_bound_or_an_unknown_loss():
    """EU CRM 2023 Table A names only the top supplier: removing it loses at least its share;
    removing anyone else loses an unknown amount (missing, never zero)."""
    m = api.scenario(["CHN"], "refining", technologies=["semiconductors"]).materials
    rows = m.set_index("material")
    tungsten = rows.loc["tungsten"]  # Table A: CHN 86 % of tungsten processing
    assert tungsten["source"] == "eu-crm-2023-table-a"
    assert tungsten["loss"] == pytest.approx(tungsten["top_share_before"])
    assert "lower bound" in tungsten["note"]
    hafnium = rows.loc["hafnium"]  # Table A: FRA is the top supplier; CHN's share is unknown
    assert hafnium["source"] == "eu-crm-2023-table-a"
    assert pd.isna(hafnium["loss"]) and "cannot be computed" in hafnium["note"]
