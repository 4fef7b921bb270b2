"""CSV and JSON renderers for the tidy tables.

CSV: UTF-8, the columns in the order given, booleans as ``true``/``false``, missing values as
empty cells, shares as fractions 0-1, and text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) prefixed with ``'``.
JSON: the same records, missing values as ``null``.

Precision: every float in CSV and JSON is rounded to ``DECIMALS`` (6) decimal places — scores
and shares to 1e-6, HHI to 1e-6 points — so CSV, JSON and the library records agree exactly.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DECIMALS = 6


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return round(value, DECIMALS)
    return value


def records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """Plain-Python records (None for missing), the shape of the JSON output."""
    cols = columns or list(df.columns)
    return [
        {c: _cell(v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False, name=None)
    ]


def plain(value):
    """A JSON-ready copy of nested dicts and lists, every cell as in :func:`records`."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return _cell(value)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    return str(neutralise(value))


def to_csv(df: pd.DataFrame, columns: list[str] | None = None) -> str:
    cols = columns or list(df.columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
    for rec in records(df, cols):
        writer.writerow([_csv_cell(rec[c]) for c in cols])
    return out.getvalue()


def to_json(payload) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
