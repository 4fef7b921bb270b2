"""Governance of the supplying countries, from the World Bank WGI.

WGI_c is the mean of the six WGI estimates of country c (about -2.5 .. +2.5, higher = better),
rescaled to 0-10 with 10 = worst: ``(2.5 - mean) * 2``, clipped to 0..10 (EC 2017 methodology).
For each country the latest year not after the production year is used (the latest available
when all are later). A country needs all six estimates in that year.

* ``hhi_wgi`` = sum of s_c^2 * WGI_c over countries (shares as fractions): the EU's
  governance-weighted concentration on 0-10.
* ``supplier_wgi`` = sum of s_c * WGI_c / sum of s_c: the production-weighted governance of the
  known suppliers, on 0-10 (5 = a world-average country).
"""

from __future__ import annotations

import pandas as pd


def scaled_wgi(governance: pd.DataFrame, year: int) -> pd.Series:
    """Scaled WGI (0-10, 10 = worst) per ISO3 country for the given production year."""
    full = governance.groupby(["country", "year"])["estimate"].agg(["mean", "count"])
    full = full[full["count"] == 6].reset_index()
    if full.empty:
        return pd.Series(dtype=float)
    before = full[full["year"] <= year]
    pick = pd.concat([before, full[~full["country"].isin(before["country"])]])
    latest = pick.sort_values("year").groupby("country").tail(1).set_index("country")
    return ((2.5 - latest["mean"]) * 2).clip(0, 10)


def weighted(shares: pd.Series, wgi: pd.Series) -> tuple[float, float, float]:
    """(hhi_wgi, supplier_wgi, share of supply with a WGI value)."""
    known = [(s, float(wgi[c])) for c, s in shares.items() if s > 0 and c in wgi.index]
    if not known:
        return float("nan"), float("nan"), 0.0
    covered = sum(s for s, _ in known)
    return (sum(s * s * w for s, w in known), sum(s * w for s, w in known) / covered, covered)
