"""EU criticality: the 2023 assessment results and the CRMA (Regulation (EU) 2024/1252) lists.

The lists change by regulation, not by download: they ship with raw-scan and can be re-imported
from a file in the same layout (``raw-scan refresh eu --file PATH``).

The 2023 results come from a transcription of the study's tables (CritMAT project,
``eureport_results.csv``). Known transcription faults are fixed here, one rule each, and every
fix applied is recorded in the ``fixes`` column of the output so it can be audited.

Table A of the 2023 study ("major global supplier": the largest supplier country and its share at
the bottleneck stage) is read from a JSON transcription (:func:`parse_table_a`) into production
rows of source ``eu-crm-2023-table-a``: one country row with the share in percent and a world row
of 100. It is a *partial* basis (only the top supplier is known; see ``raw_scan.supply``). Which
Table A label is which raw-scan material is data, in ``eu_table_a.csv`` beside this module.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from raw_scan.errors import DataValidationError

META = {
    "id": "eu",
    "title": "Study on the critical raw materials for the EU 2023 (results) and "
    "Regulation (EU) 2024/1252 Annexes I and II",
    "publisher": "European Commission (DG GROW, JRC); EUR-Lex",
    "homepage": "https://single-market-economy.ec.europa.eu/sectors/raw-materials/areas-specific-interest/critical-raw-materials_en",
    "licence": "CC BY 4.0 (Commission Decision 2011/833/EU); EU legislation © European Union",
    "citation": "Grohol, M. & Veeh, C. (2023) Study on the critical raw materials for the EU 2023 "
    "- Final report, doi:10.2873/725585; Regulation (EU) 2024/1252 (CRMA), Annexes I and II",
}
RESULT_COLUMNS = [
    "material_name",
    "supply_risk",
    "economic_importance",
    "eu_used_stage",
    "eu_stages",
    "eu_used_supply_primary",
    "supply_risk_primary",
    "eu_used_supply_refined",
    "supply_risk_refined",
    "si_ei",
    "si_sr",
    "import_reliance_primary",
    "import_reliance_refined",
    "end_of_life",
]
SOURCING = {"GS+EU", "GSonly", "EUonly", "EU", ""}
NUMBER_COLUMNS = (
    "supply_risk",
    "economic_importance",
    "supply_risk_primary",
    "supply_risk_refined",
    "si_ei",
    "si_sr",
    "import_reliance_primary",
    "import_reliance_refined",
    "end_of_life",
)


def _num(value) -> float | None:
    v = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(v) else float(v)


def read_csv(path: Path) -> pd.DataFrame:
    """Read an EU CSV as text cells; a file that is not CSV is one clear error."""
    import io

    from raw_scan.sources import bounded

    path = Path(path)
    data = bounded.read_file(path, "eu")
    try:
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise DataValidationError(f"eu: {path.name}: not a readable CSV file ({detail})") from None


def fix_results(raw: pd.DataFrame, file: str = "results") -> pd.DataFrame:
    """Apply the documented fixes to the transcribed results; one row per material."""
    missing = [c for c in RESULT_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(f"eu: {file}: missing columns {', '.join(missing)}")
    if raw.empty:
        raise DataValidationError(f"eu: {file}: no material rows (only a header)")
    raw = raw.fillna("").astype(str).map(str.strip)
    out, seen = [], set()
    for r in raw.to_dict("records"):
        name, fixes = r["material_name"], []
        if name in seen:
            # e.g. "Tungsten" appears twice with identical values.
            continue
        seen.add(name)
        # Rows shifted by one column (Coking coal, Diatomite, Magnesite, Natural cork,
        # Strontium): the primary supply risk sits in eu_used_supply_refined and
        # supply_risk_primary is empty. Recognised by a number in a sourcing-label column.
        if r["supply_risk_primary"] == "" and _num(r["eu_used_supply_refined"]) is not None:
            r["supply_risk_primary"] = r["eu_used_supply_refined"]
            r["eu_used_supply_refined"] = ""
            fixes.append(
                "supply_risk_primary moved from the eu_used_supply_refined column "
                "(row shifted by one column in the transcription)"
            )
        # "281%" (LREE) is not a supply-risk value; the true figure is not recoverable here.
        if r["supply_risk_primary"].endswith("%"):
            fixes.append(
                f"supply_risk_primary {r['supply_risk_primary']!r} is not a supply "
                "risk value; set to missing"
            )
            r["supply_risk_primary"] = ""
        # The published SR is the SR of the bottleneck stage: fill that stage when it is empty
        # (Praseodymium lacks supply_risk_refined while its bottleneck is Processing).
        stage_col = {"Processing": "supply_risk_refined", "Extraction": "supply_risk_primary"}.get(
            r["eu_used_stage"]
        )
        if stage_col and r[stage_col] == "" and _num(r["supply_risk"]) is not None:
            r[stage_col] = r["supply_risk"]
            fixes.append(
                f"{stage_col} filled with the published SR of the bottleneck stage "
                f"({r['eu_used_stage']})"
            )
        for c in ("eu_used_supply_primary", "eu_used_supply_refined"):
            if r[c] not in SOURCING:
                raise DataValidationError(f"eu: {file}: {name}: unexpected {c} {r[c]!r}")
        for c in NUMBER_COLUMNS:
            if r[c] != "" and _num(r[c]) is None:
                raise DataValidationError(
                    f"eu: {file}: {name}: text {r[c]!r} in {c} where a number belongs"
                )
        ir_p, ir_r, eol = (
            _num(r[c])
            for c in ("import_reliance_primary", "import_reliance_refined", "end_of_life")
        )
        out.append(
            {
                "eu_name": name,
                "supply_risk": _num(r["supply_risk"]),
                "economic_importance": _num(r["economic_importance"]),
                "bottleneck_stage": {"Extraction": "mining", "Processing": "refining"}.get(
                    r["eu_used_stage"], ""
                ),
                "assessed_stages": r["eu_stages"],
                "supply_risk_mining": _num(r["supply_risk_primary"]),
                "supply_risk_refining": _num(r["supply_risk_refined"]),
                "import_reliance_mining": None if ir_p is None else ir_p / 100,
                "import_reliance_refining": None if ir_r is None else ir_r / 100,
                "eol_rir": None if eol is None else eol / 100,
                "si_sr": _num(r["si_sr"]),
                "si_ei": _num(r["si_ei"]),
                "fixes": "; ".join(fixes),
            }
        )
    df = pd.DataFrame(out)
    for c in ("supply_risk", "economic_importance"):
        if df[c].isna().any():
            raise DataValidationError(
                f"eu: {file}: {c} missing for {df.loc[df[c].isna(), 'eu_name'].tolist()[:3]}"
            )
    for c in ("import_reliance_mining", "import_reliance_refining", "eol_rir"):
        bad = df[c].notna() & ~df[c].between(0, 1)
        if bad.any():
            raise DataValidationError(
                f"eu: {file}: {c} outside 0-100 % for {df.loc[bad, 'eu_name'].tolist()[:3]}"
            )
    df["critical_2023"] = (df["supply_risk"] >= 1.0) & (df["economic_importance"] >= 2.8)
    return df


def parse_results(path: Path) -> pd.DataFrame:
    return fix_results(read_csv(path), file=Path(path).name)


def parse_crma(path: Path) -> pd.DataFrame:
    """The CRMA annex lists: annex, point, material_en, strategic, critical."""
    raw = read_csv(path)
    need = ["annex", "point", "material_en", "strategic_annex_I", "critical_annex_II"]
    if any(c not in raw.columns for c in need):
        raise DataValidationError(f"eu: {Path(path).name}: expected columns {need}")
    df = raw[need + [c for c in ("source_location",) if c in raw.columns]].copy()
    df["strategic_annex_I"] = df["strategic_annex_I"].eq("1")
    df["critical_annex_II"] = df["critical_annex_II"].eq("1")
    n_i, n_ii = int(df["strategic_annex_I"].sum()), int(df["critical_annex_II"].sum())
    if (n_i, n_ii) != (17, 34):
        raise DataValidationError(
            f"eu: {Path(path).name}: expected 17 strategic and 34 critical entries, "
            f"found {n_i} and {n_ii}"
        )
    return df


def attach_material_ids(results: pd.DataFrame, materials: pd.DataFrame) -> pd.DataFrame:
    """Add the raw-scan material id for each assessed material (empty where none)."""
    by_name = {
        str(n).lower(): m for m, n in zip(materials["id"], materials["eu_name"], strict=True) if n
    }
    out = results.copy()
    out.insert(0, "material", out["eu_name"].str.lower().map(by_name).fillna(""))
    return out


TRADE_STAGES = {"primary": "mining", "refined": "refining"}


def parse_trade_parameters(path: Path, materials: pd.DataFrame) -> pd.DataFrame:
    """The trade-related parameter t of the EU 2023 supply-risk formula, per material, supplier
    country, stage and scope (world or EU sourcing). t > 1 marks an export restriction or tax
    of that country, t = 0.8 an EU trade agreement; countries not listed have t = 1.

    Columns: material (raw-scan id, '' where none), eu_name, country (ISO3), stage, scope,
    parameter.
    """
    from raw_scan.countries import to_iso3

    raw = read_csv(path)
    need = ["material_name", "country_name", "parameter", "category", "scope"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataValidationError(f"eu: {Path(path).name}: missing columns {', '.join(missing)}")
    rows = []
    for line, r in enumerate(raw.to_dict("records"), start=2):
        iso3 = to_iso3(r["country_name"])
        value = _num(r["parameter"])
        stage = TRADE_STAGES.get(r["category"].strip())
        if iso3 is None or value is None or stage is None or r["scope"] not in ("world", "eu"):
            raise DataValidationError(
                f"eu: {Path(path).name}: line {line}: cannot read "
                f"{r['material_name']!r}, {r['country_name']!r}, {r['parameter']!r}, "
                f"{r['category']!r}, {r['scope']!r}"
            )
        rows.append(
            {
                "eu_name": r["material_name"].strip(),
                "country": iso3,
                "stage": stage,
                "scope": r["scope"],
                "parameter": value,
            }
        )
    df = pd.DataFrame(rows).drop_duplicates(["eu_name", "country", "stage", "scope"])
    return attach_material_ids(df, materials)


# ------------------------------------------------------------------ Table A (major supplier)
TABLE_A_SOURCE = "eu-crm-2023-table-a"
TABLE_A_YEAR = 2023  # the edition of the assessment: Table A gives no data year
TABLE_A_BASIS = (
    "share of the top supplier at the EU bottleneck stage (EU CRM 2023 Table A); "
    "the other suppliers are not given"
)
TABLE_A_STAGES = {"E": "mining", "P": "refining"}


@lru_cache(maxsize=1)
def table_a_labels() -> dict[str, str]:
    """Table A label -> raw-scan material id ('' for a label outside the vocabulary)."""
    df = pd.read_csv(Path(__file__).with_name("eu_table_a.csv"), dtype=str, keep_default_na=False)
    return dict(zip(df["label"], df["material"], strict=True))


def parse_table_a(path: Path) -> pd.DataFrame:
    """Production rows from the Table A transcription ``{materials: {label: {stage_code, iso,
    name, pct}}}``: per material, the top supplier's share (unit '%') and a world row of 100."""
    import pycountry

    from raw_scan.sources.tidy import PRODUCTION_COLUMNS, validate_production

    path = Path(path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["materials"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise DataValidationError(
            f"eu: {path.name}: not a Table A JSON file ({{'materials': {{label: {{...}}}}}})"
        ) from None
    labels, records = table_a_labels(), []
    for label, e in entries.items():
        if label not in labels:
            raise DataValidationError(
                f"eu: {path.name}: Table A label {label!r} is not in eu_table_a.csv"
            )
        material = labels[label]
        if not material:
            continue
        try:
            stage = TABLE_A_STAGES[str(e["stage_code"]).upper()]
            share = float(e["pct"])
            country = pycountry.countries.get(alpha_2=str(e["iso"]).upper())
        except (KeyError, TypeError, ValueError):
            raise DataValidationError(
                f"eu: {path.name}: {label}: needs stage_code E/P, iso and a numeric pct"
            ) from None
        if country is None or not 0 < share <= 100:
            raise DataValidationError(
                f"eu: {path.name}: {label}: bad country {e.get('iso')!r} or share {share}"
            )
        base = {
            "material": material,
            "stage": stage,
            "year": TABLE_A_YEAR,
            "unit": "%",
            "basis": TABLE_A_BASIS,
            "value_status": "reported",
            "source": TABLE_A_SOURCE,
        }
        records.append(
            {
                **base,
                "country": country.alpha_3,
                "country_name": str(e.get("name") or country.name),
                "row_kind": "country",
                "quantity": share,
            }
        )
        records.append(
            {**base, "country": "", "country_name": "World", "row_kind": "world", "quantity": 100.0}
        )
    df = pd.DataFrame.from_records(records, columns=PRODUCTION_COLUMNS)
    return validate_production(df, source="eu", file=path.name)


def check_table_a(rows: pd.DataFrame, results: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Keep the Table A rows whose stage is the bottleneck stage of the same material in the
    results table (an independent transcription of the same study); drop the others.

    A stage that disagrees means one of the two transcriptions mis-read the study, so neither
    figure can be trusted at that stage. ``results`` needs the ``material`` column
    (:func:`attach_material_ids`). Returns (kept rows, one line per dropped or unchecked entry).
    """
    bottleneck = {
        m: s for m, s in zip(results["material"], results["bottleneck_stage"], strict=True) if m
    }
    keep, log = pd.Series(True, index=rows.index), []
    for (material, stage), group in rows.groupby(["material", "stage"], sort=True):
        top = group[group["row_kind"] == "country"].iloc[0]
        other = bottleneck.get(material)
        what = f"{material} {stage} ({top['country']} {top['quantity']:g}%)"
        if other is None:
            log.append(f"Table A {what}: no results row to check the stage against; kept")
        elif other != stage:
            keep[group.index] = False
            log.append(
                f"Table A {what}: dropped, the results table gives the bottleneck stage as {other}"
            )
    return rows[keep].reset_index(drop=True), log
