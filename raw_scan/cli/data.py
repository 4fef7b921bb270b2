"""Commands that manage the data: refresh, datasets, schedule."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from raw_scan.cli._common import Format, FormatOpt, app, console, write

schedule_app = typer.Typer(
    help="Schedule 'raw-scan refresh' (crontab or systemd user timer).", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")


class Every(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


@app.command()
def refresh(
    source: Annotated[
        list[str] | None,
        typer.Argument(
            help="Source ids: usgs, wgi, wmd, iea, eu, baci, bgs (default: usgs wgi wmd).",
            show_default=False,
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

    with console() as con:
        terminal.print_changes(con, result.changes)


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
        return write(
            export.to_json({"snapshot": str(store.active_dir()), "datasets": export.records(df)}),
            None,
        )
    if format is Format.csv:
        return write(export.to_csv(df), None)
    from raw_scan.report import terminal

    with console() as con:
        con.print(terminal.datasets_table(df))
        con.print(f"snapshot: {store.active_dir()}", style="dim")


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
