"""The risk card of one material in the terminal: indicators per stage, producers by country as
a bar chart, EU status, and the sources.

Every part fits the console's width without breaking a word: the indicators are a
:class:`~raw_scan.report.layout.FitTable`, the rest is text that wraps at spaces.
"""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from raw_scan.report.layout import Column, FitTable
from raw_scan.report.terminal import _nan, band_text, num, pct, sources_footer, top_producer

INDICATOR_COLUMNS = (
    Column("Stage", required=True),
    Column("Band", wrap=True, min_width=9, priority=100),
    Column("Score", justify="right", priority=90),
    Column("Year", justify="right", priority=40),
    Column("Top producer", priority=80),
    Column("Top 3", justify="right", priority=50),
    Column("HHI", justify="right", priority=70),
    Column("HHI×WGI", justify="right", priority=30),
    Column("Gov.", justify="right", priority=60),
    Column("Coverage", justify="right", priority=35),
    Column("EoL-RIR", justify="right", priority=55),
    Column("Source", priority=20),
)


def indicators_table(stages: pd.DataFrame) -> FitTable:
    cells = [
        [
            r["stage"] + (" ◆" if r["bottleneck"] else ""),
            band_text(r["risk_band"]),
            num(r["risk_score"], ".2f"),
            num(r["year"], "d"),
            top_producer(r, 1),
            pct(r["top3_share"]),
            num(r["hhi"]),
            num(r["hhi_wgi"], ".2f"),
            num(r["supplier_wgi"], ".1f"),
            pct(r["coverage"]),
            pct(r["eol_rir"]),
            "—" if _nan(r["source"]) else r["source"],
        ]
        for r in stages.to_dict("records")
    ]
    return FitTable(INDICATOR_COLUMNS, cells, title=Text("Indicators", style="bold"))


class _Bar:
    """A bar of ``length`` cells that gets shorter when its column must narrow: on a narrow
    terminal the bars are cropped, never the country or its share."""

    def __init__(self, length: int, char: str, style: str) -> None:
        self.length, self.char, self.style = length, char, style

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement(min(1, self.length), self.length)

    def __rich_console__(self, console, options):
        yield Text(self.char * min(self.length, options.max_width), style=self.style)


def bar_chart(shares: pd.DataFrame, width: int = 40, top: int = 8) -> Table:
    t = Table(box=None, show_header=False, pad_edge=False)
    t.add_column("country", no_wrap=True)
    t.add_column("bar")  # the one column a narrow console narrows (see _Bar)
    t.add_column("share", justify="right", no_wrap=True)
    shown = shares.head(top)
    for r in shown.itertuples():
        t.add_row(r.country, _Bar(max(1, round(r.share * width)), "█", "cyan"), f"{r.share:.1%}")
    rest = shares["share"].iloc[top:].sum()
    unattributed = 1 - shares["share"].sum()
    if rest > 0:
        t.add_row("others", _Bar(round(rest * width), "█", "dim"), f"{rest:.1%}")
    if unattributed > 0.0005:
        t.add_row(
            "unattributed", _Bar(round(unattributed * width), "░", "dim"), f"{unattributed:.1%}"
        )
    return t


def producers_panel(stage: str, row, shares: pd.DataFrame) -> Panel:
    """Producers of one stage; the series (basis, source) on the first line, where it can wrap
    (a panel title longer than the panel would be cut)."""
    series = Text(f"{row['basis']}; {row['source']}", style="dim")
    return Panel(
        Group(series, bar_chart(shares)),
        title=f"Producers, {stage} {row['year']}",
        title_align="left",
        box=box.ROUNDED,
    )


def eu_status_panel(card) -> Panel:
    eu = card.eu
    lines = [
        "CRMA (Regulation (EU) 2024/1252): " + ("; ".join(card.crma) if card.crma else "not listed")
    ]
    if eu:
        lines.append(
            f"EU 2023 assessment ({eu['eu_name']}): SR {num(eu['supply_risk'], '.1f')}, "
            f"EI {num(eu['economic_importance'], '.1f')}, bottleneck "
            f"{eu['bottleneck_stage'] or '—'}, import reliance mining "
            f"{pct(eu['import_reliance_mining'])} / refining {pct(eu['import_reliance_refining'])}"
            f", EoL-RIR {pct(eu['eol_rir'])}"
        )
    else:
        lines.append("EU 2023 assessment: not assessed")
    if card.technologies:
        lines.append("Used in: " + ", ".join(card.technologies))
    if card.note:
        lines.append(f"Note: {card.note}")
    # Text, not a markup string: a bracket in a note must print as it is
    return Panel(Text("\n".join(lines)), title="EU status", title_align="left", box=box.ROUNDED)


def material_card(console: Console, card, sources, band_note=None) -> None:
    console.print(Panel(Text(card.name, style="bold"), subtitle=card.material, box=box.HEAVY))
    console.print(indicators_table(card.stages))
    for r in card.stages.to_dict("records"):
        if r["note"]:
            console.print(Text(f"{r['stage']}: {r['note']}", style="yellow"))
    for stage, shares in card.producers.items():
        row = card.stages[card.stages["stage"] == stage].iloc[0]
        console.print(producers_panel(stage, row, shares))
    console.print(eu_status_panel(card))
    console.print(sources_footer(sources, band_note))
