"""Quantity weighting of a bill of materials: which share of the product's mass sits in each
risk band.

Weighting: each material of the BOM counts once, with its mass in kg (the sum of its lines when
it has one line per stage), at its worst stage under the chosen method (among the stages its BOM
lines name, both by default); its mass share is its mass / the total mass of the lines listed.
A material without a score counts under "no data" (its mass is never dropped, so the shares
always add up to 1). The mass-weighted mean score is taken over the materials with a score
only, and says which share of the mass that is.

Why mass: it is the one quantity every BOM line has and that adds up across materials without
prices or substitution data. Its limits: a kilogram of dysprosium and a kilogram of copper
count the same, although a few grams of a magnet metal can stop a product as surely as its
copper; value, substitutability or the product's function are not weighted. Read the shares as
"how much of what we listed", never as "how much of the product is at risk".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from raw_scan import methods

WEIGHTING = (
    "share of the listed mass (kg) in each band; each material counted once, at its worst "
    "stage under the method; materials without data under 'no data'"
)


@dataclass
class MassSummary:
    product: str
    method: str
    total_kg: float
    materials: int
    by_band: dict[str, dict] = field(default_factory=dict)  # band -> mass_share, kg, materials
    weighted_score: float | None = None
    scored_mass_share: float = 0.0
    weighting: str = WEIGHTING


def per_material(report: pd.DataFrame) -> pd.DataFrame:
    """One row per material: kg (over all its BOM lines), band and score at its worst stage
    under the method."""
    rows = report.assign(_o=report["method_band"].map(methods.BAND_ORDER))
    rows = rows.assign(_s=rows["method_score"].fillna(-math.inf))
    worst = rows.sort_values(["_o", "_s"], ascending=False, kind="mergesort")
    worst = worst.drop_duplicates("material")
    if "bom_line" in report.columns:  # a material on one line per stage: all its lines' mass
        lines = report.drop_duplicates(["material", "bom_line"])
        kg = lines.groupby("material")["quantity_kg"].sum()
        worst = worst.assign(quantity_kg=worst["material"].map(kg))
    return worst[["material", "quantity_kg", "method_band", "method_score", "stage"]]


def mass_summary(report: pd.DataFrame) -> MassSummary:
    """The mass-weighted summary of one product's BOM report (``api.bom_report``)."""
    per = per_material(report)
    total = float(per["quantity_kg"].sum())
    by_band = {}
    order = per["method_band"].map(methods.BAND_ORDER)
    for band in (*reversed(methods.BANDS), methods.NO_DATA):
        sel = per[order == methods.BAND_ORDER[band]]  # a "(partial)" band counts with its band
        kg = float(sel["quantity_kg"].sum())
        by_band[band] = {"mass_share": kg / total, "kg": kg, "materials": int(len(sel))}
    scored = per.dropna(subset=["method_score"])
    scored_kg = float(scored["quantity_kg"].sum())
    weighted = (
        float((scored["method_score"] * scored["quantity_kg"]).sum() / scored_kg)
        if scored_kg > 0
        else None
    )
    return MassSummary(
        product=str(report["technology"].iloc[0]),
        method=str(report["method"].iloc[0]),
        total_kg=total,
        materials=int(len(per)),
        by_band=by_band,
        weighted_score=weighted,
        scored_mass_share=scored_kg / total,
    )
