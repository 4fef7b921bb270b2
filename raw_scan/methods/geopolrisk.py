"""Method ``geopolrisk``: the GeoPolRisk supply risk of a material for an importing economy
(Gemechu et al. 2016; Koyamparambath et al. 2024):

    GeoPolRisk = HHI_A x sum_i (g_i x f_Aic) / (p_Ac + F_Ac)

HHI on 0-1 of world production of A; g_i the political instability of exporter i (WGI
political stability rescaled to 0-1, 1 = least stable); f_Aic the imports of A from i into c;
F_Ac all imports of A into c; p_Ac the domestic production.

The figures are those of ``raw_scan.api.economy`` (issue 8: BACI trade flows per economy,
World Mining Data production, WGI political stability; docs/economy.md), per material and stage
(the stage of the HS6 codes the material is traded under). A material or stage without mapped
trade codes, or without a GeoPolRisk for that economy and year, has no score, and the drivers
say why.
"""

from __future__ import annotations

import math

import pandas as pd

from raw_scan.assess import STAGES


def _num(x) -> float:
    return (
        float("nan")
        if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))
        else float(x)
    )


def _drivers(r: dict, code: str, year: int) -> str:
    score = _num(r.get("geopolrisk"))
    if math.isnan(score):
        why = r.get("note") or "no GeoPolRisk for these inputs"
        return f"{code} {year}: no GeoPolRisk ({why})"
    parts = [
        f"{code} {year}: production HHI {_num(r['production_hhi']):.3f} x import risk "
        f"{_num(r['import_risk']):.4f}"
    ]
    share = _num(r.get("top_partner_share"))
    if isinstance(r.get("top_partner"), str) and not math.isnan(share):
        parts.append(f"top partner {r['top_partner']} {share:.0%}")
    reliance = _num(r.get("import_reliance"))
    parts.append(
        "import reliance unknown" if math.isnan(reliance) else f"import reliance {reliance:.0%}"
    )
    return "; ".join(parts)


def compute(snap, economy: str | None = None, year: int | None = None) -> pd.DataFrame:
    from raw_scan import api

    figures = api.economy(economy, year, snap)
    code = str(figures["economy"].iloc[0]) if len(figures) else str(economy)
    used_year = int(figures["year"].iloc[0]) if len(figures) else year
    by_key = {
        (r["material"], r["stage"]): r for r in figures.dropna(subset=["stage"]).to_dict("records")
    }
    rows = []
    for mid in snap.load("materials")["id"]:
        for stage in STAGES:
            r = by_key.get((mid, stage))
            if r is None:
                score = float("nan")
                drivers = f"{code} {used_year}: no {stage} trade codes mapped for this material"
            else:
                score = _num(r.get("geopolrisk"))
                drivers = _drivers(r, code, used_year)
            rows.append(
                {"material": mid, "stage": stage, "method_score": score, "method_drivers": drivers}
            )
    return pd.DataFrame(rows)
