"""Which production series stands for a material and stage: the source-selection rule.

For a material and a stage, raw-scan looks at the material's own data first, then at the
materials named in its ``data_from`` column (group data such as the IEA magnet rare earths or
the USGS rare-earth total for Nd, Pr, Dy, Tb), in that order. For each, sources are tried in a
fixed order of preference, and the first one with a positive quantity for at least one country
wins; its latest such year is used, from the newest edition of the source that has it:

* mining:   USGS MCS -> IEA -> World Mining Data
* refining: IEA -> USGS MCS -> World Mining Data

USGS is preferred for mining because it lists the most countries and is public domain; IEA is
preferred for refining because it is the only source of refining by country for copper, cobalt,
lithium, nickel, graphite and the magnet rare earths. World Mining Data fills gaps (e.g.
germanium, which USGS withholds; boron, where USGS mixes incomparable bases across countries).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PREFERENCE = {
    "mining": ("usgs", "iea", "wmd"),
    "refining": ("iea", "usgs", "wmd"),
}


def family(source: str) -> str:
    return str(source).split("-", 1)[0]


@dataclass(frozen=True)
class Series:
    material: str  # the material whose data is used (may be a group, e.g. rare-earths)
    stage: str
    source: str
    year: int
    rows: pd.DataFrame


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
