"""The EU strategic-dependency screen per HS6 product, its persistence, and import reliance.

Screen (European Commission SWD(2021) 352, bottom-up; Single Market Economics Paper WP2023/14,
doi:10.2873/768035), on trade values, per economy x year x HS6 product:

1. ``supplier_hhi`` > 0.4: HHI of the economy's suppliers outside the EU, from their shares of
   the imports from outside the EU;
2. ``outside_share`` > 0.5: imports from outside the EU / all imports of the economy;
3. ``imports_to_exports`` > 1: imports from outside the EU / all exports of the economy
   (exports stand in for production).

For a group (EU27 or a user group) "all imports" and "all exports" include the members' trade
with each other, as the Commission does. For an economy that is not made of EU member states,
"outside the EU" becomes "all foreign partners" (CEPII GeoDep). A product meeting all three is
*dependent*; one dependent in at least 2 of the last 3 years is *persistently dependent*
(GeoDep's rule; years before the first year of the data count as not dependent).

Import reliance (EU CRM methodology): (imports - exports) / (domestic production + imports -
exports), in tonnes, internal flows of a group excluded; missing where production is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Thresholds:
    supplier_hhi: float = 0.4
    outside_share: float = 0.5
    imports_to_exports: float = 1.0


def screen(ind: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    """The three criteria per row of ``ind`` (from ``imports.partner_indicators``):
    supplier_hhi, outside_share, imports_to_exports, c1..c3, criteria_met, dependent. A
    product without exports meets criterion 3 when it has outside imports
    (``imports_to_exports`` stays missing: the ratio has no finite value)."""
    out = pd.DataFrame(index=ind.index)
    out["supplier_hhi"] = ind["outside_hhi"]
    all_imp = ind["imports_value_all"]
    out["outside_share"] = (ind["outside_value"] / all_imp).where(all_imp > 0)
    exports = ind["exports_value_all"]
    out["imports_to_exports"] = (ind["outside_value"] / exports).where(exports > 0)
    out["c1_supplier_hhi"] = out["supplier_hhi"].gt(t.supplier_hhi)
    out["c2_outside_share"] = out["outside_share"].gt(t.outside_share)
    out["c3_imports_to_exports"] = out["imports_to_exports"].gt(t.imports_to_exports) | (
        (exports <= 0) & (ind["outside_value"] > 0)
    )
    crit = ["c1_supplier_hhi", "c2_outside_share", "c3_imports_to_exports"]
    out["criteria_met"] = out[crit].sum(axis=1).astype(int)
    out["dependent"] = out["criteria_met"] == 3
    return out


def persistence(dependent: pd.DataFrame, year: int, keys: list[str]) -> pd.Series:
    """Years dependent among ``year-2 .. year`` per key (``dependent`` has columns
    keys + year + dependent; keys without the year). Persistent when >= 2."""
    window = dependent[dependent["year"].between(year - 2, year)]
    return window[window["dependent"]].groupby(keys, observed=True).size()


def import_reliance(
    imports_t: pd.Series, exports_t: pd.Series, production_t: pd.Series
) -> pd.Series:
    """(imports - exports) / (production + imports - exports); missing where production is
    missing or the denominator is not positive (negative = a net exporter)."""
    net = imports_t - exports_t
    denom = production_t + net
    return pd.Series(np.where(denom > 0, net / denom, np.nan), index=net.index).where(
        production_t.notna()
    )
