"""An economy's import exposure per material and per HS6 product, from bilateral trade.

Brings the trade-based indicators together, for many economies and years at once:

* :func:`material_indicators`: per economy x year x material x stage, imports and exports,
  partners, import HHI, non-EU share, the CRMA third-country share, import reliance and
  GeoPolRisk (``scoring.imports``, ``scoring.dependency``, ``scoring.geopolrisk``);
* :func:`product_screen`: per economy x year x HS6 product, the strategic-dependency screen
  with its persistence.

Both work on plain tables (trade, the HS6 -> material mapping, production, governance), so
tests and benchmarks can feed them real excerpts; :class:`TradeData` reads them from a
snapshot. Definitions and caveats: ``docs/economy.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from raw_scan import store
from raw_scan.economies import Economy, membership, resolve
from raw_scan.errors import UsageError
from raw_scan.names import split
from raw_scan.scoring import dependency, geopolrisk, imports

MATERIAL_KEYS = ["economy", "year", "material", "stage"]
PRODUCT_KEYS = ["economy", "year", "hs6"]
# sums that are 0, not missing, for a material the economy did not trade that year
ZERO_WITHOUT_TRADE = [
    "imports_value",
    "imports_quantity",
    "imports_value_qty",
    "exports_value",
    "exports_quantity",
    "exports_value_qty",
    "imports_value_all",
    "exports_value_all",
    "outside_value",
    "numerator",
    "imports_tonnes",
]


@dataclass(frozen=True)
class TradeData:
    """The trade tables of a snapshot, with the countries and years they cover."""

    trade: pd.DataFrame
    hs_materials: pd.DataFrame
    countries: frozenset[str]
    years: tuple[int, ...]
    codes_by_year: dict[int, set[str]]

    def economy(self, name: str) -> Economy:
        return resolve(name, self.countries)

    def year(self, year: int | None) -> int:
        """The year asked for (the latest of the data by default), checked against the data."""
        if not self.years:
            raise UsageError("the snapshot has no trade data; run 'raw-scan datasets --reset'")
        if year is None:
            return self.years[-1]
        if year not in self.years:
            raise UsageError(
                f"no trade data for {year}; the trade data cover {year_spans(self.years)}"
                " (use --year with one of these)"
            )
        return int(year)

    def codes(self, year: int) -> set[str]:
        """The HS6 codes with at least one flow in the trade data that year."""
        return self.codes_by_year.get(int(year), set())

    def around(self, economies: list[Economy], years) -> pd.DataFrame:
        """Trade rows of the given years where a member of one of the economies trades."""
        members = {m for e in economies for m in e.members}
        t = self.trade
        return t[
            t["year"].isin(list(years))
            & (t["importer"].isin(members) | t["exporter"].isin(members))
        ]


def year_spans(years) -> str:
    """Sorted years as runs: (2018, 2019, 2020, 2022) -> '2018-2020, 2022'."""
    runs: list[list[int]] = []
    for y in sorted(int(y) for y in years):
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def trade_data(snap: store.Snapshot) -> TradeData:
    return _trade_data(snap.key)


@lru_cache(maxsize=4)
def _trade_data(folder: str) -> TradeData:
    snap = store.Snapshot(Path(folder))
    trade = snap.load("trade")
    hs = snap.load("hs_materials")
    trade = trade[trade["hs6"].isin(hs["hs6"])]
    countries = frozenset(trade["importer"].unique()) | frozenset(trade["exporter"].unique())
    pairs = trade[["year", "hs6"]].drop_duplicates()
    by_year = {int(y): set(g["hs6"]) for y, g in pairs.groupby("year")}
    return TradeData(trade, hs, countries, tuple(sorted(by_year)), by_year)


# ---------------------------------------------------------------------------- per material
def material_indicators(
    trade: pd.DataFrame,
    hs_materials: pd.DataFrame,
    production: pd.DataFrame,
    governance: pd.DataFrame,
    economies: list[Economy],
    years,
    *,
    every_pair: bool = False,
    data_from: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """One row per economy x year x material x stage with imports, partners and GeoPolRisk.

    Rows exist for the (material, stage) pairs the economy traded that year, or, with
    ``every_pair``, for every pair of ``hs_materials`` (no trade: zero imports and exports).
    ``docs/economy.md`` describes every column."""
    years = sorted(set(int(y) for y in years))
    trade = trade[trade["year"].isin(years)]
    f = imports.to_materials(imports.flows(trade, economies), hs_materials)
    ind = imports.partner_indicators(f, MATERIAL_KEYS)
    ext = f[(f["flow"] == "import") & ~f["internal"]]
    g = geopolrisk.instability(governance, years)
    risk = geopolrisk.import_risk(ext, g, MATERIAL_KEYS)
    ind = ind.join(risk).reset_index()
    for col in ("economy", "material", "stage"):
        ind[col] = ind[col].astype(str)
    if every_pair:
        pairs = hs_materials[["material", "stage"]].drop_duplicates()
        grid = (
            pd.DataFrame({"economy": [e.code for e in economies]})
            .merge(pd.DataFrame({"year": years}), how="cross")
            .merge(pairs, how="cross")
        )
        ind = grid.merge(ind, on=MATERIAL_KEYS, how="left")
        ind[ZERO_WITHOUT_TRADE] = ind[ZERO_WITHOUT_TRADE].fillna(0.0)

    series = geopolrisk.production_series(production, ind, data_from)
    ind = ind.merge(geopolrisk.world_hhi(series), on=["material", "stage", "year"], how="left")
    dom = geopolrisk.domestic(series, membership(economies))
    ind = ind.merge(dom, on=MATERIAL_KEYS, how="left")
    ind = ind.merge(
        geopolrisk.wgi_years(governance, years).rename("wgi_year"),
        left_on="year",
        right_index=True,
        how="left",
    )

    no_qty = (ind["imports_value_qty"] <= 0) & (ind["imports_value"] > 0)
    imports_t = ind["imports_tonnes"].fillna(0.0).mask(no_qty)
    ind["import_risk"], ind["geopolrisk"] = geopolrisk.score(
        ind["numerator"].fillna(0.0), imports_t, ind["production"], ind["production_hhi"]
    )
    ind["cf"] = geopolrisk.characterisation_factor(ind["geopolrisk"], ind["unit_price"])
    exports_t = ind["exports_quantity"].fillna(0.0)
    ind["import_reliance"] = dependency.import_reliance(imports_t, exports_t, ind["production"])
    return ind


# ---------------------------------------------------------------------------- per product
def product_screen(
    trade: pd.DataFrame,
    economies: list[Economy],
    year: int,
    thresholds: dependency.Thresholds,
) -> pd.DataFrame:
    """The screen per economy x HS6 product for ``year``, with the years dependent among the
    last three (``years_dependent``) and ``persistent`` (>= 2)."""
    window = trade[trade["year"].between(year - 2, year)]
    f = imports.flows(window, economies)
    ind = imports.partner_indicators(f, PRODUCT_KEYS)
    out = ind.join(dependency.screen(ind, thresholds)).reset_index()
    seen = dependency.persistence(out, year, ["economy", "hs6"]).rename("years_dependent")
    out = out[out["year"] == year].merge(
        seen, left_on=["economy", "hs6"], right_index=True, how="left"
    )
    out["years_dependent"] = out["years_dependent"].fillna(0).astype(int)
    out["persistent"] = out["years_dependent"] >= 2
    return out


def join_notes(*parts: pd.Series) -> pd.Series:
    """Join per-row note fragments (empty strings skipped) with '; '."""
    frame = pd.concat([p.fillna("") for p in parts], axis=1)
    text = frame.apply(lambda col: np.where(col != "", col + "; ", ""))
    return text.sum(axis=1).str.rstrip("; ")


# ---------------------------------------------------------------------------- for a snapshot
ECONOMY_COLUMNS = [
    "economy",
    "year",
    "material",
    "name",
    "stage",
    "hs6",
    "hs6_no_data",
    "imports_value",
    "imports_quantity",
    "exports_value",
    "exports_quantity",
    "qty_coverage",
    "import_hhi",
    "top_partner",
    "top_partner_share",
    "top_partners",
    "non_eu_share",
    "third_country",
    "third_country_share",
    "eu_strategic",
    "crma_65_exceeded",
    "production",
    "import_reliance",
    "production_hhi",
    "import_risk",
    "geopolrisk",
    "unit_price",
    "cf",
    "wgi_year",
    "gov_coverage",
    "production_basis",
    "note",
]


def economy_table(
    snap: store.Snapshot, economy: Economy, year: int, *, by_hs6: bool = False
) -> pd.DataFrame:
    """Every material x stage of the technologies (with its HS6 codes) for one economy and
    year, ranked by GeoPolRisk (highest first; missing last). With ``by_hs6``, one row per
    material x stage x HS6 code instead: the same indicators on that code's flows alone (the
    production series, hence the HHI of world production, stay the material's)."""
    td = trade_data(snap)
    tech = set(snap.load("technology_materials")["material"])
    hs = td.hs_materials[td.hs_materials["material"].isin(tech)]
    # codes without a single row that year are not traded in the snapshot's data (outside the
    # bundled extraction, or no flow at all): no trade data, which is not zero imports
    has_data = hs["hs6"].isin(td.codes(year))
    stand_in = data_from(snap)
    used = hs[has_data]
    if by_hs6:  # each code its own "material", whose production is the material's
        used = used.assign(material=used["material"] + "@" + used["hs6"])
        stand_in = {
            key: [key.split("@")[0], *stand_in.get(key.split("@")[0], [])]
            for key in used["material"]
        }
    ind = material_indicators(
        td.around([economy], [year]),
        used,
        snap.load("production"),
        snap.load("governance"),
        [economy],
        [year],
        every_pair=True,
        data_from=stand_in,
    )
    keys = ["material", "stage"]
    if by_hs6:
        split_key = ind["material"].str.split("@", n=1, expand=True)
        ind["material"], ind["hs6"] = split_key[0], split_key[1]
        for col in ("material", "production_material"):
            ind[col] = ind[col].astype("string").str.split("@").str[0]
        ind["hs6_no_data"] = None
        no_rows = hs[~has_data][[*keys, "hs6"]].rename(columns={"hs6": "hs6_no_data"})
    else:
        joined = lambda c: "|".join(sorted(c))  # noqa: E731
        codes = hs[has_data].groupby(keys)["hs6"].agg(joined).rename("hs6")
        absent = hs[~has_data].groupby(keys)["hs6"].agg(joined).rename("hs6_no_data")
        ind = ind.merge(codes.reset_index(), on=keys, how="left")
        lacking = absent.reset_index()
        ind = ind.merge(lacking, on=keys, how="left")
        no_rows = lacking.merge(ind[keys], on=keys, how="left", indicator=True)
        no_rows = no_rows[no_rows["_merge"] == "left_only"].drop(columns="_merge")
    unmapped = sorted(tech - set(hs["material"]))
    ind = pd.concat(
        [
            ind,
            no_rows.assign(economy=economy.code, year=year),
            pd.DataFrame({"economy": economy.code, "year": year, "material": unmapped}),
        ],
        ignore_index=True,
    )
    mats = snap.load("materials").set_index("id")
    ind["name"] = ind["material"].map(mats["name"])
    ind["eu_strategic"] = ind["material"].map(mats["crma_annex_i"].astype(bool))
    ind["wgi_year"] = ind["wgi_year"].astype("Int64")
    return (
        _finish(ind, year)
        .sort_values(
            ["geopolrisk", "imports_value", "material", "stage", "hs6"],
            ascending=[False, False, True, True, True],
            na_position="last",
            kind="mergesort",
        )[ECONOMY_COLUMNS]
        .reset_index(drop=True)
    )


def data_from(snap: store.Snapshot) -> dict[str, list[str]]:
    """Material -> the materials whose data stand in for it (``materials.data_from``)."""
    mats = snap.load("materials")
    return {m: split(d) for m, d in zip(mats["id"], mats["data_from"], strict=True) if split(d)}


def _finish(ind: pd.DataFrame, year: int) -> pd.DataFrame:
    """Quantities unknown where no import row had one; the CRMA flag; basis; notes."""
    mapped = ind["hs6"].notna()
    codes_without = ind["hs6_no_data"].notna()
    no_qty = (ind["imports_value_qty"] <= 0) & (ind["imports_value"] > 0)
    ind["imports_quantity"] = ind["imports_quantity"].mask(no_qty)
    ind["exports_quantity"] = ind["exports_quantity"].mask(
        (ind["exports_value_qty"] <= 0) & (ind["exports_value"] > 0)
    )
    flag = ind["third_country_share"].gt(0.65)
    ind["crma_65_exceeded"] = flag.astype("boolean").where(ind["eu_strategic"].fillna(False))
    ind["production_basis"] = (
        ind["production_material"].astype(str)
        + " "
        + ind["production_stage"].astype(str)
        + ", "
        + ind["basis"].astype(str)
        + " ("
        + ind["source"].astype(str)
        + ")"
    ).where(ind["basis"].notna())
    denom = (
        ind["production"] + ind["imports_quantity"].fillna(0) - ind["exports_quantity"].fillna(0)
    )
    ind["note"] = join_notes(
        _when(ind["stage"].isna(), "no HS6 code mapped to this material"),
        _when(
            codes_without,
            "no trade data in the snapshot for HS6 "
            + ind["hs6_no_data"].astype(str).str.replace("|", ", ")
            + " (raw-scan refresh baci)",
        ),
        _when(mapped & (ind["imports_value"] <= 0), f"no imports in {year}"),
        _when(no_qty, "no import quantity reported: import risk and GeoPolRisk unknown"),
        _when(
            ind["qty_coverage"].lt(0.995) & ~no_qty,
            _pct(1 - ind["qty_coverage"]) + " of import value has no quantity",
        ),
        _when(
            mapped & ind["production_hhi"].isna(),
            f"no World Mining Data production series for {year}",
        ),
        _when(
            ind["production_missing"].notna(),
            "production of " + ind["production_missing"].astype(str) + " not available",
        ),
        _when(
            ind["production_stage"].notna()
            & (ind["production_material"] == ind["material"])
            & (ind["production_stage"] != ind["stage"]),
            "world production at the " + ind["production_stage"].astype(str) + " stage stands in",
        ),
        _when(
            ind["production_material"].notna() & (ind["production_material"] != ind["material"]),
            "world production of " + ind["production_material"].astype(str) + " stands in",
        ),
        _when(
            ind["gov_coverage"].lt(0.9995),
            _pct(1 - ind["gov_coverage"]) + " of import tonnes from partners without a WGI"
            " score (left out of the numerator)",
        ),
        _when(
            ind["wgi_year"].notna() & (ind["wgi_year"] != year),
            "WGI " + ind["wgi_year"].astype("Int64").astype(str) + " used",
        ),
        _when(
            ind["production"].notna() & (denom <= 0),
            "exports exceed production + imports: import reliance undefined",
        ),
    )
    return ind


def _pct(share: pd.Series) -> pd.Series:
    """'12%', or '<1%' for a share under half a percent."""
    text = (100 * share).round().astype("Int64").astype(str) + "%"
    return text.where(share >= 0.005, "<1%")


def _when(mask: pd.Series, text) -> pd.Series:
    text = text if isinstance(text, pd.Series) else pd.Series(text, index=mask.index)
    return text.where(mask.fillna(False).astype(bool), "")


SCREEN_COLUMNS = [
    "economy",
    "year",
    "hs6",
    "description",
    "material",
    "imports_value",
    "outside_imports_value",
    "exports_value",
    "non_eu_share",
    "outside",
    "outside_share",
    "supplier_hhi",
    "imports_to_exports",
    "c1_supplier_hhi",
    "c2_outside_share",
    "c3_imports_to_exports",
    "criteria_met",
    "dependent",
    "years_dependent",
    "persistent",
    "top_partner",
    "top_partner_share",
    "third_country",
    "third_country_share",
    "note",
]


def screen_table(
    snap: store.Snapshot,
    economy: Economy,
    year: int,
    thresholds: dependency.Thresholds,
    *,
    persistent_only: bool = False,
) -> pd.DataFrame:
    """The screen for one economy and year, one row per HS6 product it imports or exports:
    dependent products first, then persistent, more criteria met, larger imports."""
    td = trade_data(snap)
    s = product_screen(td.around([economy], range(year - 2, year + 1)), [economy], year, thresholds)
    hs = td.hs_materials
    meta = hs.groupby("hs6").agg(
        description=("description", "first"),
        material=("material", lambda m: "|".join(sorted(set(m)))),
    )
    s["hs6"] = s["hs6"].astype(str)
    s["economy"] = s["economy"].astype(str)
    s = s.merge(meta, left_on="hs6", right_index=True, how="left")
    s = s.rename(
        columns={
            "imports_value": "imports_value_external",
            "exports_value": "exports_value_external",
            "imports_value_all": "imports_value",
            "exports_value_all": "exports_value",
            "outside_value": "outside_imports_value",
        }
    )
    s["outside"] = economy.outside_label
    first = td.years[0]
    s["note"] = join_notes(
        _when(
            (s["exports_value"] <= 0) & (s["outside_imports_value"] > 0),
            "no exports: criterion 3 met",
        ),
        _when(
            pd.Series(year - 2 < first, index=s.index),
            f"persistence counts years from {first} only",
        ),
    )
    if persistent_only:
        s = s[s["persistent"]]
    return s.sort_values(
        ["dependent", "persistent", "criteria_met", "imports_value", "hs6"],
        ascending=[False, False, False, False, True],
        kind="mergesort",
    )[SCREEN_COLUMNS].reset_index(drop=True)
