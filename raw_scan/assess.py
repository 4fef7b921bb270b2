"""Indicators for every material x stage of a snapshot: the core computation of raw-scan.

For each material of the vocabulary and each stage (mining, refining) the source-selection rule
(``raw_scan.supply``) picks a production series; from it come producer shares, concentration
(``scoring.concentration``), supplier governance (``scoring.governance``) and the composite risk
indication (``scoring.composite``), with the EU flags and the drivers that explain the band.
The result is one tidy row per material x stage (``stage_table``) plus the per-stage details
(shares by country) that the material card and scenarios need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from raw_scan import store
from raw_scan.names import split
from raw_scan.scoring import composite, concentration, governance
from raw_scan.supply import index_production, select

STAGES = ("mining", "refining")


def isnan(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def eu_lookup(snap: store.Snapshot) -> dict:
    """raw-scan material id -> its row of the EU 2023 assessment."""
    eu = snap.load("eu_assessment")
    return {
        r["material"]: r
        for r in eu.to_dict("records")
        if isinstance(r["material"], str) and r["material"]
    }


@dataclass
class StageResult:
    material: str
    stage: str
    data_material: str | None = None
    source: str | None = None
    year: int | None = None
    unit: str | None = None
    basis: str | None = None
    shares: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    conc: concentration.Concentration | None = None
    hhi_wgi: float = float("nan")
    supplier_wgi: float = float("nan")
    wgi_coverage: float = 0.0
    partial: bool = False  # only the top supplier's share is known (supply.PARTIAL)
    excluded: list[str] = field(default_factory=list)  # rows the source marks not production


def assess(snap: store.Snapshot) -> tuple[pd.DataFrame, dict]:
    """(stage table, {(material, stage): StageResult}) for a snapshot; cached per snapshot."""
    return _assess(snap.key)


@lru_cache(maxsize=4)
def _assess(folder: str) -> tuple[pd.DataFrame, dict]:
    snap = store.Snapshot(Path(folder))
    materials = snap.load("materials")
    production = snap.load("production")
    gov = snap.load("governance")
    index = index_production(production)
    eu = eu_lookup(snap)
    wgi_cache: dict[int, pd.Series] = {}
    rows, details = [], {}
    for m in materials.to_dict("records"):
        eu_row = eu.get(m["id"]) or eu.get(m["group"]) or {}
        eol = eu_row.get("eol_rir")
        eol = None if isnan(eol) else float(eol)
        strategic = bool(m["crma_annex_i"])
        critical = bool(m["crma_annex_ii"])
        for stage in STAGES:
            res = StageResult(m["id"], stage)
            series = select(index, m["id"], stage, split(m["data_from"]))
            if series is not None:
                shares, total = concentration.country_shares(series.rows)
                res.data_material, res.source, res.year = (
                    series.material,
                    series.source,
                    series.year,
                )
                res.unit = str(series.rows["unit"].iloc[0])
                res.basis = str(series.rows["basis"].iloc[0])
                res.partial = series.partial
                rows_ = series.rows
                res.excluded = [
                    f"{name} ({qty:g} {unit})"
                    for name, kind, qty, unit in zip(
                        rows_["country_name"].tolist(),
                        rows_["row_kind"].tolist(),
                        rows_["quantity"].tolist(),
                        rows_["unit"].tolist(),
                        strict=True,
                    )
                    if kind == "excluded" and not isnan(qty)
                ]
                res.shares, res.conc = shares, concentration.concentration(shares, total)
                if series.year not in wgi_cache:
                    wgi_cache[series.year] = governance.scaled_wgi(gov, series.year)
                res.hhi_wgi, res.supplier_wgi, res.wgi_coverage = governance.weighted(
                    shares, wgi_cache[series.year]
                )
            details[(m["id"], stage)] = res
            c = res.conc
            hhi = c.hhi if c else float("nan")
            score = composite.score(hhi, res.supplier_wgi, eol)
            rows.append(
                {
                    "material": m["id"],
                    "stage": stage,
                    "year": res.year,
                    "top_country": c.top_country if c else None,
                    "top_share": c.top_share if c else None,
                    "top3_share": c.top3_share if c and not res.partial else None,
                    "hhi": hhi,
                    "hhi_wgi": res.hhi_wgi,
                    "supplier_wgi": res.supplier_wgi,
                    "coverage": c.coverage if c else None,
                    "eol_rir": eol,
                    "risk_score": score,
                    "risk_band": composite.band(score, partial=res.partial),
                    "eu_critical": critical,
                    "eu_strategic": strategic,
                    "eu_supply_risk": eu_row.get("supply_risk"),
                    "eu_economic_importance": eu_row.get("economic_importance"),
                    "eu_bottleneck_stage": eu_row.get("bottleneck_stage") or None,
                    "data_material": res.data_material,
                    "basis": res.basis,
                    "unit": res.unit,
                    "source": res.source,
                    "note": _note(m, res),
                }
            )
    df = pd.DataFrame(rows)
    df["year"] = df["year"].astype("Int64")
    df["drivers"] = [_drivers(r) for r in df.to_dict("records")]
    best = df.assign(_s=df["risk_score"].fillna(-1)).groupby("material")["_s"].transform("max")
    df["bottleneck"] = df["risk_score"].notna() & (df["risk_score"] == best)
    # a tie keeps only the first stage (mining) as the bottleneck
    df.loc[df.duplicated(["material", "bottleneck"]) & df["bottleneck"], "bottleneck"] = False
    return df, details


def _note(m: dict, res: StageResult) -> str:
    notes = []
    proxy = bool(res.data_material and res.data_material != m["id"])
    if proxy:
        notes.append(f"no {m['name'].lower()} series; {res.data_material} data used")
        if m.get("proxy_note"):
            notes.append(m["proxy_note"])
    if res.conc is None:
        notes.append(f"no {res.stage} production data in the snapshot")
    elif res.partial:
        notes.append(
            f"partial basis: only the top supplier's share is known ({res.source}); HHI "
            f"{res.conc.hhi:,.0f} is its lower bound (at most "
            f"{concentration.hhi_upper_bound(res.conc.top_share):,.0f} if the rest were split in "
            "shares no larger), governance is the top supplier's, top-3 share unknown"
        )
    elif res.conc.coverage < 0.5:
        notes.append(f"only {res.conc.coverage:.0%} of world supply attributed to countries")
    if res.conc is not None and res.wgi_coverage < res.conc.coverage - 1e-9:
        notes.append("some producers lack WGI data")
    if res.excluded:
        notes.append(f"not counted as {res.stage} production: {', '.join(res.excluded)}")
    if m.get("row_note"):
        notes.append(m["row_note"])
    return "; ".join(notes)


def _drivers(r: dict) -> str:
    if isnan(r["hhi"]):
        return ""
    partial = r["risk_band"].endswith(composite.PARTIAL)
    parts = [
        f"{r['top_country']} {r['top_share']:.0%} of {r['stage']}"
        + (" (top supplier only)" if partial else ""),
        f"HHI {'>= ' if partial else ''}{r['hhi']:,.0f}",
    ]
    if not isnan(r["supplier_wgi"]):
        parts.append(f"supplier governance {r['supplier_wgi']:.1f}/10")
    parts.append("EoL-RIR unknown" if isnan(r["eol_rir"]) else f"EoL-RIR {r['eol_rir']:.0%}")
    return "; ".join(parts)
