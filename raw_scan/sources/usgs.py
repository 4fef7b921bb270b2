"""USGS Mineral Commodity Summaries (MCS) data releases: world production by country.

Three layouts are read; :func:`parse` tells them apart by the file's header, not its name:

* 2023 and 2024 releases: per-commodity ``mcs<year>-<abbr>_world.csv`` files (a folder, or a zip
  of them). Columns ``Source, Country, Type, Prod_<unit>_<year>, Prod_<unit>_est_<year>,
  Prod_notes, Reserves_<unit>, ...``. Quirks handled: the unit and the estimate flag live in the
  column name; ``W`` (withheld), ``NA``, ``XX`` (not applicable), ``e5000`` (estimate), thousands
  separators and trailing spaces in values; footnote digits and a glued estimate ``e`` in
  country names (``Japane``); ``World total`` and ``Other countries`` rows; several series per
  file (``Type``). Which series of which file is which material and stage is data, in
  ``usgs_series.csv`` beside this module; its ``not_production`` column names country rows that
  are not production of the series (USGS helium lists sales from the Federal Helium Reserve's
  stored stock, "United States (from Cliffside Field)", beside extraction) -- they are kept with
  ``row_kind`` "excluded" and left out of the shares. A rule may hold for a range of editions
  only (``from_edition``, ``to_edition``) and may set the ``unit`` where a field name is wrong. The
  2023 release measures magnesite, silicon and ilmenite on other bases than the 2024 one (gross
  magnesite, not MgO; ferrosilicon and silicon metal combined; ilmenite gross weight) and heads
  its chromite columns ``Prod_t`` although its notes say thousand metric tons (USGS corrected the
  field names in the 2024 release's revision of 2024-03-05).
* 2025 release: one wide CSV ``MCS2025_World_Data.csv`` (alone or in a zip), columns ``SOURCE,
  COMMODITY, COUNTRY, TYPE, UNIT_MEAS, PROD_2023, PROD_EST_ 2024, PROD_NOTES, CAP_..,
  RESERVES_2024, ...``: note the space in ``PROD_EST_ 2024`` and the trailing spaces in
  commodity and country names.
* 2026 release: one long CSV ``MCS2026_Commodities_Data.csv`` (Windows-1252), columns ``MCS
  chapter, Section, Commodity, Country, Statistics, Statistics_detail, Unit, Year, Value, Notes,
  Is critical mineral 2025, Other notes``, one row per statistic; world production rows have a
  ``Section`` starting with "World" and ``Statistics`` "Production"; world totals carry a
  ``: rounded`` suffix in ``Statistics_detail``.

For the two one-file layouts, which commodity and production type (2025 ``TYPE``, 2026
``Statistics_detail``) is which material and stage is data, in ``usgs_commodities.csv`` beside
this module; rows of other commodities or types are skipped, as with the per-file layout.
Text where a number belongs that is none of the USGS markers is an error, not a gap.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from raw_scan.countries import estimate_marker, is_aggregate, to_iso3
from raw_scan.errors import DataValidationError
from raw_scan.sources import bounded
from raw_scan.sources.tidy import (
    ORIGIN,
    PRODUCTION_COLUMNS,
    empty_production,
    validate_production,
)

META = {
    "id": "usgs",
    "title": "Mineral Commodity Summaries data release: world production by country",
    "publisher": "U.S. Geological Survey, National Minerals Information Center",
    "homepage": "https://www.usgs.gov/centers/national-minerals-information-center/mineral-commodity-summaries",
    "licence": "Public domain (U.S. Government work)",
    "citation": "U.S. Geological Survey (2024) Mineral Commodity Summaries 2024 data release, "
    "doi:10.5066/P144BA54",
}
EDITIONS = {
    2023: {"doi": "10.5066/P9WCYUI6", "url": "https://doi.org/10.5066/P9WCYUI6"},
    2024: {"doi": "10.5066/P144BA54", "url": "https://doi.org/10.5066/P144BA54"},
    2025: {"doi": "10.5066/P13XCP3R", "url": "https://doi.org/10.5066/P13XCP3R"},
    2026: {"doi": "10.5066/P1WKQ63T", "url": "https://doi.org/10.5066/P1WKQ63T"},
}

_FILE = re.compile(r"(?i)mcs(?P<edition>\d{4})-?(?P<abbr>[a-z-]+?)_world\.csv$")
_PROD_COL = re.compile(r"(?i)^prod_(?:sponge_)?(?P<unit>[a-z]+)_(?P<est>est_)?(?P<year>\d{4})$")
_WORLD_TYPE = re.compile(r"(?i)^\s*world\s+(total\s+)?")
_WIDE_PROD_COL = re.compile(r"(?i)^prod_(?P<est>est_)?\s*(?P<year>\d{4})$")
_LONG_YEAR = re.compile(r"(?i)^(?P<year>\d{4})(?:[\s_-]*(?P<est>e|est|estimated?))?$")
_ROUNDED = re.compile(r"(?i)\s*[,:]?\s*rounded$")
_EDITION = re.compile(r"(?i)mcs\s*(\d{4})")
_NOT_AVAILABLE = ("", "NA", "—", "–", "-", "--")
_BOUND = re.compile(r"^[<>]\s*\d")
# Units as the one-file layouts spell them -> the short units of the per-commodity files
UNITS = {
    "metric tons": "t",
    "thousand metric tons": "kt",
    "million metric tons": "mt",
    "kilograms": "kg",
    "million cubic meters": "mcm",
}


@lru_cache(maxsize=1)
def series_table() -> pd.DataFrame:
    path = Path(__file__).with_name("usgs_series.csv")
    return pd.read_csv(path, dtype=str)


@lru_cache(maxsize=1)
def commodity_table() -> pd.DataFrame:
    """Rules for the 2025 and 2026 one-file layouts: commodity and type -> material, stage."""
    return pd.read_csv(Path(__file__).with_name("usgs_commodities.csv"), dtype=str)


@lru_cache(maxsize=4096)
def commodity_rule(commodity: str, detail: str):
    """The rule for a commodity name and production type, or None (not a raw-scan series).

    Names are compared lower-case with spaces normalised; a world total's ``: rounded`` suffix
    is ignored, so the world row lands in the same series as its countries."""
    name = " ".join(str(commodity).lower().split())
    kind = _ROUNDED.sub("", " ".join(str(detail).lower().split()))
    for rule in commodity_table().itertuples():
        if re.fullmatch(rule.commodity_regex, name) and re.search(rule.detail_regex, kind):
            return rule
    return None


def _value(raw: str, est_column: bool, est_name: bool, where: str = "") -> tuple[float | None, str]:
    text = (raw or "").strip().replace(",", "")
    if text in _NOT_AVAILABLE:
        return None, "not_available"
    if text.upper() == "W":
        return None, "withheld"
    if text.upper() == "XX" or text.lower().startswith("included with"):
        return None, "not_applicable"
    # '<100', 'Less than ½ unit.': a bound, not a figure
    if _BOUND.match(text) or text.lower().startswith("less than"):
        return None, "not_available"
    est = est_column or est_name
    if text[:1].lower() == "e" and text[1:].replace(".", "", 1).isdigit():
        text, est = text[1:], True
    try:
        value = float(text)
    except ValueError:
        raise DataValidationError(
            f"usgs: {where}: text {raw.strip()!r} where a number belongs"
        ) from None
    return value, "estimated" if est else "reported"


def _row_kind(name: str, filename: str) -> tuple[str, str]:
    """('country'|'world'|'other', ISO3 or '') for a country cell."""
    if is_aggregate(name):
        return ("world" if name.strip().lower().startswith("world") else "other"), ""
    code = to_iso3(name)
    if code is None:
        raise DataValidationError(f"usgs: {filename}: unknown country name {name!r}")
    return "country", code


def _unit(text: str) -> str:
    key = " ".join(str(text).lower().split())
    return UNITS.get(key, key)


def parse_world_csv(text: str, filename: str) -> pd.DataFrame:
    """Parse one ``mcs<year>-<abbr>_world.csv`` file into tidy production rows."""
    match = _FILE.search(Path(filename).name)
    if not match:
        raise DataValidationError(f"usgs: {filename}: not a MCS '<abbr>_world.csv' file name")
    edition, abbr = int(match["edition"]), match["abbr"].lower()
    rules = series_table()
    rules = rules[
        (rules["file"] == abbr)
        & (rules["from_edition"].fillna("0").astype(int) <= edition)
        & (rules["to_edition"].fillna("9999").astype(int) >= edition)
    ]
    if rules.empty:
        return empty_production()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    if len(header) < 3 or header[1].strip() != "Country":
        raise DataValidationError(
            f"usgs: {filename}: expected columns 'Source, Country, Type', found {header[:3]}"
        )
    prod_cols = [(i, _PROD_COL.match(c.strip())) for i, c in enumerate(header)]
    prod_cols = [(i, m) for i, m in prod_cols if m]
    if not prod_cols:
        raise DataValidationError(
            f"usgs: {filename}: no 'Prod_<unit>_<year>' columns in the header"
        )
    # The third column is the series type; in mcs2024-fluor it is headed by its value instead.
    i_country, i_type = 1, 2
    records = []
    for n, row in enumerate(reader, start=2):
        if len(row) <= i_type or not row[i_country].strip():
            continue
        name, kind = row[i_country], "country"
        series_type = _WORLD_TYPE.sub("", row[i_type]).strip().lower()
        if is_aggregate(name):
            kind = "world" if name.strip().lower().startswith("world") else "other"
        rule = next(
            (r for r in rules.itertuples() if re.search(r.type_regex, series_type, re.I)), None
        )
        if rule is None:
            continue
        code = to_iso3(name) if kind == "country" else None
        if kind == "country" and code is None:
            raise DataValidationError(f"usgs: {filename}: unknown country name {name!r}")
        for i, m in prod_cols:
            quantity, status = _value(
                row[i] if i < len(row) else "",
                bool(m["est"]),
                kind == "country" and estimate_marker(name),
                where=f"{filename}: {name.strip()}, {header[i].strip()}",
            )
            records.append(
                _record(
                    rule,
                    name,
                    kind,
                    code or "",
                    int(m["year"]),
                    quantity,
                    rule.unit if isinstance(rule.unit, str) else m["unit"].lower(),
                    status,
                    f"usgs-mcs-{edition}",
                    origin=f"{filename} line {n}, {header[i].strip()}",
                )
            )
    if not records:
        # a known commodity whose file has no matching row: the file is truncated or its
        # series were renamed; dropping it silently would lose the commodity from the snapshot
        raise DataValidationError(
            f"usgs: {filename}: no production rows of the expected series "
            f"({', '.join(rules['type_regex'])})"
        )
    return pd.DataFrame.from_records(records, columns=[*PRODUCTION_COLUMNS, ORIGIN])


def _not_production(rule, name: str) -> bool:
    """True when the mapping rule says this country row is not production of the series (e.g.
    USGS helium "United States (from Cliffside Field)": sales from a stored reserve)."""
    pattern = getattr(rule, "not_production", None)
    return isinstance(pattern, str) and bool(pattern) and bool(re.search(pattern, name, re.I))


def _record(rule, name, kind, country, year, quantity, unit, status, source, origin="") -> dict:
    """One tidy production row (see ``raw_scan.sources.tidy``). A country row the rule marks as
    not production gets ``row_kind`` "excluded": kept for audit, left out of the shares.
    ``origin``: the file, line and column the value was read from."""
    if kind == "country" and _not_production(rule, name):
        kind = "excluded"
    return {
        "material": rule.material,
        "stage": rule.stage,
        "country": country,
        "country_name": " ".join(name.replace("\xa0", " ").split()),
        "row_kind": kind,
        "year": year,
        "quantity": quantity,
        "unit": unit,
        "basis": rule.basis,
        "value_status": status,
        "source": source,
        ORIGIN: origin,
    }


def _records_frame(records: list[dict]) -> pd.DataFrame:
    if not records:
        return empty_production()
    return pd.DataFrame.from_records(records, columns=[*PRODUCTION_COLUMNS, ORIGIN])


def _header_index(header: list[str]) -> dict[str, int]:
    """Lower-case, space-normalised column name -> position (first occurrence wins)."""
    out: dict[str, int] = {}
    for i, col in enumerate(header):
        out.setdefault(" ".join(col.replace("\ufeff", "").split()).lower(), i)
    return out


def _need(index: dict[str, int], columns: tuple[str, ...], filename: str, layout: str) -> None:
    missing = [c for c in columns if c.lower() not in index]
    if missing:
        raise DataValidationError(
            f"usgs: {filename}: missing columns {', '.join(missing)} of the {layout} layout"
        )


def _cell(row: list[str], i: int | None) -> str:
    return row[i] if i is not None and i < len(row) else ""


def _edition(filename: str, fallback: int) -> int:
    m = _EDITION.search(Path(filename).name)
    return int(m.group(1)) if m else fallback


LONG_COLUMNS = (
    "Section",
    "Commodity",
    "Country",
    "Statistics",
    "Statistics_detail",
    "Year",
    "Value",
)
WIDE_COLUMNS = ("COMMODITY", "COUNTRY", "TYPE")


def parse_commodities_csv(text: str, filename: str) -> pd.DataFrame:
    """Parse the long MCS 2026 ``MCS<year>_Commodities_Data.csv`` into tidy production rows.

    Kept: rows whose ``Section`` starts with "World", whose ``Statistics`` is "Production" and
    whose commodity and ``Statistics_detail`` have a rule in ``usgs_commodities.csv``. A year
    like ``2025_estimated``, ``Notes`` starting "Estimated.", a detail saying "estimated" or a
    value ``e5000`` marks an estimate."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    index = _header_index(next(reader, []))
    _need(index, LONG_COLUMNS, filename, "MCS Commodities_Data (long)")
    col = {c: index[c.lower()] for c in LONG_COLUMNS}
    i_unit, i_notes = index.get("unit"), index.get("notes")
    records = []
    for n, row in enumerate(reader, start=2):
        if not _cell(row, col["Section"]).strip().lower().startswith("world"):
            continue
        if _cell(row, col["Statistics"]).strip().lower() != "production":
            continue
        detail = _cell(row, col["Statistics_detail"])
        rule = commodity_rule(_cell(row, col["Commodity"]), detail)
        if rule is None:
            continue
        name = _cell(row, col["Country"])
        if not name.strip():
            continue
        year_text = _cell(row, col["Year"]).strip()
        m = _LONG_YEAR.match(year_text)
        if not m:
            raise DataValidationError(
                f"usgs: {filename}: line {n}: year {year_text!r} is not a year"
            )
        kind, code = _row_kind(name, filename)
        notes = _cell(row, i_notes).strip().lower()  # 'Estimated.', 'Reported.', ...
        quantity, status = _value(
            _cell(row, col["Value"]),
            bool(m["est"]) or notes.startswith("estimated") or "estimated" in detail.lower(),
            kind == "country" and estimate_marker(name),
            where=f"{filename}: line {n} ({name.strip()}, {year_text})",
        )
        records.append(
            _record(
                rule,
                name,
                kind,
                code,
                int(m["year"]),
                quantity,
                _unit(_cell(row, i_unit)),
                status,
                "",
                origin=f"{filename} line {n}",
            )
        )
    df = _records_frame(records)
    if not df.empty:
        df["source"] = f"usgs-mcs-{_edition(filename, int(df['year'].max()) + 1)}"
    return df


def parse_world_data_csv(text: str, filename: str) -> pd.DataFrame:
    """Parse the wide MCS 2025 ``MCS<year>_World_Data.csv`` into tidy production rows.

    Production columns are ``PROD_<year>`` and ``PROD_EST_<year>`` (the release spells the
    second ``PROD_EST_ 2024``, with a space); names are stripped of their trailing spaces."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    index = _header_index(header)
    _need(index, WIDE_COLUMNS, filename, "MCS World_Data (wide)")
    prod_cols = [(i, _WIDE_PROD_COL.match(c.strip())) for i, c in enumerate(header)]
    prod_cols = [(i, m) for i, m in prod_cols if m]
    if not prod_cols:
        raise DataValidationError(
            f"usgs: {filename}: no 'PROD_<year>' or 'PROD_EST_<year>' columns in the header"
        )
    i_com, i_cty, i_type = (index[c.lower()] for c in WIDE_COLUMNS)
    i_unit, i_source = index.get("unit_meas"), index.get("source")
    records, edition = [], None
    for n, row in enumerate(reader, start=2):
        rule = commodity_rule(_cell(row, i_com), _cell(row, i_type))
        name = _cell(row, i_cty)
        if rule is None or not name.strip():
            continue
        if edition is None:
            m = _EDITION.search(_cell(row, i_source))
            edition = int(m.group(1)) if m else None
        kind, code = _row_kind(name, filename)
        for i, m in prod_cols:
            quantity, status = _value(
                _cell(row, i),
                bool(m["est"]),
                kind == "country" and estimate_marker(name),
                where=f"{filename}: line {n} ({name.strip()}, {header[i].strip()})",
            )
            records.append(
                _record(
                    rule,
                    name,
                    kind,
                    code,
                    int(m["year"]),
                    quantity,
                    _unit(_cell(row, i_unit)),
                    status,
                    "",
                    origin=f"{filename} line {n}, {header[i].strip()}",
                )
            )
    df = _records_frame(records)
    if not df.empty:
        edition = edition or _edition(filename, int(df["year"].max()) + 1)
        df["source"] = f"usgs-mcs-{edition}"
    return df


def sniff(text: str) -> str | None:
    """Which layout a CSV text has, from its header: 'long', 'wide', 'world' or None."""
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")[:65536])), [])
    cols = set(_header_index(header))
    if "statistics_detail" in cols or "mcs chapter" in cols:
        return "long"
    if "commodity" in cols and (
        "unit_meas" in cols or any(_WIDE_PROD_COL.match(c.strip()) for c in header)
    ):
        return "wide"
    if len(header) >= 3 and header[1].strip() == "Country":
        return "world"
    return None


def _read_text(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataValidationError(f"usgs: {name}: not UTF-8 or Windows-1252 text")


def iter_world_files(path: Path):
    """Yield (name, text) of each ``*_world.csv`` in a folder or a zip file."""
    path = Path(path)
    if path.is_dir():
        for f in sorted(path.rglob("*_world.csv")):
            yield f.name, _read_text(bounded.read_file(f, "usgs"), f.name)
    elif zipfile.is_zipfile(path):
        with bounded.open_zip(path, "usgs") as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                if info.filename.lower().endswith("_world.csv"):
                    data = bounded.read_member(zf, info, "usgs")
                    yield Path(info.filename).name, _read_text(data, info.filename)
    else:
        raise DataValidationError(
            f"usgs: {path.name}: expected a folder or a zip of MCS '*_world.csv' files"
        )


def _one_file(path: Path) -> tuple[str, str] | None:
    """(name, text) when ``path`` holds one data CSV (the 2025 and 2026 layouts), alone or in a
    zip; None for a folder or a zip of per-commodity ``*_world.csv`` files."""
    if path.is_dir():
        return None
    if not zipfile.is_zipfile(path):
        return path.name, _read_text(bounded.read_file(path, "usgs"), path.name)
    with bounded.open_zip(path, "usgs") as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        if any(n.lower().endswith("_world.csv") for n in names):
            return None
        csvs = [n for n in names if n.lower().endswith(".csv")]
        data = [n for n in csvs if re.search(r"(?i)_data\.csv$", n)] or csvs
        if not data:
            raise DataValidationError(
                f"usgs: {path.name}: no MCS data CSV ('*_world.csv', 'MCS<year>_World_Data.csv' "
                "or 'MCS<year>_Commodities_Data.csv') in the zip"
            )
        return Path(data[0]).name, _read_text(bounded.read_member(zf, data[0], "usgs"), data[0])


def parse(path: Path, *, origins: bool = False) -> pd.DataFrame:
    """Parse an MCS data release into one validated tidy production table.

    ``path`` is a folder or zip of ``*_world.csv`` files (2023, 2024), the wide
    ``MCS<year>_World_Data.csv`` (2025) or the long ``MCS<year>_Commodities_Data.csv`` (2026),
    each alone or in a zip; the layout is recognised by the header. ``origins``: keep the
    ``origin`` column (member file, line and column of each value) for error messages."""
    df = _parse(Path(path))
    return df if origins else df.drop(columns=ORIGIN, errors="ignore")


def _parse(path: Path) -> pd.DataFrame:
    bounded.check_input(path, "usgs", folder_ok=True)
    one = _one_file(path)
    if one is None:
        frames = [parse_world_csv(text, name) for name, text in iter_world_files(path)]
        frames = [f for f in frames if not f.empty]
        if not frames:
            raise DataValidationError(
                f"usgs: {path.name}: no MCS '*_world.csv' file with a known commodity was found"
            )
        df = pd.concat(frames, ignore_index=True)
        return validate_production(df, source="usgs", file=path.name)
    name, text = one
    layout = sniff(text)
    parsers = {
        "long": parse_commodities_csv,
        "wide": parse_world_data_csv,
        "world": parse_world_csv,
    }
    if layout is None:
        head = next(csv.reader(io.StringIO(text.lstrip("\ufeff")[:4096])), [])
        raise DataValidationError(
            f"usgs: {name}: not an MCS data file: expected the header of "
            "MCS<year>_Commodities_Data.csv (MCS chapter, Section, Commodity, ...), of "
            "MCS<year>_World_Data.csv (SOURCE, COMMODITY, COUNTRY, TYPE, PROD_...) or of a "
            f"'*_world.csv' file (Source, Country, Type, ...); found {head[:4]}"
        )
    df = parsers[layout](text, name)
    if df.empty:
        raise DataValidationError(
            f"usgs: {name}: no world production rows of a known commodity were found"
        )
    return validate_production(df, source="usgs", file=name)


# ------------------------------------------------------------------ fetch
# ScienceBase: the MCS data releases are children of this item; each release item lists its
# files with a ``downloadUri``. File hashes in URLs change on revision, so they are never pinned.
SCIENCEBASE = "https://www.sciencebase.gov/catalog"
RELEASES_URL = f"{SCIENCEBASE}/items?parentId=5c8c03e4e4b0938824529f7d&format=json&max=100"
ITEM_URL = SCIENCEBASE + "/item/{id}?format=json"
# preferred data files in a release, best first
FILE_PATTERNS = (
    r"MCS\d{4}_Commodities_Data\.csv$",
    r"MCS\d{4}_World_Data\.csv$",
    r"world.*\.zip$",
    r"\.zip$",
)


def _json(url: str, staging: Path, name: str, progress: bool):
    import json

    from raw_scan.sources import http

    path = http.download(url, staging, source_id="usgs", filename=name, progress=progress)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise DataValidationError(
            f"usgs: {url} did not return ScienceBase JSON; set RAW_SCAN_USGS_URL to the data "
            "file, or download it by hand and use `raw-scan refresh usgs --file PATH`"
        ) from None


def pick_release(listing: dict) -> dict:
    """The newest 'Mineral Commodity Summaries <year>' release item of a ScienceBase listing."""
    best, best_year = None, -1
    for item in listing.get("items", []):
        m = re.search(r"Mineral Commodity Summaries (\d{4})", item.get("title", ""))
        if m and int(m.group(1)) > best_year:
            best, best_year = item, int(m.group(1))
    if best is None:
        raise DataValidationError(
            "usgs: no 'Mineral Commodity Summaries <year>' release found in the ScienceBase listing"
        )
    return best


def pick_file(item: dict) -> str:
    """Download URL of the release's world-production data file."""
    return pick_data_file(item)[0]


def pick_data_file(item: dict) -> tuple[str, str]:
    """(download URL, file name) of the release's world-production data file, best first."""
    files = [
        f
        for f in item.get("files", []) + item.get("attachments", [])
        if isinstance(f, dict) and f.get("name")
    ]
    for pattern in FILE_PATTERNS:
        for f in files:
            url = f.get("downloadUri") or f.get("url")
            if url and re.search(pattern, f["name"], re.IGNORECASE):
                return url, Path(str(f["name"]).replace("\\", "/")).name
    names = ", ".join(f["name"] for f in files[:5]) or "none"
    raise DataValidationError(
        f"usgs: no world-production data file in release "
        f"{item.get('title', item.get('id'))!r} (files: {names})"
    )


def resolve_download(
    staging: Path, *, progress: bool = False, releases_url: str | None = None
) -> tuple[str, str]:
    """(URL, file name) of the newest release's world-production file, from the ScienceBase
    JSON. ``RELEASES_URL`` and ``ITEM_URL`` are read at call time."""
    listing = _json(releases_url or RELEASES_URL, staging, "releases.json", progress)
    if not isinstance(listing, dict):
        raise DataValidationError("usgs: the ScienceBase release listing is not a JSON object")
    release = pick_release(listing)
    item = _json(ITEM_URL.format(id=release["id"]), staging, "release.json", progress)
    if not isinstance(item, dict):
        raise DataValidationError("usgs: the ScienceBase release item is not a JSON object")
    return pick_data_file(item)


def resolve_download_url(
    staging: Path, *, progress: bool = False, releases_url: str | None = None
) -> str:
    """URL of the newest release's world-production file, from the ScienceBase JSON."""
    return resolve_download(staging, progress=progress, releases_url=releases_url)[0]
