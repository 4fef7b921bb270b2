"""Technology -> raw material links, each with its source and evidence flag.

Input: the compiled table (``technology, material, component, source, evidence,
quote_or_location``; evidence ``read`` = the link is stated in the cited source, ``inferred`` =
general technical knowledge, not verified), plus an optional curation file of later evidence
(``action`` = upgrade / strengthen / add / drop / keep-inferred) that turns inferred rows into
read ones with a better source, adds sourced rows, drops rows that could not be sourced, or keeps
a row inferred with the lead that suggests it.

Every source named on a link is then identified in a register of sources
(``technology_sources.csv``: ``id, match, kind, weak, year, citation, locator``; the first row
whose ``match`` regex is found in the source text wins). A link gets the register's citation,
locator (URL, DOI, patent number or journal reference) and kind, and its evidence becomes:

* ``read`` -- stated in at least one source that is not weak (official publication, data file,
  peer-reviewed work, patent);
* ``read-weak`` -- stated only in weak sources (trade press, industry body, supplier,
  commentary, encyclopaedia, opinion, a secondary page, an unidentified abstract, or a reference
  too incomplete to find again);
* ``inferred`` -- not stated in a source read; the cited source is a lead.

A source the register does not know, or a link whose only source is none, stops the build.
"""

from __future__ import annotations

import re

import pandas as pd

from raw_scan.errors import DataValidationError

LINK_COLUMNS = [
    "technology",
    "material",
    "component",
    "evidence",
    "source",
    "quote_or_location",
    "citation",
    "locator",
    "source_kind",
]
ACTIONS = {"upgrade", "strengthen", "add", "drop", "keep-inferred"}
EVIDENCE = ("read", "read-weak", "inferred")
REGISTER_COLUMNS = ["id", "match", "kind", "weak", "year", "citation", "locator"]
_PART = re.compile(r"^\[\d+\]\s*")


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
    register: pd.DataFrame | None = None,
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
            # still inferred; the lead that suggests the link becomes its cited source
            if r["source"] and key in links:
                lead = r["source"] + (f" ({r['url_or_doi']})" if r.get("url_or_doi") else "")
                links[key] = {
                    **links[key],
                    "evidence": "inferred",
                    "source": lead,
                    "quote_or_location": r["quote_or_location"] or links[key]["quote_or_location"],
                }
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
    if register is not None:
        df = cite_links(df, register)
    df = df.sort_values(["technology", "material"]).reset_index(drop=True)
    counts = df["evidence"].value_counts()
    log.append(
        f"technology links after curation: {len(df)} rows ("
        + ", ".join(f"{int(counts.get(e, 0))} {e}" for e in EVIDENCE)
        + ")"
    )
    return df, log


def _register_rows(register: pd.DataFrame) -> list[tuple[re.Pattern, dict]]:
    missing = [c for c in REGISTER_COLUMNS if c not in register.columns]
    if missing:
        raise DataValidationError(f"technologies: source register: missing columns {missing}")
    rows = []
    for r in register.to_dict("records"):
        if r["weak"] not in ("yes", "no"):
            raise DataValidationError(
                f"technologies: source register: {r['id']}: weak must be yes or no"
            )
        rows.append((re.compile(r["match"]), r))
    return rows


def source_parts(source: str) -> list[str]:
    """The separate sources named in a link's source text ('[1] A || [2] B')."""
    return [_PART.sub("", p.strip()).strip() for p in str(source).split("||") if p.strip()]


def cite_links(links: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """Add citation, locator and kind from the register to every link and grade its evidence
    (see the module docstring)."""
    rows = _register_rows(register)
    out = []
    for link in links.to_dict("records"):
        found = []
        for part in source_parts(link["source"]):
            hit = next((r for rx, r in rows if rx.search(part)), None)
            if hit is None:
                raise DataValidationError(
                    f"technologies: {link['technology']}/{link['material']}: source not in the "
                    f"register (technology_sources.csv): {part[:80]!r}"
                )
            found.append(hit)
        real = [r for r in found if r["kind"] != "none"]
        if not real:
            raise DataValidationError(
                f"technologies: {link['technology']}/{link['material']} has no source; add a "
                "citable one in technology_evidence.csv or drop the link"
            )
        if link["evidence"] != "inferred":
            link["evidence"] = "read" if any(r["weak"] == "no" for r in real) else "read-weak"
        link["citation"] = " || ".join(r["citation"] for r in real)
        link["locator"] = " || ".join(r["locator"] or "-" for r in real)
        link["source_kind"] = " || ".join(
            r["kind"] + (" (weak)" if r["weak"] == "yes" else "") for r in real
        )
        out.append(link)
    return pd.DataFrame(out, columns=LINK_COLUMNS)
