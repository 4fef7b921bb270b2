"""The composite risk indication: a score in [0, 1] and a band, with its drivers.

    score = sqrt(C * G) * (1 - R)

* C = HHI / 10 000 — production concentration of the stage (0..1);
* G = supplier_wgi / 10 — production-weighted governance of the suppliers (0 best .. 1 worst);
* R = EU end-of-life recycling input rate (0..1); unknown R gives no recycling credit (R = 0),
  and the report says the rate is unknown.

The score is non-decreasing in C and G and non-increasing in R. The geometric mean needs both a
concentrated supply and weak governance of that supply for a high score.

Bands are anchored on the HHI bands of the US DOJ/FTC (2010) merger guidelines: the band limits
are the scores of a supply from countries of world-average governance (G = 0.5) with no
recycling whose HHI is 1 500 (low/medium), 2 500 (medium/high), and 5 000 (high/very high; e.g.
one country with 70 % of supply).
"""

from __future__ import annotations

import math

HHI_BANDS = (1500.0, 2500.0, 5000.0)
REFERENCE_G = 0.5
BANDS = ("low", "medium", "high", "very high")
NO_DATA = "no data"


def score(hhi: float, supplier_wgi: float, eol_rir: float | None) -> float:
    """Composite score in [0, 1]; NaN when concentration or governance is unknown."""
    if hhi is None or supplier_wgi is None or math.isnan(hhi) or math.isnan(supplier_wgi):
        return float("nan")
    c = min(max(hhi / 10_000.0, 0.0), 1.0)
    g = min(max(supplier_wgi / 10.0, 0.0), 1.0)
    r = 0.0 if eol_rir is None or math.isnan(eol_rir) else min(max(eol_rir, 0.0), 1.0)
    return math.sqrt(c * g) * (1.0 - r)


THRESHOLDS = tuple(score(h, REFERENCE_G * 10, 0.0) for h in HHI_BANDS)


PARTIAL = " (partial)"


def band(value: float, partial: bool = False) -> str:
    """The band of a score; ``partial`` marks a score computed on a partial basis (only the top
    supplier known, HHI a lower bound): 'very high (partial)'."""
    if value is None or math.isnan(value):
        return NO_DATA
    name = BANDS[sum(value >= t for t in THRESHOLDS)]
    return name + PARTIAL if partial else name


# a partial band ranks with its full band
BAND_ORDER = {
    **{b: i for i, b in enumerate((NO_DATA, *BANDS))},
    **{b + PARTIAL: i + 1 for i, b in enumerate(BANDS)},
}
