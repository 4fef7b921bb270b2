"""Resolve what a user typed (an id, a name, an alias) to a technology or material id."""

from __future__ import annotations

import difflib

import pandas as pd

from raw_scan import store
from raw_scan.errors import UsageError


def split(value) -> list[str]:
    """The items of a ``|``-separated cell ('' and NaN give [])."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [v for v in str(value).split("|") if v]


def resolve(name: str, table: pd.DataFrame, what: str, command: str) -> str:
    key = " ".join(str(name).strip().lower().replace("_", "-").split())
    names: dict[str, str] = {}
    for row in table.itertuples():
        for alias in [row.id, row.id.replace("-", " "), row.name, *split(row.aliases)]:
            names.setdefault(alias.strip().lower(), row.id)
        if hasattr(row, "source_label"):
            names.setdefault(str(row.source_label).lower(), row.id)
    if key in names:
        return names[key]
    if key.replace(" ", "-") in names:
        return names[key.replace(" ", "-")]
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
    hint = ", ".join(dict.fromkeys(names[c] for c in close)) or ", ".join(table["id"].head(5))
    raise UsageError(
        f"unknown {what} {name!r}; did you mean: {hint}? "
        f"(run 'raw-scan {command}' for the full list)"
    )


def resolve_technology(name: str, snap: store.Snapshot | None = None) -> str:
    from raw_scan import catalogue

    snap = snap or store.current()
    return resolve(name, catalogue.technologies(snap), "technology", "technologies")


def resolve_material(name: str, snap: store.Snapshot | None = None) -> str:
    snap = snap or store.current()
    return resolve(name, snap.load("materials"), "material", "materials")
