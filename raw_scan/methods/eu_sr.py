"""Method ``eu-sr``: the supply risk (SR) published by the EU 2023 criticality assessment, per
stage where the study published one (extraction -> mining, processing -> refining).

    SR = [HHI_WGI,t(global) x IR/2 + HHI_WGI,t(EU sourcing) x (1 - IR/2)] x (1 - EoL-RIR) x SI_SR

raw-scan does not recompute it (that needs EU sourcing, import reliance, substitution and trade
parameters per material): the values are the study's, as transcribed by the CritMAT project
(see the ``fixes`` column of the eu_assessment table). A stage the study did not assess, or a
material it did not assess, has no score. Materials without an own row use their group's
(e.g. the HREE row for erbium), and the drivers say so.
"""

from __future__ import annotations

import math

import pandas as pd

from raw_scan.assess import STAGES
from raw_scan.methods._eu import eu_rows

EU_STAGE = {"mining": "extraction", "refining": "processing"}


def _num(x) -> float:
    return float("nan") if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _pct(x) -> str:
    x = _num(x)
    return "unknown" if math.isnan(x) else f"{x:.0%}"


def compute(snap, economy: str | None = None, year: int | None = None) -> pd.DataFrame:
    rows_by_material = eu_rows(snap)
    rows = []
    for mid in snap.load("materials")["id"]:
        eu, group = rows_by_material.get(mid, (None, None))
        for stage in STAGES:
            score, drivers = float("nan"), "not in the EU 2023 assessment"
            if eu is not None:
                score = _num(eu[f"supply_risk_{stage}"])
                label = eu["eu_name"] + (" group row" if group else "")
                if math.isnan(score):
                    drivers = f"EU 2023 ({label}): {EU_STAGE[stage]} not assessed"
                else:
                    si = _num(eu["si_sr"])
                    drivers = (
                        f"EU 2023 SR {score:.1f} at {EU_STAGE[stage]}"
                        f"{' (EU bottleneck)' if eu['bottleneck_stage'] == stage else ''} "
                        f"({label}); import reliance {_pct(eu[f'import_reliance_{stage}'])}; "
                        f"EoL-RIR {_pct(eu['eol_rir'])}; substitution index "
                        + ("unknown" if math.isnan(si) else f"{si:.2f}")
                    )
            rows.append(
                {"material": mid, "stage": stage, "method_score": score, "method_drivers": drivers}
            )
    return pd.DataFrame(rows)
