"""Commands that read the snapshot: technologies, materials, report, material."""

from __future__ import annotations

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
def technologies(format: FormatOpt = None, output: OutputOpt = None) -> None:
    """List the technologies: ids (use them with 'report'), names, number of materials;
    technologies saved from a bill of materials ('raw-scan bom FILE --save NAME') are marked
    (user).

    Example: raw-scan technologies
    """
    format = pick_format(format, output)
    from raw_scan import api
    from raw_scan.report import export

    df = api.technologies()
    cols = ["id", "name", "materials", "scope", "origin"]
    if format is Format.csv:
        return write(export.to_csv(df, cols), output)
    if format is Format.json:
        return write(export.to_json(export.records(df, cols)), output)
    from raw_scan.report import terminal

    user = df["origin"] == "user"
    df = df.assign(name=df["name"].where(~user, df["name"] + " (user)"))
    with console(output) as con:
        con.print(terminal.technologies_table(df))


@app.command()
def materials(format: FormatOpt = None, output: OutputOpt = None) -> None:
    """List every material with its risk band at its bottleneck stage, worst first.

    Example: raw-scan materials --format csv --output materials.csv
    """
    format = pick_format(format, output)
    from raw_scan import api
    from raw_scan.report import export, terminal

    df = api.materials_table()
    cols = ["material", "name", *[c for c in api.MATERIAL_COLUMNS if c != "material"]]
    if format is Format.csv:
        return write(export.to_csv(df, cols), output)
    if format is Format.json:
        return write(export.to_json(export.records(df, cols)), output)
    with console(output) as con:
        con.print(terminal.materials_table(df))
        con.print(terminal.sources_footer(api.sources_used(df)))


@app.command()
def report(
    technology: Annotated[
        list[str] | None,
        typer.Argument(
            help="Technology ids or names, e.g. li-ion-batteries heat-pumps.", show_default=False
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Report on every technology.")] = False,
    economy: EconomyOpt = None,
    year: TradeYearOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    method: MethodOpt = Method.composite,
) -> None:
    """Risk report per technology: every material and stage, its band and its drivers.

    Example: raw-scan report li-ion-batteries --economy BEL --format csv --output li-ion.csv
    """
    format = pick_format(format, output)
    from raw_scan import api, store
    from raw_scan.report import export, plots, terminal
    from raw_scan.report.methods import band_note, method_view

    if all_ and technology:
        raise UsageError("give technology names or --all, not both")
    if not all_ and not technology:
        raise UsageError("name at least one technology (see 'raw-scan technologies') or use --all")
    if plot:
        plots.check(plot)
    names = api.technology_ids() if all_ else list(technology)
    df = api.technology_report(names, method=method.value, economy=economy, year=year)
    columns = api.REPORT_COLUMNS + (api.ECONOMY_REPORT_COLUMNS if economy else [])
    if plot:
        from raw_scan import catalogue

        masses = plots.bom_masses(catalogue.links(store.current()))  # saved BOMs: by mass
        plots.technology_chart(
            df, names_of("technologies"), names_of("materials"), api.sources_used(df), plot, masses
        )
    if format is Format.csv:
        return write(export.to_csv(df, columns), output)
    summaries = api.summarise(df)
    eco = api.economy_block(df) if economy else None
    sources = api.sources_used(df, economy=eco)
    if format is Format.json:
        payload = {
            "records": export.records(df, columns),
            "summary": [export.plain(vars(s)) for s in summaries],
            "sources": sources,
        }
        if eco:  # what the import figures rest on: members, years, caveats (ports)
            payload["economy"] = economy_json(eco)
        return write(export.to_json(payload), output)
    mats = store.load("materials").set_index("id")["name"].to_dict()
    techs = api.technologies().set_index("id")["name"].to_dict()
    with console(output) as con:
        terminal.print_report(
            con, method_view(df), summaries, mats, techs, sources, band_note(method)
        )
        if eco:
            from raw_scan.report import economy as render

            render.print_economy_columns(con, df, mats, eco["caveats"])


@app.command()
def material(
    name: Annotated[str, typer.Argument(help="Material id, name or alias, e.g. gallium, REE.")],
    economy: EconomyOpt = None,
    year: TradeYearOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    method: MethodOpt = Method.composite,
) -> None:
    """Risk card of one material: producers by country and stage, indicators, EU status.

    Example: raw-scan material gallium --economy EU27
    """
    format = pick_format(format, output)
    from raw_scan import api
    from raw_scan.report import card as card_render
    from raw_scan.report import export, plots
    from raw_scan.report.methods import band_note, card_view

    if plot:
        plots.check(plot)
    card = api.material_card(name, method=method.value, economy=economy, year=year)
    eco = api.economy_block(card.stages) if economy else None
    sources = api.sources_used(card.stages, economy=eco)
    columns = api.MATERIAL_COLUMNS + (api.ECONOMY_REPORT_COLUMNS if economy else [])
    if plot:
        plots.material_chart(card, sources, plot)
    if format is Format.csv:
        return write(export.to_csv(card.stages, columns), output)
    if format is Format.json:
        payload = {
            "material": card.material,
            "name": card.name,
            "stages": export.records(card.stages, columns),
            "producers": {s: export.records(p) for s, p in card.producers.items()},
            "eu_assessment": export.plain(card.eu),
            "crma": card.crma,
            "technologies": card.technologies,
            "sources": sources,
        }
        if eco:
            payload["economy"] = economy_json(eco)
        return write(export.to_json(payload), output)
    card.stages = card_view(card.stages)
    with console(output) as con:
        card_render.material_card(con, card, sources, band_note(method))
        if eco:
            from raw_scan.report import economy as render

            render.print_economy_columns(
                con, card.stages, {card.material: card.name}, eco["caveats"]
            )
