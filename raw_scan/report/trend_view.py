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
    if sources:
        parts.append(sources_line(sources))
    return Group(*parts)


def render_imports(imp: pd.DataFrame, meta: dict, material_name: str, sources) -> Group:
    """Per stage, one row per trade year: imports, top partner, import HHI, non-EU share,
    GeoPolRisk, the top partners; sparklines per indicator."""
    parts = []
    for stage, rows in imp.groupby("stage", sort=False):
        t = Table(
            title=f"Imports of {material_name} ({stage}) into {meta['economy']}, BACI values",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for col, just in (
            ("Year", "left"),
            ("Imports k$", "right"),
            ("Top partner", "left"),
            ("Import HHI", "right"),
            ("Non-EU", "right"),
            ("GeoPolRisk", "right"),
            ("Partners", "left"),
        ):
            t.add_column(col, justify=just, no_wrap=col != "Partners")
        for r in rows.to_dict("records"):
            top = (
                "—"
                if _missing(r["top_partner_share"])
                else (f"{r['top_partner']} {r['top_partner_share']:.0%}")
            )
            partners = "; ".join(
                f"{p.split()[0]} {float(p.split()[1]):.0%}"
                for p in str(r["top_partners"] or "").split("; ")[1:3]
                if " " in p
            )
            t.add_row(
                str(r["year"]),
                num(r["imports_value"]),
                top,
                num(r["import_hhi"], ".2f"),
                pct(r["non_eu_share"]),
                num(r["geopolrisk"], ".3f"),
                partners or "—",
            )
        if len(rows) > 1:
            t.add_section()
            t.add_row(
                Text("trend", style="bold"),
                Text(sparkline(list(rows["imports_value"])), style="cyan"),
                Text(sparkline(list(rows["top_partner_share"]), SHARE_SPAN), style="cyan"),
                Text(sparkline(list(rows["import_hhi"]), SHARE_SPAN), style="cyan"),
                Text(sparkline(list(rows["non_eu_share"]), SHARE_SPAN), style="cyan"),
                Text(sparkline(list(rows["geopolrisk"]), SHARE_SPAN), style="cyan"),
                "",
            )
        parts.append(t)
    notes = []
    for stage in meta.get("no_imports", []):
        codes = ", ".join(meta["hs6"].get(stage, []))
        notes.append(
            f"{stage}: no imports in the trade data (HS6 {codes}; see docs/trade.md)"
            if codes
            else f"{stage}: no HS6 code mapped to this material, so no import figures"
        )
    notes += [
        "Import HHI on 0-1 over partners; Partners = the 2nd and 3rd largest; a year without "
        "imports has no partners (—). Definitions: docs/economy.md.",
        *meta.get("caveats", []),
    ]
    if meta["kind"] != "country":
        notes.append(
            f"partners, import HHI and GeoPolRisk leave out flows between the members of "
            f"{meta['economy']}; the non-EU share counts them, as the Commission does"
        )
    parts.append(Text("\n".join(notes), style="dim"))
    parts.append(sources_line(sources))
    return Group(*parts)


def _missing(x) -> bool:
    return x is None or x != x
