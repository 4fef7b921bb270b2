"""What if a country stops supplying? Disruption scenarios over the per-stage shares.

A scenario removes the output of one or more countries (all of it, or a fraction), at the
mining stage, the refining stage or both. For every material and stage it uses the same series
as the report (``raw_scan.assess``: producer shares of the world total, the world total itself)
and computes:

* ``removed_share`` = the removed countries' share of world supply before the disruption;
* ``loss`` = fraction x removed_share: the share of world supply lost (0..1);
* the shares after: each remaining country keeps its output, so its share of the smaller world
  total is s_c / (1 - loss); a removed country keeps (1 - fraction) of its output;
* from them, as in the report: HHI, top producer, supplier governance, composite score, band.

When the whole world supply is lost (the only producer removed), there is no supply left to be
concentrated: HHI and top producer are undefined (missing), and the band after is
``no supply``. On a partial basis (``supply.PARTIAL``: only the top supplier's share is known)
the loss is a lower bound when that supplier is removed, and unknown (missing) otherwise. The
model is static: no substitution, no stocks, no new producers, no trade re-routing; see
docs/scenarios.md.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from raw_scan import store
from raw_scan.assess import STAGES, StageResult, assess, isnan
from raw_scan.errors import UsageError
from raw_scan.scoring import composite, concentration, governance

MODES = ("mining", "refining", "both")
NO_SUPPLY = "no supply"
# Losses below this are rounding noise, not a hit.
EPS = 1e-12

IMPACT_COLUMNS = [
    "material",
    "stage",
    "year",
    "source",
    "data_material",
    "without",
    "fraction",
    "removed_share",
    "loss",
    "top_country_before",
    "top_share_before",
    "top_country_after",
    "top_share_after",
    "hhi_before",
    "hhi_after",
    "supplier_wgi_before",
    "supplier_wgi_after",
    "risk_score_before",
    "risk_score_after",
    "risk_band_before",
    "risk_band_after",
    "band_change",
    "note",
]
TECHNOLOGY_COLUMNS = [
    "rank",
    "technology",
    "name",
    "materials",
    "materials_hit",
    "worst_material",
    "worst_stage",
    "worst_loss",
    "bands_worse",
    "hit",
]


@dataclass(frozen=True)
class Scenario:
    """Countries (ISO3) whose output is removed, at which stage, and which fraction of it."""

    without: tuple[str, ...]
    stage: str = "both"
    fraction: float = 1.0

    def __post_init__(self):
        if self.stage not in MODES:
            raise UsageError(f"unknown stage {self.stage!r}; use one of: {', '.join(MODES)}")
        if not (0.0 <= self.fraction <= 1.0) or math.isnan(self.fraction):
            raise UsageError(
                f"--fraction must lie between 0 and 1 (0.5 = half of the output), "
                f"not {self.fraction}"
            )
        if not self.without:
            raise UsageError("name at least one country to remove, e.g. --without CHN")

    @property
    def stages(self) -> tuple[str, ...]:
        return STAGES if self.stage == "both" else (self.stage,)

    def describe(self) -> str:
        part = "all" if self.fraction == 1 else f"{self.fraction:.0%}"
        where = "mining and refining" if self.stage == "both" else self.stage
        return f"without {', '.join(self.without)} ({part} of their output), {where}"


def disrupt(shares: pd.Series, without, fraction: float) -> tuple[pd.Series, float, float]:
    """(shares after, removed_share, loss) for producer shares of a world total.

    ``shares`` are fractions of the world total (they may sum to less than 1 when part of the
    world supply is not attributed to countries; that part stays in the total). Shares after are
    fractions of the world total after the loss; all zero when everything is lost."""
    removed = float(sum(float(s) for c, s in shares.items() if c in without and s > 0))
    loss = min(max(fraction * removed, 0.0), 1.0)
    if fraction == 0 or removed == 0:
        return shares.copy(), removed, 0.0
    remaining = 1.0 - loss
    if remaining <= EPS:
        return shares * 0.0, removed, 1.0
    after = {
        c: float(s) * ((1.0 - fraction) if c in without else 1.0) / remaining
        for c, s in shares.items()
    }
    return pd.Series(after, index=shares.index, dtype=float), removed, loss


# ----------------------------------------------------------------- country codes
def resolve_countries(codes: list[str], snap: store.Snapshot | None = None) -> tuple[str, ...]:
    """ISO 3166 alpha-3 codes (or country names) -> upper-case ISO3 codes, in order, unique.

    An unknown code is a usage error naming the closest codes of the producers in the
    snapshot."""
    from raw_scan.countries import is_iso3, to_iso3

    snap = snap or store.current()
    out = []
    for raw in codes:
        text = str(raw).strip()
        code = text.upper()
        if not (len(code) == 3 and code.isalpha() and is_iso3(code)):
            code = to_iso3(text) if len(text) > 3 else None
        if code is None:
            close = _closest(text, snap)
            hint = f"; did you mean: {close}?" if close else ""
            raise UsageError(
                f"unknown country code {raw!r}{hint} "
                "(use ISO 3166 alpha-3 codes, e.g. CHN, COD, IDN)"
            )
        out.append(code)
    return tuple(dict.fromkeys(out))


def _closest(text: str, snap: store.Snapshot) -> str:
    prod = snap.load("production")
    names = prod.loc[prod["row_kind"] == "country", ["country", "country_name"]].drop_duplicates()
    keys: dict[str, str] = {}
    for code, name in names.itertuples(index=False):
        keys.setdefault(code.lower(), code)
        keys.setdefault(str(name).lower(), code)
    close = difflib.get_close_matches(text.lower(), list(keys), n=6, cutoff=0.4)
    hits = list(dict.fromkeys(keys[c] for c in close))[:3]
    return ", ".join(hits)


# ----------------------------------------------------------------- per material x stage
def impacts(
    scenario: Scenario, materials: list[str] | None = None, snap: store.Snapshot | None = None
) -> pd.DataFrame:
    """One row per material x stage of the scenario (``IMPACT_COLUMNS``), worst loss first."""
    snap = snap or store.current()
    table, details = assess(snap)
    table = table[table["stage"].isin(scenario.stages)]
    if materials is not None:
        table = table[table["material"].isin(materials)]
    without = set(scenario.without)
    rows = []
    for before in table.to_dict("records"):
        res: StageResult = details[(before["material"], before["stage"])]
        row = {
            "material": before["material"],
            "stage": before["stage"],
            "year": before["year"],
            "source": before["source"],
            "data_material": before["data_material"],
            "without": "|".join(scenario.without),
            "fraction": scenario.fraction,
            "top_country_before": before["top_country"],
            "top_share_before": before["top_share"],
            "hhi_before": before["hhi"],
            "supplier_wgi_before": before["supplier_wgi"],
            "risk_score_before": before["risk_score"],
            "risk_band_before": before["risk_band"],
        }
        if res.conc is None:
            rows.append({**row, "note": f"no {before['stage']} production data in the snapshot"})
            continue
        if res.partial and not without & set(res.shares.index):
            # only the top supplier is known: whether the others produce is unknown
            rows.append(
                {
                    **row,
                    "note": f"partial basis ({res.source}: only the top supplier, "
                    f"{before['top_country']}, is known): the loss cannot be computed",
                }
            )
            continue
        after, removed, loss = disrupt(res.shares, without, scenario.fraction)
        conc = concentration.concentration(after, res.conc.world_total * (1.0 - loss))
        _, wgi_after, _ = governance.weighted(after, _scaled_wgi(snap.key, res.year))
        eol = before["eol_rir"]
        score = composite.score(conc.hhi, wgi_after, None if isnan(eol) else eol)
        band = NO_SUPPLY if loss >= 1.0 - EPS else composite.band(score, partial=res.partial)
        note = ""
        if loss >= 1.0 - EPS:
            note = "all supply lost: HHI and top producer undefined"
        elif res.partial:
            note = (
                f"partial basis ({res.source}: only the top supplier is known): the loss is "
                "a lower bound"
            )
        elif conc.top_country is None:
            note = "the remaining supply is not attributed to countries: HHI undefined"
        rows.append(
            {
                **row,
                "removed_share": removed,
                "loss": loss,
                "top_country_after": conc.top_country,
                "top_share_after": conc.top_share,
                "hhi_after": conc.hhi,
                "supplier_wgi_after": wgi_after,
                "risk_score_after": score,
                "risk_band_after": band,
                "band_change": _change(before["risk_band"], band),
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=IMPACT_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    out = out.assign(_l=out["loss"].fillna(-1)).sort_values(
        ["_l", "material", "stage"], ascending=[False, True, True], kind="mergesort"
    )
    return out.drop(columns="_l").reset_index(drop=True)


@lru_cache(maxsize=16)
def _scaled_wgi(snap_key: str, year: int) -> pd.Series:
    """Scaled WGI per country for a production year (as the report uses), per snapshot."""
    return governance.scaled_wgi(store.Snapshot(Path(snap_key)).load("governance"), year)


def _change(before: str, after: str) -> str:
    """'worse', 'better', 'same', or '' when a side has no data."""
    if composite.NO_DATA in (before, after):
        return ""
    order = {**composite.BAND_ORDER, NO_SUPPLY: len(composite.BAND_ORDER)}
    if order[after] > order[before]:
        return "worse"
    return "better" if order[after] < order[before] else "same"


# ----------------------------------------------------------------- per technology
def by_technology(
    impact: pd.DataFrame, technologies: list[str], snap: store.Snapshot | None = None
) -> pd.DataFrame:
    """Per technology: materials hit, the worst loss and where; ranked, worst first."""
    from raw_scan import catalogue

    snap = snap or store.current()
    links = catalogue.links(snap)  # built-in and user-defined technologies
    names = catalogue.technologies(snap).set_index("id")["name"]
    mats_of: dict[str, list[str]] = {}
    for tech, mat in zip(links["technology"], links["material"], strict=True):
        mats_of.setdefault(tech, [])
        if mat not in mats_of[tech]:
            mats_of[tech].append(mat)
    # plain Python over the few hundred impact rows (pandas per technology is slower here)
    has_imports = "import_share_lost" in impact.columns
    cols = ["material", "stage", "loss", "band_change"]
    by_material: dict[str, list[dict]] = {}
    for r in impact[cols + (["import_share_lost"] if has_imports else [])].to_dict("records"):
        by_material.setdefault(r["material"], []).append(r)
    rows = []
    for tech in technologies:
        mats = mats_of.get(tech, [])
        rows_t = [r for m in mats for r in by_material.get(m, [])]
        hit = [r for r in rows_t if r["loss"] == r["loss"] and r["loss"] > EPS]
        w = min(hit, key=lambda r: (-r["loss"], r["material"]), default=None)
        rows.append(
            {
                "technology": tech,
                "name": str(names.get(tech, tech)),
                "materials": len(mats),
                "materials_hit": len({r["material"] for r in hit}),
                "worst_material": None if w is None else w["material"],
                "worst_stage": None if w is None else w["stage"],
                "worst_loss": 0.0 if w is None else float(w["loss"]),
                "bands_worse": len({r["material"] for r in rows_t if r["band_change"] == "worse"}),
                "hit": "|".join(sorted({r["material"] for r in hit})),
            }
        )
        if has_imports:
            shares = [
                r["import_share_lost"]
                for r in rows_t
                if r["import_share_lost"] == r["import_share_lost"]
            ]
            rows[-1]["worst_import_loss"] = max(shares) if shares else None
    columns = [c for c in TECHNOLOGY_COLUMNS if c != "rank"]
    out = pd.DataFrame(rows, columns=columns + (["worst_import_loss"] if has_imports else []))
    out = out.sort_values(
        ["worst_loss", "materials_hit", "technology"],
        ascending=[False, False, True],
        kind="mergesort",
    ).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


# ----------------------------------------------------------------- an economy's imports
IMPORT_COLUMNS = [
    "economy",
    "trade_year",
    "imports_value",
    "import_share_lost",
    "top_partner_after",
    "top_partner_share_after",
    "partners_after",
]


def import_impacts(
    scenario: Scenario,
    economy: str,
    year: int | None,
    materials: list[str],
    snap: store.Snapshot | None = None,
) -> tuple[dict, pd.DataFrame]:
    """({economy, kind, members, trade_year, caveats}, one row per material x stage):
    the share of the economy's imports (BACI values; flows between a group's members left out,
    as for its partners in ``raw_scan.exposure``) that come from the removed countries, times
    the fraction, and the partners that remain (top 3 with their shares of what is left).

    Direct imports only: material from the removed countries that reaches the economy through
    a third country (re-exports, processing elsewhere) is not traced."""
    from raw_scan import exposure
    from raw_scan.scoring import imports

    snap = snap or store.current()
    td = exposure.trade_data(snap)
    eco, trade_year = td.economy(economy), td.year(year)
    hs = td.hs_materials
    hs = hs[hs["material"].isin(materials) & hs["stage"].isin(scenario.stages)]
    flows = imports.to_materials(imports.flows(td.around([eco], [trade_year]), [eco]), hs)
    flows = flows[(flows["flow"] == "import") & ~flows["internal"] & (flows["value"] > 0)]
    without = set(scenario.without)
    rows = []
    for (material, stage), f in flows.groupby(["material", "stage"], observed=True, sort=True):
        value = dict(zip(f["partner"].astype(str), f["value"].astype(float), strict=True))
        total = sum(value.values())
        lost = scenario.fraction * sum(v for p, v in value.items() if p in without)
        after = {
            p: v * ((1.0 - scenario.fraction) if p in without else 1.0) for p, v in value.items()
        }
        left = sum(after.values())
        top = sorted(
            ((v / left, p) for p, v in after.items() if v > 0), key=lambda t: (-t[0], t[1])
        )
        rows.append(
            {
                "material": str(material),
                "stage": str(stage),
                "economy": eco.code,
                "trade_year": trade_year,
                "imports_value": total,
                "import_share_lost": min(lost / total, 1.0),
                "top_partner_after": top[0][1] if top else None,
                "top_partner_share_after": top[0][0] if top else None,
                "partners_after": "; ".join(f"{p} {s:.3f}" for s, p in top[:3]),
            }
        )
    meta = {
        "economy": eco.code,
        "kind": eco.kind,
        "members": list(eco.members),
        "trade_year": trade_year,
        "caveats": eco.caveats(),
    }
    cols = ["material", "stage", *IMPORT_COLUMNS]
    return meta, pd.DataFrame(rows, columns=cols)
