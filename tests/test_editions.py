"""Two USGS editions in one snapshot (MCS 2023 for 2021, MCS 2024 for 2022-2023): the 2023
release's own units and bases, the newest edition wins a year, today's report unchanged."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT

from raw_scan import api, assess, store, supply
from raw_scan.sources import usgs


# ------------------------------------------------------------------ USGS 2023 release quirks
def test_mcs2023_chromite_is_in_thousand_tonnes_as_its_notes_say():
    text = (FIXTURES / "usgs_mcs2023" / "mcs2023-chrom_world.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Source,Country,Type,Prod_t_2021")  # the wrong label
    assert "Units are thousand metric tons" in text
    df = usgs.parse_world_csv(text, "mcs2023-chrom_world.csv")
    fin = df[(df["country"] == "FIN") & (df["year"] == 2021)].iloc[0]
    assert (fin["quantity"], fin["unit"], fin["source"]) == (2270.0, "kt", "usgs-mcs-2023")


@pytest.mark.parametrize(
    ("code", "material", "basis"),
    [
        ("simet", "silicon-metal", "silicon content of ferrosilicon and silicon metal combined"),
        ("mgcomp", "magnesite", "magnesite (gross weight of magnesium carbonate)"),
    ],
)
def test_mcs2023_series_keep_their_own_basis(code, material, basis):
    name = f"mcs2023-{code}_world.csv"
    df = usgs.parse_world_csv(
        (FIXTURES / "usgs_mcs2023" / name).read_text(encoding="utf-8-sig"), name
    )
    assert set(df["material"]) == {material}
    assert set(df["basis"]) == {basis}
    # the 2024 rules are unchanged for 2024 files
    rules = usgs.series_table()
    later = rules[(rules["material"] == material) & (rules["from_edition"] == "2024")]
    assert len(later) == 1 and later.iloc[0]["basis"] != basis


def test_bundled_production_holds_both_usgs_editions():
    prod = store.load("production")
    years = prod[prod["source"].str.startswith("usgs")].groupby("source")["year"].unique()
    assert sorted(years["usgs-mcs-2023"]) == [2021, 2022]
    assert sorted(years["usgs-mcs-2024"]) == [2022, 2023]


# ------------------------------------------------------------------ the selection rule
def _rows(source: str, year: int, quantities: dict[str, float]) -> list[dict]:
    return [
        {
            "material": "lithium",
            "stage": "mining",
            "country": c,
            "row_kind": "country",
            "year": year,
            "quantity": q,
            "unit": "t",
            "basis": "lithium content",
            "source": source,
        }
        for c, q in quantities.items()
    ]


def test_the_newest_edition_wins_a_year_both_hold():
    # both editions' latest year is 2022; the older edition is listed first
    prod = pd.DataFrame(
        _rows("usgs-mcs-2023", 2021, {"AUS": 50, "CHL": 30})
        + _rows("usgs-mcs-2023", 2022, {"AUS": 60, "CHL": 40})
        + _rows("usgs-mcs-2024", 2022, {"AUS": 70, "CHL": 30})
    )
    series = supply.select(supply.index_production(prod), "lithium", "mining", [])
    assert (series.source, series.year) == ("usgs-mcs-2024", 2022)
    assert list(series.rows["quantity"]) == [70, 30]
    # and the other way round
    prod = prod.iloc[::-1].reset_index(drop=True)
    series = supply.select(supply.index_production(prod), "lithium", "mining", [])
    assert (series.source, series.year) == ("usgs-mcs-2024", 2022)


def test_a_newer_year_of_an_older_edition_still_wins_over_an_older_year():
    prod = pd.DataFrame(
        _rows("usgs-mcs-2024", 2022, {"AUS": 70}) + _rows("usgs-mcs-2023", 2023, {"AUS": 1})
    )
    series = supply.select(supply.index_production(prod), "lithium", "mining", [])
    assert (series.source, series.year) == ("usgs-mcs-2023", 2023)


def test_the_report_is_unchanged_by_the_mcs2023_rows(tmp_path):
    """Today's report with and without the older edition in the snapshot: identical."""
    without = tmp_path / "without-2023"
    shutil.copytree(store.bundled_dir(), without)
    prod = pd.read_csv(without / "production.csv")
    assert (prod["source"] == "usgs-mcs-2023").sum() > 1000
    prod[prod["source"] != "usgs-mcs-2023"].to_csv(
        without / "production.csv", index=False, lineterminator="\n"
    )
    base = api.technology_report(["li-ion-batteries", "wind-turbines", "solar-pv", "robotics"])
    other = api.technology_report(
        ["li-ion-batteries", "wind-turbines", "solar-pv", "robotics"],
        snap=store.Snapshot(without),
    )
    pd.testing.assert_frame_equal(base, other)
    pd.testing.assert_frame_equal(
        assess.assess(store.current())[0], assess.assess(store.Snapshot(without))[0]
    )
    assert not (api.stage_table()["source"] == "usgs-mcs-2023").any()


def test_build_script_lists_the_mcs2023_input():
    text = (ROOT / "scripts" / "build_datasets.py").read_text()
    assert "usgs_mcs/mcs2023/world" in text
    man = store.manifest()
    prod = next(t for t in man["tables"] if t["table"] == "production")
    assert {s["id"] for s in prod["sources"]} >= {"usgs-mcs-2023", "usgs-mcs-2024"}
    assert any(i["path"].endswith("mcs2023/world") for i in prod["inputs"])
