"""Facts checked against their sources: graphite, rare-earth EU flags, helium stock sales, proxies
that understate, and the EU CRM 2023 Table A partial basis (issue 7, section 1).

Every number asserted here is read off a fixture or a bundled source row (quoted in a comment),
never off the code's own output.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, one

from raw_scan import api, store
from raw_scan.errors import DataValidationError
from raw_scan.scoring import composite, concentration
from raw_scan.sources import eu, iea, usgs

IEA = FIXTURES / "iea_supply_2024_trimmed.xlsx"
CRMA = FIXTURES / "crma_2024_1252_annex_I_II_lists_TRANSCRIBED.csv"
EU_RESULTS = FIXTURES / "eureport_results.csv"
TABLE_A = FIXTURES / "eucrm_2023_tableA_major_supplier.json"
PARTIAL = " (partial)"


def stage_row(material: str, stage: str) -> pd.Series:
    return one(api.stage_table(), material=material, stage=stage)


def materials() -> pd.DataFrame:
    return store.load("materials").set_index("id")


# ------------------------------------------------------------------------------- graphite
def test_iea_battery_grade_graphite_is_its_own_material():
    df = iea.parse(IEA)
    # G47 'Graphite - Battery grade': natural AND synthetic graphite, so not natural graphite
    bg = df[df["material"] == "battery-grade-graphite"]
    assert set(bg["stage"]) == {"refining"}
    assert one(bg, country="CHN")["quantity"] == 1851.9  # G48 'China', H48 1851.9
    assert one(bg, row_kind="world")["quantity"] == 2037.2  # G55 'Total', H55 2037.2
    assert set(bg["basis"]) == {"battery-grade graphite (natural and synthetic)"}
    # A47 'Graphite - Mining (natural)' stays natural graphite, mining only
    ng = df[df["material"] == "natural-graphite"]
    assert set(ng["stage"]) == {"mining"}
    assert one(ng, country="CHN")["quantity"] == 1320.0  # A48 'China', B48 1320


def test_graphite_rows_show_what_the_sources_measure():
    bg = stage_row("battery-grade-graphite", "refining")
    assert (bg["source"], bg["top_country"]) == ("iea-cmde-2024", "CHN")
    # G48..G54: China 1851.9, Japan 123.5, United States 16.5, Canada 0.4, Sweden 0,
    # Germany 28.2, Rest of world 44.9 = 2065.4, more than the 'Total' 2037.2: the sum is used
    assert bg["top_share"] == pytest.approx(1851.9 / 2065.4, rel=1e-12)
    # nothing bundled measures the processing of natural graphite alone
    ng = stage_row("natural-graphite", "refining")
    assert ng["risk_band"] == "no data" and pd.isna(ng["source"])
    assert stage_row("natural-graphite", "mining")["source"] == "usgs-mcs-2024"
    # battery-grade graphite's mining stage: only its natural share is mined
    bg_mine = stage_row("battery-grade-graphite", "mining")
    assert bg_mine["data_material"] == "natural-graphite"
    assert "natural-graphite data used" in bg_mine["note"]
    for stage in ("mining", "refining"):
        sg = stage_row("synthetic-graphite", stage)
        assert sg["risk_band"] == "no data"
        assert "battery-grade-graphite" in sg["note"]


def test_graphite_eu_flags_follow_the_regulation_wording():
    crma = eu.parse_crma(CRMA)
    # I,k,Graphite — battery grade,...   II,v,Graphite,...   (no "natural" in either entry)
    assert one(crma, annex="I", point="k")["material_en"] == "Graphite — battery grade"
    assert one(crma, annex="II", point="v")["material_en"] == "Graphite"
    mats = materials()
    for mid in ("natural-graphite", "battery-grade-graphite", "synthetic-graphite"):
        assert (mats.loc[mid, "crma_annex_i"], mats.loc[mid, "crma_annex_ii"]) == ("k", "v")
        row = stage_row(mid, "mining")
        assert row["eu_critical"] and row["eu_strategic"], mid
    card = api.material_card("synthetic-graphite")
    assert "strategic: Annex I (k) Graphite — battery grade" in card.crma
    assert "critical: Annex II (v) Graphite" in card.crma


# ---------------------------------------------------------------------------- rare earths
def test_every_strategic_material_is_also_critical():
    for mid, m in materials().iterrows():
        if m["crma_annex_i"]:
            assert m["crma_annex_ii"], f"{mid} is in Annex I but in no Annex II entry"


def test_rare_earth_flags():
    crma = eu.parse_crma(CRMA)
    # I,n,"Rare earth elements for permanent magnets (Nd, Pr, Tb, Dy, Gd, Sm, and Ce)",...
    assert "(Nd, Pr, Tb, Dy, Gd, Sm, and Ce)" in one(crma, annex="I", point="n")["material_en"]
    # II,q,Heavy rare earth elements,...  II,r,Light rare earth elements,...
    assert one(crma, annex="II", point="q")["material_en"] == "Heavy rare earth elements"
    assert one(crma, annex="II", point="r")["material_en"] == "Light rare earth elements"
    mree = stage_row("magnet-rare-earths", "refining")
    assert mree["eu_critical"] and mree["eu_strategic"]
    for mid in ("rare-earths", "light-rare-earths", "heavy-rare-earths"):
        row = stage_row(mid, "mining")
        assert row["eu_critical"] and not row["eu_strategic"], mid
        assert "Annex I (n)" in row["note"] and "eu_strategic is false" in row["note"]
    for mid in ("neodymium", "praseodymium", "terbium", "dysprosium", "gadolinium", "samarium"):
        assert stage_row(mid, "mining")["eu_strategic"], mid
    for mid in ("lanthanum", "erbium", "yttrium"):
        assert not stage_row(mid, "mining")["eu_strategic"], mid


# --------------------------------------------------------------------------------- helium
def helium_rows() -> pd.DataFrame:
    name = "mcs2024-heliu_world.csv"
    text = (FIXTURES / "usgs_mcs2024" / name).read_bytes().decode("utf-8-sig")
    return usgs.parse_world_csv(text, name)


def test_usgs_cliffside_helium_is_not_production_by_the_mapping_rule():
    rules = usgs.series_table()
    assert rules.loc[rules["file"] == "heliu", "not_production"].item() == "cliffside"
    df = helium_rows()
    # MCS2024,United States (from Cliffside Field),"Mine production, helium",12,19,,52,
    cliff = one(df, country_name="United States (from Cliffside Field)", year=2023)
    assert (cliff["row_kind"], cliff["quantity"]) == ("excluded", 19.0)
    # MCS2024,United States (extracted from natural gas),"Mine production, helium",65,60,,8500,
    gas = one(df, country_name="United States (extracted from natural gas)", year=2023)
    assert (gas["row_kind"], gas["country"], gas["quantity"]) == ("country", "USA", 60.0)


def test_helium_shares_leave_the_stock_sales_out():
    shares, total = concentration.country_shares(helium_rows().query("year == 2023"))
    # 2023e: US (gas) 60, Algeria 10, Australia 1, Canada 4, Poland 3, Qatar 66, Russia 8 = 152;
    # World total (rounded) 170 includes Cliffside's 19: 170 - 19 = 151 < 152, so 152
    assert total == 152.0
    assert shares.index[0] == "QAT"
    assert shares["QAT"] == pytest.approx(66 / 152, rel=1e-12)
    assert shares["USA"] == pytest.approx(60 / 152, rel=1e-12)
    row = stage_row("helium", "mining")
    assert (row["top_country"], row["year"]) == ("QAT", 2023)
    assert row["top_share"] == pytest.approx(66 / 152, rel=1e-12)
    assert "United States (from Cliffside Field) (19 mcm)" in row["note"]
    assert "not extraction" in row["note"]


# -------------------------------------------------------------------------------- proxies
def test_proxies_that_understate_say_so_with_the_eu_figures():
    sr = store.load("eu_assessment").set_index("material")["supply_risk"]
    for mid in ("iridium", "ruthenium"):
        row = stage_row(mid, "mining")
        assert row["data_material"] == "platinum"
        # Iridium,3.9,...  Ruthenium,3.8,...  Platinum,2.13,...  (eureport_results.csv)
        assert f"({sr[mid]:g} against {sr['platinum']:g})" in row["note"]
        assert "likely understate" in row["note"]
    for mid in ("erbium", "yttrium", "gadolinium", "heavy-rare-earths"):
        row = stage_row(mid, "mining")
        assert row["data_material"] == "rare-earths"
        # HREE,5.1,...  LREE,3.7,...
        hree, lree = sr["heavy-rare-earths"], sr["light-rare-earths"]
        assert f"HREE {hree:g}, LREE {lree:g}" in row["note"], mid
        assert "likely understate" in row["note"]
    assert sr["heavy-rare-earths"] > sr["light-rare-earths"]
    assert sr["iridium"] > sr["platinum"] and sr["ruthenium"] > sr["platinum"]
    # a material's own series carries no proxy caveat
    assert "understate" not in stage_row("platinum", "mining")["note"]


def test_by_product_proxies_fill_the_mining_stage():
    hf = stage_row("hafnium", "mining")
    assert (hf["data_material"], hf["source"]) == ("zirconium", "usgs-mcs-2024")
    p = stage_row("phosphorus", "mining")
    assert (p["data_material"], p["source"]) == ("phosphate-rock", "usgs-mcs-2024")


def test_iron_ore_refining_is_pig_iron():
    with open(ROOT / "datasets" / "production.csv", encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["material"] == "iron-ore" and r["stage"] == "refining" and r["year"] == "2023"
        ]
    # mcs2024-feste_world.csv: China "Pig iron, million metric tons" 866, 890 (2023e)
    assert {r["country"]: float(r["quantity"]) for r in rows}["CHN"] == 890.0
    total = sum(float(r["quantity"]) for r in rows if r["row_kind"] in ("country", "other"))
    row = stage_row("iron-ore", "refining")
    assert row["basis"].startswith("pig iron")
    assert row["top_share"] == pytest.approx(890 / max(total, 1300), rel=1e-12)


# ------------------------------------------------------------------------ Table A (partial)
def test_table_a_rows():
    rows = eu.parse_table_a(TABLE_A)
    # "tungsten":{"stage":"processing","stage_code":"P","iso":"CN","name":"China","pct":86}
    w = rows[rows["material"] == "tungsten"]
    top = one(w, row_kind="country")
    assert (top["country"], top["stage"], top["quantity"], top["unit"]) == (
        "CHN",
        "refining",
        86.0,
        "%",
    )
    assert one(w, row_kind="world")["quantity"] == 100.0
    # "hafnium":{... "stage_code":"P","iso":"FR","name":"France","pct":49}
    assert one(rows, material="hafnium", row_kind="country")["country"] == "FRA"
    # 31 labels; "cokingcoal" is outside the vocabulary
    assert rows["material"].nunique() == 30
    assert set(rows["source"]) == {"eu-crm-2023-table-a"}


def test_table_a_entries_whose_stage_disagrees_are_dropped():
    rows = eu.parse_table_a(TABLE_A)
    results = eu.attach_material_ids(eu.parse_results(EU_RESULTS), store.load("materials"))
    kept, log = eu.check_table_a(rows, results)
    pairs = set(zip(kept["material"], kept["stage"], strict=True))
    # "manganese":{"stage":"processing",...,"iso":"ZA","pct":29} but CritMAT: Manganese,...,
    # Extraction; "niobium":{"stage":"processing",...,"pct":92} but Niobium,...,Extraction
    assert ("manganese", "refining") not in pairs and ("niobium", "refining") not in pairs
    assert any("manganese refining (ZAF 29%): dropped" in line for line in log)
    # "tungsten" P and CritMAT Tungsten ... Processing agree
    assert ("tungsten", "refining") in pairs
    bundled = store.load("production")
    bundled = bundled[bundled["source"] == "eu-crm-2023-table-a"]
    assert set(zip(bundled["material"], bundled["stage"], strict=True)) == pairs


def test_table_a_label_outside_the_mapping_is_an_error(tmp_path):
    data = json.loads(TABLE_A.read_text(encoding="utf-8"))
    data["materials"]["unobtainium"] = {"stage_code": "P", "iso": "CN", "pct": 50}
    bad = tmp_path / "tableA.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataValidationError, match="unobtainium.*eu_table_a.csv"):
        eu.parse_table_a(bad)
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DataValidationError, match="not a Table A JSON"):
        eu.parse_table_a(bad)


def test_partial_basis_row_is_labelled_as_such():
    row = stage_row("tungsten", "refining")
    assert (row["source"], row["top_country"], row["top_share"]) == (
        "eu-crm-2023-table-a",
        "CHN",
        0.86,
    )
    assert row["hhi"] == pytest.approx(86**2)  # the one known share: a lower bound
    assert row["coverage"] == pytest.approx(0.86)
    assert pd.isna(row["top3_share"])  # unknown, not guessed
    assert row["risk_band"].endswith(PARTIAL)
    assert "HHI >= 7,396" in row["drivers"] and "top supplier only" in row["drivers"]
    # upper bound: 86 % and the remaining 14 % in one share: 86^2 + 14^2 = 7,592
    assert "partial basis" in row["note"] and "7,592" in row["note"]
    # the EU says tungsten processing is the bottleneck; so does the filled row now
    assert row["eu_bottleneck_stage"] == "refining"


def test_every_kept_table_a_entry_fills_its_stage():
    table = api.stage_table()
    bundled = store.load("production")
    kept = bundled[bundled["source"].eq("eu-crm-2023-table-a") & bundled["row_kind"].eq("country")]
    for r in kept.itertuples():
        row = one(table, material=r.material, stage=r.stage)
        assert row["risk_band"] != "no data", (r.material, r.stage)
        # a full country series always wins over the partial basis
        if not row["source"].startswith("eu-"):
            assert not row["risk_band"].endswith(PARTIAL)
    # Table A also names CN 94 % for gallium processing: USGS's full series is used instead
    assert stage_row("gallium", "refining")["source"] == "usgs-mcs-2024"


def test_hhi_upper_bound_and_partial_bands():
    assert concentration.hhi_upper_bound(0.29) == pytest.approx(3 * 29**2 + 13**2)
    assert concentration.hhi_upper_bound(0.86) == pytest.approx(86**2 + 14**2)
    assert concentration.hhi_upper_bound(0.5) == pytest.approx(5000)
    assert concentration.hhi_upper_bound(1.0) == pytest.approx(10000)
    assert composite.band(0.6, partial=True) == "very high (partial)"
    assert composite.band(float("nan"), partial=True) == "no data"
    for b in composite.BANDS:
        assert composite.BAND_ORDER[b + PARTIAL] == composite.BAND_ORDER[b]
