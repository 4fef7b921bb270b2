"""Rich terminal renderers for an economy's imports and its dependency screen."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.text import Text

from raw_scan.report.layout import Column, FitTable
from raw_scan.report.terminal import _nan, num, pct

FLAG = "▲"


def _share(country, share) -> str:
    return "—" if _nan(share) else f"{country} {share:.0%}"


def _footnotes(notes: pd.Series) -> tuple[list[str], list[str], list[str]]:
    """Split per-row notes ('a; b; c') into the fragments every row has (said once), and a
    numbered list of the others; returns (common, numbered, per-row reference strings)."""
    frags = [[f for f in str(n).split("; ") if f] if not _nan(n) else [] for n in notes]
    common = set(frags[0]) if frags else set()
    for f in frags[1:]:
        common &= set(f)
    numbered: list[str] = []
    refs = []
    for f in frags:
        ids = []
        for frag in f:
            if frag in common:
                continue
            if frag not in numbered:
                numbered.append(frag)
            ids.append(str(numbered.index(frag) + 1))
        refs.append(f"[{','.join(ids)}]" if ids else "")
    return sorted(common), numbered, refs


def _footer(meta: dict) -> Text:
    text = Text()
    for c in meta.get("caveats", []):
        text.append(f"Caveat: {c}.\n", style="yellow")
    text.append(
        "Data: " + "; ".join(f"{s['name']} ({s['licence']})" for s in meta["sources"]),
        style="dim",
    )
    return text


def _title(markup: str) -> Text:
    return Text.from_markup(markup)


def print_economy(console: Console, df: pd.DataFrame, meta: dict) -> None:
    mapped = df[df["hs6"].notna()]
    common, numbered, refs = _footnotes(mapped["note"])
    by_risk = meta.get("ranked_by") == "import-risk"
    title = _title(
        f"[bold]{meta['economy']}[/bold] {meta['year']}: imports of technology materials"
        f"{' per HS6 code' if meta.get('by_hs6') else ''}, ranked by "
        f"{'import risk' if by_risk else 'GeoPolRisk'}"
    )
    columns = [
        Column(
            "Material, stage, HS6" if meta.get("by_hs6") else "Material, stage",
            wrap=True,
            required=True,
            min_width=16,
        ),
        Column("GPR", justify="right", required=True),
        Column("Risk", justify="right", required=True),
        Column("Imports k$", justify="right", priority=30 if by_risk else 50),
        Column("Top partner", priority=60),
        Column("Non-EU", justify="right", priority=70),
        Column("Top 3rd", priority=40),
        Column("IR", justify="right", priority=55),
    ]
    if not by_risk:  # the import-risk column only where it is the order
        del columns[2]
    cells = []
    for r, ref in zip(mapped.to_dict("records"), refs, strict=True):
        third = _share(r["third_country"], r["third_country_share"])
        if r["crma_65_exceeded"] is True:
            third += f" {FLAG}"
        label = Text(str(r["name"]))
        code = f" {r['hs6']}" if meta.get("by_hs6") else ""
        label.append(f" {r['stage']}{code}{' ' + ref if ref else ''}", style="dim")
        cells.append(
            [
                label,
                num(r["geopolrisk"], ".3f"),
                *([num(r["import_risk"], ".3f")] if by_risk else []),
                num(r["imports_value"]),
                _share(r["top_partner"], r["top_partner_share"]),
                pct(r["non_eu_share"]),
                third,
                pct(r["import_reliance"]),
            ]
        )
    lines = [f"[{i}] {n}" for i, n in enumerate(numbered, 1)]
    lines += [f"All rows: {c}." for c in common]
    no_data = df[df["stage"].notna() & df["hs6"].isna()]
    if len(no_data):
        lines.append(
            "No trade data in the snapshot (codes outside the bundled BACI extraction; "
            "'raw-scan refresh baci' adds them): "
            + ", ".join(
                f"{m} {st} ({c.replace('|', ', ')})"
                for m, st, c in zip(
                    no_data["material"], no_data["stage"], no_data["hs6_no_data"], strict=True
                )
            )
            + "."
        )
    unmapped = df.loc[df["stage"].isna(), "material"].tolist()
    if unmapped:
        lines.append("No HS6 code mapped (no trade figures): " + ", ".join(unmapped) + ".")
    lines.append(
        "GPR = GeoPolRisk: HHI of world production × import risk"
        f"{' (Risk)' if by_risk else ''} (0-1). Imports in thousand USD (BACI). Top partner: "
        "of the imports from outside the economy (all five in the CSV). "
        "Top 3rd = largest partner outside the "
        f"{'EU' if meta['outside'] == 'non-EU' else 'economy'}, same share; "
        f"{FLAG} above 65 % for a CRMA strategic material. IR = import reliance. "
        "See docs/economy.md."
    )
    console.print(FitTable(columns, cells, title=title, notes=lines))
    console.print(_footer(meta))


def print_screen(console: Console, df: pd.DataFrame, meta: dict, persistent_only: bool) -> None:
    th = meta["thresholds"]
    outside = meta["outside"]
    dep = df[df["dependent"]]
    total = df["imports_value"].sum()
    if persistent_only:
        summary = f"{len(df)} persistently dependent products"
    else:
        summary = (
            f"{len(dep)} of {len(df)} products dependent"
            + (f" ({dep['imports_value'].sum() / total:.0%} of import value)" if total else "")
            + f", {int(df['persistent'].sum())} persistently"
        )
    title = _title(
        f"[bold]{meta['economy']}[/bold] {meta['year']}: strategic-dependency screen, {summary}"
    )
    columns = [
        Column("HS6", required=True),
        Column("Material", wrap=True, required=True, min_width=10),
        Column("Imports k$", justify="right", priority=50),
        Column("Out", justify="right", priority=80),
        Column("HHI", justify="right", priority=80),
        Column("I/E", justify="right", priority=80),
        Column("Met", justify="right", priority=70),
        Column("Status", required=True),
        Column("Top out", priority=40),
    ]
    cells = []
    for r in df.to_dict("records"):
        status = "persistent" if r["persistent"] else ("dependent" if r["dependent"] else "—")
        if r["persistent"] and not r["dependent"]:
            status = "persist.*"
        ratio = r["imports_to_exports"]
        if _nan(ratio):
            ratio_text = "no exp" if r["c3_imports_to_exports"] else "—"
        else:
            ratio_text = num(ratio, ".1f")
        cells.append(
            [
                r["hs6"],
                str(r["material"]).replace("|", ", ").replace("-", " "),  # wraps at spaces
                num(r["imports_value"]),
                pct(r["outside_share"]),
                num(r["supplier_hhi"], ".2f"),
                ratio_text,
                f"{r['criteria_met']}/3",
                Text(status, style="bold red" if r["dependent"] else ""),
                _share(r["third_country"], r["third_country_share"]),
            ]
        )
    lines = [
        f"Out = {outside} share of imports (criterion 2, > {th['outside_share']:g}); HHI = of "
        f"the {outside} suppliers (criterion 1, > {th['supplier_hhi']:g}); I/E = {outside} "
        f"imports / all exports (criterion 3, > {th['imports_to_exports']:g}). Dependent = all "
        "three; persistent = dependent in at least 2 of the last 3 years (* not this year). "
        f"Top out = largest {outside} supplier, share of the imports from outside the economy."
        " Imports in thousand USD (BACI), all partners. Product descriptions: --format csv.",
    ]
    if outside == "foreign":
        lines.append(
            f"{meta['economy']} is not made of EU member states: 'outside the EU' is read as "
            "all foreign partners."
        )
    lines += sorted({n for n in df["note"].dropna() if n and "persistence" in n})
    if df.empty:
        lines.insert(
            0,
            "No product is persistently dependent at these thresholds (drop --persistent to see"
            " the whole screen)."
            if persistent_only
            else "No product imported or exported by this economy in the mapped HS6 codes.",
        )
    console.print(FitTable(columns, cells, title=title, notes=lines))
    console.print(_footer(meta))


def print_economy_columns(
    console: Console, df: pd.DataFrame, names: dict[str, str], caveats: list[str]
) -> None:
    """The economy's figures added to a report or a material card (one row per material and
    stage; a material listed under several technologies once)."""
    rows = df.drop_duplicates(["material", "stage"])
    eco, year = rows["economy"].iloc[0], rows["trade_year"].iloc[0]
    title = _title(f"[bold]{eco}[/bold] {year}: import figures of these materials")
    columns = [
        Column("Material, stage", wrap=True, required=True),
        Column("GPR", justify="right", required=True),
        Column("Import HHI", justify="right", priority=50),
        Column("Top partner", priority=60),
        Column("Non-EU", justify="right", priority=70),
        Column("IR", justify="right", priority=55),
    ]
    cells = []
    for r in rows.to_dict("records"):
        label = Text(str(names.get(r["material"], r["material"])))
        label.append(f" {r['stage']}", style="dim")
        cells.append(
            [
                label,
                num(r["geopolrisk"], ".3f"),
                num(r["import_hhi"], ".2f"),
                _share(r["top_partner"], r["top_partner_share"]),
                pct(r["non_eu_share"]),
                pct(r["import_reliance"]),
            ]
        )
    note = (
        "GPR = GeoPolRisk (0-1); Import HHI over partners (0-1); IR = import reliance; "
        f"— = no HS6 code for the stage or no data. Details: raw-scan economy {eco} --year {year}."
    )
    notes = [note, *(f"Caveat: {c}." for c in caveats)]
    console.print(FitTable(columns, cells, title=title, notes=notes))
