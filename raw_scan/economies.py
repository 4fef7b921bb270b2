"""Economies: a single country, the EU27, or a group of countries the user defines.

An economy is

* any ISO 3166 alpha-3 code that appears in the trade data (``BEL``, ``USA``; a country name
  such as ``Belgium`` is accepted too),
* ``EU27``: the 27 member states of the European Union in the composition since
  1 February 2020 (without the United Kingdom), used for every year so that years compare,
* a group from the user's ``groups.toml`` (see :func:`config_path`), e.g.::

      # groups.toml: one line per group, a name and its ISO3 members
      [groups]
      BENELUX = ["BEL", "NLD", "LUX"]
      NORDICS = "DNK, FIN, NOR, SWE"       # a comma-separated string works too

A file of plain ``NAME = ISO3, ISO3, ...`` lines without quotes (not TOML) is read as well.

A group works like the EU27: flows between its members are internal (see ``docs/economy.md``).
Group names are case-insensitive, made of letters, digits, ``-`` and ``_``, and may not be an
ISO3 code or ``EU27``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from raw_scan.config import config_dir
from raw_scan.errors import UsageError

# Member states of the EU since 1 February 2020 (Council of the EU; ISO 3166 alpha-3).
EU27: tuple[str, ...] = (
    "AUT",
    "BEL",
    "BGR",
    "HRV",
    "CYP",
    "CZE",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "IRL",
    "ITA",
    "LVA",
    "LTU",
    "LUX",
    "MLT",
    "NLD",
    "POL",
    "PRT",
    "ROU",
    "SVK",
    "SVN",
    "ESP",
    "SWE",
)
EU27_SET = frozenset(EU27)

# Ports whose transit trade inflates both imports and exports (FPB 2024; SWD(2021) 352).
PORT_ECONOMIES = {"BEL": "Antwerp", "NLD": "Rotterdam"}

_GROUP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,31}$")


@dataclass(frozen=True)
class Economy:
    """An importing economy: its code, its member countries and what kind it is."""

    code: str
    members: tuple[str, ...]
    kind: str  # "country", "eu" (EU27) or "group"

    @property
    def is_group(self) -> bool:
        return self.kind != "country"

    @property
    def in_eu(self) -> bool:
        """True when every member is an EU member state: partners outside the EU are then the
        'third countries' of the CRMA and of the Commission's screen."""
        return all(m in EU27_SET for m in self.members)

    @property
    def outside_label(self) -> str:
        """What 'outside' means for this economy's screen: 'non-EU' or 'foreign'."""
        return "non-EU" if self.in_eu else "foreign"

    def caveats(self) -> list[str]:
        ports = [f"{PORT_ECONOMIES[m]} ({m})" for m in self.members if m in PORT_ECONOMIES]
        if not ports:
            return []
        return [
            "port and re-export trade through "
            + " and ".join(ports)
            + " inflates imports and exports alike: partner shares describe trade flows, not "
            "what the economy itself uses"
        ]


def config_path() -> Path:
    """The user's group file: ``groups.toml`` in the config folder (``RAW_SCAN_CONFIG_DIR``
    overrides the platform's user config folder)."""
    return config_dir() / "groups.toml"


def _members(value, name: str, path: Path) -> list[str]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value]
    else:
        raise UsageError(
            f'{path}: group {name} must be a list of ISO3 codes, e.g. {name} = ["BEL", "NLD"]'
        )
    items = [i.upper() for i in items if i]
    if not items:
        raise UsageError(f"{path}: group {name} has no members; list ISO3 codes")
    return list(dict.fromkeys(items))


def user_groups() -> dict[str, tuple[str, ...]]:
    """Groups defined in the user's ``groups.toml`` (upper-case name -> members); {} without
    the file. A malformed file or a bad group name is a one-line UsageError naming the file."""
    import tomllib

    path = config_path()
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        data = _plain_groups(text)
        if data is None:
            raise UsageError(
                f'{path} is not valid TOML ({exc}); write groups as BENELUX = ["BEL", "NLD"]'
                " under [groups]"
            ) from None
    table = data.get("groups", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [groups] must be a table of NAME = [ISO3, ...] lines")
    out: dict[str, tuple[str, ...]] = {}
    for raw_name, value in table.items():
        name = str(raw_name).upper()
        if not _GROUP_NAME.match(name) or name == "EU27" or (len(name) == 3 and name.isalpha()):
            raise UsageError(
                f"{path}: group name {raw_name!r} is not allowed; use 2-32 letters, digits, - or"
                " _ that are not an ISO3 code or EU27"
            )
        out[name] = tuple(_members(value, name, path))
    return out


_PLAIN_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*([A-Za-z0-9][A-Za-z0-9 ,]*)$")


def _plain_groups(text: str) -> dict | None:
    """The unquoted form ``BENELUX = BEL, NLD, LUX`` (one group a line, optionally under
    ``[groups]``, ``#`` comments), which is not TOML; None when any line is neither."""
    groups: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line == "[groups]":
            continue
        match = _PLAIN_LINE.match(line)
        if match is None or match[1] in groups:
            return None
        groups[match[1]] = match[2]
    return {"groups": groups} if groups else None


def _close(key: str, names) -> str:
    """'; did you mean: A, B?' with the names close to ``key``, or '' when none is close (never
    the first names of the alphabet: garbage, other scripts and long input get no guess). A
    misspelt country name ('Belgum', 'Germny') gets the code and name of the country meant."""
    key = key.strip()
    if not key or len(key) > 60:  # longer than any country name: no guess
        return ""
    hits = _close_names(key, names) if len(key) > 3 else []
    hits = hits or difflib.get_close_matches(key.upper(), sorted(names), n=3, cutoff=0.5)
    return f"; did you mean: {', '.join(hits)}?" if hits else ""


def resolve(name: str, countries: set[str] | frozenset[str]) -> Economy:
    """The economy a user named: an ISO3 code or country name of the trade data, EU27, or a
    group of ``groups.toml``. Unknown names raise a one-line UsageError with the closest."""
    from raw_scan.names import shown

    key = " ".join(str(name).strip().split())
    upper = key.upper()
    if upper in ("EU27", "EU", "EU-27", "EU_27"):
        return Economy("EU27", EU27, "eu")
    groups = user_groups()
    if upper in groups:
        for m in groups[upper]:
            if m not in countries:
                raise UsageError(
                    f"{config_path()}: group {upper} names {shown(m)}, which is not a country in "
                    f"the trade data{_close(m, countries)}"
                )
        return Economy(upper, groups[upper], "group")
    if upper in countries:
        return Economy(upper, (upper,), "country")
    from raw_scan.countries import to_iso3

    code = to_iso3(key) if len(key) > 3 else None
    if code in countries:
        return Economy(code, (code,), "country")
    valid = set(countries) | set(groups) | {"EU27"}
    raise UsageError(
        f"unknown economy {shown(name)}{_close(key, valid)} (an ISO3 code of the "
        f"trade data, EU27, or a group of {config_path().name})"
    )


def _close_names(key: str, codes) -> list[str]:
    """Country names of ``codes`` closest to a misspelt name ('Belgum' -> 'BEL (Belgium)'), as
    ISO3 codes with the name; [] when none is close."""
    import pycountry

    names: dict[str, str] = {}
    for code in codes:
        c = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
        for label in (getattr(c, "common_name", None), getattr(c, "name", None)):
            if label:
                names.setdefault(label.lower(), f"{code} ({label})")
    hits = difflib.get_close_matches(key.lower(), sorted(names), n=3, cutoff=0.7)
    return list(dict.fromkeys(names[h] for h in hits))


def membership(economies: list[Economy]):
    """Long table (economy, country) of the members of each economy."""
    import pandas as pd

    return pd.DataFrame(
        [(e.code, m) for e in economies for m in e.members], columns=["economy", "country"]
    )
