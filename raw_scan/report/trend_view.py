"""Terminal view of a material's trend: per stage and source series, one row per year (top
producer and share, top-3 share, HHI, coverage) and a last row of sparklines, one per
indicator."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from raw_scan.report.grid_view import sources_line
from raw_scan.report.terminal import SHORT, num, pct
from raw_scan.trend import sparkline

# a sparkline's scale spans at least this much (10 percentage points; 1 000 HHI points)
SHARE_SPAN, HHI_SPAN = 0.10, 1000.0
EDITION = {"usgs": "MCS", "iea": "IEA", "wmd": "WMD"}


def _edition(source: str) -> str:
    """'usgs-mcs-2024' -> 'MCS 2024'; 'iea-cmde-2024' -> 'IEA 2024'; 'wmd-gpr-2.0.1' -> 'WMD'."""
    parts = str(source).split("-")
    label = EDITION.get(parts[0], parts[0])
    year = next((p for p in parts[1:] if p.isdigit() and len(p) == 4), "")
    return f"{label} {year}".strip()


def series_table(rows: pd.DataFrame, material_name: str) -> Table:
    first = rows.iloc[-1]
    fam = SHORT.get(first["family"], first["family"])
    via = "" if first["data_material"] == first["material"] else f", {first['data_material']} data"
    t = Table(
        title=f"{material_name}, {first['stage']} — {fam} ({first['basis']}{via})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col, just in (
        ("Year", "left"),
        ("Top producer", "left"),
        ("Top 3", "right"),
        ("HHI", "right"),
        ("Coverage", "right"),
        ("Edition", "left"),
    ):
        t.add_column(col, justify=just, no_wrap=True)
    notes = []
    for r in rows.to_dict("records"):
        year = str(r["year"]) + (" •" if r["in_report"] else "")
        edition = _edition(r["source"])
        if r["basis_changed"]:
            edition += " †"
            notes.append(f"† {r['year']}: {r['basis']}")
        t.add_row(
            year,
            f"{r['top_country']} {r['top_share']:.0%}",
            pct(r["top3_share"]),
            num(r["hhi"]),
            pct(r["coverage"]),
            edition,
        )
    if len(rows) > 1:
        t.add_section()
        t.add_row(
            Text("trend", style="bold"),
            Text(sparkline(list(rows["top_share"]), SHARE_SPAN), style="cyan"),
            Text(sparkline(list(rows["top3_share"]), SHARE_SPAN), style="cyan"),
            Text(sparkline(list(rows["hhi"]), HHI_SPAN), style="cyan"),
            "",
            "",
        )
    if notes:
        t.caption = "\n".join(notes) + "\n(a different basis: that year is not comparable)"
        t.caption_justify = "left"
    return t


def render_trend(df: pd.DataFrame, material_name: str, sources) -> Group:
    parts = []
    for _stage, by_stage in df.groupby("stage", sort=False):
        # the series the report uses first
        order = by_stage.groupby("family", sort=False)["in_report"].transform("any")
        by_stage = by_stage.assign(_r=~order).sort_values("_r", kind="mergesort")
        for _fam, rows in by_stage.groupby("family", sort=False):
            parts.append(series_table(rows.drop(columns="_r"), material_name))
    parts.append(
        Text(
            "• the year and series the report uses. Sparklines run from each column's lowest "
            "to its highest value, over at least 10 percentage points (HHI: 1 000); top "
            "producer: its share. Each year's shares are computed "
            "within that year's series; series of different sources are not mixed.",
            style="dim",
        )
    )
    parts.append(sources_line(sources))
    return Group(*parts)
