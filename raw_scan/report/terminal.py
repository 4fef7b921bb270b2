"""Rich terminal renderers: technology reports, the materials list, a material's risk card."""

from __future__ import annotations

import math

import pandas as pd
from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

BAND_STYLE = {
    "very high": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "green",
    "no data": "dim",
}


SHORT = {"usgs": "USGS", "iea": "IEA", "wmd": "WMD", "wgi": "WGI"}


def source_label(source, year) -> str:
    """Short label for a cell: publisher and data year ('USGS 2023'); CSV keeps the full id."""
    if _nan(source):
        return "—"
    return f"{SHORT.get(str(source).split('-', 1)[0], source)} {year}"


def _nan(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def pct(x, digits: int = 0) -> str:
    return "—" if _nan(x) else f"{x:.{digits}%}"


def num(x, fmt: str = ",.0f") -> str:
    return "—" if _nan(x) else format(x, fmt)


def band_text(band: str) -> Text:
    return Text(band, style=BAND_STYLE.get(band, ""))


def eu_flags(row) -> str:
    flags = [f for f, on in (("CRM", row["eu_critical"]), ("SRM", row["eu_strategic"])) if on]
    return "+".join(flags) or "—"


def technology_table(tech_name: str, rows: pd.DataFrame, names: dict[str, str]) -> Table:
    t = Table(
        title=f"[bold]{tech_name}[/bold]",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        pad_edge=False,
    )
    for col, just in (
        ("Material", "left"),
        ("Stage", "left"),
        ("Band", "left"),
        ("Score", "right"),
        ("Top producer", "left"),
        ("Top 3", "right"),
        ("HHI", "right"),
        ("Gov.", "right"),
        ("EoL-RIR", "right"),
        ("EU", "left"),
        ("Source", "left"),
    ):
        t.add_column(
            col,
            justify=just,
            no_wrap=col != "Material",
            min_width=14 if col == "Material" else None,
        )
    notes: list[str] = []
    note_of: dict[tuple[str, str], int] = {}
    no_stage: dict[str, list[str]] = {}
    inferred = False
    has_data = set(rows.loc[rows["risk_band"] != "no data", "material"])
    last = None
    for r in rows.to_dict("records"):
        material = names.get(r["material"], r["material"])
        if r["risk_band"] == "no data" and r["material"] in has_data:
            # shown once, in the caption, instead of a row of dashes
            no_stage.setdefault(r["stage"], []).append(material)
            continue
        name = material if r["material"] != last else ""
        if name and r["evidence"] == "inferred":
            name, inferred = name + " *", True
        last = r["material"]
        stage = r["stage"] + (" ◆" if r["bottleneck"] else "")
        if r["material"] not in has_data:
            stage = "none"
            has_data.add(r["material"])  # one row for a material without any data
        elif r["note"]:
            key = (r["material"], r["note"].replace(f"{r['stage']} ", ""))
            if key not in note_of:
                notes.append(f"{r['material']}: {r['note']}")
                note_of[key] = len(notes)
            stage += f" [{note_of[key]}]"
        top = "—" if _nan(r["top_share"]) else f"{r['top_country']} {r['top_share']:.0%}"
        t.add_row(
            name,
            stage,
            band_text(r["risk_band"]),
            num(r["risk_score"], ".2f"),
            top,
            pct(r["top3_share"]),
            num(r["hhi"]),
            num(r["supplier_wgi"], ".1f"),
            pct(r["eol_rir"]),
            eu_flags(r),
            source_label(r["source"], r["year"]),
        )
    for stage, mats in no_stage.items():
        notes.append(f"no {stage} production data in the snapshot for: {', '.join(mats)}")
    if inferred:
        notes.append("* the technology-material link is inferred, not read in a cited source")
    if notes:
        t.caption = "\n".join(
            f"[{i}] {n}" if not n.startswith(("no ", "* ")) else n for i, n in enumerate(notes, 1)
        )
        t.caption_justify = "left"
    return t


def summary_panel(summary) -> Panel:
    counts = "  ".join(f"{b}: {n}" for b, n in summary.by_band.items() if n)
    lines = [Text(f"{summary.materials} materials — {counts}")]
    for w in summary.worst:
        line = Text("  • ")
        line.append(f"{w['material']} ({w['stage']}) ", style="bold")
        line.append_text(band_text(w["risk_band"]))
        line.append(f" {w['risk_score']:.2f}: {w['drivers']}")
        lines.append(line)
    return Panel(Group(*lines), title="Summary", title_align="left", box=box.ROUNDED)


def sources_footer(sources: list[dict], band_note: str | None = None) -> Text:
    text = Text("Data: ", style="dim")
    text.append("; ".join(f"{s['name']} ({s['licence']})" for s in sources), style="dim")
    text.append(
        "\n"
        + (
            band_note
            or "Band = composite of concentration (HHI), supplier governance (WGI) and "
            "recycling (EoL-RIR)"
        )
        + "; ◆ = bottleneck stage; Gov. = supplier WGI 0-10, 10 worst; "
        "CRM/SRM = CRMA critical/strategic. See docs/methodology.md.",
        style="dim",
    )
    return text


def print_report(
    console: Console, report: pd.DataFrame, summaries, names, tech_names, sources, band_note=None
) -> None:
    for s in summaries:
        rows = report[report["technology"] == s.technology]
        console.print(technology_table(tech_names[s.technology], rows, names))
        console.print(summary_panel(s))
    console.print(sources_footer(sources, band_note))


def materials_table(df: pd.DataFrame) -> Table:
    t = Table(box=box.SIMPLE_HEAVY, pad_edge=False)
    for col in ("Id", "Band", "Score", "Stage", "Top producer", "HHI", "EU", "EU SR", "Source"):
        t.add_column(
            col, justify="right" if col in ("Score", "HHI", "EU SR") else "left", no_wrap=True
        )
    for r in df.to_dict("records"):
        top = "—" if _nan(r["top_share"]) else f"{r['top_country']} {r['top_share']:.0%}"
        t.add_row(
            r["material"],
            band_text(r["risk_band"]),
            num(r["risk_score"], ".2f"),
            r["stage"] if not _nan(r["risk_score"]) else "—",
            top,
            num(r["hhi"]),
            eu_flags(r),
            num(r["eu_supply_risk"], ".1f"),
            source_label(r["source"], r["year"]),
        )
    return t


def bar_chart(shares: pd.DataFrame, width: int = 40, top: int = 8) -> Table:
    t = Table(box=None, show_header=False, pad_edge=False)
    t.add_column("country", no_wrap=True)
    t.add_column("bar", no_wrap=True)
    t.add_column("share", justify="right")
    shown = shares.head(top)
    for r in shown.itertuples():
        t.add_row(
            r.country, Text("█" * max(1, round(r.share * width)), style="cyan"), f"{r.share:.1%}"
        )
    rest = shares["share"].iloc[top:].sum()
    unattributed = 1 - shares["share"].sum()
    if rest > 0:
        t.add_row("others", Text("█" * round(rest * width), style="dim"), f"{rest:.1%}")
    if unattributed > 0.0005:
        t.add_row(
            "unattributed",
            Text("░" * round(unattributed * width), style="dim"),
            f"{unattributed:.1%}",
        )
    return t


def material_card(console: Console, card, sources, band_note=None) -> None:
    console.print(Panel(Text(card.name, style="bold"), subtitle=card.material, box=box.HEAVY))
    ind = Table(title="Indicators", box=box.SIMPLE_HEAVY, title_justify="left", pad_edge=False)
    for col in (
        "Stage",
        "Band",
        "Score",
        "Year",
        "Top producer",
        "Top 3",
        "HHI",
        "HHI×WGI",
        "Gov.",
        "Coverage",
        "EoL-RIR",
        "Source",
    ):
        ind.add_column(col)
    for r in card.stages.to_dict("records"):
        top = "—" if _nan(r["top_share"]) else f"{r['top_country']} {r['top_share']:.1%}"
        ind.add_row(
            r["stage"] + (" ◆" if r["bottleneck"] else ""),
            band_text(r["risk_band"]),
            num(r["risk_score"], ".2f"),
            num(r["year"], "d"),
            top,
            pct(r["top3_share"]),
            num(r["hhi"]),
            num(r["hhi_wgi"], ".2f"),
            num(r["supplier_wgi"], ".1f"),
            pct(r["coverage"]),
            pct(r["eol_rir"]),
            "—" if _nan(r["source"]) else r["source"],
        )
    console.print(ind)
    for r in card.stages.to_dict("records"):
        if r["note"]:
            console.print(Text(f"{r['stage']}: {r['note']}", style="yellow"))
    for stage, shares in card.producers.items():
        row = card.stages[card.stages["stage"] == stage].iloc[0]
        title = f"Producers, {stage} {row['year']} ({row['basis']}; {row['source']})"
        console.print(Panel(bar_chart(shares), title=title, title_align="left", box=box.ROUNDED))
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
    console.print(Panel("\n".join(lines), title="EU status", title_align="left", box=box.ROUNDED))
    console.print(sources_footer(sources, band_note))


def datasets_table(df: pd.DataFrame) -> Table:
    t = Table(box=box.SIMPLE_HEAVY, pad_edge=False)
    for col in (
        "Dataset",
        "Edition",
        "Origin",
        "Retrieved",
        "Age (d)",
        "Rows",
        "sha256",
        "Licence",
    ):
        t.add_column(col, overflow="fold", no_wrap=col in ("Dataset", "Origin", "sha256"))
    for r in df.to_dict("records"):
        # a bundled dataset has no retrieval date (None, or NaN once pandas has mixed it with
        # the dates of refreshed ones)
        stamp = r["retrieved_at"]
        retrieved = (
            stamp if isinstance(stamp, str) and stamp else f"built {str(r['built_at'])[:10]}"
        )
        t.add_row(
            r["dataset"],
            r["edition"],
            r["origin"],
            retrieved,
            num(r["age_days"], ".1f"),
            num(r["rows"], ",d"),
            (r["sha256"] or "")[:12],
            r["licence"],
        )
    return t


def print_changes(console: Console, changes: pd.DataFrame | None) -> None:
    """One line per material and stage that changed: top producer, HHI, band, source."""
    if changes is None or changes.empty:
        console.print("No change in top producers, HHI (±100) or risk bands.")
        return
    console.print(f"What changed ({len(changes)} material x stage rows):", style="bold")
    for r in changes.to_dict("records"):

        def top(side, r=r):
            share = r[f"top_share_{side}"]
            return "—" if _nan(share) else f"{r[f'top_country_{side}']} {share:.0%}"

        line = Text(f"  {r['material']} {r['stage']}: ")
        line.append(
            f"top {top('old')} → {top('new')}; HHI {num(r['hhi_old'])} → {num(r['hhi_new'])}; band "
        )
        line.append_text(band_text(r["risk_band_old"]))
        line.append(" → ")
        line.append_text(band_text(r["risk_band_new"]))
        old_src, new_src = (("—" if _nan(r[k]) else r[k]) for k in ("source_old", "source_new"))
        if old_src != new_src:
            line.append(f"; source {old_src} → {new_src}")
        console.print(line, overflow="fold")
