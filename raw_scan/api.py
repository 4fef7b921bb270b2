"""Library entry points: what the command line calls, usable from Python as well.

    >>> from raw_scan import api
    >>> api.technology_report(["li-ion-batteries"])      # tidy DataFrame, one row per
    ...                                                   # technology x material x stage

Every function takes an optional ``snap`` (a :class:`raw_scan.store.Snapshot`); without it, it
reads ``store.current()``, the snapshot pinned for the command in progress (or the active one).
Functions return tidy pandas tables or plain dataclasses; renderers live in ``raw_scan.report``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from raw_scan import catalogue, exposure, methods, store
from raw_scan import scenario as scenario_mod
from raw_scan.assess import STAGES, StageResult, assess
from raw_scan.economies import Economy
from raw_scan.exposure import ECONOMY_COLUMNS, SCREEN_COLUMNS
from raw_scan.names import resolve_material, resolve_technologies, resolve_technology, split
from raw_scan.scenario import Scenario
from raw_scan.scoring import composite
from raw_scan.scoring.dependency import Thresholds
from raw_scan.store import Snapshot

__all__ = [
    "STAGES",
    "REPORT_COLUMNS",
    "MATERIAL_COLUMNS",
    "Snapshot",
    "StageResult",
    "resolve_material",
    "resolve_technology",
    "stage_table",
    "stage_detail",
    "materials_table",
    "technologies",
    "technology_report",
    "technology_ids",
    "BOM_COLUMNS",
    "read_bom",
    "bom_report",
    "bom_summary",
    "compare_methods",
    "with_method",
    "summarise",
    "material_card",
    "sources_used",
    "datasets_table",
    "Scenario",
    "ScenarioResult",
    "SCENARIO_COLUMNS",
    "scenario",
    "scenario_sources",
    "trade_sources",
    "grid",
    "trend",
    "ECONOMY_COLUMNS",
    "ECONOMY_REPORT_COLUMNS",
    "SCREEN_COLUMNS",
    "Thresholds",
    "economy",
    "dependencies",
    "resolve_economy",
    "trade_year",
    "economy_block",
    "economy_meta",
]
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
    *methods.COLUMNS,  # method, method_score, method_band, method_drivers (--method)
]
MATERIAL_COLUMNS = [c for c in REPORT_COLUMNS if c not in ("technology", "evidence")]
# Added to the report and material columns when an economy is given (``trade_year`` is the year
# of the trade data; ``year`` stays the year of the production data).
ECONOMY_REPORT_COLUMNS = [
    "economy",
    "trade_year",
    "import_hhi",
    "non_eu_share",
    "top_partner",
    "top_partner_share",
    "import_reliance",
    "geopolrisk",
]


def _snap(snap: Snapshot | None) -> Snapshot:
    return snap or store.current()


def stage_table(snap: Snapshot | None = None) -> pd.DataFrame:
    """Indicators for every material x stage of the vocabulary (one row each)."""
    return assess(_snap(snap))[0]


def stage_detail(material: str, stage: str, snap: Snapshot | None = None) -> StageResult:
    return assess(_snap(snap))[1][(material, stage)]


def materials_table(snap: Snapshot | None = None) -> pd.DataFrame:
    """One row per material: its bottleneck stage (highest score) or its first stage."""
    snap = _snap(snap)
    df = stage_table(snap)
    order = df.assign(_k=~df["bottleneck"]).sort_values(
        ["material", "_k", "stage"], kind="mergesort"
    )
    out = order.groupby("material", sort=False).head(1).drop(columns="_k")
    names = snap.load("materials").set_index("id")["name"]
    out = with_method(out.assign(name=out["material"].map(names)), snap=snap)
    return out.sort_values(
        ["risk_score", "material"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


# ---------------------------------------------------------------- per technology
def technologies(snap: Snapshot | None = None) -> pd.DataFrame:
    """Built-in and user-defined technologies (``origin``), with their number of materials."""
    snap = _snap(snap)
    techs = catalogue.technologies(snap)
    counts = catalogue.links(snap).groupby("technology")["material"].nunique()
    return techs.assign(materials=techs["id"].map(counts).fillna(0).astype(int))


def technology_ids(snap: Snapshot | None = None) -> list[str]:
    """Every technology id, built-in then user-defined (what ``--all`` means)."""
    return list(catalogue.technologies(_snap(snap))["id"])


def with_method(
    df: pd.DataFrame,
    method: str = methods.DEFAULT,
    economy: str | None = None,
    snap: Snapshot | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """``df`` (rows keyed by material and stage) with the method's columns: method,
    method_score, method_band and method_drivers."""
    scores = methods.scores(method, _snap(snap), economy, year)
    drop = [c for c in scores.columns if c in df.columns and c not in ("material", "stage")]
    return df.drop(columns=drop).merge(scores, on=["material", "stage"], how="left")


def technology_report(
    names: list[str],
    snap: Snapshot | None = None,
    method: str = methods.DEFAULT,
    economy: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Long table: technology x material x stage with indicators, evidence, source and the
    score and band of ``method``; with an ``economy`` (and trade ``year``, the latest by
    default) also its import figures (``ECONOMY_REPORT_COLUMNS``). Works for built-in and
    user-defined technologies; a BOM line restricted to one stage keeps only that stage."""
    snap = _snap(snap)
    methods.get(method, economy)  # a bad method fails before any work
    figures = _economy_figures(economy, year, snap)
    ids = resolve_technologies(names, snap)
    links = catalogue.links(snap)
    links = links[links["technology"].isin(ids)][
        ["technology", "material", "evidence", "bom_stage"]
    ]
    out = _report(links, ids, snap, method, economy, year)[REPORT_COLUMNS]
    return out if figures is None else _with_economy(out, figures)


def _report(
    links: pd.DataFrame, order: list[str], snap, method, economy, year=None
) -> pd.DataFrame:
    """Rows of ``links`` (technology, material, evidence, bom_stage, ...) joined with the stage
    table and the method; technologies in ``order``, materials worst first."""
    out = links.merge(stage_table(snap), on="material", how="left")
    keep = out["bom_stage"].isna() | (out["bom_stage"] == out["stage"])
    out = with_method(out[keep], method, economy, snap, year)
    out["_t"] = out["technology"].map({t: i for i, t in enumerate(order)})
    out["_m"] = out.groupby(["technology", "material"])["method_score"].transform("max")
    out["_m"] = out["_m"].fillna(-1)
    out = out.sort_values(
        ["_t", "_m", "material", "stage"], ascending=[True, False, True, True], kind="mergesort"
    )
    return out.drop(columns=["_t", "_m"]).reset_index(drop=True)


# ---------------------------------------------------------------- a bill of materials
BOM_COLUMNS = [
    "product",
    "material",
    "stage",
    "quantity",
    "quantity_unit",
    "quantity_kg",
    "mass_share",
    "bom_line",
    *[c for c in REPORT_COLUMNS if c not in ("technology", "material", "stage", "evidence")],
]


def read_bom(path, snap: Snapshot | None = None):
    """A checked bill of materials (``raw_scan.bom.Bom``); ``bom.BomError`` lists bad lines."""
    from raw_scan import bom

    return bom.read(path, _snap(snap))


def bom_report(
    bom,
    snap: Snapshot | None = None,
    method: str = methods.DEFAULT,
    economy: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """The technology report for a BOM's materials (each BOM line's stage, or both), with the
    quantity, its mass in kg and its share of the BOM's mass; with an ``economy`` also its
    import figures (``ECONOMY_REPORT_COLUMNS``), as for a technology."""
    snap = _snap(snap)
    methods.get(method, economy)
    figures = _economy_figures(economy, year, snap)
    total = bom.total_kg
    links = pd.DataFrame(
        [
            {
                "technology": bom.name,
                "material": line.material,
                "evidence": "bom",
                "bom_stage": line.stage,
                "quantity": line.quantity,
                "quantity_unit": line.unit,
                "quantity_kg": line.kg,
                "mass_share": line.kg / total,
                "bom_line": line.line,
            }
            for line in bom.lines
        ]
    )
    out = _report(links, [bom.name], snap, method, economy, year)
    out = out.assign(product=out["technology"])
    return out if figures is None else _with_economy(out, figures)


def bom_summary(report: pd.DataFrame):
    """Mass-weighted summary of a BOM report (``scoring.weighting.MassSummary``)."""
    from raw_scan.scoring import weighting

    return weighting.mass_summary(report)


def _economy_figures(economy: str | None, year: int | None, snap: Snapshot):
    if economy is None:
        if year is not None:
            from raw_scan.errors import UsageError

            raise UsageError("--year needs --economy (the year of the trade data)")
        return None
    return _economy_table(economy, year, snap)


def _with_economy(rows: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Rows (material x stage) with the economy's figures for the same material and stage."""
    cols = [c for c in ECONOMY_REPORT_COLUMNS if c not in ("economy", "trade_year")]
    fig = figures.dropna(subset=["stage"])[["material", "stage", *cols]]
    out = rows.merge(fig, on=["material", "stage"], how="left")
    out["economy"] = figures["economy"].iloc[0]
    out["trade_year"] = int(figures["year"].iloc[0])
    return out[[*rows.columns, *ECONOMY_REPORT_COLUMNS]]


# ---------------------------------------------------------------- one economy
def resolve_economy(name: str, snap: Snapshot | None = None) -> Economy:
    """The economy a name stands for (ISO3 code, country name, EU27 or a user group)."""
    return exposure.trade_data(_snap(snap)).economy(name)


def economy(
    name: str,
    year: int | None = None,
    snap: Snapshot | None = None,
    *,
    by_hs6: bool = False,
    rank_by: str = "geopolrisk",
) -> pd.DataFrame:
    """The materials of all technologies for one economy and trade year (the latest by
    default), one row per material x stage (``ECONOMY_COLUMNS``): imports, exports, partners,
    import HHI, non-EU share, CRMA 65 % flag, import reliance and GeoPolRisk, ranked by
    GeoPolRisk (``rank_by="import_risk"``: by the import-risk factor alone); with ``by_hs6``,
    one row per material x stage x HS6 code. Definitions: docs/economy.md."""
    df = _economy_table(name, year, _snap(snap), by_hs6=by_hs6)
    if rank_by == "geopolrisk":
        return df
    if rank_by != "import_risk":
        raise ValueError(f"rank_by must be 'geopolrisk' or 'import_risk', not {rank_by!r}")
    keys = ["import_risk", "geopolrisk", "imports_value"]
    return df.sort_values(keys, ascending=False, na_position="last", kind="mergesort").reset_index(
        drop=True
    )


def _economy_table(
    name: str, year: int | None, snap: Snapshot, *, by_hs6: bool = False
) -> pd.DataFrame:
    td = exposure.trade_data(snap)
    return exposure.economy_table(snap, td.economy(name), td.year(year), by_hs6=by_hs6)


def trade_year(year: int | None = None, snap: Snapshot | None = None) -> int:
    """The trade year asked for, checked against the data (the latest by default)."""
    return exposure.trade_data(_snap(snap)).year(year)


def economy_meta(
    eco: Economy, year: int, snap: Snapshot | None = None, thresholds: Thresholds | None = None
) -> dict:
    """What goes with an economy's tables: members, year, the WGI year used, what 'outside'
    means, caveats (ports), the screen's thresholds, and the sources."""
    from dataclasses import asdict

    from raw_scan.manifest import source_record
    from raw_scan.scoring.geopolrisk import wgi_years

    snap = _snap(snap)
    gov = snap.load("governance")
    wgi = wgi_years(gov, [year])
    production = snap.load("production")
    wmd = production["source"].dropna().unique()
    ids = [
        *exposure.trade_data(snap).trade["source"].dropna().unique(),
        "hs-materials-compiled",
        *(s for s in wmd if str(s).startswith("wmd")),
        *gov["source"].dropna().unique(),
    ]
    meta = {
        "economy": eco.code,
        "kind": eco.kind,
        "members": list(eco.members),
        "year": int(year),
        "wgi_year": int(wgi[year]) if year in wgi.index else None,
        "outside": eco.outside_label,
        "caveats": eco.caveats(),
        "sources": [source_record(i) for i in dict.fromkeys(ids)],
    }
    if thresholds is not None:
        meta["thresholds"] = asdict(thresholds)
    return meta


def dependencies(
    name: str,
    year: int | None = None,
    snap: Snapshot | None = None,
    thresholds: Thresholds | None = None,
    persistent: bool = False,
) -> pd.DataFrame:
    """The EU strategic-dependency screen for one economy and year, one row per HS6 product
    (``SCREEN_COLUMNS``), dependent products first; ``persistent`` keeps only the products
    dependent in at least 2 of the last 3 years."""
    snap = _snap(snap)
    td = exposure.trade_data(snap)
    return exposure.screen_table(
        snap,
        td.economy(name),
        td.year(year),
        thresholds or Thresholds(),
        persistent_only=persistent,
    )


@dataclass
class TechnologySummary:
    technology: str
    name: str
    materials: int
    by_band: dict[str, int]
    worst: list[dict]


def summarise(report: pd.DataFrame, snap: Snapshot | None = None) -> list[TechnologySummary]:
    """Per technology: materials counted by their worst band, and the worst materials and why,
    under the report's method (``method_band``/``method_score``; the composite without them)."""
    snap = _snap(snap)
    techs = catalogue.technologies(snap).set_index("id")["name"]
    mat_names = snap.load("materials").set_index("id")["name"].to_dict()
    band, score, drivers = (
        ("method_band", "method_score", "method_drivers")
        if "method_band" in report.columns
        else ("risk_band", "risk_score", "drivers")
    )
    # plain Python over the report's records (a few hundred): much faster than per-technology
    # pandas group-bys
    cols = ["technology", "material", "stage", band, score, drivers]
    records = report[cols].to_dict("records")
    order = list(dict.fromkeys(r["technology"] for r in records))
    out = []
    for tech in order:
        rows = [r for r in records if r["technology"] == tech]
        worst_band: dict[str, int] = {}
        for r in rows:
            o = methods.BAND_ORDER.get(r[band])
            if o is not None and o > worst_band.get(r["material"], -1):
                worst_band[r["material"]] = o
            else:
                worst_band.setdefault(r["material"], -1 if o is None else o)
        by_band = {
            b: sum(1 for o in worst_band.values() if o == methods.BAND_ORDER[b])
            for b in (*reversed(methods.BANDS), methods.NO_DATA)
        }
        # each material once, at its worst stage under the method (ties: the report's order)
        scored = sorted((r for r in rows if not _missing(r[score])), key=lambda r: -float(r[score]))
        top, seen = [], set()
        for r in scored:
            if r["material"] not in seen:
                seen.add(r["material"])
                top.append(r)
        out.append(
            TechnologySummary(
                technology=tech,
                name=str(techs.get(tech, tech)),
                materials=len(worst_band),
                by_band=by_band,
                worst=[
                    {
                        "material": r["material"],
                        "material_name": mat_names.get(r["material"], r["material"]),
                        "stage": r["stage"],
                        "risk_band": r[band],
                        "risk_score": r[score],
                        "drivers": r[drivers],
                    }
                    for r in top[:3]
                ],
            )
        )
    return out


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


# ---------------------------------------------------------------- methods side by side
def compare_methods(
    technologies: list[str] | None = None,
    economy: str | None = None,
    rank_margin: int | None = None,
    snap: Snapshot | None = None,
    year: int | None = None,
):
    """Every applicable method on the materials of ``technologies`` (every material when
    None): ``raw_scan.compare.Comparison`` with ranks, flags, reasons and Spearman's rho."""
    from raw_scan import compare

    snap = _snap(snap)
    ids = (
        list(snap.load("materials")["id"])
        if technologies is None
        else compare.materials_of(technologies, snap)
    )
    return compare.compare(ids, economy, rank_margin, snap, year)


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


def material_card(
    name: str,
    snap: Snapshot | None = None,
    method: str = methods.DEFAULT,
    economy: str | None = None,
    year: int | None = None,
) -> MaterialCard:
    """A material's risk card under ``method``; with an ``economy`` its stages gain the
    economy's figures."""
    snap = _snap(snap)
    methods.get(method, economy)
    mid = resolve_material(name, snap)
    figures = _economy_figures(economy, year, snap)
    materials = snap.load("materials").set_index("id")
    m = materials.loc[mid]
    stages = stage_table(snap)
    stages = with_method(stages[stages["material"] == mid], method, economy, snap, year)
    stages = stages.reset_index(drop=True)
    if figures is not None:
        stages = _with_economy(stages, figures)
    producers = {}
    for stage in STAGES:
        res = stage_detail(mid, stage, snap)
        if res.conc is None:
            continue
        positive = res.shares[res.shares > 0]
        producers[stage] = pd.DataFrame({"country": positive.index, "share": positive.values})
    eu_rows = snap.load("eu_assessment")
    own = eu_rows[eu_rows["material"].isin([mid, m["group"]])]
    crma = snap.load("eu_crma_lists")
    listed = []
    for annex, col in (("I", "crma_annex_i"), ("II", "crma_annex_ii")):
        for point in split(m[col]):
            hit = crma[(crma["annex"] == annex) & (crma["point"] == point)]
            kind = "strategic" if annex == "I" else "critical"
            listed += [f"{kind}: Annex {annex} ({point}) {t}" for t in hit["material_en"]]
    links = catalogue.links(snap)
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


def sources_used(
    df: pd.DataFrame, snap: Snapshot | None = None, economy: dict | None = None
) -> list[dict]:
    """Provenance records for the editions named in a report's ``source`` column, plus the
    governance, EU and technology sources every report uses, plus, when the report carries an
    economy's figures (``--economy``), the trade, HS6 map and production sources behind them
    (from ``economy``, the report's ``economy_block`` when the caller has it, else derived)."""
    from raw_scan.manifest import source_record

    snap = _snap(snap)
    gov = snap.load("governance")["source"].dropna().unique().tolist()
    # the technology table stands behind every row but a bill of materials' own lines
    linked = "evidence" not in df.columns or bool((df["evidence"] != "bom").any())
    ids = [
        *dict.fromkeys(df["source"].dropna()),
        *gov,
        "eu-crm-2023",
        "eu-crma-2024",
        *(["technologies-compiled"] if linked else []),
    ]
    records = [source_record(s) for s in dict.fromkeys(ids)]
    meta = economy if economy is not None else economy_block(df, snap)
    if meta:
        seen = {r["id"] for r in records}
        records += [r for r in meta["sources"] if r["id"] not in seen]
    return records


def economy_block(df: pd.DataFrame, snap: Snapshot | None = None) -> dict | None:
    """``economy_meta`` of the economy a report with ``--economy`` carries (its code, members,
    trade year, WGI year, caveats and sources); None for a report without one."""
    if "economy" not in df.columns or "trade_year" not in df.columns:
        return None
    codes, years = df["economy"].dropna().unique(), df["trade_year"].dropna().unique()
    if len(codes) != 1 or len(years) != 1:
        return None
    return economy_meta(resolve_economy(str(codes[0]), snap), int(years[0]), snap)


DATASET_COLUMNS = [
    "dataset",
    "name",
    "edition",
    "source_id",
    "data_years",
    "origin",
    "retrieved_at",
    "bundled_at",
    "age_days",
    "rows",
    "file",
    "url",
    "sha256",
    "licence",
]
# where a dataset's rows are in the snapshot: (table, source family), for its data years
DATASET_ROWS = {
    "usgs": ("production", "usgs"),
    "iea": ("production", "iea"),
    "wmd": ("production", "wmd"),
    "wgi": ("governance", None),
    "bgs": ("production", "bgs"),
    "baci": ("trade", None),
}


def _held(snap: Snapshot, dataset: str) -> tuple[str | None, str | None]:
    """(data years, edition ids: newest data first) of a dataset, read from its rows."""
    from raw_scan.supply import edition_rank, family

    where = DATASET_ROWS.get(dataset)
    if where is None:
        return None, None
    table, fam = where
    df = snap.load(table)
    if fam is not None:
        df = df[df["source"].map(family) == fam]
    years = pd.to_numeric(df["year"], errors="coerce").dropna()
    if years.empty:
        return None, None
    lo, hi = int(years.min()), int(years.max())
    newest = df.groupby(df["source"].astype(str))["year"].max()
    ids = sorted(newest.index, key=lambda i: (newest[i], edition_rank(i)), reverse=True)
    return (str(lo) if lo == hi else f"{lo}-{hi}"), ", ".join(ids) or None


def datasets_table(snap: Snapshot | None = None) -> pd.DataFrame:
    """One row per dataset of the snapshot: its edition and data years (what the data are),
    its origin and retrieval or bundling time (when raw-scan got them), file, hash, licence."""
    from raw_scan.manifest import DATASETS, SOURCES, age_days

    snap = _snap(snap)
    man = snap.manifest
    rows = []
    for dataset, d in man.get("datasets", {}).items():
        bundled_at = d.get("bundled_at") or (
            man.get("built_at") if man.get("kind") == "bundled" else None
        )
        stamp = d.get("retrieved_at") or bundled_at
        age = age_days(stamp)
        edition = str(d.get("edition") or "")
        known = SOURCES.get(edition)
        years, held = _held(snap, dataset)
        rows.append(
            {
                "dataset": dataset,
                "name": d.get("name"),
                "edition": known["edition"] if known else edition,
                "source_id": held
                or (DATASETS.get(dataset) if d.get("origin") == "bundled" else edition),
                "data_years": years or d.get("data_years"),
                "origin": d.get("origin"),
                "retrieved_at": d.get("retrieved_at"),
                "bundled_at": None if d.get("retrieved_at") else bundled_at,
                "age_days": None if age is None else round(age, 1),
                "rows": d.get("rows"),
                "file": d.get("file"),
                "url": d.get("url"),
                "sha256": d.get("sha256"),
                "licence": d.get("licence"),
            }
        )
    return pd.DataFrame(rows, columns=DATASET_COLUMNS)


# ---------------------------------------------------------------- scenarios, grid, trend
@dataclass
class ScenarioResult:
    scenario: Scenario
    technologies: pd.DataFrame  # one row per technology, ranked (scenario.TECHNOLOGY_COLUMNS)
    materials: pd.DataFrame  # one row per material x stage (SCENARIO_COLUMNS), worst loss first
    economy: dict | None = None  # with --economy: economy, kind, members, trade_year, caveats

    @property
    def columns(self) -> list[str]:
        """The columns of ``materials`` for CSV and JSON (the import ones with an economy)."""
        return SCENARIO_COLUMNS + (scenario_mod.IMPORT_COLUMNS if self.economy else [])


SCENARIO_COLUMNS = [*scenario_mod.IMPACT_COLUMNS, "technologies"]


def scenario(
    without: list[str],
    stage: str = "both",
    fraction: float = 1.0,
    technologies: list[str] | None = None,
    snap: Snapshot | None = None,
    economy: str | None = None,
    year: int | None = None,
) -> ScenarioResult:
    """Remove the output of the countries ``without`` (ISO3 codes or names), or a fraction of
    it, at one stage or both; the losses per material x stage and per technology (every
    technology when ``technologies`` is None). With ``economy`` (and the trade ``year``,
    latest by default), also the share of that economy's imports lost and the partners that
    remain (``scenario.IMPORT_COLUMNS``)."""
    snap = _snap(snap)
    if year is not None and economy is None:
        from raw_scan.errors import UsageError

        raise UsageError("--year needs --economy (the year of the trade data)")
    sc = Scenario(scenario_mod.resolve_countries(without, snap), stage, fraction)
    ids = _technology_ids(technologies, snap)
    links = catalogue.links(snap)  # built-in and user-defined technologies
    links = links[links["technology"].isin(ids)]
    used = links.groupby("material", sort=False)["technology"].agg(
        lambda t: "|".join(sorted(set(t), key=ids.index))
    )
    impact = scenario_mod.impacts(sc, list(used.index), snap)
    impact["technologies"] = impact["material"].map(used)
    meta = None
    if economy is not None:
        meta, imp = scenario_mod.import_impacts(sc, economy, year, list(used.index), snap)
        impact = impact.merge(imp, on=["material", "stage"], how="left")
        impact["economy"] = meta["economy"]
        impact["trade_year"] = meta["trade_year"]
    techs = scenario_mod.by_technology(impact, ids, snap)
    return ScenarioResult(sc, techs, impact, meta)


def scenario_sources(result: ScenarioResult, snap: Snapshot | None = None) -> list[dict]:
    """The sources of a scenario: the report's, plus the trade data with an economy."""
    from raw_scan.manifest import source_record

    snap = _snap(snap)
    sources = sources_used(result.materials, snap)
    if result.economy:
        sources += [source_record(i) for i in trade_sources(snap)]
    return sources


def trade_sources(snap: Snapshot | None = None) -> list[str]:
    """Source ids of the trade data and the HS6 -> material map."""
    trade = exposure.trade_data(_snap(snap)).trade["source"].dropna().unique()
    return [*trade, "hs-materials-compiled"]


def _technology_ids(names: list[str] | None, snap: Snapshot) -> list[str]:
    if not names:
        return technology_ids(snap)
    return resolve_technologies(names, snap)


GRID_FIXED = [
    "material",
    "name",
    "stage",
    "year",
    "risk_band",
    "risk_score",
    "top_country",
    "top_share",
]


def grid(technologies: list[str] | None = None, snap: Snapshot | None = None) -> pd.DataFrame:
    """Technology x material matrix: one row per material used by any of the technologies
    (every technology when None), its band at its bottleneck stage, and one column per
    technology id holding that band where the technology uses the material (else missing).
    Worst materials first."""
    snap = _snap(snap)
    ids = _technology_ids(technologies, snap)
    links = catalogue.links(snap)  # built-in and user-defined technologies
    links = links[links["technology"].isin(ids)]
    mats = materials_table(snap)
    mats = mats[mats["material"].isin(set(links["material"]))].copy()
    mats["_o"] = mats["risk_band"].map(composite.BAND_ORDER)
    mats = mats.sort_values(
        ["_o", "risk_score", "material"], ascending=[False, False, True], na_position="last"
    )
    out = mats[GRID_FIXED].reset_index(drop=True)
    out.loc[out["risk_score"].isna(), "stage"] = None
    pairs = set(zip(links["technology"], links["material"], strict=True))
    cells = list(zip(out["material"], out["risk_band"], strict=True))
    for t in ids:
        out[t] = [band if (t, m) in pairs else None for m, band in cells]
    return out


def trend(material: str, stage: str = "both", snap: Snapshot | None = None) -> pd.DataFrame:
    """Concentration per year, stage and source family for one material (``trend.COLUMNS``)."""
    from raw_scan import trend as trend_mod

    stages = STAGES if stage == "both" else (stage,)
    return trend_mod.trend(material, stages, _snap(snap))


def import_trend(
    material: str, economy: str, stage: str = "both", snap: Snapshot | None = None
) -> tuple[dict, pd.DataFrame]:
    """An economy's imports of one material per stage and year of the trade data: partners'
    shares, import HHI, non-EU share, GeoPolRisk (``trend.IMPORT_COLUMNS``), with the
    economy's description."""
    from raw_scan import trend as trend_mod

    stages = STAGES if stage == "both" else (stage,)
    return trend_mod.import_trend(material, economy, stages, _snap(snap))
