"""Commands that manage the data: refresh, datasets, schedule."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from raw_scan.cli._common import (
    Format,
    FormatOpt,
    OutputOpt,
    app,
    console,
    pick_format,
    write,
)

schedule_app = typer.Typer(
    help="Schedule 'raw-scan refresh' (crontab or systemd user timer), with the data directory "
    "and RAW_SCAN_* settings in effect when it is installed.\n\n"
    "Example: raw-scan schedule install --every daily",
    no_args_is_help=True,
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
    allow_loss: Annotated[
        bool,
        typer.Option(
            "--allow-loss",
            help="Switch even if the new data lose material x stage series, countries or years "
            "of governance data, or go back to an older edition or year (the loss is listed in "
            "the refresh summary). Without it such a refresh is refused and nothing changes. "
            "Impossible values (inf, nan, absurd, all zero) are refused either way.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Fetch, check and switch to a new snapshot of the datasets, all or nothing.

    The new data are checked against the active snapshot before the switch; what changed is
    printed, kept in the snapshot folder and appended to refresh.log in the data directory.

    Example: raw-scan refresh usgs --file mcs2024_world.zip
    """
    from raw_scan import refresh as rf

    def log(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr)

    try:
        result = rf.refresh(
            source,
            file=file,
            max_age_days=max_age,
            allow_loss=allow_loss,
            progress=not quiet,
            log=log,
        )
    except rf.RefreshError as exc:
        for line in exc.lines:
            print(f"raw-scan: error: {line}", file=sys.stderr)
        for finding in exc.review.jumps if exc.review else []:
            print(f"raw-scan: warning: {finding}", file=sys.stderr)
        print(f"raw-scan: the active datasets were not changed ({exc.outcome})", file=sys.stderr)
        raise typer.Exit(1) from None
    if not result.refreshed:
        print("nothing to refresh", file=sys.stderr)
        return
    for finding in result.review.jumps:
        print(f"raw-scan: warning: {finding}", file=sys.stderr)
    for finding in result.review.losses:
        print(f"raw-scan: warning: accepted with --allow-loss: {finding}", file=sys.stderr)
    print(
        f"refreshed {', '.join(result.refreshed)}; active snapshot {result.snapshot}",
        file=sys.stderr,
    )
    from raw_scan.report import terminal

    with console() as con:
        terminal.print_changes(con, result.changes)


@app.command()
def datasets(
    format: FormatOpt = None,
    output: OutputOpt = None,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Go back to the bundled snapshot (waits for a running refresh, like refresh "
            "does; refreshed snapshots stay on disk).",
        ),
    ] = False,
) -> None:
    """Show the datasets in use: edition, data years, origin, retrieved, rows, file, licence.

    Example: raw-scan datasets --format json --output datasets.json
    """
    from raw_scan import api, store
    from raw_scan.report import export

    if reset:
        done = store.reset()
        print("using the bundled datasets" + ("" if done else " (already)"), file=sys.stderr)
        return
    format = pick_format(format, output)
    snap = store.current()
    df = api.datasets_table(snap)
    if format is Format.json:
        payload = {"snapshot": str(snap.folder), "datasets": export.records(df)}
        return write(export.to_json(payload), output)
    if format is Format.csv:
        return write(export.to_csv(df), output)
    from raw_scan.report.datasets import print_datasets

    with console(output) as con:
        print_datasets(con, df, snap.folder)


@schedule_app.command("install")
def schedule_install(
    every: Annotated[Every, typer.Option("--every", help="How often to refresh.")] = Every.weekly,
) -> None:
    """Install (or replace) a scheduled 'raw-scan refresh --max-age ...' job.

    The job gets the data directory and every RAW_SCAN_* setting in effect now (mirror URLs,
    timeouts, limits); its messages go to refresh.log in the data directory.

    Example: RAW_SCAN_DATA_DIR=/srv/raw-scan raw-scan schedule install --every weekly
    """
    from raw_scan import schedule, store

    root = store.data_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise store.unwritable(root, exc) from None
    settings = schedule.job_settings(root)
    print(schedule.install(every.value, log_path=root / "refresh.log", settings=settings))


@schedule_app.command("show")
def schedule_show() -> None:
    """Print exactly what is installed, or say that nothing is.

    Example: raw-scan schedule show
    """
    from raw_scan import schedule

    text = schedule.show()
    if text is None:
        print("no scheduled refresh installed", file=sys.stderr)
        return
    print(text)


@schedule_app.command("remove")
def schedule_remove() -> None:
    """Remove the scheduled refresh (other crontab lines are kept).

    Example: raw-scan schedule remove
    """
    from raw_scan import schedule

    print("removed" if schedule.remove() else "no scheduled refresh was installed", file=sys.stderr)
