"""British Geological Survey (BGS) World Mineral Statistics, through the BGS OGC API - Features.

An optional source: nothing of it is bundled (no BGS file is among the project's source files);
``raw-scan refresh bgs`` fetches it. It adds refined and smelter production by country for metals
the other sources give only at the mine (cobalt, nickel, copper, lead, zinc, tin, aluminium,
magnesium, gallium, germanium, indium, selenium, tellurium), ferro-alloys standing for the
processing of chromium, manganese, vanadium, molybdenum and niobium, and mine production of single
platinum-group metals (iridium, ruthenium, rhodium).

**Built against the published API description, not tried live.** The BGS OGC API - Features
description (github.com/BritishGeologicalSurvey/BGS-OGCAPI-Documentation, README and
docs/content/features_api/features_api.md, commit 3c1d09c) gives: keyless HTTPS GET requests;
``/collections/{collectionId}/items`` returning features, "limited to 100 per transaction", with
``limit`` (default and maximum 100) and ``offset`` paging; property filters as query parameters
(its example: ``.../items?f=json&water_depth_m=50``) or CQL ``filter``; ``/queryables`` listing
the filterable properties; and, as one of its examples, the collection
``world-mineral-statistics`` filtered on ``erml_commodity``, ``yearbook`` and ``iso3``. The
collection's item properties read here -- ``bgs_commodity_trans``, ``bgs_sub_commodity_trans``,
``bgs_statistic_type_trans`` ("Production", "Imports", "Exports"), ``country_trans``,
``country_iso3_code``, ``year`` (a date such as ``2022-01-01T00:00:00``), ``quantity``,
``units`` and ``concat_figure_notes_text`` -- and the commodity names (``cobalt, refined``,
``nickel, smelter/refinery``, ``ferro-alloys`` with sub-commodity ``Ferro-chrome``, ...) are
those used by public code that reads this collection (e.g. Our World in Data's ETL step
owid/etl etl/steps/data/garden/bgs/2024-07-09/world_mineral_statistics.py); they could not be
checked against the live ``/queryables`` here.

The response is a GeoJSON FeatureCollection (``features``, ``numberMatched``,
``numberReturned``, ``links``). :func:`fetch` asks, per commodity of the mapping, for its
production features, page by page: it follows a ``rel="next"`` link when the server gives one,
else advances ``offset`` until a short or empty page or ``numberMatched``. Which commodity and
sub-commodity is which raw-scan material and stage is data, in ``bgs_series.csv`` beside this
module; features of other commodities, statistic types or sub-commodities are skipped (an empty
rule sub-commodity accepts only a missing or "Unknown" one, so e.g. nickel "Sulfate" is not added
to nickel metal).

Licence: BGS does not state one in the description read. Our World in Data records the dataset
as "contributed by permission of the British Geological Survey (BGS). The copyright of all
materials derived from the BGS's work is vested in the Natural Environment Research Council
(NERC)"; an open-government licence for the BGS web services could not be confirmed here.
raw-scan does not redistribute BGS data: a refresh stores them in the user's data folder only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from raw_scan.countries import is_aggregate, is_iso3, to_iso3
from raw_scan.errors import DataValidationError
from raw_scan.sources.tidy import PRODUCTION_COLUMNS, validate_production

META = {
    "id": "bgs",
    "title": "World Mineral Statistics (production by country), via the BGS OGC API - Features",
    "publisher": "British Geological Survey (BGS), UK Research and Innovation",
    "homepage": "https://www.bgs.ac.uk/mineralsuk/statistics/world-mineral-statistics/",
    "api": "https://ogcapi.bgs.ac.uk/collections/world-mineral-statistics",
    "licence": "Not confirmed: (c) NERC, contributed by permission of BGS, as recorded by Our "
    "World in Data; check the BGS terms before redistributing",
    "citation": "British Geological Survey, World Mineral Statistics, "
    "https://www.bgs.ac.uk/mineralsuk/statistics/world-mineral-statistics/",
}
ITEMS_URL = "https://ogcapi.bgs.ac.uk/collections/world-mineral-statistics/items"
PAGE_SIZE = 100  # the published description: "default and max is 100 per request"
MAX_PAGES = 2000  # per commodity; a guard against a server that never stops paging
YEARS_KEPT = 10  # per series: the latest data year and the nine before it
PRODUCTION = "production"
# the units as BGS spells them -> short units; a metal-content unit stays distinct from gross
# weight, so a series that mixes the two is refused, not summed (see _check_units)
UNITS = {
    "tonnes": "t",
    "tonnes (metric)": "t",
    "tonnes (metal content)": "t (metal content)",
    "kilograms": "kg",
    "kilograms (metal content)": "kg (metal content)",
}
_YEAR = re.compile(r"^\s*(\d{4})")


@lru_cache(maxsize=1)
def series_table() -> pd.DataFrame:
    path = Path(__file__).with_name("bgs_series.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def queries() -> list[str]:
    """The ``bgs_commodity_trans`` values to ask the API for, in mapping order."""
    return list(dict.fromkeys(series_table()["query"]))


def _norm(text) -> str:
    return " ".join(str(text or "").lower().split())


@lru_cache(maxsize=1024)
def series_rule(commodity: str, sub_commodity: str):
    """The mapping rule for a commodity and sub-commodity, or None (not a raw-scan series)."""
    sub = _norm(sub_commodity)
    sub = "" if sub == "unknown" else sub
    for rule in series_table().itertuples():
        if not re.fullmatch(rule.commodity_regex, _norm(commodity)):
            continue
        if re.fullmatch(rule.sub_commodity_regex or "", sub):
            return rule
    return None


# ------------------------------------------------------------------ parse
def _features(path: Path) -> list[dict]:
    """Features of a saved items response (a FeatureCollection, or a list of them), or of every
    ``*.json`` file in a folder."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise DataValidationError(f"bgs: {path.name}: no .json items files in the folder")
    out: list[dict] = []
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise DataValidationError(
                f"bgs: {f.name}: not JSON; expected a saved OGC API items response "
                "(a GeoJSON FeatureCollection)"
            ) from None
        for page in doc if isinstance(doc, list) else [doc]:
            if not isinstance(page, dict) or not isinstance(page.get("features"), list):
                raise DataValidationError(
                    f"bgs: {f.name}: not an OGC API items response (no 'features' list)"
                )
            out.extend(page["features"])
    return out


def _country(props: dict) -> tuple[str, str]:
    """(row_kind, ISO3) of a feature: BGS's ISO3 code when valid, else the name looked up;
    a name that is no ISO country (a former state, a group) stays in as unattributed supply."""
    code = str(props.get("country_iso3_code") or "").strip().upper()
    if code and is_iso3(code):
        return "country", code
    name = str(props.get("country_trans") or "")
    found = None if is_aggregate(name) else to_iso3(name)
    return ("country", found) if found else ("other", "")


def parse(path: Path) -> pd.DataFrame:
    """Tidy production rows from saved BGS items responses (see the module docstring)."""
    path = Path(path)
    records = []
    for feature in _features(path):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            raise DataValidationError(f"bgs: {path.name}: a feature without 'properties'")
        if _norm(props.get("bgs_statistic_type_trans")) != PRODUCTION:
            continue
        rule = series_rule(
            str(props.get("bgs_commodity_trans") or ""),
            str(props.get("bgs_sub_commodity_trans") or ""),
        )
        if rule is None:
            continue
        name = " ".join(str(props.get("country_trans") or "").split())
        m = _YEAR.match(str(props.get("year") or ""))
        if not m:
            raise DataValidationError(
                f"bgs: {path.name}: {name or 'a feature'}: year {props.get('year')!r} is not a "
                "date or year"
            )
        qty = props.get("quantity")
        if qty is not None and not isinstance(qty, int | float):
            raise DataValidationError(
                f"bgs: {path.name}: {name} {m.group(1)}: text {qty!r} where a number belongs"
            )
        kind, code = _country(props)
        notes = _norm(props.get("concat_figure_notes_text"))
        unit = _norm(props.get("units"))
        if qty is None:
            status = "not_available"
        else:
            status = "estimated" if "estimate" in notes else "reported"
        # in the order of PRODUCTION_COLUMNS; the source id is set once the years are known
        records.append(
            (
                rule.material,
                rule.stage,
                code,
                name,
                kind,
                int(m.group(1)),
                None if qty is None else float(qty),
                UNITS.get(unit, unit),
                rule.basis,
                status,
                "",
            )
        )
    if not records:
        raise DataValidationError(
            f"bgs: {path.name}: no production features of a mapped commodity were found"
        )
    df = pd.DataFrame.from_records(records, columns=PRODUCTION_COLUMNS)
    df = _latest_years(df)
    _check_units(df, path.name)
    df["source"] = f"bgs-wms-{int(df['year'].max())}"
    return validate_production(df, source="bgs", file=path.name)


def _latest_years(df: pd.DataFrame) -> pd.DataFrame:
    """Per material and stage, the latest ``YEARS_KEPT`` data years only."""
    last = df.groupby(["material", "stage"])["year"].transform("max")
    return df[df["year"] > last - YEARS_KEPT].reset_index(drop=True)


def _check_units(df: pd.DataFrame, file: str) -> None:
    """Shares are computed within a series: one unit per material, stage and year."""
    for (material, stage, year), group in df.groupby(["material", "stage", "year"]):
        units = Counter(group["unit"])
        if len(units) > 1:
            raise DataValidationError(
                f"bgs: {file}: {material} {stage} {year} mixes units "
                f"({', '.join(sorted(units))}); shares across units would be wrong"
            )


# ------------------------------------------------------------------ fetch
def _next_link(page: dict) -> str | None:
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def fetch(
    staging: Path,
    *,
    progress: bool = False,
    items_url: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Path:
    """Download the production features of every mapped commodity, page by page, into one
    saved FeatureCollection (``bgs_world_mineral_statistics.json``) and return its path.
    ``ITEMS_URL`` is read at call time."""
    from raw_scan.sources import http

    base = items_url or ITEMS_URL
    staging = Path(staging)
    staging.mkdir(parents=True, exist_ok=True)
    features: list[dict] = []
    for n, commodity in enumerate(queries()):
        params = {
            "f": "json",
            "bgs_commodity_trans": commodity,
            "bgs_statistic_type_trans": "Production",
            "limit": page_size,
        }
        url: str | None = f"{base}?{urlencode({**params, 'offset': 0})}"
        offset = pages = 0
        while url is not None:
            if pages == MAX_PAGES:
                raise DataValidationError(
                    f"bgs: {commodity!r}: more than {MAX_PAGES} pages; the server keeps paging"
                )
            part = http.download(
                url,
                staging,
                source_id="bgs",
                filename=f"items-{n:02d}-{pages:04d}.json",
                progress=progress,
            )
            pages += 1
            try:
                page = json.loads(part.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                page = None
            got = page.get("features") if isinstance(page, dict) else None
            if not isinstance(got, list):
                raise DataValidationError(
                    f"bgs: {url} did not return an OGC API items response (GeoJSON "
                    "FeatureCollection); set RAW_SCAN_BGS_URL to a saved items JSON or use "
                    "`raw-scan refresh bgs --file PATH`"
                )
            part.unlink()
            features.extend(got)
            offset += len(got)
            matched = page.get("numberMatched")
            url = _next_link(page) if got else None
            more = not isinstance(matched, int) or offset < matched
            if url is None and got and len(got) >= page_size and more:
                url = f"{base}?{urlencode({**params, 'offset': offset})}"
    out = staging / "bgs_world_mineral_statistics.json"
    out.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return out
