"""What every command shares: the typer app, the format and output options, and the writers.

Data goes to stdout (or ``--output``), messages to stderr; the exit code carries the result.
pandas is imported only inside commands, so ``raw-scan --help`` stays fast.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from raw_scan import __version__
from raw_scan.atomic import umask
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


FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        show_default=False,
        help="Output format: table, csv or json (default: from the --output extension "
        ".csv or .json, else table).",
    ),
]


def _output_path(value: str | None) -> Path | None:
    """--output as given: an empty name is a usage error (Path('') would be the current folder)."""
    if value is None:
        return None
    if not value.strip():
        raise typer.BadParameter("an empty file name; give a file name, or - for stdout")
    return Path(value)


OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        parser=_output_path,
        show_default=False,
        help="Write to this file instead of stdout ('-' is stdout). A .csv or .json name "
        "sets the format.",
    ),
]
EXTENSIONS = {".csv": Format.csv, ".json": Format.json}


def pick_format(format: Format | None, output: Path | None) -> Format:
    """The --format to use: the one given, else the one the --output extension names, else
    table. A --format that contradicts the extension is refused (no table in ``x.csv``)."""
    implied = None if _is_stdout(output) else EXTENSIONS.get(output.suffix.lower())
    if format is None:
        return implied or Format.table
    if implied is not None and format is not implied:
        raise UsageError(
            f"--format {format.value} does not match the {output.suffix} extension of "
            f"{output}; use --format {implied.value}, or drop --format"
        )
    return format


PlotOpt = Annotated[
    Path | None,
    typer.Option(
        "--plot", help="Also draw a chart into this .png or .svg file (needs raw-scan[plot])."
    ),
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


def _is_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


def _columns() -> int | None:
    """The width the user set in $COLUMNS, if any."""
    try:
        width = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return width if width > 0 else None


def _to_stdout(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader left (``| head``): stop quietly, and keep Python's exit-time flush of
        # stdout from failing again on the closed pipe
        with suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")
_STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def _open_descriptor(output: Path) -> int | None:
    """The descriptor ``output`` names (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``,
    ``/proc/self/fd/N``), or None for any other path; a UsageError if it is not open.

    Such a path is the stream the caller set up: with ``{ echo x; raw-scan ... -o /dev/stdout; }
    > f`` or ``>> f`` it is a regular file at an offset, which a replace (or a reopen that
    truncates) would wipe; writing to the open descriptor keeps what came before, as `>` does.
    """
    name = str(output)
    fd = _STANDARD.get(name)
    if fd is None:
        match = _DESCRIPTOR.fullmatch(name)
        if match is None:
            return None
        fd = int(match.group(1))
    try:
        os.fstat(fd)
    except OSError:
        raise UsageError(
            f"cannot write {output}: descriptor {fd} is not open; choose another --output path"
        ) from None
    return fd


def _to_descriptor(text: str, fd: int, output: Path) -> None:
    data = text.encode("utf-8")
    try:
        while data:
            data = data[os.write(fd, data) :]
    except BrokenPipeError:
        raise typer.Exit(0) from None
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror or exc}; choose another --output path"
        ) from None


def write(text: str, output: Path | None) -> None:
    """Write ``text`` to stdout (``output`` None or '-') or to the file ``output``.

    Like a shell redirection, with the safety of an atomic replace: a symlink is followed (its
    target is replaced, the link stays); a device or FIFO (``/dev/stdout``) is written to, not
    replaced; a regular file is written to a temporary file in the same folder, then moved over
    the target, so the old content stays whole if anything fails. A new file gets the mode the
    user's umask gives; an existing file keeps its mode (and, where allowed, its owner).
    Anything that cannot be written is one :class:`UsageError` line (exit 2).
    """
    if _is_stdout(output):
        return _to_stdout(text)
    fd = _open_descriptor(output)
    if fd is not None:  # /dev/stdout, /dev/fd/N: the stream the shell opened, as `>` gives it
        return _to_stdout(text) if fd == sys.stdout.fileno() else _to_descriptor(text, fd, output)
    output = output.expanduser()

    def fail(reason: str) -> UsageError:
        from raw_scan.names import shown

        where = output if len(str(output)) <= 200 else shown(str(output))
        return UsageError(f"cannot write {where}: {reason}; choose another --output path")

    try:
        st = os.stat(output)  # follows symlinks
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise fail("it is a folder")
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:  # a device, FIFO or socket: write into it, as `>` does
            with open(output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except OSError as exc:
            raise fail(exc.strerror or str(exc)) from None
        return
    target = Path(os.path.realpath(output))  # a symlink's target, even a dangling one
    if not target.parent.is_dir():
        missing = "is not a folder" if target.parent.exists() else "does not exist"
        raise fail(f"{target.parent} {missing}")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise fail(f"no file can be created in {target.parent} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st else 0o666 & ~umask())
        if st is not None and hasattr(os, "chown"):
            with suppress(OSError):  # not allowed: the file becomes the user's, as with editors
                os.chown(tmp, st.st_uid, st.st_gid)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise fail(exc.strerror or str(exc)) from None
    print(f"wrote {output}", file=sys.stderr)


class _Deferred:
    """Stands in for a rich Console when the output width depends on what is printed (a pipe
    or a file, with no $COLUMNS): records ``print`` calls, to replay them on a console as wide
    as the widest :class:`~raw_scan.report.layout.FitTable` among them."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []

    def print(self, *objects, **kwargs) -> None:
        self.calls.append((objects, kwargs))

    def renderables(self) -> list:
        return [obj for objects, _ in self.calls for obj in objects]

    def replay(self, console) -> None:
        for objects, kwargs in self.calls:
            console.print(*objects, **kwargs)


@contextmanager
def console(output: Path | None = None):
    """A rich console for the command's output.

    * a terminal: its own width and colours (rich also honours $COLUMNS);
    * a pipe or a file (``--output``): plain text at $COLUMNS if set, else at the width that
      keeps every table whole (at least 80), without trailing spaces, written by :func:`write`.
    """
    from rich.console import Console

    from raw_scan.report.layout import natural_width

    columns = _columns()
    if _is_stdout(output) and sys.stdout.isatty():
        yield Console()
        return
    calls = _Deferred()
    yield calls
    import io

    buf = io.StringIO()
    con = Console(
        file=buf,
        width=columns or natural_width(calls.renderables()),
        force_terminal=False,
        color_system=None,
        legacy_windows=False,
    )
    calls.replay(con)
    write("\n".join(line.rstrip() for line in buf.getvalue().split("\n")), output)


def economy_json(meta: dict) -> dict:
    """The ``economy`` block of a report's JSON: what its import figures rest on (members,
    years, caveats); the sources are listed with the report's own."""
    return {k: v for k, v in meta.items() if k != "sources"}


def names_of(table: str) -> dict[str, str]:
    """id -> name of the technologies (built-in and user-defined) or materials of the
    command's snapshot."""
    from raw_scan import catalogue, store

    df = catalogue.technologies(store.current()) if table == "technologies" else store.load(table)
    return df.set_index("id")["name"].to_dict()
