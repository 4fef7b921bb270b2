"""Method ``composite``: the raw-scan risk indication of the stage table, unchanged
(``raw_scan.scoring.composite``; docs/methodology.md §4)."""

from __future__ import annotations

import pandas as pd

from raw_scan.assess import assess


def compute(snap, economy: str | None = None) -> pd.DataFrame:
    stages = assess(snap)[0]
    return pd.DataFrame(
        {
            "material": stages["material"],
            "stage": stages["stage"],
            "method_score": stages["risk_score"],
            "method_drivers": stages["drivers"],
        }
    )
