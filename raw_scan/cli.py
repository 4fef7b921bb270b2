"""The raw-scan command line: one short function per command over ``raw_scan.api``.

Data goes to stdout (or --output), messages to stderr; the exit code carries the result.
pandas is imported only inside commands, so ``raw-scan --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from raw_scan import __version__
from raw_scan.errors import RawScanError, UsageError

app = typer.Typer(
    name="raw-scan",
    help="Supply risk of critical raw materials for key technologies, from public data.\n\n"
    "Example: raw-scan report li-ion-batteries",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
schedule_app = typer.Typer(
    help="Schedule 'raw-scan refresh' (crontab or systemd user timer).", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]


def _version(value: bool) -> None:
    if value:
        print(f"raw-scan {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Supply risk of critical raw materials for key technologies, from public data."""


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    output = output.expanduser()
    if not output.parent.exists():
        raise UsageError(f"cannot write {output}: folder {output.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    print(f"wrote {output}", file=sys.stderr)


@contextmanager
def _console(output: Path | None = None):
    """A rich console to the terminal, or to a plain-text buffer written to --output at exit."""
    from rich.console import Console

    if output is None:
        yield Console()
        return
    import io

    buf = io.StringIO()
    yield Console(file=buf, width=160, force_terminal=False, color_system=None)
    _write(buf.getvalue(), output)


@app.command()
def technologies(format: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """List the technologies: ids (use them with 'report'), names, number of materials.

    Example: raw-scan technologies
    """
    from raw_scan import api
    from raw_scan.report import export

    df = api.technologies()
    cols = ["id", "name", "materials", "scope"]
    if format is Format.csv:
        return _write(export.to_csv(df, cols), output)
    if format is Format.json:
        return _write(export.to_json(export.records(df, cols)), output)
    from rich.table import Table

    with _console(output) as console:
        t = Table("Id", "Name", "Materials", "Scope")
        for r in df.to_dict("records"):
            t.add_row(r["id"], r["name"], str(r["materials"]), r["scope"])
        console.print(t)


@app.command()
def materials(format: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """List every material with its risk band at its bottleneck stage, worst first.

    Example: raw-scan materials --format csv --output materials.csv
    """
    from raw_scan import api
    from raw_scan.report import export, terminal

    df = api.materials_table()
    cols = ["material", "name", *[c for c in api.MATERIAL_COLUMNS if c != "material"]]
    if format is Format.csv:
        return _write(export.to_csv(df, cols), output)
    if format is Format.json:
        return _write(export.to_json(export.records(df, cols)), output)
    with _console(output) as console:
        console.print(terminal.materials_table(df))
        console.print(terminal.sources_footer(api.sources_used(df)))


@app.command()
def report(
    technology: Annotated[
        list[str] | None,
        typer.Argument(
            help="Technology ids or names, e.g. li-ion-batteries heat-pumps.", show_default=False
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Report on every technology.")] = False,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Risk report per technology: every material and stage, its band and its drivers.

    Example: raw-scan report li-ion-batteries --format csv --output li-ion.csv
    """
    from raw_scan import api, store
    from raw_scan.report import export, terminal

    if all_ and technology:
        raise UsageError("give technology names or --all, not both")
    if not all_ and not technology:
        raise UsageError("name at least one technology (see 'raw-scan technologies') or use --all")
    names = list(store.load("technologies")["id"]) if all_ else list(technology)
    df = api.technology_report(names)
    if format is Format.csv:
        return _write(export.to_csv(df, api.REPORT_COLUMNS), output)
    summaries = api.summarise(df)
    if format is Format.json:
        payload = {
            "records": export.records(df, api.REPORT_COLUMNS),
            "summary": [vars(s) for s in summaries],
            "sources": api.sources_used(df),
        }
        return _write(export.to_json(payload), output)
    mats = store.load("materials").set_index("id")["name"].to_dict()
    techs = store.load("technologies").set_index("id")["name"].to_dict()
    with _console(output) as console:
        terminal.print_report(console, df, summaries, mats, techs, api.sources_used(df))


@app.command()
def material(
    name: Annotated[str, typer.Argument(help="Material id, name or alias, e.g. gallium, REE.")],
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Risk card of one material: producers by country and stage, indicators, EU status.

    Example: raw-scan material gallium
    """
    from raw_scan import api
    from raw_scan.report import export, terminal

    card = api.material_card(name)
    sources = api.sources_used(card.stages)
    if format is Format.csv:
        return _write(export.to_csv(card.stages, api.MATERIAL_COLUMNS), output)
    if format is Format.json:
        payload = {
            "material": card.material,
            "name": card.name,
            "stages": export.records(card.stages, api.MATERIAL_COLUMNS),
            "producers": {s: export.records(p) for s, p in card.producers.items()},
            "eu_assessment": {k: export._cell(v) for k, v in card.eu.items()},
            "crma": card.crma,
            "technologies": card.technologies,
            "sources": sources,
        }
        return _write(export.to_json(payload), output)
    with _console(output) as console:
        terminal.material_card(console, card, sources)


class Every(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


@app.command()
def refresh(
    source: Annotated[
        list[str] | None,
        typer.Argument(
            help="Source ids: usgs, wgi, wmd, iea, eu (default: usgs wgi wmd).", show_default=False
        ),
    ] = None,
    max_age: Annotated[
        float | None,
        typer.Option("--max-age", help="Skip sources refreshed less than this many days ago."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Load this file (or folder) instead of downloading; one source only."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Fetch, check and switch to a new snapshot of the datasets, all or nothing.

    Example: raw-scan refresh usgs --file mcs2024_world.zip
    """
    from raw_scan import refresh as rf

    def log(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr)

    try:
        result = rf.refresh(source, file=file, max_age_days=max_age, progress=not quiet, log=log)
    except rf.RefreshError as exc:
        for line in exc.failures.values():
            print(f"raw-scan: error: {line}", file=sys.stderr)
        failed = ", ".join(exc.failures)
        print(f"raw-scan: the active datasets were not changed ({failed} failed)", file=sys.stderr)
        raise typer.Exit(1) from None
    if not result.refreshed:
        print("nothing to refresh", file=sys.stderr)
        return
    print(
        f"refreshed {', '.join(result.refreshed)}; active snapshot {result.snapshot}",
        file=sys.stderr,
    )
    from raw_scan.report import terminal

    with _console() as console:
        terminal.print_changes(console, result.changes)


@app.command()
def datasets(
    format: FormatOpt = Format.table,
    reset: Annotated[
        bool, typer.Option("--reset", help="Go back to the bundled snapshot.")
    ] = False,
) -> None:
    """Show the datasets in use: source, edition, retrieved, age, rows, sha256, licence.

    Example: raw-scan datasets --format json
    """
    from raw_scan import api, store
    from raw_scan.report import export

    if reset:
        from raw_scan import refresh as rf

        done = rf.reset()
        print("using the bundled datasets" + ("" if done else " (already)"), file=sys.stderr)
        return
    df = api.datasets_table()
    if format is Format.json:
        return _write(
            export.to_json({"snapshot": str(store.active_dir()), "datasets": export.records(df)}),
            None,
        )
    if format is Format.csv:
        return _write(export.to_csv(df), None)
    from raw_scan.report import terminal

    with _console() as console:
        console.print(terminal.datasets_table(df))
        console.print(f"snapshot: {store.active_dir()}", style="dim")


@schedule_app.command("install")
def schedule_install(
    every: Annotated[Every, typer.Option("--every", help="How often to refresh.")] = Every.weekly,
) -> None:
    """Install (or replace) a scheduled 'raw-scan refresh --max-age ...' job.

    Example: raw-scan schedule install --every weekly
    """
    from raw_scan import schedule, store

    log = store.data_dir() / "refresh.log"
    store.data_dir().mkdir(parents=True, exist_ok=True)
    print(schedule.install(every.value, log_path=log))


@schedule_app.command("show")
def schedule_show() -> None:
    """Print exactly what is installed, or say that nothing is.

    Example: raw-scan schedule show
    """
    from raw_scan import schedule

    text = schedule.show()
    if text is None:
        print("no scheduled refresh installed", file=sys.stderr)
        raise typer.Exit(1)
    print(text)


@schedule_app.command("remove")
def schedule_remove() -> None:
    """Remove the scheduled refresh (other crontab lines are kept).

    Example: raw-scan schedule remove
    """
    from raw_scan import schedule

    print("removed" if schedule.remove() else "no scheduled refresh was installed", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one line on stderr and an exit code for any bad input."""
    try:  # typer >= 0.20 vendors click; older releases use click itself
        from typer._click import exceptions as click_errors
    except ImportError:
        from click import exceptions as click_errors

    try:
        code = app(args=argv, prog_name="raw-scan", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)  # with standalone_mode=False, click returns typer.Exit's code
    except RawScanError as exc:
        print(f"raw-scan: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("raw-scan: aborted", file=sys.stderr)
        sys.exit(130)
    except getattr(click_errors, "NoArgsIsHelpError", ()) as exc:
        print(exc.format_message(), file=sys.stderr)
        sys.exit(2)
    except click_errors.UsageError as exc:
        where = (
            f"raw-scan {exc.ctx.command_path.split(' ', 1)[1]}"
            if exc.ctx and " " in exc.ctx.command_path
            else "raw-scan"
        )
        print(f"raw-scan: error: {exc.format_message()} (see '{where} --help')", file=sys.stderr)
        sys.exit(2)
    except click_errors.ClickException as exc:
        print(f"raw-scan: error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("raw-scan: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
