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


def index_production(
    production: pd.DataFrame,
) -> dict[tuple[str, str], dict[str, tuple[int, pd.DataFrame]]]:
    """(material, stage) -> {source family: (latest usable year, rows of that year and source)}.

    Several editions of one family (USGS MCS 2023 and 2024) may hold the same year: the newest
    edition (the greatest source id, e.g. ``usgs-mcs-2024``) wins it."""
    usable = production[(production["row_kind"] == "country") & (production["quantity"] > 0)]
    latest = usable.groupby(["material", "stage", "source"])["year"].max()
    out: dict[tuple[str, str], dict[str, tuple[int, pd.DataFrame]]] = {}
    groups = production.groupby(["material", "stage", "source", "year"], sort=False)
    for (material, stage, source), year in latest.items():
        rows = groups.get_group((material, stage, source, year))
        fam = family(source)
        current = out.setdefault((material, stage), {}).get(fam)
        if current is None or (year, source) > (current[0], current[1]["source"].iloc[0]):
            out[(material, stage)][fam] = (int(year), rows)
    return out


def select(index, material: str, stage: str, data_from: list[str]) -> Series | None:
    for candidate in [material, *data_from]:
        by_source = index.get((candidate, stage), {})
        for fam in PREFERENCE[stage]:
            if fam in by_source:
                year, rows = by_source[fam]
                return Series(candidate, stage, str(rows["source"].iloc[0]), year, rows)
    return None
