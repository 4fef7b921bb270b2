"""Options shared by the commands that score materials: --method and --economy."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from raw_scan import methods

Method = StrEnum("Method", [(m, m) for m in methods.ids()])

MethodOpt = Annotated[
    Method,
    typer.Option(
        "--method",
        "-m",
        help="Scoring method for Band and Score (see docs/methods.md); geopolrisk needs --economy.",
    ),
]
EconomyOpt = Annotated[
    str | None,
    typer.Option(
        "--economy",
        "-e",
        help="Importing economy (ISO3, EU27 or a group; see 'raw-scan economy'): adds its "
        "import figures, and is what --method geopolrisk scores.",
    ),
]
TradeYearOpt = Annotated[
    int | None,
    typer.Option("--year", "-y", help="Year of the trade data for --economy (default: latest)."),
]
