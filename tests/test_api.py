"""The library API on the bundled snapshot (datasets/): coverage, provenance, name resolution."""

from __future__ import annotations

import csv
import math
from collections import defaultdict

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT

from raw_scan import api, store
from raw_scan.errors import UsageError
from raw_scan.report import export
from raw_scan.sources import usgs

ALL = [
    "li-ion-batteries",
    "fuel-cells",
    "electrolysers",
    "traction-motors",
    "heat-pumps",
    "h2-dri-eaf",
    "data-transmission",
    "robotics",
    "space-defence",
    "e-mobility",
    "semiconductors",
    "wind-turbines",
    "solar-pv",
]


@pytest.fixture(scope="module")
def full_report() -> pd.DataFrame:
    return api.technology_report(ALL)


def materials_of(report: pd.DataFrame, tech: str) -> set[str]:
    return set(report.loc[report["technology"] == tech, "material"])


def stage_row(material: str, stage: str) -> pd.Series:
    t = api.stage_table()
    hit = t[(t["material"] == material) & (t["stage"] == stage)]
    assert len(hit) == 1
    return hit.iloc[0]


def production_csv() -> list[dict]:
    with open(ROOT / "datasets" / "production.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_bundled_snapshot_is_in_use():
    assert store.active_dir() == store.bundled_dir()
    assert (store.active_dir() / "manifest.json").exists()


def test_thirteen_technologies_all_report(full_report):
    assert sorted(api.technologies()["id"]) == sorted(ALL)
    assert list(dict.fromkeys(full_report["technology"])) == ALL  # in the order asked
    for tech in ALL:
        rows = full_report[full_report["technology"] == tech]
        assert rows["risk_score"].notna().any(), tech
        assert set(rows["stage"]) == {"mining", "refining"}
    assert list(full_report.columns) == api.REPORT_COLUMNS


def test_expected_materials_per_technology(full_report):
    rare_earths = {
        m["id"]
        for m in store.load("materials").to_dict("records")
        if m["id"] == "rare-earths"
        or m["group"] in ("rare-earths", "light-rare-earths", "heavy-rare-earths")
    }
    assert {"neodymium", "dysprosium", "yttrium"} <= rare_earths
    assert {"lithium", "cobalt", "nickel", "manganese", "natural-graphite"} <= materials_of(
        full_report, "li-ion-batteries"
    )
    electrolysers = materials_of(full_report, "electrolysers")
    assert electrolysers & {"iridium", "platinum"} and "nickel" in electrolysers
    assert "platinum" in materials_of(full_report, "fuel-cells")
    heat_pumps = materials_of(full_report, "heat-pumps")
    assert "copper" in heat_pumps and heat_pumps & rare_earths
    assert {"silicon-metal", "gallium", "germanium"} <= materials_of(full_report, "semiconductors")
    assert {"neodymium", "praseodymium", "dysprosium", "terbium", "boron"} <= materials_of(
        full_report, "traction-motors"
    )


def test_gallium_refining_is_usgs_2023_china():
    row = stage_row("gallium", "refining")
    assert (row["source"], row["year"], row["top_country"]) == ("usgs-mcs-2024", 2023, "CHN")
    # mcs2024-galli_world.csv: China 600000 (2023e), World total (rounded) 610000
    assert row["top_share"] == pytest.approx(600000 / 610000, rel=1e-12)
    # HHI from the same file: China 600000, Japane 3000, Korea 2000, Russiae 5000, US 0
    by_hand = sum((100 * q / 610000) ** 2 for q in (600000, 3000, 2000, 5000))
    assert row["hhi"] == pytest.approx(by_hand, rel=1e-12)
    # ...and the committed fixture, a trimmed copy of that file, has those very rows
    name = "mcs2024-galli_world.csv"
    text = (FIXTURES / "usgs_mcs2024" / name).read_bytes().decode("utf-8-sig")
    fx = usgs.parse_world_csv(text, name)
    fx = fx[(fx["year"] == 2023) & (fx["row_kind"] == "country") & (fx["quantity"] > 0)]
    assert sorted(fx["quantity"]) == [2000.0, 3000.0, 5000.0, 600000.0]
    assert row["risk_band"] == "very high"


def test_germanium_refining_comes_from_world_mining_data():
    # USGS withholds or lacks every germanium number (W / NA)
    usgs_ge = [
        r
        for r in production_csv()
        if r["material"] == "germanium" and r["source"].startswith("usgs")
    ]
    assert usgs_ge and all(r["quantity"] == "" for r in usgs_ge)
    row = stage_row("germanium", "refining")
    assert row["source"].startswith("wmd")
    assert row["top_country"] == "CHN"


def test_neodymium_uses_magnet_rare_earths_and_says_so():
    for stage in ("mining", "refining"):
        row = stage_row("neodymium", stage)
        assert row["data_material"] == "magnet-rare-earths"
        assert "magnet-rare-earths data used" in row["note"]
        assert row["source"].startswith("iea")


def test_lithium_mining_share_traces_back_to_production_csv():
    row = stage_row("lithium", "mining")
    assert (row["source"], row["year"]) == ("usgs-mcs-2024", 2023)
    rows = [
        r
        for r in production_csv()
        if (r["material"], r["stage"], r["source"], r["year"])
        == ("lithium", "mining", "usgs-mcs-2024", "2023")
    ]
    qty = {r["country_name"]: r["quantity"] for r in rows}
    assert qty["Australia"] == "86000.0" and qty["World total (rounded)"] == "180000.0"
    parts = sum(float(r["quantity"]) for r in rows if r["row_kind"] != "world" and r["quantity"])
    assert parts == 184680.0  # the rounded world row is below the sum of the parts
    assert row["top_country"] == "AUS"
    assert row["top_share"] == pytest.approx(86000 / 184680, rel=1e-12)


def test_every_li_ion_number_traces_back_to_production_csv():
    """Recompute top share, HHI and coverage of each report row from the CSV rows it names."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in production_csv():
        groups[(r["material"], r["stage"], r["source"], r["year"])].append(r)
    report = api.technology_report(["li-ion-batteries"])
    checked = 0
    for r in report.dropna(subset=["hhi"]).to_dict("records"):
        rows = groups[(r["data_material"], r["stage"], r["source"], str(r["year"]))]
        by_country: dict[str, float] = defaultdict(float)
        other, world = 0.0, 0.0
        for p in rows:
            if not p["quantity"]:
                continue
            q = float(p["quantity"])
            if p["row_kind"] == "country":
                by_country[p["country"]] += q
            elif p["row_kind"] == "other":
                other += q
            else:
                world = max(world, q)
        total = max(world, sum(by_country.values()) + other)
        shares = sorted((q / total for q in by_country.values() if q > 0), reverse=True)
        assert r["top_share"] == pytest.approx(shares[0], rel=1e-9)
        assert r["hhi"] == pytest.approx(sum((100 * s) ** 2 for s in shares), rel=1e-9)
        assert r["coverage"] == pytest.approx(sum(shares), rel=1e-9)
        assert r["unit"] == rows[0]["unit"] and r["basis"] == rows[0]["basis"]
        checked += 1
    assert checked >= 15


def test_report_order_and_bottlenecks(full_report):
    two = api.technology_report(["heat-pumps", "li-ion-batteries"])
    assert list(dict.fromkeys(two["technology"])) == ["heat-pumps", "li-ion-batteries"]
    for _, rows in two.groupby("technology", sort=False):
        worst = rows.groupby("material", sort=False)["risk_score"].max().fillna(-1)
        assert list(worst) == sorted(worst, reverse=True)  # worst material first
    stages = api.stage_table()
    for material, rows in stages.groupby("material"):
        if rows["risk_score"].notna().any():
            assert rows["bottleneck"].sum() == 1, material
            assert rows.loc[rows["bottleneck"], "risk_score"].iloc[0] == rows["risk_score"].max()
        else:
            assert not rows["bottleneck"].any()
            assert set(rows["risk_band"]) == {"no data"}


def test_report_values_are_in_range(full_report):
    scored = full_report.dropna(subset=["risk_score"])
    partial = scored["risk_band"].str.endswith(" (partial)")
    for col in ("top_share", "coverage", "risk_score"):
        # float sums may exceed 1 by an ulp (molybdenum coverage 1.0000000000000002)
        assert scored[col].between(0, 1 + 1e-12).all(), col
    full = scored[~partial]
    assert full["top3_share"].between(0, 1 + 1e-12).all()
    assert (full["top3_share"] >= full["top_share"] - 1e-12).all()
    # a top-supplier-only basis knows no top-3 share: missing, never guessed
    assert scored.loc[partial, "top3_share"].isna().all()
    assert scored["hhi"].between(0, 10000).all()
    assert scored["supplier_wgi"].between(0, 10).all()
    bands = {"low", "medium", "high", "very high"}
    assert set(full_report["risk_band"]) <= bands | {b + " (partial)" for b in bands} | {"no data"}


def test_json_records_keep_the_values():
    report = api.technology_report(["li-ion-batteries"])
    recs = export.records(report, api.REPORT_COLUMNS)
    assert len(recs) == len(report)
    for rec, (_, row) in zip(recs, report.iterrows(), strict=True):
        for col in ("hhi", "top_share", "risk_score"):
            if rec[col] is None:
                assert pd.isna(row[col])
            else:
                assert rec[col] == round(float(row[col]), 6)
        assert rec["year"] is None or isinstance(rec["year"], int)
        assert isinstance(rec["bottleneck"], bool)


# --------------------------------------------------------------------------- name resolution
@pytest.mark.parametrize(
    ("name", "mid"),
    [
        ("REE", "rare-earths"),
        ("graphite", "natural-graphite"),
        ("Gallium", "gallium"),
        ("  silicon  ", "silicon-metal"),
        ("natural graphite", "natural-graphite"),
        ("PGM", "platinum-group-metals"),
    ],
)
def test_material_aliases(name, mid):
    assert api.resolve_material(name) == mid


@pytest.mark.parametrize(
    ("name", "tid"),
    [
        ("Li-ion batteries", "li-ion-batteries"),
        ("HEAT PUMPS", "heat-pumps"),
        ("heat_pumps", "heat-pumps"),
        ("traction motors", "traction-motors"),
        ("electrolyzers", "electrolysers"),
    ],
)
def test_technology_aliases(name, tid):
    assert api.resolve_technology(name) == tid


@pytest.mark.parametrize(
    ("kind", "name", "closest"),
    [
        ("technology", "heat-pumpz", "heat-pumps"),
        ("technology", "li-ion-baterries", "li-ion-batteries"),
        ("material", "galium", "gallium"),
        ("material", "lithum", "lithium"),
    ],
)
def test_unknown_names_are_usage_errors_with_a_suggestion(kind, name, closest):
    resolve = api.resolve_technology if kind == "technology" else api.resolve_material
    with pytest.raises(UsageError) as info:
        resolve(name)
    assert info.value.exit_code == 2
    message = str(info.value)
    assert f"unknown {kind} {name!r}" in message
    assert "did you mean" in message
    suggestion = message.split("did you mean:", 1)[1].split("?", 1)[0]
    assert closest in [s.strip() for s in suggestion.split(",")]
    assert "\n" not in message


def test_material_card_gallium():
    card = api.material_card("ga")
    assert card.material == "gallium"
    shares = card.producers["refining"].set_index("country")["share"]
    assert shares["CHN"] == pytest.approx(600000 / 610000)
    assert math.isclose(shares.sum(), 1.0)  # 'Other countries4' is 0 in 2023
    assert "semiconductors" in card.technologies
    assert any("strategic" in c for c in card.crma) and any("critical" in c for c in card.crma)
