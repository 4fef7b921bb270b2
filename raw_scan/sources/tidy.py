"""The tidy production table every source parser returns, and its validation.

One row per material x stage x country (or aggregate) x year x source. ``row_kind`` says whether
the row is a country, the world total, an unattributed remainder ("Other countries",
"Rest of world"), which is not a country and is kept out of concentration sums, or a country row
the publisher lists but that is not production of the series ("excluded", e.g. USGS helium sales
from the Federal Helium Reserve's stock), kept for audit and taken out of the world total.
"""

from __future__ import annotations

import pandas as pd

from raw_scan.errors import DataValidationError

PRODUCTION_COLUMNS = [
    "material",
    "stage",
    "country",
    "country_name",
    "row_kind",
    "year",
    "quantity",
    "unit",
    "basis",
    "value_status",
    "source",
]
# where a row was read ("mcs2024-lithi_world.csv line 4, Prod_t_est_2023"): an optional column a
# parser may add for the refresh review's messages; never stored in a snapshot
ORIGIN = "origin"
STAGES = ("mining", "refining")
ROW_KINDS = ("country", "world", "other", "excluded")
VALUE_STATUSES = (
    "reported",
    "estimated",
    "provisional",
    "withheld",
    "not_available",
    "not_applicable",
)


def empty_production() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PRODUCTION_COLUMNS})


def _first_bad(df: pd.DataFrame, mask: pd.Series) -> str:
    rows = df.loc[mask].head(3)
    return "; ".join(
        " ".join(str(r[c]) for c in ("material", "stage", "country_name", "year"))
        + (f" ({r[ORIGIN]})" if r.get(ORIGIN) else "")
        for _, r in rows.iterrows()
    )


def validate_production(df: pd.DataFrame, *, source: str, file: str) -> pd.DataFrame:
    """Check columns, stages, years, quantities and ISO3 codes; raise one clear line if wrong."""
    from raw_scan.countries import is_iso3

    where = f"{source}: {file}"
    missing = [c for c in PRODUCTION_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(f"{where}: missing columns {', '.join(missing)}")
    if df.empty:
        raise DataValidationError(f"{where}: no production rows could be read from the file")
    checks = [
        (~df["stage"].isin(STAGES), "stage not mining/refining"),
        (~df["row_kind"].isin(ROW_KINDS), "bad row_kind"),
        (~df["value_status"].isin(VALUE_STATUSES), "bad value_status"),
        (~df["year"].between(1900, 2100), "year out of range"),
        (df["quantity"].lt(0), "negative quantity"),
    ]
    countries = df["row_kind"].eq("country")
    codes = df.loc[countries, "country"].astype(str)
    bad_iso = pd.Series(False, index=df.index)
    bad_iso.loc[countries] = ~codes.map(is_iso3)
    checks.append((bad_iso, "country is not an ISO 3166 alpha-3 code"))
    for mask, what in checks:
        if mask.any():
            raise DataValidationError(
                f"{where}: {what} in {int(mask.sum())} rows, e.g. {_first_bad(df, mask)}"
            )
    keep = PRODUCTION_COLUMNS + ([ORIGIN] if ORIGIN in df.columns else [])
    return df[keep].reset_index(drop=True)
