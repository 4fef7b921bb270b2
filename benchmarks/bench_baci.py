"""Benchmark: filter one BACI year of release size to the HS6 codes raw-scan maps.

Builds a synthetic archive in the real BACI layout (``BACI_HS92_V<version>.zip`` holding
``BACI_HS92_Y2022_V<version>.csv`` with ``t,i,j,k,v,q``, right-aligned quantities with ``NA``,
plus the real country and product tables of the test fixtures), then runs
``raw_scan.sources.baci.parse_release`` on it once per engine, each in a fresh process, and
prints the wall time, rows scanned per second and the peak resident memory of that process.

The synthetic year is made to look like a real one: every code of BACI's HS92 product list, each
mapped raw-material code with as many flows as it has in the bundled real 2022 data, the other
codes with a skewed (log-normal) share of the rest, exporters and importers drawn from the
countries of the real data with skewed weights, one row per exporter x importer x product,
sorted by exporter, importer, product as BACI's files are; values and quantities are random
log-normal figures (they are not data and are never used as such). Target (issue 8): a
10-million-row year in under 20 s and under 1 GB on a 2-core machine.

    python benchmarks/bench_baci.py                       # 10.5 million rows, all three readers
    python benchmarks/bench_baci.py --rows 2000000 --keep baci_bench.zip   # reuse it
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "fixtures" / "baci"
VERSION = "V202401b"
YEAR = 2022


def build_archive(path: Path, rows: int, seed: int = 2022) -> dict:
    import numpy as np
    import pandas as pd

    from raw_scan import store
    from raw_scan.sources import baci

    rng = np.random.default_rng(seed)
    with zipfile.ZipFile(FIXTURE / "BACI_HS92_V202301_algeria_2021.zip") as zf:
        products_csv = zf.read("product_codes_HS92_V202301.csv")
    with zipfile.ZipFile(FIXTURE / "BACI_HS92_V202401b_belgium_2022_2024.zip") as zf:
        countries_csv = zf.read("country_codes_V202401b.csv")
    products = baci.read_product_codes(products_csv, file="products")["hs6"].tolist()
    countries = baci.read_country_codes(countries_csv, file="countries")
    trade = store.load("trade")
    real = trade[trade["year"] == YEAR]
    mapped_counts = real["hs6"].value_counts()
    iso_to_code = {iso: code for code, iso in countries.items() if code not in (58,)}
    present = sorted({iso_to_code[c] for c in set(real["exporter"]) | set(real["importer"])})

    # rows per product: mapped codes as in the real 2022 data, the others log-normal (capped
    # at half the possible partner pairs, the excess spread over the others)
    mapped = baci.mapped_codes(store.load("hs_materials"))  # codes without real flows stay so
    others = [p for p in products if p not in mapped]
    pairs = len(present) * (len(present) - 1)
    cap = pairs // 2
    rest = rows - int(mapped_counts.sum())
    weights = rng.lognormal(0, 1.2, len(others))
    other_counts = np.zeros(len(others), dtype=np.int64)
    free = np.ones(len(others), dtype=bool)
    while rest - other_counts.sum() > 0 and free.any():
        todo = rest - other_counts.sum()
        add = np.floor(weights * free / (weights * free).sum() * todo).astype(np.int64)
        add[np.flatnonzero(free)[: max(0, todo - add.sum())]] += 1
        other_counts = np.minimum(other_counts + add, cap)
        free = other_counts < cap
    per_product = np.concatenate([mapped_counts.to_numpy(), other_counts])
    codes = np.array([*mapped_counts.index, *others])

    # exporter x importer pairs per product: distinct, drawn with skewed country weights
    # (weighted sampling without replacement by the Gumbel top-k trick)
    logw = np.log(rng.lognormal(0, 1.5, len(present)))
    pair_logw = (logw[:, None] + logw[None, :]).ravel()
    pair_logw[:: len(present) + 1] = -np.inf  # no flow from a country to itself
    i_parts, j_parts, k_parts = [], [], []
    for kk, count in enumerate(per_product):
        if count == 0:
            continue
        score = pair_logw + rng.gumbel(size=pair_logw.size)
        chosen = np.argpartition(-score, count - 1)[:count]
        i_parts.append(chosen // len(present))
        j_parts.append(chosen % len(present))
        k_parts.append(np.full(count, kk))
    i, j, k_idx = (np.concatenate(x) for x in (i_parts, j_parts, k_parts))
    mapped_rows = int((k_idx < len(mapped_counts)).sum())
    present_codes = np.array(present)
    ii, jj = present_codes[i], present_codes[j]
    order = np.lexsort((k_idx, jj, ii))
    ii, jj, k_idx = ii[order], jj[order], k_idx[order]
    n = len(k_idx)
    v = np.round(rng.lognormal(2.0, 2.5, n), 3)
    q = np.round(v * rng.lognormal(0.5, 1.5, n), 3)
    na = rng.random(n) < 0.058  # Algeria 2021: 373 of 6,480 quantities are NA

    member = f"BACI_HS92_Y{YEAR}_{VERSION}.csv"
    chunk = 1_000_000
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"country_codes_{VERSION}.csv", countries_csv)
        zf.writestr(f"product_codes_HS92_{VERSION}.csv", products_csv)
        with zf.open(member, "w", force_zip64=True) as out:
            out.write(b"t,i,j,k,v,q\n")
            for s in range(0, n, chunk):
                e = min(s + chunk, n)
                qs = [f"{x:13.3f}" for x in q[s:e]]
                for p in np.flatnonzero(na[s:e]):
                    qs[p] = "           NA"
                block = pd.DataFrame(
                    {
                        "t": YEAR,
                        "i": ii[s:e],
                        "j": jj[s:e],
                        "k": codes[k_idx[s:e]],
                        "v": [f"{x:.3f}" for x in v[s:e]],
                        "q": qs,
                    }
                )
                out.write(block.to_csv(index=False, header=False, lineterminator="\n").encode())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    return {
        "rows": n,
        "mapped_rows": mapped_rows,
        "csv_bytes": info.file_size,
        "zip_bytes": path.stat().st_size,
    }


def run_engine(archive: Path, engine: str) -> dict:
    """Child-process mode: one parse of the archive; timing and peak RSS of this process."""
    t0 = time.perf_counter()
    import pandas  # noqa: F401  (import time is not filter time)

    from raw_scan import store
    from raw_scan.sources import baci

    codes = baci.mapped_codes(store.load("hs_materials"))
    t1, c1 = time.perf_counter(), time.process_time()
    df, edition = baci.parse_release(archive, codes, years=str(YEAR), engine=engine)
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "engine": engine,
        "setup_s": round(t1 - t0, 2),
        "filter_s": round(t2 - t1, 2),
        "cpu_s": round(c2 - c1, 2),
        "kept": len(df),
        "edition": edition,
        "peak_rss_mb": round(peak_rss_kib() / 1024, 1),
    }


def peak_rss_kib() -> int:
    """Peak resident memory of this process in KiB: VmHWM (reset at exec, unlike ru_maxrss,
    which a child inherits from the parent that forked it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_500_000)
    ap.add_argument("--keep", type=Path, help="write (or reuse) the synthetic archive here")
    ap.add_argument("--engines", default="scan,pandas,csv")
    ap.add_argument("--child", nargs=2, metavar=("ARCHIVE", "ENGINE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_engine(Path(args.child[0]), args.child[1])))
        return 0
    tmp = None
    archive = args.keep
    if archive is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-baci-")
        archive = Path(tmp.name) / f"BACI_HS92_{VERSION}.zip"
    if not archive.exists():
        t0 = time.perf_counter()
        info = build_archive(archive, args.rows)
        print(
            f"synthetic archive: {info['rows']:,} rows in one year "
            f"({info['mapped_rows']:,} of mapped codes), csv {info['csv_bytes'] / 1e6:.0f} MB, "
            f"zip {info['zip_bytes'] / 1e6:.0f} MB; built in {time.perf_counter() - t0:.0f} s"
        )
    with zipfile.ZipFile(archive) as zf:
        year_file = next(n for n in zf.namelist() if n.startswith("BACI_HS92_Y"))
        with zf.open(year_file) as fh:
            scanned = sum(1 for _ in fh) - 1
    print(f"archive {archive.name}: {scanned:,} rows in {year_file}")
    print(
        f"{'engine':<8} {'wall s':>7} {'cpu s':>6} {'rows/s (wall)':>14} {'kept':>8} "
        f"{'peak RSS MB':>12}"
    )
    for engine in args.engines.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(archive), engine],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(child.stdout)
        rate = scanned / r["filter_s"]
        print(
            f"{engine:<8} {r['filter_s']:>7.1f} {r['cpu_s']:>6.1f} {rate:>14,.0f} "
            f"{r['kept']:>8,} {r['peak_rss_mb']:>12,.0f}"
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        "target: one 10-million-row year in < 20 s and < 1 GB (peak RSS of the whole process); "
        f"load average at the end {load:.1f} on {os.cpu_count()} cpus (wall time is shared "
        "with whatever else runs; cpu s is this process alone)"
    )
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
