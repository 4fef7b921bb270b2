"""Method ``gss``: the short-term supply-risk indication of the Dutch Grondstoffenscanner
(TNO 2015, report R11613), computed per material and stage from raw-scan's data:

    score = HHI_prod x (WGI_weighted + ER) x (1 - EoL-RIR)

each indicator scaled to 0-1:

* HHI_prod = HHI / 10 000 of production at the stage;
* WGI_weighted = production-weighted WGI of the producers, on 0-10 with 10 worst, / 10
  (raw-scan's ``supplier_wgi``);
* ER = share of the stage's world production from countries with an export restriction: the
  Grondstoffenscanner uses the OECD inventory of export restrictions; raw-scan has no copy of
  it and uses, as a proxy, the EU 2023 assessment's trade parameters: a country counts as
  restricting when its t > 1 for the material and stage (scope: global supply). A material
  the EU assessed without listing any country has ER = 0; a material the EU did not assess has
  ER unknown, counted as 0 and said in the drivers;
* EoL-RIR = end-of-life recycling input rate (EU 2023); unknown counts as 0, as in the
  composite.

The score lies in 0-2 (the sum WGI + ER can reach 2).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from raw_scan import store
from raw_scan.assess import assess
from raw_scan.errors import RawScanError
from raw_scan.methods._eu import eu_rows
from raw_scan.scoring.composite import PARTIAL


def trade_parameters(snap) -> pd.DataFrame:
    """The EU 2023 trade parameters of the snapshot; the bundled ones when a snapshot written
    by an older raw-scan lacks the table (they change only with a new EU assessment)."""
    try:
        return snap.load("eu_trade_parameters")
    except RawScanError:
        return store.Snapshot(Path(store.bundled_dir())).load("eu_trade_parameters")


def restricted(snap) -> dict[tuple[str, str], dict[str, float]]:
    """(EU material name, stage) -> {ISO3: t} for the countries with t > 1 (global scope)."""
    tp = trade_parameters(snap)
    tp = tp[(tp["scope"] == "world") & (tp["parameter"] > 1)]
    out: dict[tuple[str, str], dict[str, float]] = {}
    for r in tp.itertuples():
        out.setdefault((r.eu_name, r.stage), {})[r.country] = float(r.parameter)
    return out


def score(hhi: float, supplier_wgi: float, er: float, eol_rir: float | None) -> float:
    """The gss score from HHI (0-10 000), supplier WGI (0-10), export-restricted share (0-1)
    and EoL-RIR (0-1, None = unknown = 0); NaN when HHI or WGI is unknown."""
    if any(x is None or math.isnan(x) for x in (hhi, supplier_wgi)):
        return float("nan")
    r = 0.0 if eol_rir is None or math.isnan(eol_rir) else eol_rir
    return (hhi / 10_000) * (supplier_wgi / 10 + er) * (1 - r)


def compute(snap, economy: str | None = None, year: int | None = None) -> pd.DataFrame:
    table, details = assess(snap)
    eu = eu_rows(snap)
    limits = restricted(snap)
    rows = []
    for r in table.to_dict("records"):
        mid, stage = r["material"], r["stage"]
        shares = details[(mid, stage)].shares
        eu_row = eu.get(mid, (None, None))[0]
        if eu_row is None:
            er, er_text = 0.0, "export restrictions unknown (not in the EU 2023 assessment)"
        else:
            countries = limits.get((eu_row["eu_name"], stage), {})
            hits = {c: float(shares[c]) for c in countries if c in shares.index}
            er = sum(hits.values())
            er_text = (
                "export-restricted "
                + ", ".join(f"{c} {s:.0%} (t {countries[c]:g})" for c, s in hits.items())
                if hits
                else "no export restriction among producers (EU 2023 trade parameters)"
            )
        eol = r["eol_rir"]
        eol = None if eol is None or math.isnan(eol) else float(eol)
        value = score(r["hhi"], r["supplier_wgi"], er, eol)
        drivers = ""
        if not math.isnan(value):
            drivers = (
                f"HHI {r['hhi'] / 10_000:.2f} x (WGI {r['supplier_wgi'] / 10:.2f} + ER {er:.2f}) "
                f"x (1 - EoL-RIR {'unknown' if eol is None else f'{eol:.2f}'}); {er_text}"
            )
        rows.append(
            {
                "material": mid,
                "stage": stage,
                "method_score": value,
                "method_drivers": drivers,
                "partial": r["risk_band"].endswith(PARTIAL),
            }
        )
    return pd.DataFrame(rows)
