"""Methods side by side: each material's score, band and rank under every method, the places
where the methods disagree and why, and the Spearman rank correlation of every pair.

Per method, a material is scored at its worst stage under that method (the stage with the
highest score). Ranks (1 = riskiest) are taken over the *common set*: the materials that every
compared method scores, so that rank 5 means the same thing in every column; materials outside
it keep their scores and bands but get no rank. A material is flagged when

* its bands under two methods are at least ``BAND_MARGIN`` (2) steps apart (e.g. low vs high), or
* its ranks under two methods differ by more than the rank margin: a quarter of the common set
  by default (``rank_margin``), so the rule scales from one technology to every material.

The flag explains itself from the two most distant methods' drivers, with what each method
looks at (``LENS``) and whether they score different stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from raw_scan import methods, store
from raw_scan.scoring.rank import risk_rank, spearman

BAND_MARGIN = 2
LENS = {
    "composite": "world production concentration x producer governance x (1 - recycling)",
    "eu-sr": "the EU's own sourcing mix, import reliance, trade parameters and substitution",
    "hhi-wgi": "concentration weighted by producer governance, with no recycling credit",
    "gss": "concentration x (governance + export-restricted share) x (1 - recycling)",
    "geopolrisk": "the economy's import partners and their political stability",
}


@dataclass
class Comparison:
    methods: list[str]
    table: pd.DataFrame  # one row per material
    spearman: pd.DataFrame  # method_a, method_b, rho, n
    rank_margin: int
    band_margin: int
    common: int  # materials scored by every method (the ranked set)
    economy: str | None = None
    year: int | None = None  # trade year asked for with the economy (None: the latest)

    def columns(self) -> list[str]:
        """CSV/JSON columns, one row per material."""
        per_method = [f"{m}_{c}" for m in self.methods for c in ("rank", "band", "score", "stage")]
        return ["material", "name", *per_method, "rank_spread", "band_spread", "flagged", "why"]

    def payload(self) -> dict:
        """The JSON document: methods, flag rule, one record per material, Spearman pairs."""
        from raw_scan.report import export

        return {
            "methods": [
                {k: v for k, v in vars(methods.REGISTRY[m]).items() if k != "module"}
                for m in self.methods
            ],
            "economy": self.economy,
            "trade_year": self.year,
            "ranked_materials": self.common,
            "flag_rule": {
                "band_difference_at_least": self.band_margin,
                "rank_difference_above": self.rank_margin,
            },
            "materials": export.records(self.table, self.columns()),
            "spearman": export.records(self.spearman),
        }


def per_material(
    method_id: str, material_ids: list[str], snap, economy=None, year=None
) -> pd.DataFrame:
    """One row per material: score, band, stage and drivers at the method's worst stage."""
    s = methods.scores(method_id, snap, economy, year)
    s = s[s["material"].isin(material_ids)].dropna(subset=["method_score"])
    worst = s.sort_values(["material", "method_score"], ascending=[True, False], kind="mergesort")
    worst = worst.drop_duplicates("material").set_index("material")
    return worst[["method_score", "method_band", "stage", "method_drivers"]].rename(
        columns=lambda c: c.replace("method_", "")
    )


def compare(
    material_ids: list[str],
    economy: str | None = None,
    rank_margin: int | None = None,
    snap=None,
    year: int | None = None,
) -> Comparison:
    snap = snap or store.current()
    used = methods.applicable(economy)
    for m in used:
        methods.get(m, economy)
    names = snap.load("materials").set_index("id")["name"]
    table = pd.DataFrame({"material": material_ids})
    table["name"] = table["material"].map(names)
    table = table.set_index("material")
    for m in used:
        pm = per_material(m, material_ids, snap, economy, year)
        for col in ("score", "band", "stage", "drivers"):
            table[f"{m}_{col}"] = pm[col].reindex(table.index)
        table[f"{m}_band"] = table[f"{m}_band"].fillna(methods.NO_DATA)
    scored = table[[f"{m}_score" for m in used]].notna().all(axis=1)
    common = int(scored.sum())
    margin = rank_margin if rank_margin is not None else max(1, round(common / 4))
    for m in used:
        rank = risk_rank(table.loc[scored, f"{m}_score"]).reindex(table.index)
        table[f"{m}_rank"] = rank.astype("Int64")
    ranks = table[[f"{m}_rank" for m in used]]
    orders = table[[f"{m}_band" for m in used]].apply(
        lambda col: col.map(methods.BAND_ORDER).where(col != methods.NO_DATA)
    )
    table["rank_spread"] = (ranks.max(axis=1) - ranks.min(axis=1)).astype("Int64")
    table["band_spread"] = (orders.max(axis=1) - orders.min(axis=1)).astype("Int64")
    flagged = (table["band_spread"] >= BAND_MARGIN) | (table["rank_spread"] > margin)
    table["flagged"] = flagged.fillna(False).astype(bool)
    table["why"] = [
        _why(r, used) if r["flagged"] else "" for r in table.reset_index().to_dict("records")
    ]
    table = table.reset_index()
    first = used[0]
    table = table.sort_values(
        [f"{first}_rank", f"{first}_score", "material"],
        ascending=[True, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    by_material = table.set_index("material")
    pairs = []
    for a, b in combinations(used, 2):
        rho, n = spearman(by_material[f"{a}_score"], by_material[f"{b}_score"])
        pairs.append({"method_a": a, "method_b": b, "rho": rho, "n": n})
    return Comparison(
        methods=used,
        table=table,
        spearman=pd.DataFrame(pairs, columns=["method_a", "method_b", "rho", "n"]),
        rank_margin=margin,
        band_margin=BAND_MARGIN,
        common=common,
        economy=economy,
        year=year,
    )


def _why(r: dict, used: list[str]) -> str:
    """Which two methods disagree most and what drives each."""

    def key(m):  # riskiest first: by rank, else by band
        rank = r[f"{m}_rank"]
        band = methods.BAND_ORDER[r[f"{m}_band"]]
        return (1e9 if pd.isna(rank) else rank, -band)

    known = [m for m in used if r[f"{m}_band"] != methods.NO_DATA]
    hi, lo = min(known, key=key), max(known, key=key)

    def side(m):
        rank = r[f"{m}_rank"]
        where = "" if pd.isna(rank) else f"rank {int(rank)}, "
        return f"{m} {where}{r[f'{m}_band']} at {r[f'{m}_stage']} ({r[f'{m}_drivers']})"

    parts = [f"{side(hi)} vs {side(lo)}"]
    if r[f"{hi}_stage"] != r[f"{lo}_stage"]:
        parts.append(
            f"the two methods peak at different stages ({hi}: {r[f'{hi}_stage']}, "
            f"{lo}: {r[f'{lo}_stage']})"
        )
    parts.append(f"{lo} looks at {LENS.get(lo, lo)}; {hi} at {LENS.get(hi, hi)}")
    return "; ".join(parts)


def materials_of(technologies: list[str], snap=None) -> list[str]:
    """The materials of the given technologies (built-in or user), in first-seen order."""
    from raw_scan import catalogue
    from raw_scan.names import resolve_technologies

    snap = snap or store.current()
    ids = resolve_technologies(technologies, snap)
    links = catalogue.links(snap)
    return list(dict.fromkeys(links.loc[links["technology"].isin(ids), "material"]))
