"""World Bank Worldwide Governance Indicators (WGI): six governance estimates per country/year.

Two layouts are read:

* the DataBank bulk CSV (``WGI_CSV.zip`` -> ``WGIData.csv``): wide, one row per economy and
  series (``Country Name, Country Code, Indicator Name, Indicator Code, 1996, ..., 2022,``);
  only the six ``*.EST`` series are kept;
* the Indicators API v2 JSON (``[{page, pages, ...}, [records]]``) for the ``GOV_WGI_*.EST``
  indicator ids; records with an empty ``countryiso3code`` are regional aggregates and dropped.

Estimates run roughly -2.5 (worst) to +2.5 (best).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd

from raw_scan.countries import is_iso3
from raw_scan.errors import DataValidationError
from raw_scan.sources import bounded

META = {
    "id": "wgi",
    "title": "Worldwide Governance Indicators",
    "publisher": "World Bank",
    "homepage": "https://www.worldbank.org/en/publication/worldwide-governance-indicators",
    "licence": "CC BY 4.0",
    "citation": "Kaufmann, D. & Kraay, A., Worldwide Governance Indicators, World Bank",
}
DIMENSIONS = ("CC", "GE", "PV", "RL", "RQ", "VA")
DIMENSION_NAMES = {
    "CC": "Control of Corruption",
    "GE": "Government Effectiveness",
    "PV": "Political Stability and Absence of Violence/Terrorism",
    "RL": "Rule of Law",
    "RQ": "Regulatory Quality",
    "VA": "Voice and Accountability",
}
GOVERNANCE_COLUMNS = ["country", "year", "indicator", "estimate", "source"]
API_URL = (
    "https://api.worldbank.org/v2/country/all/indicator/GOV_WGI_{dim}.EST"
    "?source=3&format=json&per_page=20000&date={start}:{end}"
)


def _indicator(code: str) -> str | None:
    code = str(code).upper().replace("GOV_WGI_", "")
    dim, _, kind = code.partition(".")
    return dim if dim in DIMENSIONS and kind == "EST" else None


def validate(df: pd.DataFrame, *, file: str) -> pd.DataFrame:
    where = f"wgi: {file}"
    if df.empty:
        raise DataValidationError(f"{where}: no governance estimates could be read")
    bad = ~df["country"].astype(str).str.fullmatch(r"[A-Z]{3}")
    if bad.any():
        sample = ", ".join(df.loc[bad, "country"].astype(str).unique()[:3])
        raise DataValidationError(
            f"{where}: {int(bad.sum())} rows whose country code is not three letters, e.g. {sample}"
        )
    # Economies that are not ISO 3166 countries today (e.g. ANT, the Netherlands Antilles,
    # dissolved in 2010) cannot match a producer country and are left out.
    df = df[df["country"].map(is_iso3)]
    missing = sorted(set(DIMENSIONS) - set(df["indicator"]))
    if missing:
        raise DataValidationError(
            f"{where}: governance dimensions {', '.join(missing)} are missing; the scoring needs "
            f"all six ({', '.join(DIMENSIONS)})"
        )
    out = ~df["estimate"].between(-5, 5)
    if out.any():
        raise DataValidationError(
            f"{where}: estimates outside -5..5, e.g. {df.loc[out].head(1).to_dict('records')}"
        )
    return (
        df[GOVERNANCE_COLUMNS].sort_values(["country", "indicator", "year"]).reset_index(drop=True)
    )


_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
_RESAVE = (
    "the World Bank file uses commas between fields and points in numbers (a spreadsheet in a "
    "European locale may have re-saved it): use WGIData.csv as downloaded"
)


def _separator(header: str) -> str:
    """The field separator a header line uses: the most frequent of , ; and tab."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=counts.get)


def parse_bulk_csv(text: str, *, source: str, file: str) -> pd.DataFrame:
    """Parse the wide ``WGIData.csv`` text."""
    text = text.lstrip("\ufeff")
    sep = _separator(text.split("\n", 1)[0])
    if sep != ",":
        shown = {";": "semicolons (;)", "\t": "tabs"}[sep]
        raise DataValidationError(
            f"wgi: {file}: fields are separated by {shown}, not commas; {_RESAVE}"
        )
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str)
    except Exception as exc:
        raise DataValidationError(f"wgi: {file}: not a CSV file ({exc})") from None
    need = ["Country Code", "Indicator Code"]
    if any(c not in raw.columns for c in need):
        raise DataValidationError(
            f"wgi: {file}: expected columns {need} (World Bank bulk WGIData.csv layout)"
        )
    years = [c for c in raw.columns if str(c).strip().isdigit()]
    raw["indicator"] = raw["Indicator Code"].map(_indicator)
    raw = raw[raw["indicator"].notna()]
    long = raw.melt(
        id_vars=["Country Code", "indicator"], value_vars=years, var_name="year", value_name="value"
    )
    long = long[long["value"].notna() & (long["value"].str.strip() != "")]
    est = pd.to_numeric(long["value"], errors="coerce")
    if est.isna().any():
        bad = long.loc[est.isna(), "value"].iloc[0]
        if _DECIMAL_COMMA.match(bad):
            raise DataValidationError(
                f"wgi: {file}: decimal comma in {bad!r} where the file should have a decimal "
                f"point; {_RESAVE}"
            )
        raise DataValidationError(f"wgi: {file}: text {bad!r} where a number belongs")
    df = pd.DataFrame(
        {
            "country": long["Country Code"].str.strip(),
            "year": long["year"].astype(int),
            "indicator": long["indicator"],
            "estimate": est,
            "source": source,
        }
    )
    return validate(df, file=file)


def parse_api_json(payloads: list, *, source: str, file: str) -> pd.DataFrame:
    """Parse one or more World Bank API v2 responses (already decoded JSON)."""
    rows = []
    for payload in payloads:
        if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], dict)):
            raise DataValidationError(f"wgi: {file}: not a World Bank API v2 response")
        for rec in payload[1] or []:
            iso3 = (rec.get("countryiso3code") or "").strip()
            dim = _indicator((rec.get("indicator") or {}).get("id", ""))
            if not iso3 or dim is None or rec.get("value") is None:
                continue
            rows.append(
                {
                    "country": iso3,
                    "year": int(rec["date"]),
                    "indicator": dim,
                    "estimate": float(rec["value"]),
                    "source": source,
                }
            )
    return validate(pd.DataFrame(rows, columns=GOVERNANCE_COLUMNS), file=file)


def parse(path: Path, *, source: str | None = None) -> pd.DataFrame:
    """Parse a bulk CSV, the bulk zip, or a saved API JSON file (one response or a list).

    ``source`` labels the rows; by default ``wgi-<lastupdated>`` for API responses and
    ``wgi-bulk-<last year>`` for the bulk file.
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with bounded.open_zip(path, "wgi") as zf:
            name = next((n for n in zf.namelist() if n.lower().endswith("wgidata.csv")), None)
            if name is None:
                raise DataValidationError(f"wgi: {path.name}: no WGIData.csv inside the zip")
            data = bounded.read_member(zf, name, "wgi")
    else:
        data = bounded.read_file(path, "wgi")
    text = data.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("["):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataValidationError(f"wgi: {path.name}: broken JSON ({exc.msg})") from None
        payloads = payload if payload and isinstance(payload[0], list) else [payload]
        if source is None:
            head = payloads[0][0] if payloads and payloads[0] else {}
            updated = head.get("lastupdated", "") if isinstance(head, dict) else ""
            source = f"wgi-{updated}" if updated else "wgi-api"
        return parse_api_json(payloads, source=source, file=path.name)
    df = parse_bulk_csv(text, source=source or "wgi-bulk", file=path.name)
    if source is None:
        df["source"] = f"wgi-bulk-{int(df['year'].max())}"
    return df


def fetch_api(
    staging: Path,
    *,
    progress: bool = False,
    api_url: str | None = None,
    start: int = 1996,
    end: int | None = None,
) -> Path:
    """Download the six ``GOV_WGI_*.EST`` series from API v2, following the paging; write the
    responses as one JSON list (``[[header, records], ...]``) and return its path."""
    from datetime import date

    from raw_scan.sources import http

    end = end or date.today().year
    template = api_url or API_URL
    payloads = []
    for dim in DIMENSIONS:
        page, pages = 1, 1
        while page <= pages:
            url = template.format(dim=dim, start=start, end=end) + f"&page={page}"
            part = http.download(
                url, staging, source_id="wgi", filename=f"{dim}-{page}.json", progress=progress
            )
            try:
                payload = json.loads(part.read_text(encoding="utf-8"))
                pages = int(payload[0]["pages"])
            except (ValueError, KeyError, IndexError, TypeError):
                raise DataValidationError(
                    f"wgi: {url} did not return a World Bank API v2 response; set "
                    "RAW_SCAN_WGI_URL to the bulk WGI_CSV.zip or use `raw-scan refresh wgi "
                    "--file PATH`"
                ) from None
            payloads.append(payload)
            page += 1
    out = Path(staging) / "wgi_api.json"
    out.write_text(json.dumps(payloads), encoding="utf-8")
    return out
