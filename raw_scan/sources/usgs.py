"""USGS Mineral Commodity Summaries (MCS) data releases: world production by country.

Layout read here: the per-commodity ``mcs<year>-<abbr>_world.csv`` files of the 2023 and 2024
releases (a folder, or a zip of them). Columns ``Source, Country, Type, Prod_<unit>_<year>,
Prod_<unit>_est_<year>, Prod_notes, Reserves_<unit>, ...``. Quirks handled: the unit and the
estimate flag live in the column name; ``W`` (withheld), ``NA``, ``XX`` (not applicable),
``e5000`` (estimate), thousands separators and trailing spaces in values; footnote digits and a
glued estimate ``e`` in country names (``Japane``); ``World total`` and ``Other countries`` rows;
several series per file (``Type``). Which series of which file is which material and stage is
data, in ``usgs_series.csv`` beside this module.
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
from raw_scan.sources.tidy import PRODUCTION_COLUMNS, empty_production, validate_production

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
}

_FILE = re.compile(r"(?i)mcs(?P<edition>\d{4})-?(?P<abbr>[a-z-]+?)_world\.csv$")
_PROD_COL = re.compile(r"(?i)^prod_(?:sponge_)?(?P<unit>[a-z]+)_(?P<est>est_)?(?P<year>\d{4})$")
_WORLD_TYPE = re.compile(r"(?i)^\s*world\s+(total\s+)?")


@lru_cache(maxsize=1)
def series_table() -> pd.DataFrame:
    path = Path(__file__).with_name("usgs_series.csv")
    return pd.read_csv(path, dtype=str)


def _value(raw: str, est_column: bool, est_name: bool) -> tuple[float | None, str]:
    text = (raw or "").strip().replace(",", "")
    if text in ("", "NA", "—", "-", "--"):
        return None, "not_available"
    if text.upper() == "W":
        return None, "withheld"
    if text.upper() == "XX" or text.lower().startswith("included with"):
        return None, "not_applicable"
    est = est_column or est_name
    if text[:1].lower() == "e" and text[1:].replace(".", "", 1).isdigit():
        text, est = text[1:], True
    try:
        value = float(text)
    except ValueError:
        return None, "not_available"
    return value, "estimated" if est else "reported"


def parse_world_csv(text: str, filename: str) -> pd.DataFrame:
    """Parse one ``mcs<year>-<abbr>_world.csv`` file into tidy production rows."""
    match = _FILE.search(Path(filename).name)
    if not match:
        raise DataValidationError(f"usgs: {filename}: not a MCS '<abbr>_world.csv' file name")
    edition, abbr = int(match["edition"]), match["abbr"].lower()
    rules = series_table()
    rules = rules[rules["file"] == abbr]
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
    for row in reader:
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
            )
            records.append(
                {
                    "material": rule.material,
                    "stage": rule.stage,
                    "country": code or "",
                    "country_name": " ".join(name.replace("\xa0", " ").split()),
                    "row_kind": kind,
                    "year": int(m["year"]),
                    "quantity": quantity,
                    "unit": m["unit"].lower(),
                    "basis": rule.basis,
                    "value_status": status,
                    "source": f"usgs-mcs-{edition}",
                }
            )
    if not records:
        return empty_production()
    return pd.DataFrame.from_records(records, columns=PRODUCTION_COLUMNS)


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
            yield f.name, _read_text(f.read_bytes(), f.name)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                if info.filename.lower().endswith("_world.csv"):
                    yield Path(info.filename).name, _read_text(zf.read(info), info.filename)
    else:
        raise DataValidationError(
            f"usgs: {path.name}: expected a folder or a zip of MCS '*_world.csv' files"
        )


def parse(path: Path) -> pd.DataFrame:
    """Parse a folder or zip of MCS world files into one validated tidy production table."""
    frames = [parse_world_csv(text, name) for name, text in iter_world_files(path)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        raise DataValidationError(
            f"usgs: {Path(path).name}: no MCS '*_world.csv' file with a known commodity was found"
        )
    df = pd.concat(frames, ignore_index=True)
    return validate_production(df, source="usgs", file=Path(path).name)


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
    files = [f for f in item.get("files", []) + item.get("attachments", []) if f.get("name")]
    for pattern in FILE_PATTERNS:
        for f in files:
            if re.search(pattern, f["name"], re.IGNORECASE):
                return f.get("downloadUri") or f.get("url")
    names = ", ".join(f["name"] for f in files[:5]) or "none"
    raise DataValidationError(
        f"usgs: no world-production data file in release "
        f"{item.get('title', item.get('id'))!r} (files: {names})"
    )


def resolve_download_url(
    staging: Path, *, progress: bool = False, releases_url: str = RELEASES_URL
) -> str:
    """URL of the newest release's world-production file, from the ScienceBase JSON."""
    listing = _json(releases_url, staging, "releases.json", progress)
    release = pick_release(listing)
    item = _json(ITEM_URL.format(id=release["id"]), staging, "release.json", progress)
    return pick_file(item)
