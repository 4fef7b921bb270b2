"""Which production series stands for a material and stage: the source-selection rule.

For a material and a stage, raw-scan looks at the material's own data first, then at the
materials named in its ``data_from`` column (group data such as the IEA magnet rare earths or
the USGS rare-earth total for Nd, Pr, Dy, Tb), in that order. For each, sources are tried in a
fixed order of preference, and the first one with a positive quantity for at least one country
wins; its latest such year is used, from the newest edition of the source that has it:

* mining:   USGS MCS -> IEA -> World Mining Data -> BGS -> EU CRM 2023 Table A
* refining: IEA -> USGS MCS -> World Mining Data -> BGS -> EU CRM 2023 Table A

USGS is preferred for mining because it lists the most countries and is public domain; IEA is
preferred for refining because it is the only source of refining by country for copper, cobalt,
lithium, nickel, graphite and the magnet rare earths. World Mining Data fills gaps (e.g.
germanium, which USGS withholds; boron, where USGS mixes incomparable bases across countries);
it is bundled and its latest year is newer than BGS's usual lag. BGS World Mineral Statistics
(only after ``raw-scan refresh bgs``; nothing of it is bundled) comes after it, as a gap filler:
it has refined and smelter production by country for metals the others give only at the mine
(lead, zinc, tin, ferro-alloys standing for chromium, manganese, vanadium, molybdenum and niobium
processing) and mine production of single platinum-group metals (iridium, ruthenium).

EU CRM 2023 Table A comes last because it is a *partial* basis: it names only the largest
supplier and its share at the EU bottleneck stage. A series from a source in ``PARTIAL`` is
flagged (``Series.partial``); ``raw_scan.assess`` then reports the HHI as the lower bound the one
share gives, and says so in the band, the drivers and the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

PREFERENCE = {
    "mining": ("usgs", "iea", "wmd", "bgs", "eu"),
    "refining": ("iea", "usgs", "wmd", "bgs", "eu"),
}
# source families whose series name only the top supplier, not every producer
PARTIAL = frozenset({"eu"})


def family(source: str) -> str:
    return str(source).split("-", 1)[0]


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def edition_rank(source: str) -> tuple[int, str]:
    """Sort key of an edition id within its family: the publication year it names
    (``usgs-mcs-2024`` -> 2024, ``wmd-2026`` -> 2026), then the id. An id without a year (a
    third-party compilation such as ``wmd-gpr-2.0.1``) ranks below every dated edition, so a
    publisher's edition fetched by a refresh wins the years both hold."""
    m = _YEAR.search(str(source))
    return (int(m.group(0)) if m else 0, str(source))


@dataclass(frozen=True)
class Series:
    material: str  # the material whose data is used (may be a group, e.g. rare-earths)
    stage: str
    source: str
    year: int
    rows: pd.DataFrame

    @property
    def partial(self) -> bool:
        """True when the series gives only the top supplier's share (see ``PARTIAL``)."""
        return family(self.source) in PARTIAL


def index_production(production: pd.DataFrame) -> ProductionIndex:
    """(material, stage) -> {source family: (latest usable year, its source, its rows)}.

    Several editions of one family (USGS MCS 2023 and 2024) may hold the same year: the newest
    edition (``edition_rank``, e.g. ``usgs-mcs-2024``) wins it. (One pass of plain Python over
    the columns, then one ``take`` per chosen series: much faster than pandas group-bys here.)"""
    cols = ("material", "stage", "source", "year", "row_kind", "quantity")
    positions: dict[tuple, list[int]] = {}
    latest: dict[tuple, int] = {}
    for i, (material, stage, source, year, kind, qty) in enumerate(
        zip(*(production[c].tolist() for c in cols), strict=True)
    ):
        positions.setdefault((material, stage, source, year), []).append(i)
        if kind == "country" and qty > 0:  # NaN > 0 is False
            key = (material, stage, source)
            if year > latest.get(key, -1):
                latest[key] = year
    best: dict[tuple[str, str], dict[str, tuple[int, str]]] = {}
    for (material, stage, source), year in latest.items():
        fam = family(source)
        current = best.setdefault((material, stage), {}).get(fam)
        if current is None or (year, edition_rank(source)) > (current[0], edition_rank(current[1])):
            best[(material, stage)][fam] = (int(year), source)
    return ProductionIndex(
        production,
        {
            key: {
                fam: (year, source, positions[(*key, source, year)])
                for fam, (year, source) in by_family.items()
            }
            for key, by_family in best.items()
        },
    )


class ProductionIndex(dict):
    """(material, stage) -> {family: (year, source, row positions)}; rows are taken from the
    production table only when a series is selected (and once per series)."""

    def __init__(self, production: pd.DataFrame, entries: dict):
        super().__init__(entries)
        self.production = production
        self._rows: dict[tuple, pd.DataFrame] = {}

    def rows(self, material: str, stage: str, fam: str) -> tuple[int, str, pd.DataFrame]:
        year, source, positions = self[(material, stage)][fam]
        key = (material, stage, fam)
        if key not in self._rows:
            self._rows[key] = self.production.take(positions)
        return year, source, self._rows[key]


def select(index: ProductionIndex, material: str, stage: str, data_from: list[str]):
    """The series standing for a material and stage (see the module docstring), or None."""
    for candidate in [material, *data_from]:
        by_source = index.get((candidate, stage), {})
        for fam in PREFERENCE[stage]:
            if fam in by_source:
                year, source, rows = index.rows(candidate, stage, fam)
                return Series(candidate, stage, str(source), year, rows)
    return None
