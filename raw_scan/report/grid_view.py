"""Terminal view of the technology x material grid: one row per material, one narrow column
per technology (abbreviated, with a legend), each cell the material's band where the technology
uses it. Colour where the terminal has it; the letters carry the meaning in a pipe."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.table import Table
from rich.text import Text

from raw_scan.report.layout import Column, FitTable
from raw_scan.report.terminal import BAND_STYLE, _nan
from raw_scan.scoring import composite

CODE = {"very high": "VH", "high": "H", "medium": "M", "low": "L", "no data": "?"}
NOT_USED = "·"


def abbreviations(ids: list[str]) -> dict[str, str]:
    """Short, unique column labels: initials of a multi-part id (li-ion-batteries -> LIB),
    else its first three letters (robotics -> ROB); a digit is added on a clash."""
    out: dict[str, str] = {}
    for tid in ids:
        parts = [p for p in tid.replace("_", "-").split("-") if p]
        short = "".join(p[0] for p in parts) if len(parts) > 1 else tid[:3]
        short = short.upper()[:4]
        base, n = short, 2
        while short in out.values():
            short, n = f"{base[:3]}{n}", n + 1
        out[tid] = short
    return out


def cell(band) -> Text:
    """The band's letters; a '*' marks a partial basis (only the top supplier known)."""
    if band is None or _nan(band):
        return Text(NOT_USED, style="dim")
    base = band.removesuffix(composite.PARTIAL)
    mark = "*" if base != band else ""
    return Text(CODE.get(base, "?") + mark, style=BAND_STYLE.get(base, ""))


class GridTable(FitTable):
    """The grid as a :class:`FitTable` (so a pipe or a file gets it whole, and a narrow
    terminal loses the least useful columns first) with one space between columns instead of
    two: thirteen technology columns then fit 80 characters. The 'Top' column goes first, then
    'Stg'; the material and technology columns are never left out."""

    def __init__(self, grid: pd.DataFrame, tech_ids: list[str]):
        short = abbreviations(tech_ids)
        columns = [
            Column("Material", required=True),
            Column("Stg", priority=20),
            Column("Top", priority=10),
            *(Column(short[t], justify="center", required=True) for t in tech_ids),
        ]
        rows = []
        for r in grid.to_dict("records"):
            top = "" if _nan(r["top_share"]) else f"{r['top_country']} {r['top_share']:.0%}"
            stage = "" if _nan(r["stage"]) else str(r["stage"])[:3]
            rows.append([str(r["name"]), stage, top, *map(cell, cells(r, tech_ids))])
        # per technology: how many of its materials are very high or high
        worst = ["very high", "high", *(b + composite.PARTIAL for b in ("very high", "high"))]
        counts = [str(int(grid[t].isin(worst).sum())) for t in tech_ids]
        rows.append([Text("very high + high", style="bold"), "", "", *counts])
        title = Text("Technology x material: band at each material's bottleneck stage")
        super().__init__(columns, rows, title=title)
        # technology columns at least 3 wide ("VH*"), so the grid reads as a grid
        for widths in (self._natural, self._hard, self._soft):
            widths[3:] = [max(3, w) for w in widths[3:]]

    @staticmethod
    def _total(widths) -> int:
        widths = list(widths)
        return sum(widths) + max(len(widths) - 1, 0)  # one space between columns

    def table(self, width: int | None) -> Table:
        lay = self.layout(width)
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0)
        t.width = self._total(lay.widths)  # Layout.width counts two-space gaps
        for i, w in zip(lay.shown, lay.widths, strict=True):
            c = self.columns[i]
            t.add_column(c.header, justify=c.justify, width=w, no_wrap=True)
        for r in self.rows[:-1]:
            t.add_row(*(r[i] for i in lay.shown))
        t.add_section()
        t.add_row(*(self.rows[-1][i] for i in lay.shown))
        return t


def legend(tech_ids: list[str], names: dict[str, str]) -> Text:
    short = abbreviations(tech_ids)
    text = Text()
    text.append("Columns: ", style="bold")
    text.append("; ".join(f"{short[t]} {t}" for t in tech_ids))
    text.append("\nCells: ", style="bold")
    for band, code in CODE.items():
        text.append(code, style=BAND_STYLE.get(band, ""))
        text.append(f" {band}  ")
    text.append(f"{NOT_USED} not used; * partial basis (only the top supplier known). ")
    text.append(
        "Stg = the material's bottleneck stage (min = mining, ref = refining); Top = its top "
        "producer there. Last row: how many of the technology's materials are very high or high."
    )
    return text


def cells(row: dict, tech_ids: list[str]) -> list:
    return [row[tid] for tid in tech_ids]


def render_grid(grid: pd.DataFrame, tech_ids: list[str], names: dict[str, str], sources) -> list:
    """What the grid command prints, in order."""
    return [GridTable(grid, tech_ids), legend(tech_ids, names), sources_line(sources)]


def sources_line(sources: list[dict]) -> Text:
    """One dim paragraph naming every source and its licence."""
    return Text("Data: " + "; ".join(f"{s['name']} ({s['licence']})" for s in sources), style="dim")
