"""Terminal view of the technology x material grid: one row per material, one narrow column
per technology (abbreviated, with a legend), each cell the material's band where the technology
uses it. Colour where the terminal has it; the letters carry the meaning in a pipe."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

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


def grid_table(grid: pd.DataFrame, tech_ids: list[str], width: int = 100) -> Table:
    """The grid; the 'Top' column only when the terminal has room for it."""
    short = abbreviations(tech_ids)
    with_top = width >= 36 + 4 * len(tech_ids)
    t = Table(
        title="Technology x material: band at each material's bottleneck stage",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=0,
    )
    t.add_column("Material", no_wrap=True, max_width=22)
    t.add_column("Stg", no_wrap=True)
    if with_top:
        t.add_column("Top", no_wrap=True)
    for tid in tech_ids:
        t.add_column(short[tid], justify="center", no_wrap=True, min_width=3)
    for r in grid.to_dict("records"):
        top = "" if _nan(r["top_share"]) else f"{r['top_country']} {r['top_share']:.0%}"
        stage = "" if _nan(r["stage"]) else str(r["stage"])[:3]
        t.add_row(
            str(r["name"]), stage, *([top] if with_top else []), *map(cell, cells(r, tech_ids))
        )
    # per technology: how many of its materials are very high or high
    t.add_section()
    worst = ["very high", "high", *(b + composite.PARTIAL for b in ("very high", "high"))]
    counts = [str(int(grid[tid].isin(worst).sum())) for tid in tech_ids]
    t.add_row(Text("very high + high", style="bold"), "", *([""] if with_top else []), *counts)
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


def render_grid(
    grid: pd.DataFrame, tech_ids: list[str], names: dict[str, str], sources, width: int = 100
) -> Group:
    return Group(grid_table(grid, tech_ids, width), legend(tech_ids, names), sources_line(sources))


def sources_line(sources: list[dict]) -> Text:
    """One dim paragraph naming every source and its licence."""
    return Text("Data: " + "; ".join(f"{s['name']} ({s['licence']})" for s in sources), style="dim")
