"""Method ``composite``: the raw-scan risk indication of the stage table, unchanged
(``raw_scan.scoring.composite``; docs/methodology.md §4)."""

from __future__ import annotations

import pandas as pd

from raw_scan.assess import assess
from raw_scan.methods._frame import from_stage_table


def compute(snap, economy: str | None = None, year: int | None = None) -> pd.DataFrame:
    stages = assess(snap)[0]
    return from_stage_table(stages, stages["risk_score"], stages["drivers"])
