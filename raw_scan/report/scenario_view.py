"""Terminal view of a disruption scenario: technologies ranked by their worst loss, then the
material x stage rows that lose supply, with the indicators before -> after."""

from __future__ import annotations

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from raw_scan.report.grid_view import sources_line
from raw_scan.report.terminal import _nan, band_text, num, pct
from raw_scan.scoring import composite

NOTE = (
    "Lost = share of world supply lost. Band = the composite risk indication "
    "(docs/methodology.md). HHI, top producer and band after describe the supply "
    "that remains (its concentration and governance), not the shortage: a band can fall when "
    "the dominant producer is removed. Static model: no substitution, stocks, new supply or "
    "trade re-routing (docs/scenarios.md)."
)


def _table(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAVY,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )


def technologies_table(techs: pd.DataFrame, names: dict[str, str]) -> Table:
    t = _table("Technologies, worst loss first")
    t.add_column("#", justify="right", no_wrap=True)
    t.add_column("Technology", no_wrap=True)
    t.add_column("Hit", justify="right", no_wrap=True)
    t.add_column("Worst loss", no_wrap=True)
    t.add_column("Lost", justify="right", no_wrap=True)
    t.add_column("Bands worse", justify="right", no_wrap=True)
    for r in techs.to_dict("records"):
        worst = (
            "—"
            if _nan(r["worst_material"])
            else f"{names.get(r['worst_material'], r['worst_material'])} ({r['worst_stage']})"
        )
        t.add_row(
            str(r["rank"]),
            r["technology"],
            f"{r['materials_hit']}/{r['materials']}",
            worst,
            pct(r["worst_loss"]),
            str(r["bands_worse"]),
        )
    return t


def _arrow(before: str, after: str) -> str:
    return f"{before}→{after}"


def materials_table(impact: pd.DataFrame, names: dict[str, str]) -> Table:
    hit = impact[impact["loss"].fillna(0) > 0]
    t = _table("Materials and stages that lose supply, worst first")
    t.add_column("Material", min_width=8)
    t.add_column("Stage", no_wrap=True)
    t.add_column("Lost", justify="right", no_wrap=True)
    t.add_column("Top producer", no_wrap=True)
    t.add_column("HHI", no_wrap=True)
    t.add_column("Band")
    for r in hit.to_dict("records"):
        top_b = f"{r['top_country_before']} {r['top_share_before']:.0%}"
        top_a = (
            "undefined"
            if _nan(r["top_share_after"])
            else f"{r['top_country_after']} {r['top_share_after']:.0%}"
        )
        hhi_a = "undefined" if _nan(r["hhi_after"]) else num(r["hhi_after"])
        band = band_text(r["risk_band_before"])
        band.append(" → ")
        band.append_text(band_text(r["risk_band_after"]))
        t.add_row(
            names.get(r["material"], r["material"]),
            r["stage"],
            ("≥" if r["risk_band_before"].endswith(composite.PARTIAL) else "") + pct(r["loss"]),
            _arrow(top_b, top_a),
            _arrow(num(r["hhi_before"]), hhi_a),
            band,
        )
    notes = []
    untouched = impact[(impact["loss"].fillna(-1) == 0)]
    if len(untouched):
        notes.append(
            f"{len(untouched)} material x stage rows lose nothing "
            f"(no output of {', '.join(result_without(impact))} there)"
        )
    unknown = impact[impact["loss"].isna() & impact["note"].str.startswith("partial", na=False)]
    if len(unknown):
        notes.append(
            "loss unknown (partial basis, only the top supplier is known): "
            + ", ".join(f"{r.material} ({r.stage})" for r in unknown.itertuples())
        )
    if hit["risk_band_before"].str.endswith(composite.PARTIAL).any():
        notes.append("≥ partial basis: only the top supplier is known, the loss is a lower bound")
    missing = impact[impact["loss"].isna() & ~impact.index.isin(unknown.index)]
    stages = sorted(set(impact["stage"]))
    if len(missing) and len(stages) == 1:
        notes.append(
            f"no {stages[0]} production series in the snapshot for: "
            + ", ".join(sorted(missing["material"]))
        )
    elif len(missing):
        with_data = set(impact.loc[impact["loss"].notna(), "material"])
        none = sorted(set(missing["material"]) - with_data)
        notes.append(
            f"{len(missing)} material x stage rows have no production series in the snapshot"
            + (f"; no data at either stage for: {', '.join(none)}" if none else "")
        )
    if notes:
        t.caption = "\n".join(notes)
        t.caption_justify = "left"
    return t


def result_without(impact: pd.DataFrame) -> list[str]:
    return str(impact["without"].iloc[0]).split("|") if len(impact) else []


def print_scenario(console: Console, result, names, sources) -> None:
    sc = result.scenario
    console.print(Text(f"Scenario: {sc.describe()}", style="bold"))
    console.print(technologies_table(result.technologies, names))
    if (result.materials["loss"].fillna(0) > 0).any():
        console.print(materials_table(result.materials, names))
    else:
        console.print(
            f"No material of these technologies loses supply: {', '.join(sc.without)} "
            "produce none of them at this stage in the data."
        )
    console.print(Text(NOTE, style="dim"))
    console.print(sources_line(sources))
