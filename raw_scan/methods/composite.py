"""Method ``composite``: the raw-scan risk indication of the stage table, unchanged
(``raw_scan.scoring.composite``; docs/methodology.md §4)."""

from __future__ import annotations

import pandas as pd

from raw_scan.assess import assess
from raw_scan.scoring.composite import PARTIAL


def compute(snap, economy: str | None = None, year: int | None = None) -> pd.DataFrame:
    stages = assess(snap)[0]
    return pd.DataFrame(
        {
            "material": stages["material"],
            "stage": stages["stage"],
            # the stage table marks a score on a partial basis (top supplier only)
            "partial": stages["risk_band"].str.endswith(PARTIAL),
            "method_score": stages["risk_score"],
            "method_drivers": stages["drivers"],
        }
    )
