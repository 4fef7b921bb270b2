"""Country names as publishers write them -> ISO 3166-1 alpha-3 codes.

ISO codes come from the ``pycountry`` database. Publishers add footnote digits ("China6"), a
trailing ``e`` for an estimate ("Japane" in USGS MCS 2024), parenthesised qualifiers
("Brazil (beneficiated)"), non-breaking spaces, and use short or historical names that ISO 3166
does not list (USGS "Burma", "Congo (Kinshasa)"). The cleaning rules are below; the short list of
publisher names ISO 3166 does not know is ``ALIASES``. Aggregates such as "World total",
"Other countries" or "Rest of world" are not countries and map to ``None``.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Names used by USGS, World Mining Data, IEA or the World Bank that pycountry cannot look up.
# Kosovo has no ISO 3166 code; XKX is the user-assigned code used by the World Bank and the EU.
ALIASES: dict[str, str] = {
    "burma": "MMR",
    "congo (kinshasa)": "COD",
    "congo, d.r.": "COD",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "dr congo": "COD",
    "congo (brazzaville)": "COG",
    "congo, rep.": "COG",
    "korea, north": "PRK",
    "korea, south": "KOR",
    "korea, republic of": "KOR",
    "south korea": "KOR",
    "north korea": "PRK",
    "kosovo": "XKX",
    "russia": "RUS",
    "turkey": "TUR",
    "bosnia-herzegovina": "BIH",
    "cape verde": "CPV",
    "brunei": "BRN",
    "cote d'ivoire": "CIV",
    "côte d’ivoire": "CIV",
    "laos": "LAO",
    "iran": "IRN",
    "vietnam": "VNM",
    "taiwan": "TWN",
    "macedonia": "MKD",
    "swaziland": "SWZ",
    "czech republic": "CZE",
}

AGGREGATE_PREFIXES = (
    "world",
    "other",
    "rest of world",
    "total",
    "european union",
    "eu",
    "united states and canada",
)

_FOOTNOTE = re.compile(r"\d+$")
_QUALIFIER = re.compile(r"\s*(\(.*\)|,\s*[a-z].*|,\s*(asia|europe)$)$", re.IGNORECASE)


def clean_name(raw: str) -> str:
    """Normalise whitespace and drop footnote digits and qualifiers: 'China6' -> 'China'."""
    name = " ".join(str(raw).replace("\xa0", " ").split())
    name = _FOOTNOTE.sub("", name).strip()
    if name.lower().startswith(("korea, ", "congo, ")):
        return name
    return _QUALIFIER.sub("", name).strip()


def is_aggregate(raw: str) -> bool:
    """True for rows that are not a country: world totals, 'Other countries', 'Rest of world'."""
    name = clean_name(raw).lower()
    return name == "eu" or name.startswith(tuple(p for p in AGGREGATE_PREFIXES if p != "eu"))


@lru_cache(maxsize=4096)
def _lookup(name: str) -> str | None:
    import pycountry

    key = name.lower()
    if key in ALIASES:
        return ALIASES[key]
    try:
        return pycountry.countries.lookup(name).alpha_3
    except LookupError:
        pass
    try:
        hits = pycountry.countries.search_fuzzy(name)
    except LookupError:
        return None
    return hits[0].alpha_3 if len(hits) == 1 else None


def to_iso3(raw: str) -> str | None:
    """ISO3 code of a publisher's country name, or None for aggregates and unknown names.

    A trailing 'e' (USGS estimate marker) is dropped only when the name without it is a country
    and the name with it is not ('Japane' -> JPN, while 'Ukraine' stays Ukraine).
    """
    if raw is None or not str(raw).strip() or is_aggregate(raw):
        return None
    whole = _FOOTNOTE.sub("", " ".join(str(raw).replace("\xa0", " ").split())).strip()
    if whole.lower() in ALIASES:  # before qualifiers go: "Congo (Kinshasa)" is not "Congo"
        return ALIASES[whole.lower()]
    name = clean_name(raw)
    code = _lookup(name)
    if code is None and name.endswith("e"):
        code = _lookup(name[:-1])
    return code


def estimate_marker(raw: str) -> bool:
    """True when the name carries USGS's glued estimate marker ('Japane')."""
    if raw is None:
        return False
    name = clean_name(raw)
    return name.endswith("e") and _lookup(name) is None and _lookup(name[:-1]) is not None


def is_iso3(code: str) -> bool:
    """True for an ISO 3166-1 alpha-3 code (or XKX, Kosovo)."""
    import pycountry

    return code == "XKX" or pycountry.countries.get(alpha_3=code) is not None
