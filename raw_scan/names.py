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


def alias_index(table: pd.DataFrame) -> dict[str, str]:
    """Normalised id, name, alias (and source label) -> id, for a vocabulary table."""
    names: dict[str, str] = {}
    labels = table["source_label"] if "source_label" in table.columns else None
    for i, (rid, name, aliases) in enumerate(
        zip(table["id"], table["name"], table["aliases"], strict=True)
    ):
        for alias in [rid, rid.replace("-", " "), name, *split(aliases)]:
            names.setdefault(normalise(alias), rid)
        if labels is not None:
            names.setdefault(normalise(labels.iloc[i]), rid)
    return names


def lookup(name: str, names: dict[str, str], what: str, command: str) -> str:
    """The id ``name`` stands for in an :func:`alias_index`, or a one-line usage error."""
    key = normalise(name)
    if key in names:
        return names[key]
    if key.replace(" ", "-") in names:
        return names[key.replace(" ", "-")]
    hint = suggestions(key, names)
    did_you_mean = f"; did you mean: {', '.join(hint)}?" if hint else ""
    raise UsageError(
        f"unknown {what} {shown(name)}{did_you_mean} (run 'raw-scan {command}' for the full list)"
    )


def resolve(name: str, table: pd.DataFrame, what: str, command: str) -> str:
    return lookup(name, alias_index(table), what, command)


def resolve_technologies(names: list[str], snap: store.Snapshot | None = None) -> list[str]:
    """The ids of several technologies (built-in and user-defined), in order, once each."""
    from raw_scan import catalogue

    index = alias_index(catalogue.technologies(snap or store.current()))
    return list(dict.fromkeys(lookup(n, index, "technology", "technologies") for n in names))


def resolve_technology(name: str, snap: store.Snapshot | None = None) -> str:
    return resolve_technologies([name], snap)[0]


def resolve_material(name: str, snap: store.Snapshot | None = None) -> str:
    snap = snap or store.current()
    return resolve(name, snap.load("materials"), "material", "materials")
