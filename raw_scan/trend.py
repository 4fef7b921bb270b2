"""A material's producer concentration over every year the snapshot holds.

Per stage and per source family (USGS MCS, IEA, World Mining Data), each year is computed
within that year's own series, exactly as the report computes its one year: producer shares of
the world total (``scoring.concentration``), top producer and its share, top-3 share, HHI,
coverage. Series of different families are never mixed (their units, bases and country coverage
differ); several editions of one family (MCS 2023 and MCS 2024 both hold 2022) give each year
from the newest edition that has it, the rule ``raw_scan.supply`` applies to the report.

As in the report, a material without its own series uses its group's (``data_from``: e.g. the
magnet rare earths or the rare-earth total for neodymium), per family; ``data_material`` says
which. A change of basis inside a family (e.g. USGS silicon: ferrosilicon and silicon metal
combined in MCS 2023, silicon metal alone in MCS 2024) is kept in the ``basis`` column and
flagged by ``basis_changed``, so a jump that is only a change of definition is visible.
``in_report`` marks the year and series the report uses for the stage. Partial sources
(``supply.PARTIAL``: only the top supplier's share, e.g. the EU CRM 2023 Table A) are left out:
a trend needs every producer of each year.
"""

from __future__ import annotations

import pandas as pd

from raw_scan import store
from raw_scan.assess import STAGES, assess
from raw_scan.names import resolve_material, split
from raw_scan.scoring import concentration
from raw_scan.supply import PARTIAL, PREFERENCE, family

COLUMNS = [
    "material",
    "stage",
    "data_material",
    "family",
    "source",
    "year",
    "top_country",
    "top_share",
    "top3_share",
    "hhi",
    "coverage",
    "producers",
    "world_total",
    "unit",
    "basis",
    "basis_changed",
    "in_report",
]
SPARKS = "▁▂▃▄▅▆▇█"


def trend(
    material: str, stages: tuple[str, ...] = STAGES, snap: store.Snapshot | None = None
) -> pd.DataFrame:
    """Long table (``COLUMNS``): material x stage x source family x year, oldest year first."""
    snap = snap or store.current()
    mid = resolve_material(material, snap)
    mats = snap.load("materials").set_index("id")
    candidates = [mid, *split(mats.loc[mid, "data_from"])]
    prod = snap.load("production")
    prod = prod[prod["material"].isin(candidates) & prod["stage"].isin(stages)]
    usable = prod[(prod["row_kind"] == "country") & (prod["quantity"] > 0)]
    rows = []
    for stage in stages:
        for fam in (f for f in PREFERENCE[stage] if f not in PARTIAL):
            for cand in candidates:
                have = usable[
                    (usable["material"] == cand)
                    & (usable["stage"] == stage)
                    & (usable["source"].map(family) == fam)
                ]
                if have.empty:
                    continue
                # each year from the newest edition of the family that has it
                newest = have.groupby("year")["source"].max()
                for year, source in newest.items():
                    series = prod[
                        (prod["material"] == cand)
                        & (prod["stage"] == stage)
                        & (prod["source"] == source)
                        & (prod["year"] == year)
                    ]
                    shares, total = concentration.country_shares(series)
                    c = concentration.concentration(shares, total)
                    rows.append(
                        {
                            "material": mid,
                            "stage": stage,
                            "data_material": cand,
                            "family": fam,
                            "source": source,
                            "year": int(year),
                            "top_country": c.top_country,
                            "top_share": c.top_share,
                            "top3_share": c.top3_share,
                            "hhi": c.hhi,
                            "coverage": c.coverage,
                            "producers": c.n_producers,
                            "world_total": total,
                            "unit": str(series["unit"].iloc[0]),
                            "basis": str(series["basis"].iloc[0]),
                        }
                    )
                break  # one candidate per family, the first with data (as the report does)
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    latest_basis = out.groupby(["stage", "family"])["basis"].transform("last")
    out["basis_changed"] = out["basis"] != latest_basis
    used = {
        (r.stage, r.data_material, r.source, r.year)
        for r in assess(snap)[0].itertuples()
        if r.material == mid and isinstance(r.source, str)
    }
    out["in_report"] = [
        (r.stage, r.data_material, r.source, r.year) in used for r in out.itertuples()
    ]
    return out.reset_index(drop=True)


def sparkline(values: list[float | None], span: float = 0.0) -> str:
    """One character per value, ▁ (lowest) to █ (highest); a space for a missing value.

    The scale runs from the lowest value over at least ``span`` (e.g. 0.1 for shares, 1 000
    for HHI), so that noise in a flat series does not look like a trend."""
    known = [v for v in values if v is not None and v == v]
    if not known:
        return " " * len(values)
    lo = min(known)
    width = max(max(known) - lo, span)
    out = []
    for v in values:
        if v is None or v != v:
            out.append(" ")
        elif width <= 0:
            out.append(SPARKS[0])
        else:
            out.append(SPARKS[int((v - lo) / width * (len(SPARKS) - 1) + 0.5)])
    return "".join(out)


IMPORT_COLUMNS = [
    "economy",
    "material",
    "stage",
    "year",
    "imports_value",
    "top_partner",
    "top_partner_share",
    "top_partners",
    "import_hhi",
    "non_eu_share",
    "geopolrisk",
]


def import_trend(
    material: str,
    economy: str,
    stages: tuple[str, ...] = STAGES,
    snap: store.Snapshot | None = None,
) -> tuple[dict, pd.DataFrame]:
    """({economy, kind, members, years, caveats}, one row per stage x year of the trade data):
    an economy's imports of the material (BACI values, thousand USD), its partners' shares
    (top 5), import HHI (0-1), non-EU share and GeoPolRisk, computed per year by
    ``raw_scan.exposure`` exactly as ``raw-scan economy`` computes its one year."""
    from raw_scan import exposure

    snap = snap or store.current()
    mid = resolve_material(material, snap)
    td = exposure.trade_data(snap)
    eco = td.economy(economy)
    hs = td.hs_materials[
        (td.hs_materials["material"] == mid) & td.hs_materials["stage"].isin(stages)
    ]
    meta = {
        "economy": eco.code,
        "kind": eco.kind,
        "members": list(eco.members),
        "years": list(td.years),
        "caveats": eco.caveats(),
        "hs6": {st: sorted(hs.loc[hs["stage"] == st, "hs6"]) for st in stages},
    }
    if hs.empty:
        return {**meta, "no_imports": list(stages)}, pd.DataFrame(columns=IMPORT_COLUMNS)
    ind = exposure.material_indicators(
        td.around([eco], td.years),
        hs,
        snap.load("production"),
        snap.load("governance"),
        [eco],
        td.years,
        every_pair=True,
        data_from=exposure.data_from(snap),
    )
    ind = ind.sort_values(["stage", "year"], kind="mergesort")
    # a stage without any import in any year: its codes have no flows in the trade data (e.g.
    # codes outside the bundled BACI extraction); left out and named, never shown as zeros
    traded = ind.groupby("stage")["imports_value"].transform("sum") > 0
    meta["no_imports"] = sorted(set(ind.loc[~traded, "stage"]))
    # a year without imports has no partners: their shares stay missing
    return meta, ind.loc[traded, IMPORT_COLUMNS].reset_index(drop=True)
