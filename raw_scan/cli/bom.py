"""Commands for a user's own product and for methods side by side: bom, compare."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from raw_scan.cli._common import (
    Format,
    FormatOpt,
    OutputOpt,
    PlotOpt,
    app,
    console,
    economy_json,
    names_of,
    pick_format,
    write,
)
from raw_scan.cli._options import EconomyOpt, Method, MethodOpt, TradeYearOpt
from raw_scan.errors import UsageError


@app.command()
def bom(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Bill of materials, .csv or .toml: material, quantity, unit (mass), optional "
            "stage, note, source.",
            show_default=False,
        ),
    ] = None,
    method: MethodOpt = Method.composite,
    economy: EconomyOpt = None,
    year: TradeYearOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    save: Annotated[
        str | None,
        typer.Option(
            "--save",
            metavar="NAME",
            help="Also keep the BOM as a user technology NAME (for 'report', 'scenario', "
            "'grid', 'compare', 'technologies').",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --save: overwrite a saved technology.")
    ] = False,
    remove: Annotated[
        str | None,
        typer.Option("--remove", metavar="NAME", help="Delete the saved user technology NAME."),
    ] = None,
) -> None:
    """Scan your own product: every line of a bill of materials checked, then the same report
    as for a technology plus the share of the product's mass in each band.

    Example: raw-scan bom examples/nmc811-battery-pack-60kwh.toml --save my-pack
    """
    format = pick_format(format, output)
    from raw_scan import api, catalogue, store
    from raw_scan.bom import BomError
    from raw_scan.report import export, plots, terminal
    from raw_scan.report.methods import band_note, mass_panel, method_view

    if remove:
        if file or save:
            raise UsageError("--remove takes only a NAME: raw-scan bom --remove NAME")
        path = catalogue.remove(remove)
        print(f"removed user technology {path.stem}", file=sys.stderr)
        return
    if file is None:
        raise UsageError("name a BOM file (.csv or .toml), e.g. raw-scan bom my-product.csv")
    if plot:
        plots.check(plot)
    try:
        b = api.read_bom(file)
    except BomError as exc:
        for msg in exc.messages:
            print(f"raw-scan: error: {msg}", file=sys.stderr)
        raise typer.Exit(2) from None
    df = api.bom_report(b, method=method.value, economy=economy, year=year)
    if save:
        path = catalogue.save(save, b, replace=replace)
        print(
            f"saved user technology {path.stem} ({len(b.lines)} materials) in "
            f"{path.parent}; use it with 'raw-scan report {path.stem}'",
            file=sys.stderr,
        )
    summary = api.bom_summary(df)
    columns = api.BOM_COLUMNS + (api.ECONOMY_REPORT_COLUMNS if economy else [])
    if plot:  # materials sized by their share of the listed mass
        plots.technology_chart(
            df, {b.name: b.name}, names_of("materials"), api.sources_used(df), plot
        )
    if format is Format.csv:
        return write(export.to_csv(df, columns), output)
    eco = api.economy_block(df) if economy else None
    sources = api.sources_used(df, economy=eco)
    if format is Format.json:
        payload = {
            "product": b.name,
            "file": b.file,
            "description": b.description,
            "source": b.source,
            "method": method.value,
            "records": export.records(df, columns),
            "mass_summary": export.plain(vars(summary)),
            "summary": [export.plain(vars(s)) for s in api.summarise(df)],
            "sources": sources,
        }
        if eco:  # what the import figures rest on: members, years, caveats (ports)
            payload["economy"] = economy_json(eco)
        return write(export.to_json(payload), output)
    mats = store.load("materials").set_index("id")["name"].to_dict()
    summaries = api.summarise(df)
    with console(output) as con:
        terminal.print_report(
            con,
            method_view(df),
            summaries,
            mats,
            {b.name: b.name},
            sources,
            band_note(method.value),
        )
        if eco:
            from raw_scan.report import economy as render

            render.print_economy_columns(con, df, mats, eco["caveats"])
        con.print(mass_panel(summary))


@app.command()
def compare(
    technology: Annotated[
        list[str] | None,
        typer.Argument(
            help="Technology ids or names whose materials to compare.", show_default=False
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Compare every material.")] = False,
    economy: EconomyOpt = None,
    year: TradeYearOpt = None,
    rank_margin: Annotated[
        int | None,
        typer.Option(
            "--rank-margin",
            min=0,
            help="Flag ranks further apart than this (default: a quarter of the ranked materials).",
        ),
    ] = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Every method side by side: each material's rank and band per method, where the
    methods disagree and why, and the Spearman rank correlation of each pair of methods.

    Example: raw-scan compare li-ion-batteries wind-turbines
    """
    format = pick_format(format, output)
    from raw_scan import api
    from raw_scan.report import export

    if all_ and technology:
        raise UsageError("give technology names or --all, not both")
    if not all_ and not technology:
        raise UsageError("name at least one technology (see 'raw-scan technologies') or use --all")
    comp = api.compare_methods(None if all_ else list(technology), economy, rank_margin, year=year)
    if format is Format.csv:
        return write(export.to_csv(comp.table, comp.columns()), output)
    if format is Format.json:
        return write(export.to_json(comp.payload()), output)
    from raw_scan.report import methods as render

    with console(output) as con:
        con.print(render.compare_table(comp))
        con.print(render.flags(comp))
        con.print(render.spearman_table(comp))
