"""Terminal renderers for methods: a report seen through a chosen method, the mass-weighted
summary of a bill of materials, and the method comparison (ranks side by side, flags, Spearman).
"""

from __future__ import annotations

import math

import pandas as pd
from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from raw_scan import methods
from raw_scan.report.layout import Column, FitTable
from raw_scan.report.terminal import BAND_STYLE, band_text

SHORT_BAND = {"very high": "VH", "high": "H", "medium": "M", "low": "L", "no data": "—"}


def method_view(df: pd.DataFrame) -> pd.DataFrame:
    """The rows as the terminal tables show them: Band, Score, drivers and the bottleneck ◆ of
    the report's method (the composite columns stay as they are for the composite). A stage
    with production data but no score under the method shows as "not scored"."""
    if df.empty or (df["method"] == methods.DEFAULT).all():
        return df
    # a stage with production data that the method does not score is "not scored", so the
    # table does not call it a stage without production data
    unscored = df["method_score"].isna() & (df["risk_band"] != methods.NO_DATA)
    view = df.assign(
        risk_score=df["method_score"],
        risk_band=df["method_band"].mask(unscored, "not scored"),
        drivers=df["method_drivers"],
    )
    keys = [c for c in ("technology", "material") if c in view.columns]
    best = view.assign(_s=view["risk_score"].fillna(-1)).groupby(keys)["_s"].transform("max")
    view["bottleneck"] = view["risk_score"].notna() & (view["risk_score"] == best)
    view.loc[view.duplicated([*keys, "bottleneck"]) & view["bottleneck"], "bottleneck"] = False
    return view


def card_view(stages: pd.DataFrame) -> pd.DataFrame:
    """A material card's stage rows under the method, with the method's drivers in the notes
    the card prints under its indicators."""
    view = method_view(stages)
    if view is stages:
        return stages
    notes = []
    for note, method, drivers in zip(view["note"], view["method"], view["drivers"], strict=True):
        extra = f"{method}: {drivers}" if drivers else ""
        notes.append("; ".join(x for x in (note, extra) if x))
    return view.assign(note=notes)


def band_note(method_id: str) -> str | None:
    """The footer line for a method other than the composite."""
    if method_id == methods.DEFAULT:
        return None
    m = methods.REGISTRY[method_id]
    limits = " / ".join(f"{t:g}" for t in m.thresholds)
    return (
        f"Band and Score = {m.name} ({m.id}; {m.scale}; medium/high/very high from {limits}); "
        f"see docs/methods.md"
    )


def mass_panel(summary) -> Panel:
    """Which share of the BOM's listed mass sits in each band."""
    t = Table(box=None, show_header=True, pad_edge=False)
    for col, just in (
        ("Band", "left"),
        ("Mass", "right"),
        ("Share", "right"),
        ("Materials", "right"),
    ):
        t.add_column(col, justify=just, no_wrap=True)
    for band, v in summary.by_band.items():
        if v["materials"]:
            t.add_row(band_text(band), kg(v["kg"]), f"{v['mass_share']:.1%}", str(v["materials"]))
    lines = [
        Text(
            f"{summary.materials} materials, {kg(summary.total_kg)} listed; method {summary.method}"
        ),
        t,
    ]
    if summary.weighted_score is not None:
        lines.append(
            Text(
                f"Mass-weighted score {summary.weighted_score:.2f} over the "
                f"{summary.scored_mass_share:.0%} of the mass that has a score"
            )
        )
    lines.append(Text(f"Weighting: {summary.weighting}.", style="dim"))
    lines.append(
        Text(
            "Mass counts a kilogram of every material the same: a few grams of a magnet metal "
            "can matter as much as the copper (docs/bom.md).",
            style="dim",
        )
    )
    return Panel(Group(*lines), title="By mass", title_align="left", box=box.ROUNDED)


def kg(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:,.2f} t"
    if value >= 1:
        return f"{value:,.1f} kg"
    return f"{value * 1000:,.1f} g"


def _cell(rank, band) -> Text:
    text = Text("—" if pd.isna(rank) else f"{int(rank)}", style="bold")
    text.append(" ")
    full = band.removesuffix(methods.PARTIAL)
    short = SHORT_BAND.get(full, full) + ("*" if full != band else "")
    text.append(short, style=BAND_STYLE.get(full, ""))
    return text


def compare_table(comp) -> FitTable:
    """Rank and band per method, one row per material (fits the width: Material may wrap)."""
    columns = (
        Column("Material", required=True, wrap=True, min_width=12),
        *(Column(m, required=True) for m in comp.methods),
        Column("Flag", priority=50),
    )
    rows = [
        [
            r["material"],
            *[_cell(r[f"{m}_rank"], r[f"{m}_band"]) for m in comp.methods],
            Text("≠", style="bold yellow") if r["flagged"] else "",
        ]
        for r in comp.table.to_dict("records")
    ]
    title = (
        f"Rank (1 = riskiest of the {comp.common} materials every method scores) and band per "
        "method"
    )
    notes = [
        f"≠ = methods disagree: bands {comp.band_margin}+ steps apart or ranks more than "
        f"{comp.rank_margin} apart. Bands: VH very high, H high, M medium, L low, — no data; "
        "* partial basis (top supplier only). Each method at its own worst stage."
    ]
    return FitTable(columns, rows, title=Text(title, style="bold"), notes=notes)


def flags(comp) -> Panel:
    rows = comp.table[comp.table["flagged"]]
    lines = [Text(f"{len(rows)} of {len(comp.table)} materials flagged")]
    for r in rows.to_dict("records"):
        line = Text("  • ")
        line.append(r["material"], style="bold")
        line.append(f": {r['why']}")
        lines.append(line)
    return Panel(Group(*lines), title="Where the methods disagree", title_align="left")


def spearman_table(comp) -> FitTable:
    columns = (
        Column("Methods", required=True),
        Column("rho", justify="right", required=True),
        Column("Materials", justify="right", priority=50),
    )
    rows = [
        [
            f"{r['method_a']} ~ {r['method_b']}",
            "—" if math.isnan(r["rho"]) else f"{r['rho']:.2f}",
            str(r["n"]),
        ]
        for r in comp.spearman.to_dict("records")
    ]
    title = Text("Spearman rank correlation (rho) between methods", style="bold")
    return FitTable(columns, rows, title=title)
