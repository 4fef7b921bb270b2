"""Production concentration: producer shares, HHI, top-1 and top-3 shares.

Shares are of the world total. The world total is the publisher's world row when it is at least
the sum of the rows below it, else that sum (world rows are rounded). Unattributed remainders
("Other countries", "Rest of world") stay in the denominator but out of the concentration sums,
so the HHI is a lower bound and ``coverage`` (the attributed share) says how much is known.
Rows marked "excluded" (a publisher's row that is not production of the series, e.g. helium sold
from a stored reserve) are left out of the shares and taken out of the publisher's world row,
which includes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Concentration:
    world_total: float
    coverage: float
    hhi: float
    top_country: str | None
    top_share: float | None
    top3_share: float | None
    n_producers: int


def hhi(shares) -> float:
    """Herfindahl-Hirschman index on 0-10 000 of shares given as fractions of 1."""
    return float(sum((100.0 * s) ** 2 for s in shares))


def hhi_upper_bound(top_share: float) -> float:
    """The largest HHI (0-10 000) possible when the largest share is ``top_share``: the rest of
    supply split into as many shares of ``top_share`` as fit, plus one remainder. With
    ``hhi([top_share])`` as the lower bound, it brackets the HHI of a top-supplier-only basis."""
    if not top_share or top_share <= 0:
        return float("nan")
    k = int(1.0 // top_share + 1e-12)
    rest = max(1.0 - k * top_share, 0.0)
    return hhi([top_share] * k + [rest])


def country_shares(rows: pd.DataFrame) -> tuple[pd.Series, float]:
    """Shares by ISO3 country (summed over duplicate rows) and the world total used.

    ``rows`` are production rows of one material, stage, year and source. (Plain Python over
    the few dozen rows of a series: much faster than pandas group-bys at this size.)
    """
    by_country: dict[str, float] = {}
    other = excluded = world = 0.0
    for country, kind, qty in zip(rows["country"], rows["row_kind"], rows["quantity"], strict=True):
        if qty is None or qty != qty:  # missing
            continue
        if kind == "country":
            by_country[country] = by_country.get(country, 0.0) + float(qty)
        elif kind == "other":
            other += float(qty)
        elif kind == "excluded":
            excluded += float(qty)
        elif kind == "world":
            world = max(world, float(qty))
    total = max(world - excluded, sum(by_country.values()) + other)
    if total <= 0:
        return pd.Series(dtype=float), 0.0
    ranked = sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))
    shares = pd.Series({c: q / total for c, q in ranked}, dtype=float)
    return shares, total


def concentration(shares: pd.Series, total: float) -> Concentration:
    """Concentration of the positive shares (plain Python: a series has a few dozen
    countries)."""
    positive = sorted(
        ((s, c) for c, s in zip(shares.index, shares.tolist(), strict=True) if s > 0),
        key=lambda sc: -sc[0],
    )  # stable: ties keep the order of ``shares``
    if total <= 0 or not positive:
        return Concentration(total, 0.0, float("nan"), None, None, None, 0)
    values = [s for s, _ in positive]
    return Concentration(
        world_total=total,
        coverage=min(sum(values), 1.0),  # shares can sum to 1 + 2e-16
        hhi=hhi(values),
        top_country=str(positive[0][1]),
        top_share=float(values[0]),
        top3_share=float(sum(values[:3])),
        n_producers=len(values),
    )
