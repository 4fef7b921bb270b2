"""Commands about one economy's imports: economy (materials ranked by GeoPolRisk) and
dependencies (the EU strategic-dependency screen per HS6 product)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from raw_scan.cli._common import Format, FormatOpt, OutputOpt, app, console, pick_format, write


class Rank(StrEnum):
    geopolrisk = "geopolrisk"
    import_risk = "import-risk"


EconomyArg = Annotated[
    str,
    typer.Argument(
        help="ISO3 code or country name of the trade data (BEL, Belgium), EU27, or a group "
        "from groups.toml in the config folder (RAW_SCAN_CONFIG_DIR).",
        show_default=False,
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option("--year", "-y", help="Year of the trade data (default: the latest).", min=1900),
]


@app.command()
def economy(
    name: EconomyArg,
    year: YearOpt = None,
    by_hs6: Annotated[
        bool,
        typer.Option(
            "--by-hs6", help="One row per HS6 code of each material and stage, not per stage."
        ),
    ] = False,
    rank: Annotated[
        Rank,
        typer.Option(
            "--rank",
            help="Order: GeoPolRisk score, or the import-risk factor alone (the economy's "
            "import mix, without world production concentration).",
        ),
    ] = "geopolrisk",
    format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """An economy's imports of the materials of all technologies, ranked by GeoPolRisk:
    partners, non-EU share, CRMA 65 % flag, import reliance.

    Example: raw-scan economy BEL --year 2023 --format csv --output bel.csv
    """
    format = pick_format(format, output)
    from raw_scan import api

    eco = api.resolve_economy(name)
    df = api.economy(name, year, by_hs6=by_hs6, rank_by=Rank(rank).value.replace("-", "_"))
    meta = api.economy_meta(eco, int(df["year"].iloc[0]))
    if by_hs6:
        meta["by_hs6"] = True
    meta["ranked_by"] = Rank(rank).value
    draw = lambda con, render: render.print_economy(con, df, meta)  # noqa: E731
    _emit(df, api.ECONOMY_COLUMNS, meta, format, output, draw)


@app.command()
def dependencies(
    name: EconomyArg,
    year: YearOpt = None,
    persistent: Annotated[
        bool,
        typer.Option(
            "--persistent", help="Only products dependent in at least 2 of the last 3 years."
        ),
    ] = False,
    supplier_hhi: Annotated[
        float,
        typer.Option(
            "--supplier-hhi",
            min=0.0,
            max=1.0,
            help="Criterion 1: HHI (0-1) of the suppliers outside the EU above this.",
        ),
    ] = 0.4,
    outside_share: Annotated[
        float,
        typer.Option(
            "--outside-share",
            min=0.0,
            max=1.0,
            help="Criterion 2: share of imports from outside the EU above this.",
        ),
    ] = 0.5,
    imports_to_exports: Annotated[
        float,
        typer.Option(
            "--imports-to-exports",
            min=0.0,
            help="Criterion 3: imports from outside the EU / all exports above this.",
        ),
    ] = 1.0,
    format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """The EU strategic-dependency screen, one row per HS6 product, dependent products first
    (for an economy outside the EU, 'outside the EU' means all foreign partners).

    Example: raw-scan dependencies EU27 --year 2023 --persistent --format csv
    """
    format = pick_format(format, output)
    from raw_scan import api

    eco = api.resolve_economy(name)
    limits = api.Thresholds(supplier_hhi, outside_share, imports_to_exports)
    df = api.dependencies(name, year, thresholds=limits, persistent=persistent)
    meta = api.economy_meta(eco, api.trade_year(year), thresholds=limits)
    _emit(
        df,
        api.SCREEN_COLUMNS,
        meta,
        format,
        output,
        lambda con, r: r.print_screen(con, df, meta, persistent_only=persistent),
    )


def _emit(df, columns: list[str], meta: dict, format: Format, output, table) -> None:
    """CSV (the columns), JSON (``meta`` plus the records), or the terminal table drawn by
    ``table(console, raw_scan.report.economy)``."""
    from raw_scan.report import export

    if format is Format.csv:
        return write(export.to_csv(df, columns), output)
    if format is Format.json:
        return write(export.to_json({**meta, "records": export.records(df, columns)}), output)
    from raw_scan.report import economy as render

    with console(output) as con:
        table(con, render)
