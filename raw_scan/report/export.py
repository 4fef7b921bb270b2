"""CSV and JSON renderers for the tidy tables.

CSV: UTF-8, the columns in the order given, booleans as ``true``/``false``, missing values as
empty cells, shares as fractions 0-1, and text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) prefixed with ``'``.
JSON: the same records, missing values as ``null``.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
        return round(value, 6)
    return value


def records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """Plain-Python records (None for missing), the shape of the JSON output."""
    cols = columns or list(df.columns)
    return [
        {c: _cell(v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False, name=None)
    ]


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
