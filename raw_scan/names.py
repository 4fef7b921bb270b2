"""Resolve what a user typed (an id, a name, an alias) to a technology or material id.

An unknown name is one :class:`UsageError` line: with suggestions when the input is a close
misspelling of a known id, name or alias (``difflib``), and without any when nothing is close
(empty input, other scripts, long garbage), never an arbitrary list. Long input is shortened
in the message.
"""

from __future__ import annotations

import difflib

import pandas as pd

from raw_scan import store
from raw_scan.errors import UsageError

SHOWN = 40  # characters of an unknown name quoted in the message
CUTOFF = 0.75  # difflib similarity a suggestion needs (0..1)
MIN_FUZZY = 3  # shorter input is matched exactly or not at all


def split(value) -> list[str]:
    """The items of a ``|``-separated cell ('' and NaN give [])."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [v for v in str(value).split("|") if v]


def normalise(name: str) -> str:
    """Lower case, ``_`` as ``-``, runs of white space as one space, trimmed."""
    return " ".join(str(name).strip().lower().replace("_", "-").split())


def shown(name: str) -> str:
    """``name`` quoted for a one-line message, shortened when long."""
    text = str(name)
    if not text.strip():
        return "'' (an empty or blank name)"
    if len(text) <= SHOWN:
        return repr(text)
    return f"{text[:SHOWN]!r}… ({len(text):,} characters)"


def suggestions(key: str, names: dict[str, str], n: int = 3) -> list[str]:
    """Ids whose id, name or alias is close to ``key`` (already normalised), best first."""
    if len(key) < MIN_FUZZY or len(key) > 2 * max(map(len, names), default=0):
        return []
    close = difflib.get_close_matches(key, list(names), n=n * 2, cutoff=CUTOFF)
    return list(dict.fromkeys(names[c] for c in close))[:n]


def resolve(name: str, table: pd.DataFrame, what: str, command: str) -> str:
    key = normalise(name)
    names: dict[str, str] = {}
    for row in table.itertuples():
        for alias in [row.id, row.id.replace("-", " "), row.name, *split(row.aliases)]:
            names.setdefault(normalise(alias), row.id)
        if hasattr(row, "source_label"):
            names.setdefault(normalise(row.source_label), row.id)
    if key in names:
        return names[key]
    if key.replace(" ", "-") in names:
        return names[key.replace(" ", "-")]
    hint = suggestions(key, names)
    did_you_mean = f"; did you mean: {', '.join(hint)}?" if hint else ""
    raise UsageError(
        f"unknown {what} {shown(name)}{did_you_mean} (run 'raw-scan {command}' for the full list)"
    )


def resolve_technology(name: str, snap: store.Snapshot | None = None) -> str:
    from raw_scan import catalogue

    snap = snap or store.current()
    return resolve(name, catalogue.technologies(snap), "technology", "technologies")


def resolve_material(name: str, snap: store.Snapshot | None = None) -> str:
    snap = snap or store.current()
    return resolve(name, snap.load("materials"), "material", "materials")
