"""Commands that look across technologies and time: scenario, grid, trend."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from raw_scan.cli._common import (
    Format,
    FormatOpt,
    OutputOpt,
    PlotOpt,
    app,
    console,
    names_of,
    pick_format,
    write,
)
from raw_scan.cli.report import EconomyOpt, TradeYearOpt
from raw_scan.errors import UsageError


class Mode(StrEnum):
    mining = "mining"
    refining = "refining"
    both = "both"


TechArg = Annotated[
    list[str] | None,
    typer.Argument(help="Technology ids or names (default: every technology).", show_default=False),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every technology (the default).")]


def _techs(technology: list[str] | None, all_: bool) -> list[str] | None:
    if all_ and technology:
        raise UsageError("give technology names or --all, not both")
    return list(technology) if technology else None


@app.command()
def scenario(
    technology: TechArg = None,
    without: Annotated[
        list[str] | None,
        typer.Option(
            "--without",
            "-w",
            help="ISO3 code of a country whose output stops (repeat, or CHN,IDN).",
            show_default=False,
        ),
    ] = None,
    stage: Annotated[Mode, typer.Option("--stage", help="Stage that stops.")] = Mode.both,
    fraction: Annotated[
        float,
        typer.Option("--fraction", help="Fraction of their output that stops, 0-1."),
    ] = 1.0,
    all_: AllOpt = False,
    economy: EconomyOpt = None,
    year: TradeYearOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    plot: PlotOpt = None,
) -> None:
    """What if a country stops supplying? World supply lost per material, stage, technology.

    Example: raw-scan scenario --without CHN --stage refining li-ion-batteries --economy BEL
    """
    format = pick_format(format, output)
    from raw_scan.report import plots

    codes = [c for w in (without or []) for c in w.split(",") if c.strip()]
    if not codes:
        raise UsageError("name the country that stops supplying, e.g. --without CHN")
    if plot:
        plots.check(plot)
    from raw_scan import api
    from raw_scan.report import export

    result = api.scenario(
        codes, stage.value, fraction, _techs(technology, all_), economy=economy, year=year
    )
    sources = api.scenario_sources(result)
    if plot:
        plots.scenario_chart(result, sources, plot, names_of("materials"))
    if format is Format.csv:
        return write(export.to_csv(result.materials, result.columns), output)
    if format is Format.json:
        payload = {
            "scenario": {
                "without": list(result.scenario.without),
                "stage": result.scenario.stage,
                "fraction": result.scenario.fraction,
            },
            **({"economy": result.economy} if result.economy else {}),
            "technologies": export.records(result.technologies),
            "materials": export.records(result.materials, result.columns),
            "sources": sources,
        }
        return write(export.to_json(payload), output)
    from raw_scan.report import scenario_view

    with console(output) as con:
        for part in scenario_view.renderables(result, names_of("materials"), sources):
            con.print(part)


@app.command()
def grid(
    technology: TechArg = None,
    all_: AllOpt = False,
    format: FormatOpt = None,
    output: OutputOpt = None,
    plot: PlotOpt = None,
) -> None:
    """Technology x material grid of risk bands: which technology needs what, how risky.

    Example: raw-scan grid --format csv --output grid.csv
    """
    format = pick_format(format, output)
    from raw_scan.report import plots

    if plot:
        plots.check(plot)
    from raw_scan import api
    from raw_scan.report import export

    df = api.grid(_techs(technology, all_))
    ids = list(df.columns[len(api.GRID_FIXED) :])
    sources = api.sources_used(api.materials_table())
    if plot:
        plots.grid_chart(df, ids, sources, plot)
    if format is Format.csv:
        return write(export.to_csv(df), output)
    if format is Format.json:
        return write(export.to_json({"grid": export.records(df), "sources": sources}), output)
    from raw_scan.report import grid_view

    with console(output) as con:
        for part in grid_view.render_grid(df, ids, names_of("technologies"), sources):
            con.print(part)


@app.command()
def trend(
    material: Annotated[str, typer.Argument(help="Material id, name or alias, e.g. lithium.")],
    stage: Annotated[Mode, typer.Option("--stage", help="Stage to show.")] = Mode.both,
    economy: Annotated[
        str | None,
        typer.Option(
            "--economy",
            "-e",
            help="Also this economy's import partners per year (ISO3, EU27 or a group); "
            "with --format csv, the import rows.",
        ),
    ] = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
    plot: PlotOpt = None,
) -> None:
    """Concentration of a material's supply over every year the data holds, per source.

    Example: raw-scan trend lithium --stage mining --economy EU27
    """
    format = pick_format(format, output)
    from raw_scan.report import plots

    if plot:
        plots.check(plot)
    from raw_scan import api
    from raw_scan.manifest import source_record
    from raw_scan.report import export
    from raw_scan.trend import COLUMNS, IMPORT_COLUMNS

    df = api.trend(material, stage.value)
    mid = api.resolve_material(material)
    meta, imp = api.import_trend(mid, economy, stage.value) if economy else (None, None)
    ids = [*df["source"], *(api.trade_sources() if economy else [])]
    sources = [source_record(s) for s in dict.fromkeys(ids)]
    name = names_of("materials")[mid]
    if df.empty:
        where = "" if stage is Mode.both else f" at the {stage.value} stage"
        print(f"raw-scan: no production series for {mid}{where} in the data", file=sys.stderr)
    if plot and df.empty:
        print(f"raw-scan: nothing to plot; {plot} not written", file=sys.stderr)
    elif plot:
        plots.trend_chart(df, name, sources, plot, imports=imp, economy=meta)
    if format is Format.csv:
        if economy:
            return write(export.to_csv(imp, IMPORT_COLUMNS), output)
        return write(export.to_csv(df, COLUMNS), output)
    if format is Format.json:
        payload = {"material": mid, "trend": export.records(df, COLUMNS)}
        if economy:
            payload["imports"] = {**meta, "rows": export.records(imp, IMPORT_COLUMNS)}
        payload["sources"] = sources
        return write(export.to_json(payload), output)
    from raw_scan.report import trend_view

    parts = [] if df.empty else trend_view.render_trend(df, name, [] if economy else sources)
    if economy:
        parts += trend_view.render_imports(imp, meta, name, sources)
    with console(output) as con:
        for part in parts:
            con.print(part)
