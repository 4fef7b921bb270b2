"""Terminal view of a disruption scenario: technologies ranked by their worst loss, the
material x stage rows that lose supply with the indicators before -> after, and with an
economy, its imports lost. Tables are :class:`~raw_scan.report.layout.FitTable`: at a narrow
width they leave out the least important columns (and say so), never cut a value."""

from __future__ import annotations

import pandas as pd
from rich.text import Text

from raw_scan.report.grid_view import sources_line
from raw_scan.report.layout import Column, FitTable
from raw_scan.report.terminal import _nan, band_text, num, pct
from raw_scan.scoring import composite

NOTE = (
    "Lost = share of world supply lost. Band = the composite risk indication "
    "(docs/methodology.md). HHI, top producer and band after describe the supply "
    "that remains (its concentration and governance), not the shortage: a band can fall when "
    "the dominant producer is removed. Static model: no substitution, stocks, new supply or "
    "trade re-routing (docs/scenarios.md)."
)


def _title(text: str) -> Text:
    return Text(text, style="bold")


def technologies_table(techs: pd.DataFrame, names: dict[str, str]) -> FitTable:
    imports = "worst_import_loss" in techs.columns
    columns = [
        Column("#", justify="right", required=True),
        Column("Technology", required=True),
        Column("Hit", justify="right", priority=50),
        Column("Worst loss", wrap=True, required=True),
        Column("Lost", justify="right", required=True),
        Column("Bands worse", justify="right", priority=20),
        *([Column("Imports lost", justify="right", priority=40)] if imports else []),
    ]
    rows = []
    for r in techs.to_dict("records"):
        worst = (
            "—"
            if _nan(r["worst_material"])
            else f"{names.get(r['worst_material'], r['worst_material'])} ({r['worst_stage']})"
        )
        rows.append(
            [
                str(r["rank"]),
                r["technology"],
                f"{r['materials_hit']}/{r['materials']}",
                worst,
                pct(r["worst_loss"]),
                str(r["bands_worse"]),
                *([share(r["worst_import_loss"])] if imports else []),
            ]
        )
    return FitTable(columns, rows, title=_title("Technologies, worst loss first"))


def _arrow(before: str, after: str) -> str:
    return f"{before}→{after}"


def materials_table(impact: pd.DataFrame, names: dict[str, str]) -> FitTable:
    hit = impact[impact["loss"].fillna(0) > 0]
    columns = [
        Column("Material", wrap=True, min_width=12, required=True),
        Column("Stage", required=True),
        Column("Lost", justify="right", required=True),
        Column("Top producer", priority=60),
        Column("HHI", priority=50),
        Column("Band", wrap=True, min_width=11, priority=70),
    ]
    rows = []
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
        partial = str(r["risk_band_before"]).endswith(composite.PARTIAL)
        rows.append(
            [
                names.get(r["material"], r["material"]),
                r["stage"],
                ("≥" if partial else "") + pct(r["loss"]),
                _arrow(top_b, top_a),
                _arrow(num(r["hhi_before"]), hhi_a),
                band,
            ]
        )
    return FitTable(
        columns,
        rows,
        title=_title("Materials and stages that lose supply, worst first"),
        notes=_material_notes(impact, hit),
    )


def _material_notes(impact: pd.DataFrame, hit: pd.DataFrame) -> list[str]:
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
    return notes


def imports_table(impact: pd.DataFrame, economy: dict, names: dict[str, str]) -> FitTable:
    """The economy's imports: share from the removed countries, partners that remain."""
    who = ", ".join(result_without(impact))
    columns = [
        Column("Material", wrap=True, min_width=12, required=True),
        Column("Stage", required=True),
        Column("Imports k$", justify="right", priority=40),
        Column("Lost", justify="right", required=True),
        Column("Partners left (share of what remains)", wrap=True, min_width=16, priority=60),
    ]
    hit = impact[impact["import_share_lost"].fillna(0) > 0].sort_values(
        ["import_share_lost", "imports_value"], ascending=False, kind="mergesort"
    )
    rows = []
    for r in hit.to_dict("records"):
        pairs = [p.split() for p in str(r["partners_after"] or "").split("; ") if " " in p]
        # every listed partner has a positive share, even where 3 decimals round it to 0
        partners = "; ".join(f"{c} {share(max(float(v), 1e-4))}" for c, v in pairs) or "none"
        rows.append(
            [
                names.get(r["material"], r["material"]),
                r["stage"],
                num(r["imports_value"]),
                share(r["import_share_lost"]),
                partners,
            ]
        )
    traded = impact["imports_value"].notna()
    spared, untraded = (
        int((traded & (impact["import_share_lost"] == 0)).sum()),
        int((~traded).sum()),
    )
    notes = [
        *([f"{_rows(spared)} imported, none of it from {who}"] if spared else []),
        *(
            [
                f"{_rows(untraded)} without imports in the trade data (no HS6 code mapped, "
                "or no imports that year)"
            ]
            if untraded
            else []
        ),
        "Direct imports only: material from a removed country that arrives through a third "
        "country (re-exports, processing elsewhere) is not traced.",
        *economy.get("caveats", []),
    ]
    if economy["kind"] != "country":
        notes.append(
            f"flows between the members of {economy['economy']} are left out: the shares are "
            "of its imports from outside"
        )
    title = (
        f"Imports of {economy['economy']} ({economy['trade_year']}, BACI values): "
        f"share from {who}, worst first"
    )
    return FitTable(columns, rows, title=_title(title), notes=notes)


def _rows(n: int) -> str:
    return f"{n} material x stage {'row' if n == 1 else 'rows'}"


def share(x) -> str:
    """'45%', '<1%' for a positive share under half a percent, '—' when missing."""
    if _nan(x):
        return "—"
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"


def result_without(impact: pd.DataFrame) -> list[str]:
    return str(impact["without"].iloc[0]).split("|") if len(impact) else []


def renderables(result, names: dict[str, str], sources) -> list:
    """What the scenario command prints, in order (tables as FitTables, so that a pipe or a
    file gets them whole)."""
    sc = result.scenario
    out: list = [
        Text(f"Scenario: {sc.describe()}", style="bold"),
        technologies_table(result.technologies, names),
    ]
    if (result.materials["loss"].fillna(0) > 0).any():
        out.append(materials_table(result.materials, names))
    else:
        out.append(
            f"No material of these technologies loses supply: {', '.join(sc.without)} "
            "produce none of them at this stage in the data."
        )
    if result.economy:
        out.append(imports_table(result.materials, result.economy, names))
    out += [Text(NOTE, style="dim"), sources_line(sources)]
    return out
