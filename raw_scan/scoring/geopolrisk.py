"""GeoPolRisk: the geopolitical supply risk of a material for an importing economy.

    GeoPolRisk_Ac = HHI_A * sum_i(g_i * f_Aic) / (p_Ac + F_Ac)

(Gemechu et al. 2016, J. Ind. Ecol. 20(1):154-165; Santillan-Saldivar et al. 2021,
doi:10.1016/j.resconrec.2020.105108, and 2022, doi:10.1007/s11367-022-02027-y; Koyamparambath et
al. 2024, doi:10.1016/j.resconrec.2024.107801; geopolrisk-py, doi:10.21105/joss.09600), with

* HHI_A: Herfindahl-Hirschman index on 0-1 of world production of A in the trade year, over
  the countries of the World Mining Data series (shares of their sum);
* f_Aic: imports of A into economy c from partner i, tonnes (BACI quantities), internal flows
  of a group economy excluded; F_Ac = sum_i f_Aic;
* p_Ac: domestic production of A in c (sum over the members of a group), tonnes;
* g_i = (2.5 - PV_i) / 5 clipped to 0..1, PV_i the WGI "Political Stability and Absence of
  Violence/Terrorism" estimate of partner i (1 = least stable);
* the second factor is the *import risk*; the characterisation factor (eq. kg Cu per kg) is
  CF = GeoPolRisk * unit price / 0.409412948, the unit price being import value / import
  quantity (thousand USD per tonne = USD per kg) and 0.409412948 geopolrisk-py's reference
  value for copper (its "average CF of copper for OECD countries, 2017-2021").

Where geopolrisk-py 2.0.1 fills gaps silently, this module keeps them visible: a partner without
a WGI estimate adds nothing to the numerator and lowers ``gov_coverage`` (geopolrisk-py gives it
0.5); import rows without a quantity are left out of the unit price (geopolrisk-py keeps their
value, which inflates the price); a member without a production figure makes the economy's
production missing (geopolrisk-py counts it as 0). ``docs/economy.md`` shows the differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CF_COPPER = 0.409412948
TO_TONNES = {"t": 1.0, "kg": 0.001}
PRODUCTION_SOURCE = "wmd"  # World Mining Data (the method's production source)


def _pv(governance: pd.DataFrame) -> pd.DataFrame:
    pv = governance[governance["indicator"] == "PV"][["country", "year", "estimate"]]
    return pv.dropna(subset=["estimate"])


def wgi_years(governance: pd.DataFrame, years) -> pd.Series:
    """The WGI year used for each trade year: the latest year of the PV estimates not after
    it (trade years before the first WGI year are left out)."""
    available = np.sort(_pv(governance)["year"].unique())
    picked = {}
    for year in sorted({int(y) for y in years}):  # a handful of years, not rows
        before = available[available <= year]
        if len(before):
            picked[year] = int(before[-1])
    return pd.Series(picked, dtype="int64", name="wgi_year").rename_axis("year")


def instability(governance: pd.DataFrame, years) -> pd.DataFrame:
    """g per (year, partner) for the given trade years, from the WGI PV estimates of the WGI
    year of :func:`wgi_years` (column ``wgi_year``)."""
    pick = wgi_years(governance, years).reset_index()
    g = pick.merge(_pv(governance), left_on="wgi_year", right_on="year", suffixes=("", "_pv"))
    g = g.drop_duplicates(["year", "country"])
    return pd.DataFrame(
        {
            "year": g["year"].to_numpy(),
            "partner": g["country"].to_numpy(),
            "g": ((2.5 - g["estimate"]) / 5).clip(0, 1).to_numpy(),
            "wgi_year": g["wgi_year"].to_numpy(),
        }
    )


def production_series(
    production: pd.DataFrame, keys: pd.DataFrame, data_from: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """World Mining Data rows (in tonnes) for each (material, stage) of ``keys``, the first
    series found in this order: the material at the same stage, at its other stage, then each
    material of ``data_from`` (e.g. rare-earths for cerium) at the same, then the other stage.
    Columns material, stage, production_material, production_stage, year, country, tonnes,
    basis, source."""
    wmd = production[
        production["source"].astype(str).str.startswith(PRODUCTION_SOURCE)
        & (production["row_kind"] == "country")
    ]
    factor = wmd["unit"].map(TO_TONNES)  # other units (carats, m3) are not masses: no series
    wmd = wmd.assign(tonnes=wmd["quantity"] * factor)[factor.notna()]
    have = wmd[["material", "stage"]].drop_duplicates()
    have.columns = ["production_material", "production_stage"]
    data_from = data_from or {}
    candidates = [
        (m, s, cand, rank)
        for m, s in keys[["material", "stage"]].drop_duplicates().itertuples(index=False)
        for rank, cand in enumerate([m, *data_from.get(m, [])])
    ]
    cand = pd.DataFrame(candidates, columns=["material", "stage", "production_material", "rank"])
    cand = cand.merge(have, on="production_material")
    cand["rank"] = 2 * cand["rank"] + (cand["production_stage"] != cand["stage"])
    pick = cand.sort_values("rank", kind="mergesort").drop_duplicates(["material", "stage"])
    out = pick.merge(
        wmd.rename(columns={"material": "production_material", "stage": "production_stage"}),
        on=["production_material", "production_stage"],
    )
    return out[
        [
            "material",
            "stage",
            "production_material",
            "production_stage",
            "year",
            "country",
            "tonnes",
            "basis",
            "source",
        ]
    ]


def world_hhi(series: pd.DataFrame) -> pd.DataFrame:
    """HHI (0-1) of world production per (material, stage, year), over the countries with a
    figure, with the production stage and basis of the series."""
    known = series[series["tonnes"].notna()]
    keys = ["material", "stage", "year"]
    total = known.groupby(keys, observed=True)["tonnes"].transform("sum")
    share = (known["tonnes"] / total).where(total > 0)
    out = (
        (share**2)
        .groupby([known[k] for k in keys], observed=True)
        .sum(min_count=1)
        .rename("production_hhi")
    )
    meta = known.groupby(keys, observed=True)[
        ["production_material", "production_stage", "basis", "source"]
    ].first()
    return meta.join(out).reset_index()


def domestic(series: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Production of each economy per (material, stage, year), tonnes. A member missing from a
    series that has figures that year is not a listed producer (0); a member listed without a
    figure makes the economy's production missing (``production_missing`` names it)."""
    years = series[["material", "stage", "year"]].drop_duplicates()
    grid = members.merge(years, how="cross")
    m = grid.merge(
        series[["material", "stage", "year", "country", "tonnes"]],
        on=["material", "stage", "year", "country"],
        how="left",
        indicator=True,
    )
    m["listed"] = m["_merge"] == "both"
    unknown = m["listed"] & m["tonnes"].isna()
    keys = ["economy", "material", "stage", "year"]
    out = m.groupby(keys, observed=True, sort=False).agg(
        production=("tonnes", "sum"), listed=("listed", "any")
    )
    missing = m[unknown].groupby(keys, observed=True, sort=False)["country"].agg(" ".join)
    out["production_missing"] = missing
    out.loc[out["production_missing"].notna(), "production"] = np.nan
    return out.reset_index()


def import_risk(partner_imports: pd.DataFrame, g: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per key, from external imports by partner (columns keys + partner, quantity, value,
    value_qty): the numerator sum g_i f_i over partners with a g, F, the share of F from
    partners with a g, and the unit price from rows with a known quantity."""
    r = partner_imports.merge(g, on=["year", "partner"], how="left")
    has_g = r["g"].notna()
    r["_num"] = (r["g"] * r["quantity"]).where(has_g, 0.0)
    r["_qg"] = r["quantity"].where(has_g, 0.0)
    s = r.groupby(keys, observed=True, sort=False)[
        ["_num", "quantity", "_qg", "value", "value_qty"]
    ].sum()
    return pd.DataFrame(
        {
            "numerator": s["_num"],
            "imports_tonnes": s["quantity"],
            "gov_coverage": (s["_qg"] / s["quantity"]).where(s["quantity"] > 0),
            "unit_price": (s["value_qty"] / s["quantity"]).where(s["quantity"] > 0),
            "qty_coverage": (s["value_qty"] / s["value"]).where(s["value"] > 0),
        }
    )


def score(
    numerator: pd.Series, imports_tonnes: pd.Series, production: pd.Series, hhi: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(import risk, GeoPolRisk score): missing where production or the HHI is missing, or
    where there is neither production nor imports."""
    supply = production + imports_tonnes
    risk = (numerator / supply).where(supply > 0)
    return risk, hhi * risk


def characterisation_factor(gpr: pd.Series, unit_price: pd.Series) -> pd.Series:
    """CF in eq. kg Cu per kg: GeoPolRisk x unit price (USD/kg) / the copper reference."""
    return gpr * unit_price / CF_COPPER
