"""Method ``geopolrisk``: the GeoPolRisk supply risk of a material for an importing economy
(Gemechu et al. 2016; Koyamparambath et al. 2024):

    GeoPolRisk = HHI_A x sum_i (g_i x f_Aic) / (p_Ac + F_Ac)

HHI on 0-1 of world production of A; g_i the political instability of exporter i (WGI
political stability rescaled to 0-1, 1 = least stable); f_Aic the imports of A from i into c;
F_Ac all imports of A into c; p_Ac the domestic production.

The numbers come from ``raw_scan.api.economy`` (issue 8: trade flows per economy). Until that
entry point exists this method says so, with exit code 2, rather than guess.
"""

from __future__ import annotations

import pandas as pd

from raw_scan.errors import UsageError


def compute(snap, economy: str | None = None) -> pd.DataFrame:
    from raw_scan import api

    if not hasattr(api, "economy"):
        raise UsageError(
            "method geopolrisk is not available in this version: it needs the per-economy "
            "trade data (api.economy, issue 8); use --method composite, eu-sr, hhi-wgi or gss"
        )
    raise UsageError("method geopolrisk: api.economy is present but not yet wired in")
