"""The frame every method returns, for methods that score straight from the stage table."""

from __future__ import annotations

import pandas as pd

from raw_scan.scoring.composite import PARTIAL


def from_stage_table(stages: pd.DataFrame, score, drivers) -> pd.DataFrame:
    """material, stage, partial (the stage table's "(partial)" mark: a score computed on the
    top supplier only), method_score and method_drivers, one row per stage-table row."""
    return pd.DataFrame(
        {
            "material": stages["material"],
            "stage": stages["stage"],
            "partial": stages["risk_band"].str.endswith(PARTIAL),
            "method_score": score,
            "method_drivers": drivers,
        }
    )
