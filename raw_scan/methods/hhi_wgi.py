"""Method ``hhi-wgi``: the governance-weighted production concentration of the EU method,
HHI_WGI = sum over producing countries of s_c^2 x WGI_c (shares as fractions, WGI_c on 0-10 with
10 worst), computed by raw-scan for every material and stage (``scoring.governance``).

It is the concentration term of the EU supply risk before import reliance, trade parameters,
recycling and substitution (European Commission 2017). Countries without WGI data add nothing,
so the value is a lower bound where the report notes "some producers lack WGI data".
"""

from __future__ import annotations

import math

import pandas as pd

from raw_scan.assess import assess
from raw_scan.methods._frame import from_stage_table


def _drivers(r: dict) -> str:
    if r["hhi_wgi"] is None or math.isnan(r["hhi_wgi"]):
        return ""
    return (
        f"HHI×WGI {r['hhi_wgi']:.2f}/10: HHI {r['hhi']:,.0f} weighted by producer governance "
        f"({r['top_country']} {r['top_share']:.0%} of {r['stage']}; supplier WGI "
        f"{r['supplier_wgi']:.1f}/10)"
    )


def compute(snap, economy: str | None = None, year: int | None = None) -> pd.DataFrame:
    stages = assess(snap)[0]
    drivers = [_drivers(r) for r in stages.to_dict("records")]
    return from_stage_table(stages, stages["hhi_wgi"], drivers)
