"""What every command shares: the typer app, the format and output options, and the writers.

Data goes to stdout (or ``--output``), messages to stderr; the exit code carries the result.
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
from raw_scan.atomic import mode_for
from raw_scan.errors import UsageError

app = typer.Typer(
    name="raw-scan",
    help="Supply risk of critical raw materials for key technologies, from public data.\n\n"
    "Example: raw-scan report li-ion-batteries",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Supply risk of critical raw materials for key technologies, from public data."""
    from raw_scan import store

    # one snapshot per command: resolved on first use, kept until the command ends
    token = store.pin()
    ctx.call_on_close(lambda: store.unpin(token))


def write(text: str, output: Path | None) -> None:
    """Write ``text`` to stdout, or atomically to the file ``output``."""
    if output is None:
        sys.stdout.write(text)
        return
    output = output.expanduser()
    if not output.parent.exists():
        raise UsageError(f"cannot write {output}: folder {output.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        os.chmod(tmp, mode_for(output))  # mkstemp makes 0600: use the umask, or keep the mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    print(f"wrote {output}", file=sys.stderr)


@contextmanager
def console(output: Path | None = None):
    """A rich console to the terminal, or to a plain-text buffer written to --output at exit."""
    from rich.console import Console

    if output is None:
        yield Console()
        return
    import io

    buf = io.StringIO()
    yield Console(file=buf, width=160, force_terminal=False, color_system=None)
    write(buf.getvalue(), output)
