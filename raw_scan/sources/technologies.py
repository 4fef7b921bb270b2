"""Technology -> raw material links, each with its source and evidence flag.

Input: the compiled table (``technology, material, component, source, evidence,
quote_or_location``; evidence ``read`` = the link is stated in the cited source, ``inferred`` =
general technical knowledge, not verified), plus an optional curation file of later evidence
(``action`` = upgrade / strengthen / add / drop / keep-inferred) that turns inferred rows into
read ones with a better source, adds sourced rows, or drops rows that could not be sourced.
"""

from __future__ import annotations

import pandas as pd

from raw_scan.errors import DataValidationError

LINK_COLUMNS = [
    "technology",
    "material",
    "component",
    "evidence",
    "source",
    "quote_or_location",
]
ACTIONS = {"upgrade", "strengthen", "add", "drop", "keep-inferred"}


def material_index(materials: pd.DataFrame) -> dict[str, str]:
    """Lower-case name, id and alias -> material id."""
    index: dict[str, str] = {}
    for m in materials.itertuples():
        keys = [m.id, m.id.replace("-", " "), m.name]
        keys += [a for a in str(m.aliases).split("|") if a]
        for k in keys:
            index.setdefault(k.strip().lower(), m.id)
    return index


def _tech_ids(techs: pd.DataFrame) -> dict[str, str]:
    return {
        str(label).strip().lower(): tid
        for tid, label in zip(techs["id"], techs["source_label"], strict=True)
    }


def build_links(
    raw: pd.DataFrame,
    techs: pd.DataFrame,
    materials: pd.DataFrame,
    evidence: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    need = {"technology", "material", "component", "source", "evidence", "quote_or_location"}
    if not need <= set(raw.columns):
        raise DataValidationError(
            f"technologies: missing columns {sorted(need - set(raw.columns))}"
        )
    tech_of, mat_of = _tech_ids(techs), material_index(materials)

    def ids(tech: str, mat: str) -> tuple[str, str]:
        t, m = tech_of.get(tech.strip().lower()), mat_of.get(mat.strip().lower())
        if t is None or m is None:
            raise DataValidationError(
                f"technologies: unknown technology or material: {tech!r} / {mat!r}"
            )
        return t, m

    links: dict[tuple[str, str], dict] = {}
    for r in raw.to_dict("records"):
        key = ids(r["technology"], r["material"])
        links[key] = {
            "technology": key[0],
            "material": key[1],
            "component": r["component"],
            "evidence": r["evidence"],
            "source": r["source"],
            "quote_or_location": r["quote_or_location"],
        }
    log = [
        f"technology links: {len(links)} rows from the compiled table "
        f"({sum(v['evidence'] == 'read' for v in links.values())} read)"
    ]
    counts = dict.fromkeys(sorted(ACTIONS), 0)
    for r in [] if evidence is None else evidence.to_dict("records"):
        action = r["action"].strip()
        if action not in ACTIONS:
            raise DataValidationError(f"technologies: evidence file: unknown action {action!r}")
        key = ids(r["technology"], r["material"])
        counts[action] += 1
        if action == "drop":
            links.pop(key, None)
            continue
        if action == "keep-inferred":
            continue
        cite = r["source"] + (f" ({r['url_or_doi']})" if r.get("url_or_doi") else "")
        quote = r["quote_or_location"]
        old = links.get(key)
        if action == "strengthen" and old is not None:
            cite, quote = f"{cite} || {old['source']}", f"{quote} || {old['quote_or_location']}"
        links[key] = {
            "technology": key[0],
            "material": key[1],
            "component": r["component"] or (old or {}).get("component", ""),
            "evidence": "read",
            "source": cite,
            "quote_or_location": quote,
        }
    if evidence is not None:
        log.append(
            "technology evidence curation: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
    df = pd.DataFrame(list(links.values()), columns=LINK_COLUMNS)
    df = df.sort_values(["technology", "material"]).reset_index(drop=True)
    log.append(
        f"technology links after curation: {len(df)} rows "
        f"({int((df['evidence'] == 'read').sum())} read, "
        f"{int((df['evidence'] == 'inferred').sum())} inferred)"
    )
    return df, log
