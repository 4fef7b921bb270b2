"""The EU 2023 assessment row that stands for each raw-scan material: its own row, else the row
of its group (e.g. HREE for erbium), as the stage table does for EoL-RIR."""

from __future__ import annotations

from functools import lru_cache

from raw_scan.assess import eu_lookup


@lru_cache(maxsize=4)
def eu_rows(snap) -> dict[str, tuple[dict, str | None]]:
    """material id -> (EU row, group id when the group's row is used, else None); cached per
    snapshot (do not modify the rows)."""
    eu = eu_lookup(snap)
    out = {}
    for m in snap.load("materials").to_dict("records"):
        if m["id"] in eu:
            out[m["id"]] = (eu[m["id"]], None)
        elif m["group"] and m["group"] in eu:
            out[m["id"]] = (eu[m["group"]], m["group"])
    return out
