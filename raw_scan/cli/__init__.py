"""The raw-scan command line: one short function per command over ``raw_scan.api``.

Commands live in one module per group (``report``: what the snapshot says; ``scenario``:
scenario, grid, trend; ``bom``: a user's bill of materials and methods compared; ``data``:
refresh, datasets, schedule); each registers itself on the shared ``app`` of ``_common``.
``main`` turns every error raised on purpose into one line on stderr and an exit code.
"""

from __future__ import annotations

import re
import sys

import typer

from raw_scan.cli import bom, data, economy, report, scenario  # noqa: F401  (registers)
from raw_scan.cli._common import app
from raw_scan.errors import RawScanError

__all__ = ["app", "main"]

_LONG_QUOTED = re.compile(r"'([^'\n]{81,})'")


def _short(message: str) -> str:
    """The message with every quoted value over 80 characters shortened, as the name lookups
    do (``names.shown``): an option value or code of 5,000 characters is not echoed back."""
    from raw_scan.names import shown

    return _LONG_QUOTED.sub(lambda m: shown(m.group(1)), str(message))


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
        print(f"raw-scan: error: {_short(exc)}", file=sys.stderr)
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
        print(
            f"raw-scan: error: {_short(exc.format_message())} (see '{where} --help')",
            file=sys.stderr,
        )
        sys.exit(2)
    except click_errors.ClickException as exc:
        print(f"raw-scan: error: {_short(exc.format_message())}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("raw-scan: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # a path the system refuses (too long, not readable, ...): one line
        from raw_scan.names import shown

        where = f" ({shown(exc.filename)})" if exc.filename else ""
        print(f"raw-scan: error: {exc.strerror or exc}{where}; check the path", file=sys.stderr)
        sys.exit(2)
