"""Rank statistics for comparing methods: ranks (1 = riskiest) and Spearman's rank correlation.

Spearman's rho is the Pearson correlation of the two series' ranks, ties given their average
rank (the usual definition; e.g. Kendall & Gibbons, Rank Correlation Methods). Implemented with
pandas ranks; only the pairs where both values are known count.
"""

from __future__ import annotations

import pandas as pd


def risk_rank(scores: pd.Series) -> pd.Series:
    """Rank 1 = highest score; ties share the best rank ('min'); missing stays missing."""
    return scores.rank(ascending=False, method="min")


def spearman(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    """(rho, n): Spearman's rank correlation over the index labels where both are known;
    rho is NaN with fewer than 3 pairs or when one side is constant."""
    both = pd.concat([a, b], axis=1, keys=["a", "b"]).dropna()
    n = len(both)
    if n < 3:
        return float("nan"), n
    ra, rb = both["a"].rank(method="average"), both["b"].rank(method="average")
    if ra.nunique() < 2 or rb.nunique() < 2:
        return float("nan"), n
    return float(ra.corr(rb)), n
