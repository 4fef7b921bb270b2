"""IEA Critical Minerals Data Explorer workbook: mining and refining supply by country.

Sheet ``2 Total supply for key minerals`` holds, per mineral, two side-by-side blocks headed
``<Mineral> - Mining`` and ``<Mineral> - Refining`` (or ``Chemicals`` / ``Battery grade``): country
rows, then ``Rest of world``, ``Total`` and ``Top 3 share``; columns are years (the first one
actual, later ones base-case projections). Only the actual year is read: projections are not
production. Units are kilotonnes (kt).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from raw_scan.countries import to_iso3
from raw_scan.errors import DataValidationError
from raw_scan.sources import bounded
from raw_scan.sources.tidy import PRODUCTION_COLUMNS, validate_production

META = {
    "id": "iea",
    "title": "Critical Minerals Data Explorer",
    "publisher": "International Energy Agency (IEA)",
    "homepage": "https://www.iea.org/data-and-statistics/data-product/critical-minerals-dataset",
    "licence": "CC BY 4.0",
    "citation": "IEA (2024), Critical Minerals Data Explorer, IEA, Paris",
}
SUPPLY_SHEET = "2 Total supply for key minerals"

# block title -> (material, stage, basis); titles as in the May 2024 edition
BLOCKS = {
    "copper - mining": ("copper", "mining", "copper content"),
    "copper - refining": ("copper", "refining", "refined copper"),
    "cobalt - mining": ("cobalt", "mining", "cobalt content"),
    "cobalt - refining": ("cobalt", "refining", "refined cobalt"),
    "lithium - mining": ("lithium", "mining", "lithium content"),
    "lithium - chemicals": ("lithium", "refining", "lithium chemicals, lithium content"),
    "nickel - mining": ("nickel", "mining", "nickel content"),
    "nickel - refining": ("nickel", "refining", "refined nickel"),
    "graphite - mining (natural)": ("natural-graphite", "mining", "natural graphite"),
    # battery grade = natural AND synthetic graphite (the workbook's demand notes: "all grades of
    # mined and synthetic graphite"), so it is its own material, not natural graphite refining
    "graphite - battery grade": (
        "battery-grade-graphite",
        "refining",
        "battery-grade graphite (natural and synthetic)",
    ),
    "magnet rare earth elements - mining": (
        "magnet-rare-earths",
        "mining",
        "magnet rare earth elements (Nd, Pr, Dy, Tb), oxide",
    ),
    "magnet rare earth elements - refining": (
        "magnet-rare-earths",
        "refining",
        "magnet rare earth elements (Nd, Pr, Dy, Tb), oxide",
    ),
}


def parse_supply_sheet(sheet: pd.DataFrame, *, edition: int, filename: str) -> pd.DataFrame:
    """Tidy rows from the raw cells (header=None) of the total-supply sheet."""
    records = []
    years_row = None
    for r in range(min(len(sheet), 10)):
        if pd.api.types.is_number(sheet.iat[r, 1]) and not pd.isna(sheet.iat[r, 1]):
            years_row = r
            break
    if years_row is None:
        raise DataValidationError(f"iea: {filename}: no row of years in sheet '{SUPPLY_SHEET}'")
    for col in range(sheet.shape[1] - 1):
        block = None
        for r in range(years_row + 1, len(sheet)):
            label = sheet.iat[r, col]
            if not isinstance(label, str) or not label.strip():
                continue
            key = re.sub(r"\s+", " ", label.strip().lower())
            if key in BLOCKS:
                block = BLOCKS[key]
                continue
            if block is None or key.startswith("top 3"):
                if key.startswith("top 3"):
                    block = None
                continue
            year = sheet.iat[years_row, col + 1]
            value = sheet.iat[r, col + 1]
            if key.startswith("total"):
                kind, code = "world", ""
            elif key.startswith("rest of world"):
                kind, code = "other", ""
            else:
                kind, code = "country", to_iso3(label)
                if code is None:
                    raise DataValidationError(f"iea: {filename}: unknown country name {label!r}")
            number = pd.to_numeric(value, errors="coerce")
            if pd.isna(number) and not pd.isna(value):
                raise DataValidationError(
                    f"iea: {filename}: text {value!r} where a number belongs ({label}, {year})"
                )
            material, stage, basis = block
            records.append(
                {
                    "material": material,
                    "stage": stage,
                    "country": code,
                    "country_name": label.strip(),
                    "row_kind": kind,
                    "year": int(year),
                    "quantity": None if pd.isna(number) else float(number),
                    "unit": "kt",
                    "basis": basis,
                    "value_status": "not_available" if pd.isna(number) else "reported",
                    "source": f"iea-cmde-{edition}",
                }
            )
    if not records:
        raise DataValidationError(f"iea: {filename}: no mineral block found in '{SUPPLY_SHEET}'")
    return pd.DataFrame.from_records(records, columns=PRODUCTION_COLUMNS)


_CITE = re.compile(r"IEA \((20\d\d)\)")


def stated_edition(sheets: pd.ExcelFile, filename: str, first_year: int) -> int:
    """The edition year: as the workbook cites itself ("Please cite this as: IEA (2024), ..." on
    its Notice or Cover sheet), else a year in the file name, else the year after its first
    (actual) data year, which is how the editions so far were made (May 2024: 2023 actuals)."""
    for name in sheets.sheet_names:
        if name.strip().lower() in ("notice", "cover"):
            cells = pd.read_excel(sheets, sheet_name=name, header=None).values
            for text in cells.ravel():
                if m := _CITE.search(str(text)):
                    return int(m.group(1))
    m = re.search(r"(20\d\d)", filename)
    return int(m.group(1)) if m else first_year + 1


def parse(path: Path, *, edition: int | None = None) -> pd.DataFrame:
    """Parse the workbook into validated tidy production rows (actual year only)."""
    path = Path(path)
    bounded.check_workbook(path, "iea")
    try:
        sheets = pd.ExcelFile(path)
    except Exception as exc:  # openpyxl raises several types for a non-workbook
        raise DataValidationError(f"iea: {path.name}: not an Excel workbook ({exc})") from None
    name = next(
        (s for s in sheets.sheet_names if s.strip().lower().startswith("2 total supply")), None
    )
    if name is None:
        raise DataValidationError(f"iea: {path.name}: no sheet '{SUPPLY_SHEET}' in the workbook")
    sheet = pd.read_excel(sheets, sheet_name=name, header=None)
    df = parse_supply_sheet(sheet, edition=edition or 0, filename=path.name)
    first_year = int(df["year"].min())
    df = df[df["year"] == first_year]
    if edition is None:
        edition = stated_edition(sheets, path.name, first_year)
        df = df.assign(source=f"iea-cmde-{edition}")
    return validate_production(df, source="iea", file=path.name)
