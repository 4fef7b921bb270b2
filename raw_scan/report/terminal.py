"""Rich terminal renderers: technology reports, the materials list, a material's risk card.

Tables are :class:`raw_scan.report.layout.FitTable`: they leave out low-priority columns on a
narrow terminal instead of cutting values, and say so in their caption.
"""

from __future__ import annotations

import math

import pandas as pd
from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from raw_scan.report.layout import Column, FitTable

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
    """The band in its colour; a partial band ('high (partial)') in the colour of its band."""
    return Text(band, style=BAND_STYLE.get(str(band).split(" (")[0], ""))


def eu_flags(row) -> str:
    flags = [f for f, on in (("CRM", row["eu_critical"]), ("SRM", row["eu_strategic"])) if on]
    return "+".join(flags) or "—"


# evidence grade of a technology-material link -> its marker and note; any other grade than
# "read" (including grades added later) gets the next spare marker and a generic note
EVIDENCE = {
    "inferred": ("*", "the technology-material link is inferred, not read in a cited source"),
    "read-weak": (
        "†",
        "the technology-material link is stated only in weak sources (trade press, commentary, "
        "...; see Technology evidence in docs/methodology.md)",
    ),
}
SPARE_MARKS = ("‡", "§", "¶")


def evidence_marks(values) -> dict[str, str]:
    """A marker per evidence grade other than ``read`` among ``values``."""
    # "bom": a link of a user's own bill of materials, which needs no marker
    present = {str(v) for v in values if not _nan(v) and v not in ("read", "bom")}
    marks = {v: mark for v, (mark, _) in EVIDENCE.items() if v in present}
    for i, v in enumerate(sorted(present - set(EVIDENCE))):
        marks[v] = SPARE_MARKS[i % len(SPARE_MARKS)] * (1 + i // len(SPARE_MARKS))
    return marks


def evidence_note(value: str, mark: str) -> str:
    text = EVIDENCE.get(value, (mark, f"evidence of the technology-material link: {value}"))[1]
    return f"{mark} {text}"


REPORT_COLUMNS = (
    Column("Material", wrap=True, min_width=16, required=True),
    Column("Stage", wrap=True, required=True),
    Column("Band", wrap=True, min_width=9, priority=100),
    Column("Score", justify="right", priority=90),
    Column("Top producer", priority=80),
    Column("Top 3", justify="right", priority=50),
    Column("HHI", justify="right", priority=70),
    Column("Gov.", justify="right", priority=60),
    Column("EU", priority=40),
    Column("EoL-RIR", justify="right", priority=30),
    Column("Source", priority=20),
)


def technology_table(tech_name: str, rows: pd.DataFrame, names: dict[str, str]) -> FitTable:
    """One technology: a row per material x stage with data, the no-data stages in the caption."""
    notes: list[str] = []
    note_of: dict[tuple[str, str], int] = {}
    no_stage: dict[str, list[str]] = {}
    marks = evidence_marks(rows["evidence"])
    has_data = set(rows.loc[rows["risk_band"] != "no data", "material"])
    cells = []
    last = None
    for r in rows.to_dict("records"):
        material = names.get(r["material"], r["material"])
        if r["risk_band"] == "no data" and r["material"] in has_data:
            # shown once, in the caption, instead of a row of dashes
            no_stage.setdefault(r["stage"], []).append(material)
            continue
        name = material if r["material"] != last else ""
        if name and r["evidence"] in marks:
            name += " " + marks[r["evidence"]]
        last = r["material"]
        stage = r["stage"] + (" ◆" if r["bottleneck"] else "")
        if r["material"] not in has_data:
            stage = "none"
            has_data.add(r["material"])  # one row for a material without any data
        elif r["note"]:
            key = (r["material"], r["note"].replace(f"{r['stage']} ", ""))
            if key not in note_of:
                notes.append(f"[{len(notes) + 1}] {material}: {r['note']}")
                note_of[key] = len(notes)
            stage += f" [{note_of[key]}]"
        cells.append(
            [
                name,
                stage,
                band_text(r["risk_band"]),
                num(r["risk_score"], ".2f"),
                top_producer(r),
                pct(r["top3_share"]),
                num(r["hhi"]),
                num(r["supplier_wgi"], ".1f"),
                eu_flags(r),
                pct(r["eol_rir"]),
                source_label(r["source"], r["year"]),
            ]
        )
    for stage, mats in no_stage.items():
        notes.append(f"no {stage} production data in the snapshot for: {', '.join(mats)}")
    notes += [evidence_note(v, m) for v, m in marks.items()]
    return FitTable(REPORT_COLUMNS, cells, title=Text(tech_name, style="bold"), notes=notes)


def top_producer(r, digits: int = 0) -> str:
    return "—" if _nan(r["top_share"]) else f"{r['top_country']} {r['top_share']:.{digits}%}"


def summary_panel(summary, names: dict[str, str] | None = None) -> Panel:
    """Materials counted by band, and the worst ones by display name with their drivers."""
    names = names or {}
    counts = "  ".join(f"{b}: {n}" for b, n in summary.by_band.items() if n)
    lines = [Text(f"{summary.materials} materials — {counts}")]
    for w in summary.worst:
        line = Text("  • ")
        line.append(f"{names.get(w['material'], w['material'])} ({w['stage']}) ", style="bold")
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
        console.print(summary_panel(s, names))
    console.print(sources_footer(sources, band_note))


MATERIALS_COLUMNS = (
    Column("Id", required=True),
    Column("Band", wrap=True, min_width=9, priority=100),
    Column("Score", justify="right", priority=90),
    Column("Stage", priority=85),
    Column("Top producer", priority=80),
    Column("HHI", justify="right", priority=70),
    Column("EU", priority=40),
    Column("EU SR", justify="right", priority=35),
    Column("Source", priority=20),
)


def materials_table(df: pd.DataFrame) -> FitTable:
    """Every material at its bottleneck stage (the rows of ``api.materials_table``)."""
    cells = [
        [
            r["material"],
            band_text(r["risk_band"]),
            num(r["risk_score"], ".2f"),
            r["stage"] if not _nan(r["risk_score"]) else "—",
            top_producer(r),
            num(r["hhi"]),
            eu_flags(r),
            num(r["eu_supply_risk"], ".1f"),
            source_label(r["source"], r["year"]),
        ]
        for r in df.to_dict("records")
    ]
    return FitTable(MATERIALS_COLUMNS, cells)


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


TECHNOLOGY_COLUMNS = (
    Column("Id", required=True),
    Column("Name", wrap=True, min_width=12, priority=60),
    Column("Materials", justify="right", priority=50),
    Column("Scope", wrap=True, min_width=24, priority=40),
)


def technologies_table(df: pd.DataFrame) -> FitTable:
    """The technology ids (for ``report``), names, number of materials and scope."""
    cells = [[r["id"], r["name"], str(r["materials"]), r["scope"]] for r in df.to_dict("records")]
    return FitTable(TECHNOLOGY_COLUMNS, cells)
