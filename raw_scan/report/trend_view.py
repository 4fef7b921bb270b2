"""Terminal view of a material's trend: per stage and source series, one row per year (top
producer and share, top-3 share, HHI, coverage) and a last row of sparklines, one per
indicator; with an economy, its imports per trade year the same way. Tables are
:class:`~raw_scan.report.layout.FitTable` (whole in a pipe; least useful columns left out
first on a narrow terminal)."""

from __future__ import annotations

import pandas as pd
from rich.text import Text

from raw_scan.report.grid_view import sources_line
from raw_scan.report.layout import Column, FitTable
from raw_scan.report.terminal import SHORT, num, pct
from raw_scan.trend import sparkline

# a sparkline's scale spans at least this much (10 percentage points; 1 000 HHI points)
SHARE_SPAN, HHI_SPAN = 0.10, 1000.0
EDITION = {"usgs": "MCS", "iea": "IEA", "wmd": "WMD"}
TREND_NOTE = (
    "• the year and series the report uses. Sparklines run from each column's lowest to its "
    "highest value, over at least 10 percentage points (HHI: 1 000); top producer: its share. "
    "Each year's shares are computed within that year's series; series of different sources "
    "are not mixed."
)


def _edition(source: str) -> str:
    """'usgs-mcs-2024' -> 'MCS 2024'; 'iea-cmde-2024' -> 'IEA 2024'; 'wmd-gpr-2.0.1' -> 'WMD'."""
    parts = str(source).split("-")
    label = EDITION.get(parts[0], parts[0])
    year = next((p for p in parts[1:] if p.isdigit() and len(p) == 4), "")
    return f"{label} {year}".strip()


def _spark(values, span: float = 0.0) -> Text:
    return Text(sparkline(list(values), span), style="cyan")


def series_table(rows: pd.DataFrame, material_name: str) -> FitTable:
    first = rows.iloc[-1]
    fam = SHORT.get(first["family"], first["family"])
    via = "" if first["data_material"] == first["material"] else f", {first['data_material']} data"
    columns = [
        Column("Year", required=True),
        Column("Top producer", required=True),
        Column("Top 3", justify="right", priority=40),
        Column("HHI", justify="right", required=True),
        Column("Coverage", justify="right", priority=30),
        Column("Edition", priority=20),
    ]
    table, notes = [], []
    for r in rows.to_dict("records"):
        edition = _edition(r["source"])
        if r["basis_changed"]:
            edition += " †"
            notes.append(f"† {r['year']}: {r['basis']} (another basis: not comparable)")
        table.append(
            [
                str(r["year"]) + (" •" if r["in_report"] else ""),
                f"{r['top_country']} {r['top_share']:.0%}",
                pct(r["top3_share"]),
                num(r["hhi"]),
                pct(r["coverage"]),
                edition,
            ]
        )
    if len(rows) > 1:
        table.append(
            [
                Text("trend", style="bold"),
                _spark(rows["top_share"], SHARE_SPAN),
                _spark(rows["top3_share"], SHARE_SPAN),
                _spark(rows["hhi"], HHI_SPAN),
                "",
                "",
            ]
        )
    title = Text(f"{material_name}, {first['stage']} — {fam} ({first['basis']}{via})", style="bold")
    return FitTable(columns, table, title=title, notes=notes)


def render_trend(df: pd.DataFrame, material_name: str, sources) -> list:
    """What the trend command prints for the production series, in order."""
    parts: list = []
    for _stage, by_stage in df.groupby("stage", sort=False):
        # the series the report uses first
        order = by_stage.groupby("family", sort=False)["in_report"].transform("any")
        by_stage = by_stage.assign(_r=~order).sort_values("_r", kind="mergesort")
        for _fam, rows in by_stage.groupby("family", sort=False):
            parts.append(series_table(rows.drop(columns="_r"), material_name))
    parts.append(Text(TREND_NOTE, style="dim"))
    if sources:
        parts.append(sources_line(sources))
    return parts


def imports_table(rows: pd.DataFrame, meta: dict, material_name: str, stage: str) -> FitTable:
    columns = [
        Column("Year", required=True),
        Column("Imports k$", justify="right", priority=50),
        Column("Top partner", required=True),
        Column("Import HHI", justify="right", priority=60),
        Column("Non-EU", justify="right", priority=40),
        Column("GeoPolRisk", justify="right", priority=30),
        Column("Partners", wrap=True, min_width=8, priority=10),
    ]
    table = []
    for r in rows.to_dict("records"):
        top = (
            "—"
            if _missing(r["top_partner_share"])
            else f"{r['top_partner']} {r['top_partner_share']:.0%}"
        )
        partners = "; ".join(
            f"{p.split()[0]} {float(p.split()[1]):.0%}"
            for p in str(r["top_partners"] or "").split("; ")[1:3]
            if " " in p
        )
        table.append(
            [
                str(r["year"]),
                num(r["imports_value"]),
                top,
                num(r["import_hhi"], ".2f"),
                pct(r["non_eu_share"]),
                num(r["geopolrisk"], ".3f"),
                partners or "—",
            ]
        )
    if len(rows) > 1:
        table.append(
            [
                Text("trend", style="bold"),
                _spark(rows["imports_value"]),
                _spark(rows["top_partner_share"], SHARE_SPAN),
                _spark(rows["import_hhi"], SHARE_SPAN),
                _spark(rows["non_eu_share"], SHARE_SPAN),
                _spark(rows["geopolrisk"], SHARE_SPAN),
                "",
            ]
        )
    title = Text(
        f"Imports of {material_name} ({stage}) into {meta['economy']}, BACI values", style="bold"
    )
    return FitTable(columns, table, title=title)


def render_imports(imp: pd.DataFrame, meta: dict, material_name: str, sources) -> list:
    """Per stage, one row per trade year: imports, top partner, import HHI, non-EU share,
    GeoPolRisk, the next partners; sparklines per indicator. Then the notes and sources."""
    parts: list = [
        imports_table(rows, meta, material_name, str(stage))
        for stage, rows in imp.groupby("stage", sort=False)
    ]
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
    return parts


def _missing(x) -> bool:
    return x is None or x != x
