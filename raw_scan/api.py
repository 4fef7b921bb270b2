"""Library entry points: what the command line calls, usable from Python as well.

    >>> from raw_scan import api
    >>> api.technology_report(["li-ion-batteries"])      # tidy DataFrame, one row per
    ...                                                   # technology x material x stage

All functions read the active snapshot (see ``raw_scan.store``) and return tidy pandas tables
or plain dataclasses; renderers live in ``raw_scan.report``.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from raw_scan import store
from raw_scan.errors import UsageError
from raw_scan.scoring import composite, concentration, governance
from raw_scan.supply import index_production, select

STAGES = ("mining", "refining")
# Long-format columns, in this order, for CSV and JSON.
REPORT_COLUMNS = [
    "technology",
    "material",
    "stage",
    "year",
    "top_country",
    "top_share",
    "top3_share",
    "hhi",
    "hhi_wgi",
    "supplier_wgi",
    "coverage",
    "eol_rir",
    "risk_score",
    "risk_band",
    "bottleneck",
    "eu_critical",
    "eu_strategic",
    "eu_supply_risk",
    "eu_economic_importance",
    "eu_bottleneck_stage",
    "evidence",
    "data_material",
    "basis",
    "unit",
    "source",
    "drivers",
    "note",
]
MATERIAL_COLUMNS = [c for c in REPORT_COLUMNS if c not in ("technology", "evidence")]


def _split(value) -> list[str]:
    return [v for v in str(value or "").split("|") if v]


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


# ---------------------------------------------------------------- name resolution
def _resolve(name: str, table: pd.DataFrame, what: str, command: str) -> str:
    key = " ".join(str(name).strip().lower().replace("_", "-").split())
    names: dict[str, str] = {}
    for row in table.itertuples():
        for alias in [row.id, row.id.replace("-", " "), row.name, *_split(row.aliases)]:
            names.setdefault(alias.strip().lower(), row.id)
        if hasattr(row, "source_label"):
            names.setdefault(str(row.source_label).lower(), row.id)
    if key in names:
        return names[key]
    if key.replace(" ", "-") in names:
        return names[key.replace(" ", "-")]
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
    hint = ", ".join(dict.fromkeys(names[c] for c in close)) or ", ".join(table["id"].head(5))
    raise UsageError(
        f"unknown {what} {name!r}; did you mean: {hint}? "
        f"(run 'raw-scan {command}' for the full list)"
    )


def resolve_technology(name: str) -> str:
    return _resolve(name, store.load("technologies"), "technology", "technologies")


def resolve_material(name: str) -> str:
    return _resolve(name, store.load("materials"), "material", "materials")


# ---------------------------------------------------------------- per material x stage
def _eu_lookup(folder=None) -> dict:
    eu = store.load("eu_assessment", folder)
    return {
        r["material"]: r
        for r in eu.to_dict("records")
        if isinstance(r["material"], str) and r["material"]
    }


@dataclass
class StageResult:
    material: str
    stage: str
    data_material: str | None = None
    source: str | None = None
    year: int | None = None
    unit: str | None = None
    basis: str | None = None
    shares: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    conc: concentration.Concentration | None = None
    hhi_wgi: float = float("nan")
    supplier_wgi: float = float("nan")
    wgi_coverage: float = 0.0


@lru_cache(maxsize=4)
def _assess(folder: str) -> tuple[pd.DataFrame, dict]:
    from pathlib import Path

    path = Path(folder)
    materials = store.load("materials", path)
    production = store.load("production", path)
    gov = store.load("governance", path)
    index = index_production(production)
    eu = _eu_lookup(path)
    wgi_cache: dict[int, pd.Series] = {}
    rows, details = [], {}
    for m in materials.to_dict("records"):
        eu_row = eu.get(m["id"]) or eu.get(m["group"]) or {}
        eol = eu_row.get("eol_rir")
        eol = None if _isnan(eol) else float(eol)
        strategic = bool(m["crma_annex_i"])
        critical = bool(m["crma_annex_ii"])
        for stage in STAGES:
            res = StageResult(m["id"], stage)
            series = select(index, m["id"], stage, _split(m["data_from"]))
            if series is not None:
                shares, total = concentration.country_shares(series.rows)
                res.data_material, res.source, res.year = (
                    series.material,
                    series.source,
                    series.year,
                )
                res.unit = str(series.rows["unit"].iloc[0])
                res.basis = str(series.rows["basis"].iloc[0])
                res.shares, res.conc = shares, concentration.concentration(shares, total)
                if series.year not in wgi_cache:
                    wgi_cache[series.year] = governance.scaled_wgi(gov, series.year)
                res.hhi_wgi, res.supplier_wgi, res.wgi_coverage = governance.weighted(
                    shares, wgi_cache[series.year]
                )
            details[(m["id"], stage)] = res
            c = res.conc
            hhi = c.hhi if c else float("nan")
            score = composite.score(hhi, res.supplier_wgi, eol)
            rows.append(
                {
                    "material": m["id"],
                    "stage": stage,
                    "year": res.year,
                    "top_country": c.top_country if c else None,
                    "top_share": c.top_share if c else None,
                    "top3_share": c.top3_share if c else None,
                    "hhi": hhi,
                    "hhi_wgi": res.hhi_wgi,
                    "supplier_wgi": res.supplier_wgi,
                    "coverage": c.coverage if c else None,
                    "eol_rir": eol,
                    "risk_score": score,
                    "risk_band": composite.band(score),
                    "eu_critical": critical,
                    "eu_strategic": strategic,
                    "eu_supply_risk": eu_row.get("supply_risk"),
                    "eu_economic_importance": eu_row.get("economic_importance"),
                    "eu_bottleneck_stage": eu_row.get("bottleneck_stage") or None,
                    "data_material": res.data_material,
                    "basis": res.basis,
                    "unit": res.unit,
                    "source": res.source,
                    "note": _note(m, res),
                }
            )
    df = pd.DataFrame(rows)
    df["year"] = df["year"].astype("Int64")
    df["drivers"] = [_drivers(r) for r in df.to_dict("records")]
    best = df.assign(_s=df["risk_score"].fillna(-1)).groupby("material")["_s"].transform("max")
    df["bottleneck"] = df["risk_score"].notna() & (df["risk_score"] == best)
    # a tie keeps only the first stage (mining) as the bottleneck
    df.loc[df.duplicated(["material", "bottleneck"]) & df["bottleneck"], "bottleneck"] = False
    return df, details


def _note(m: dict, res: StageResult) -> str:
    notes = []
    if res.data_material and res.data_material != m["id"]:
        notes.append(f"no {m['name'].lower()} series; {res.data_material} data used")
    if res.conc is None:
        notes.append(f"no {res.stage} production data in the snapshot")
    elif res.conc.coverage < 0.5:
        notes.append(f"only {res.conc.coverage:.0%} of world supply attributed to countries")
    if res.conc is not None and res.wgi_coverage < res.conc.coverage - 1e-9:
        notes.append("some producers lack WGI data")
    return "; ".join(notes)


def _drivers(r: dict) -> str:
    if _isnan(r["hhi"]):
        return ""
    parts = [f"{r['top_country']} {r['top_share']:.0%} of {r['stage']}", f"HHI {r['hhi']:,.0f}"]
    if not _isnan(r["supplier_wgi"]):
        parts.append(f"supplier governance {r['supplier_wgi']:.1f}/10")
    parts.append("EoL-RIR unknown" if _isnan(r["eol_rir"]) else f"EoL-RIR {r['eol_rir']:.0%}")
    return "; ".join(parts)


def stage_table(folder=None) -> pd.DataFrame:
    """Indicators for every material x stage of the vocabulary (one row each)."""
    return _assess(str(folder or store.active_dir()))[0]


def stage_detail(material: str, stage: str) -> StageResult:
    return _assess(str(store.active_dir()))[1][(material, stage)]


def materials_table() -> pd.DataFrame:
    """One row per material: its bottleneck stage (highest score) or its first stage."""
    df = stage_table()
    order = df.assign(_k=~df["bottleneck"]).sort_values(
        ["material", "_k", "stage"], kind="mergesort"
    )
    out = order.groupby("material", sort=False).head(1).drop(columns="_k")
    names = store.load("materials").set_index("id")["name"]
    out = out.assign(name=out["material"].map(names))
    return out.sort_values(
        ["risk_score", "material"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


# ---------------------------------------------------------------- per technology
def technologies() -> pd.DataFrame:
    techs = store.load("technologies")
    links = store.load("technology_materials")
    counts = links.groupby("technology").size()
    return techs.assign(materials=techs["id"].map(counts).fillna(0).astype(int))


def technology_report(names: list[str]) -> pd.DataFrame:
    """Long table: technology x material x stage with indicators, evidence and source."""
    ids = list(dict.fromkeys(resolve_technology(n) for n in names))
    links = store.load("technology_materials")
    links = links[links["technology"].isin(ids)][["technology", "material", "evidence"]]
    out = links.merge(stage_table(), on="material", how="left")
    # technologies in the order asked; materials worst first; a material's stages together
    out["_t"] = out["technology"].map({t: i for i, t in enumerate(ids)})
    out["_m"] = out.groupby(["technology", "material"])["risk_score"].transform("max").fillna(-1)
    out = out.sort_values(
        ["_t", "_m", "material", "stage"], ascending=[True, False, True, True], kind="mergesort"
    )
    return out[REPORT_COLUMNS].reset_index(drop=True)


@dataclass
class TechnologySummary:
    technology: str
    name: str
    materials: int
    by_band: dict[str, int]
    worst: list[dict]


def summarise(report: pd.DataFrame) -> list[TechnologySummary]:
    """Per technology: materials counted by their worst band, and the worst materials and why."""
    techs = store.load("technologies").set_index("id")["name"]
    out = []
    for tech, rows in report.groupby("technology", sort=False):
        worst_rows = rows[rows["bottleneck"]] if rows["bottleneck"].any() else rows
        per_material = (
            rows.assign(_o=rows["risk_band"].map(composite.BAND_ORDER))
            .groupby("material")["_o"]
            .max()
        )
        by_band = {
            b: int((per_material == composite.BAND_ORDER[b]).sum())
            for b in (*reversed(composite.BANDS), composite.NO_DATA)
        }
        top = (
            worst_rows.dropna(subset=["risk_score"])
            .sort_values("risk_score", ascending=False)
            .head(3)
        )
        out.append(
            TechnologySummary(
                technology=tech,
                name=str(techs.get(tech, tech)),
                materials=int(len(per_material)),
                by_band=by_band,
                worst=[
                    {
                        "material": r["material"],
                        "stage": r["stage"],
                        "risk_band": r["risk_band"],
                        "risk_score": r["risk_score"],
                        "drivers": r["drivers"],
                    }
                    for r in top.to_dict("records")
                ],
            )
        )
    return out


# ---------------------------------------------------------------- one material
@dataclass
class MaterialCard:
    material: str
    name: str
    note: str
    stages: pd.DataFrame  # rows of stage_table for this material
    producers: dict[str, pd.DataFrame]  # stage -> country, share, quantity
    eu: dict
    crma: list[str]
    technologies: list[str]


def material_card(name: str) -> MaterialCard:
    mid = resolve_material(name)
    materials = store.load("materials").set_index("id")
    m = materials.loc[mid]
    stages = stage_table()
    stages = stages[stages["material"] == mid].reset_index(drop=True)
    producers = {}
    for stage in STAGES:
        res = stage_detail(mid, stage)
        if res.conc is None:
            continue
        positive = res.shares[res.shares > 0]
        producers[stage] = pd.DataFrame({"country": positive.index, "share": positive.values})
    eu_rows = store.load("eu_assessment")
    own = eu_rows[eu_rows["material"].isin([mid, m["group"]])]
    crma = store.load("eu_crma_lists")
    listed = []
    for annex, col in (("I", "crma_annex_i"), ("II", "crma_annex_ii")):
        for point in _split(m[col]):
            hit = crma[(crma["annex"] == annex) & (crma["point"] == point)]
            kind = "strategic" if annex == "I" else "critical"
            listed += [f"{kind}: Annex {annex} ({point}) {t}" for t in hit["material_en"]]
    links = store.load("technology_materials")
    return MaterialCard(
        material=mid,
        name=str(m["name"]),
        note=str(m["note"]),
        stages=stages,
        producers=producers,
        eu=own.iloc[0].to_dict() if len(own) else {},
        crma=listed,
        technologies=sorted(links.loc[links["material"] == mid, "technology"].unique()),
    )


def sources_used(df: pd.DataFrame) -> list[dict]:
    """Provenance records for the editions named in a report's ``source`` column, plus the
    governance, EU and technology sources every report uses."""
    from raw_scan.manifest import source_record

    gov = store.load("governance")["source"].dropna().unique().tolist()
    ids = [
        *dict.fromkeys(df["source"].dropna()),
        *gov,
        "eu-crm-2023",
        "eu-crma-2024",
        "technologies-compiled",
    ]
    return [source_record(s) for s in dict.fromkeys(ids)]


def datasets_table() -> pd.DataFrame:
    """One row per dataset of the active snapshot, from its manifest."""
    from raw_scan.manifest import age_days

    man = store.manifest()
    rows = []
    for dataset, d in man.get("datasets", {}).items():
        stamp = d.get("retrieved_at") or man.get("built_at")
        age = age_days(stamp)
        rows.append(
            {
                "dataset": dataset,
                "name": d.get("name"),
                "edition": d.get("edition"),
                "origin": d.get("origin"),
                "retrieved_at": d.get("retrieved_at"),
                "built_at": man.get("built_at"),
                "age_days": None if age is None else round(age, 1),
                "rows": d.get("rows"),
                "sha256": d.get("sha256"),
                "licence": d.get("licence"),
                "url": d.get("url"),
            }
        )
    return pd.DataFrame(rows)
