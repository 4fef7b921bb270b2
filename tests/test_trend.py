"""A material's concentration over every year the snapshot holds, per stage and source series;
sparklines; the trend command's CSV, JSON and terminal output."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from test_cli import call

from raw_scan import api, trend
from raw_scan.report import export


# ------------------------------------------------------------------ trend
@pytest.fixture(scope="module")
def lithium() -> pd.DataFrame:
    return api.trend("lithium")


def test_lithium_mining_trend_per_source(lithium):
    usgs_rows = lithium[(lithium["stage"] == "mining") & (lithium["family"] == "usgs")]
    assert list(usgs_rows["year"]) == [2021, 2022, 2023]
    assert list(usgs_rows["source"]) == ["usgs-mcs-2023", "usgs-mcs-2024", "usgs-mcs-2024"]
    # MCS 2023, lithium 2021: Australia 55 300 t of a 107 000 t world total
    first = usgs_rows.iloc[0]
    assert first["top_country"] == "AUS"
    assert first["top_share"] == pytest.approx(55_300 / 107_000)
    assert first["world_total"] == 107_000
    # the 2023 row is exactly what the report shows
    report = api.stage_table().set_index(["material", "stage"]).loc[("lithium", "mining")]
    last = usgs_rows.iloc[-1]
    assert bool(last["in_report"]) and last["hhi"] == pytest.approx(report["hhi"])
    assert lithium["in_report"].sum() == 2  # one per stage
    wmd = lithium[(lithium["stage"] == "mining") & (lithium["family"] == "wmd")]
    assert list(wmd["year"]) == list(range(2018, 2025))
    assert (lithium["top_share"] <= lithium["top3_share"] + 1e-12).all()
    assert lithium["hhi"].between(0, 10_000).all()


def test_group_data_and_basis_changes_are_labelled():
    nd = api.trend("neodymium", "refining")
    assert set(nd["data_material"]) == {"magnet-rare-earths"}
    si = api.trend("silicon metal")
    changed = si[si["basis_changed"]]
    assert list(changed["year"]) == [2021]
    assert "ferrosilicon" in changed.iloc[0]["basis"]


def test_a_material_without_series_has_an_empty_trend(capsys):
    assert api.trend("scandium").empty
    code, out, err = call(["trend", "scandium", "--format", "csv"], capsys)
    assert code == 0
    assert out.strip() == ",".join(trend.COLUMNS)
    assert err == "raw-scan: no production series for scandium in the data\n"


def test_sparkline():
    assert trend.sparkline([1, 2, 3]) == "▁▅█"  # 3.5 of 7 steps rounds up
    assert trend.sparkline([0.50, 0.51], span=0.1) == "▁▂"  # noise stays small
    assert trend.sparkline([5, None, 5]) == "▁ ▁"
    assert trend.sparkline([None, None]) == "  "


def test_trend_cli_json_equals_the_library_result(capsys):
    code, out, _ = call(["trend", "gallium", "--format", "json"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["material"] == "gallium"
    assert payload["trend"] == export.records(api.trend("gallium"), trend.COLUMNS)
    assert {s["id"] for s in payload["sources"]} == {
        "usgs-mcs-2023",
        "usgs-mcs-2024",
        "wmd-gpr-2.0.1",
    }


def test_trend_cli_csv_and_terminal(capsys):
    code, out, _ = call(["trend", "Li", "--stage", "mining", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert set(df["stage"]) == {"mining"} and df["year"].dtype == "int64"
    code, out, _ = call(["trend", "silicon-metal"], capsys)
    assert code == 0
    assert "2021" in out and "MCS 2023 †" in out and "ferrosilicon" in out
    assert "▁" in out or "█" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_trend_unknown_material_and_stage(capsys):
    code, out, err = call(["trend", "unobtainium"], capsys)
    assert code == 2 and out == "" and err.startswith("raw-scan: error: unknown material")
    code, _, err = call(["trend", "lithium", "--stage", "smelting"], capsys)
    assert code == 2 and err.count("\n") == 1
