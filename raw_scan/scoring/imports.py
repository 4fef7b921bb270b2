"""An economy's imports and exports by partner: partner shares, import HHI, non-EU share, the
largest third-country share (CRMA 65 % benchmark).

Everything works on a tidy *flow table* (one row per economy x year x product x flow x
partner), built from bilateral trade for many economies at once by :func:`flows`, and summed
to materials by :func:`to_materials`. The per-key indicators of :func:`partner_indicators` are
group-bys over that table: no Python loop over rows, so all economies x years take seconds.

Definitions (``docs/economy.md``):

* *internal* flows are between members of a group economy (EU27 or a user group). Partners,
  import HHI, import reliance and GeoPolRisk exclude them; ``non_eu_share`` and the screen's
  denominators include them, as the Commission does for the EU.
* *outside* partners are those outside the EU when every member of the economy is an EU member
  state (then they are the CRMA's "third countries"), else those outside the economy.
* values are BACI's, in thousand USD; quantities in tonnes. A row without a quantity keeps its
  value, and ``value_qty`` (the value of rows with a known quantity) says how much is covered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from raw_scan.economies import EU27, Economy, membership

TOP_N = 5


def flows(trade: pd.DataFrame, economies: list[Economy]) -> pd.DataFrame:
    """Flow table of the given economies from a trade table (year, exporter, importer, hs6,
    value, quantity): columns economy, year, hs6, flow ('import'/'export'), partner, value,
    quantity (known quantities summed), value_qty, internal, outside, non_eu."""
    members = membership(economies)
    singles = [e.code for e in economies if e.members == (e.code,)]
    groups = members[~members["economy"].isin(singles)]
    trade = trade.assign(
        value_qty=trade["value"].where(trade["quantity"].notna(), 0.0),
        quantity=trade["quantity"].fillna(0.0),
    )
    sums = ["value", "quantity", "value_qty"]
    parts = []
    for flow, own, other in (
        ("import", "importer", "exporter"),
        ("export", "exporter", "importer"),
    ):
        # a country is its own economy: its rows as they are (BACI has one row per flow)
        mine = trade[trade[own].isin(singles)]
        parts.append(_side(mine, mine[own], other, flow))
        if len(groups):  # members of a group trading with one partner: one row per partner
            side = trade.merge(groups, left_on=own, right_on="country")
            side = side.groupby(["economy", "year", "hs6", other], sort=False)[sums].sum()
            side = side.reset_index()
            parts.append(_side(side, side["economy"], other, flow))
    f = pd.concat(parts, ignore_index=True)
    for col in ("economy", "hs6", "flow", "partner"):  # group-bys on codes, not strings
        f[col] = f[col].astype("category")
    return _flag(f, economies, members)


def _side(rows: pd.DataFrame, economy: pd.Series, other: str, flow: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "economy": economy.to_numpy(dtype=object),
            "year": rows["year"].to_numpy(),
            "hs6": rows["hs6"].to_numpy(dtype=object),
            "flow": flow,
            "partner": rows[other].to_numpy(dtype=object),
            "value": rows["value"].to_numpy(dtype=float),
            "quantity": rows["quantity"].to_numpy(dtype=float),
            "value_qty": rows["value_qty"].to_numpy(dtype=float),
        }
    )


def _flag(f: pd.DataFrame, economies: list[Economy], members: pd.DataFrame) -> pd.DataFrame:
    pairs = pd.MultiIndex.from_frame(members[["economy", "country"]])
    f["internal"] = pd.MultiIndex.from_arrays([f["economy"], f["partner"]]).isin(pairs)
    f["non_eu"] = ~f["partner"].isin(EU27)
    in_eu = f["economy"].map({e.code: e.in_eu for e in economies}).astype(bool)
    f["outside"] = np.where(in_eu, f["non_eu"], ~f["internal"])
    return f


def to_materials(f: pd.DataFrame, hs_materials: pd.DataFrame) -> pd.DataFrame:
    """The flow table summed from HS6 codes to (material, stage) with the mapping table
    (hs6, material, stage; one code may count for several materials)."""
    link = hs_materials[["hs6", "material", "stage"]].drop_duplicates()
    cats = f["hs6"].cat.categories
    link = link[link["hs6"].isin(cats)]
    m = f.merge(link.assign(hs6=pd.Categorical(link["hs6"], categories=cats)), on="hs6")
    for col in ("material", "stage"):
        m[col] = m[col].astype("category")
    keys = ["economy", "year", "material", "stage", "flow", "partner"]
    flags = ["internal", "outside", "non_eu"]  # functions of (economy, partner): kept as they are
    out = m.groupby(keys, observed=True, sort=False).agg(
        value=("value", "sum"),
        quantity=("quantity", "sum"),
        value_qty=("value_qty", "sum"),
        **{c: (c, "first") for c in flags},
    )
    return out.reset_index()


def top_partners(
    rows: pd.DataFrame, keys: list[str], n: int = TOP_N, col: str = "value"
) -> pd.DataFrame:
    """Per key: the largest partner, its share, and the ``n`` largest as 'CHN 0.452; ...'."""
    total = rows.groupby(keys, observed=True, sort=False)[col].transform("sum")
    r = rows.assign(_share=(rows[col] / total).where(total > 0))
    r = r[r["_share"].notna()].sort_values(
        [*keys, col, "partner"], ascending=[True] * len(keys) + [False, True], kind="mergesort"
    )
    if r.empty:
        return pd.DataFrame(
            {"top_partner": [], "top_partner_share": [], "top_partners": []},
            index=pd.MultiIndex.from_arrays([[]] * len(keys), names=keys),
        )
    r["_rank"] = r.groupby(keys, observed=True, sort=False).cumcount()
    head = r[r["_rank"] < n]
    label = head["partner"].astype(str) + " " + head["_share"].round(3).map("{:.3f}".format)
    # one column per rank, joined with vectorised string operations
    wide = label.set_axis(pd.MultiIndex.from_frame(head[[*keys, "_rank"]])).unstack("_rank")
    text = wide[0].astype(str)
    for rank in range(1, wide.shape[1]):
        nxt = wide[rank]
        text = text.where(nxt.isna(), text + "; " + nxt.astype(str))
    first = head[head["_rank"] == 0].set_index(keys)
    return pd.DataFrame(
        {
            "top_partner": first["partner"].astype(str),
            "top_partner_share": first["_share"],
            "top_partners": text,
        }
    )


def partner_indicators(f: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key (e.g. economy, year, material, stage) of a flow table: imports and
    exports (value, quantity, value with a known quantity; internal flows excluded), all
    imports and exports with internal flows, import HHI and top partners, non-EU share, the
    HHI of the outside partners (``outside_hhi``), and the largest outside ('third-country')
    partner with its share of the external imports."""
    imp = (f["flow"] == "import").to_numpy()
    exp = ~imp
    ext = ~f["internal"].to_numpy()
    outside, non_eu = f["outside"].to_numpy(), f["non_eu"].to_numpy()
    value, qty, vq = (f[c].to_numpy(dtype=float) for c in ("value", "quantity", "value_qty"))
    parts = {  # every sum of one group-by: a column masked to the flows it counts
        "imports_value": (value, imp & ext),
        "imports_quantity": (qty, imp & ext),
        "imports_value_qty": (vq, imp & ext),
        "exports_value": (value, exp & ext),
        "exports_quantity": (qty, exp & ext),
        "exports_value_qty": (vq, exp & ext),
        "imports_value_all": (value, imp),
        "exports_value_all": (value, exp),
        "outside_value": (value, imp & outside),
        "_non_eu": (value, imp & non_eu),
        # HHI = sum of squared partner values / squared total (one row per partner and key)
        "_v2_ext": (value * value, imp & ext),
        "_v2_outside": (value * value, imp & outside),
    }
    masked = pd.DataFrame({k: np.where(m, col, 0.0) for k, (col, m) in parts.items()})
    for k in keys:
        masked[k] = f[k].array  # categorical codes kept: a fast group-by
    out = masked.groupby(keys, observed=True, sort=False).sum()
    out["non_eu_share"] = (out.pop("_non_eu") / out["imports_value_all"]).where(
        out["imports_value_all"] > 0
    )
    for col, v2, total in (
        ("import_hhi", "_v2_ext", "imports_value"),
        ("outside_hhi", "_v2_outside", "outside_value"),
    ):
        out[col] = (out.pop(v2) / out[total] ** 2).where(out[total] > 0)
    ext = f[imp & ext]
    outside = f[imp & outside]
    out = out.join(top_partners(ext, keys))
    third = top_partners(outside, keys, n=1)
    out["third_country"] = third["top_partner"]
    # share of all external imports (the CRMA benchmark is a share of the supply), not only of
    # the outside ones: for a member state a few tonnes from outside the EU are not a 100 % risk
    out["third_country_share"] = (
        third["top_partner_share"] * out["outside_value"] / out["imports_value"]
    ).where(out["imports_value"] > 0)
    return out
