"""The terminal view of ``raw-scan datasets``: one block per dataset, readable at 80 columns.

Each dataset gets its id and name, then labelled lines: what the data are (edition, data years),
where and when raw-scan got them (bundled or refreshed, the file, the retrieval time and age),
rows and hash, licence. Text wraps at spaces only; long identifiers (URLs, full hashes) are left
to ``--format json`` and ``csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text


def _when(stamp: str | None) -> str:
    """'2026-12-02 14:57 UTC' from '2026-12-02T14:57:14Z'."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if stamp else ""


def _ago(days) -> str:
    if days is None:
        return ""
    return f" ({days:g} day{'' if days == 1 else 's'} ago)"


def _origin(r: dict) -> str:
    if r["origin"] == "bundled":
        built = f", built {_when(r['bundled_at'])}{_ago(r['age_days'])}" if r["bundled_at"] else ""
        return f"bundled with raw-scan{built}"
    url = str(r["url"] or "")
    if url.startswith("file:"):
        how = f"from the file {url[5:]}"
    else:
        host = url.split("//", 1)[-1].split("/", 1)[0]
        how = f"downloaded from {host}" + (f" as {r['file']}" if r["file"] else "")
    return f"refreshed {_when(r['retrieved_at'])}{_ago(r['age_days'])} {how}"


def _lines(r: dict) -> list[tuple[str, str]]:
    edition = str(r["edition"] or "—")
    if r["source_id"] and r["source_id"] != edition:
        edition += f" ({r['source_id']})"
    facts = [f"{r['rows']:,} rows" if r["rows"] is not None else "rows unknown"]
    if r["origin"] == "bundled" and r["file"]:
        facts.append(f"from {r['file']}")
    if r["sha256"]:
        facts.append(f"sha256 {str(r['sha256'])[:12]}")
    return [
        ("edition", edition),
        ("data years", r["data_years"] or "—"),
        ("origin", _origin(r)),
        ("rows", ", ".join(facts)),
        ("licence", r["licence"] or "—"),
    ]


def datasets_view(df: pd.DataFrame) -> Table:
    from raw_scan.report.export import records

    t = Table.grid(padding=(0, 1))
    t.add_column(no_wrap=True, style="bold")
    t.add_column(no_wrap=True, style="dim")
    t.add_column(overflow="fold")  # words wrap at spaces; only a word wider than this folds
    for i, r in enumerate(records(df)):
        if i:
            t.add_row("", "", "")
        t.add_row(r["dataset"], "", Text(str(r["name"] or ""), style="bold"))
        for label, value in _lines(r):
            t.add_row("", label, Text(value))  # Text: no markup in file names or editions
    return t


def print_datasets(console: Console, df: pd.DataFrame, folder: Path) -> None:
    console.print(datasets_view(df))
    # a long path is printed whole (the terminal wraps it), never cut inside a name
    console.print(Text(f"snapshot: {folder}", style="dim"), soft_wrap=True)
