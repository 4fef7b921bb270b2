"""Supply-risk methods as plug-ins: one registry, one module per method.

Every method turns the stage table (indicators per material x stage, ``api.stage_table``) and,
where it needs one, an importing economy into a score, a band and the drivers of that score,
per material x stage. The registry below holds what a user needs to judge a method (its name,
reference, scale, band rule, whether it needs ``--economy``); the computation lives in
``raw_scan.methods.<module>`` and is imported only when a score is asked for, so
``raw-scan --help`` stays free of pandas.

    >>> from raw_scan import methods
    >>> methods.scores("eu-sr")        # material, stage, method, method_score, method_band, ...

Bands are the four of the composite indication (low, medium, high, very high) plus "no data";
each method states its own three limits in ``thresholds`` (one place, documented in
docs/methods.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache

from raw_scan.errors import UsageError
from raw_scan.scoring import composite as _composite

BANDS = ("low", "medium", "high", "very high")
NO_DATA = "no data"
# no data 0 ... very high 4; a "(partial)" band, computed where only the top supplier's share is
# known, ranks with its full band (the composite's order and suffix)
BAND_ORDER = _composite.BAND_ORDER
PARTIAL = _composite.PARTIAL
DEFAULT = "composite"
# Columns every method adds to a report, in this order (CSV and JSON).
COLUMNS = ["method", "method_score", "method_band", "method_drivers"]


@dataclass(frozen=True)
class Method:
    id: str
    name: str
    reference: str
    needs_economy: bool
    scale: str
    banding: str
    thresholds: tuple[float, float, float]  # lower limits of medium, high, very high
    module: str

    def band(self, score, partial: bool = False) -> str:
        if score is None or score != score:  # None or NaN
            return NO_DATA
        name = BANDS[sum(score >= t for t in self.thresholds)]
        return name + PARTIAL if partial else name


REGISTRY: dict[str, Method] = {
    m.id: m
    for m in (
        Method(
            id="composite",
            name="raw-scan composite risk indication",
            reference="raw-scan docs/methodology.md §4: sqrt(HHI/10 000 x supplier WGI/10) x "
            "(1 - EoL-RIR); structure after TNO (2015) and European Commission (2017)",
            needs_economy=False,
            scale="0-1",
            banding="the score of a supply of world-average governance (WGI 5/10), no "
            "recycling, at HHI 1 500 / 2 500 / 5 000 (DOJ/FTC 2010 HHI bands)",
            thresholds=_composite.THRESHOLDS,
            module="composite",
        ),
        Method(
            id="eu-sr",
            name="EU 2023 supply risk (published)",
            reference="Grohol & Veeh (2023) Study on the critical raw materials for the EU "
            "2023, doi:10.2873/725585; method: European Commission (2017), doi:10.2873/769526",
            needs_economy=False,
            scale="EU SR, about 0-6 (critical when SR >= 1 and EI >= 2.8)",
            banding="high from the EU supply-risk threshold SR = 1.0; medium from half of it "
            "(0.5), very high from twice it (2.0) (raw-scan's choice around the EU threshold)",
            thresholds=(0.5, 1.0, 2.0),
            module="eu_sr",
        ),
        Method(
            id="hhi-wgi",
            name="governance-weighted concentration (EU-style HHI_WGI)",
            reference="European Commission (2017) Methodology for establishing the EU list of "
            "critical raw materials, doi:10.2873/769526 (the HHI_WGI term of SR)",
            needs_economy=False,
            scale="0-10 (sum of s_c^2 x WGI_c, WGI on 0-10, 10 worst)",
            banding="HHI_WGI of a supply of world-average governance (WGI 5/10) at HHI 1 500 / "
            "2 500 / 5 000: 0.75 / 1.25 / 2.5",
            thresholds=(0.75, 1.25, 2.5),
            module="hhi_wgi",
        ),
        Method(
            id="gss",
            name="Grondstoffenscanner short-term supply-risk indication",
            reference="TNO (2015) report R11613 (Grondstoffenscanner indicators; Bastein & "
            "Rietveld 2015); export restrictions proxied by the EU 2023 trade parameters (t > 1)",
            needs_economy=False,
            scale="0-2: HHI/10 000 x (WGI/10 + export-restriction share) x (1 - EoL-RIR)",
            banding="the score of a supply of world-average governance (WGI 5/10), no export "
            "restriction, no recycling, at HHI 1 500 / 2 500 / 5 000: 0.075 / 0.125 / 0.25",
            thresholds=(0.075, 0.125, 0.25),
            module="gss",
        ),
        Method(
            id="geopolrisk",
            name="GeoPolRisk import-based supply risk of an economy",
            reference="Gemechu et al. (2016) J. Industrial Ecology 20(1); Koyamparambath et al. "
            "(2024); reference implementation geopolrisk-py, doi:10.21105/joss.09600",
            needs_economy=True,
            scale="0-1: HHI (0-1) x sum_i g_i f_i / (p + F)",
            banding="the score of a material of HHI 1 500 / 2 500 / 5 000 (as 0.15 / 0.25 / "
            "0.5) fully imported from partners of stability g = 0.5: 0.075 / 0.125 / 0.25",
            thresholds=(0.075, 0.125, 0.25),
            module="geopolrisk",
        ),
    )
}


def ids() -> list[str]:
    return list(REGISTRY)


def get(method_id: str, economy: str | None = None) -> Method:
    """The method with this id; a usage error naming the choices, or saying that the method
    needs ``--economy``, otherwise."""
    key = str(method_id).strip().lower()
    if key not in REGISTRY:
        raise UsageError(
            f"unknown method {method_id!r}; choose one of: {', '.join(REGISTRY)} "
            "(see docs/methods.md)"
        )
    method = REGISTRY[key]
    if method.needs_economy and not economy:
        raise UsageError(
            f"method {key} needs an importing economy: add --economy, e.g. --economy BEL "
            "(an ISO3 code or EU27)"
        )
    return method


def scores(
    method_id: str = DEFAULT, snap=None, economy: str | None = None, year: int | None = None
):
    """Score, band and drivers of a method for every material x stage of the snapshot
    (``economy`` and its trade ``year``, the latest by default, for the methods that need one).

    Returns a DataFrame: material, stage, method, method_score, method_band, method_drivers.
    """
    from raw_scan import store

    method = get(method_id, economy)
    snap = snap or store.current()
    if not method.needs_economy:
        economy = year = None  # the same numbers for every economy: one cache entry
    return _scores(snap, method.id, economy, year).copy()


@lru_cache(maxsize=16)
def _scores(snap, method_id: str, economy: str | None, year: int | None):
    """Cached per snapshot (a frozen dataclass, hashable), method, economy and year."""
    method = REGISTRY[method_id]
    module = importlib.import_module(f"raw_scan.methods.{method.module}")
    out = module.compute(snap, economy, year).copy()
    out.insert(2, "method", method.id)
    partial = out["partial"] if "partial" in out.columns else [False] * len(out)
    out["method_band"] = [
        method.band(s, p) for s, p in zip(out["method_score"], partial, strict=True)
    ]
    return out[
        ["material", "stage", "method", "method_score", "method_band", "method_drivers"]
    ].reset_index(drop=True)


def applicable(economy: str | None = None) -> list[str]:
    """The methods that can run: all of them with an economy, else those that need none."""
    return [m.id for m in REGISTRY.values() if economy or not m.needs_economy]
