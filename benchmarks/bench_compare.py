"""Wall time of cold `raw-scan compare --all` and of the bill-of-materials commands.

Each command runs in a fresh process (cold: no warm Python state), N times, on the bundled
snapshot and an empty config folder; the median, min and max wall times, the mean CPU time (user +
system) per run and the peak resident memory of the children are printed.

    python benchmarks/bench_compare.py [--runs 7]

Target on the 2-core reference machine (issue 9 §6): compare --all < 2 s as a whole process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cli import run  # noqa: E402  (cold runs of `python -m raw_scan ...`)

BATTERY = str(ROOT / "examples" / "nmc811-battery-pack-60kwh.toml")
COMMANDS = {
    "raw-scan compare --all": ["compare", "--all"],
    "raw-scan compare --all --format csv": ["compare", "--all", "--format", "csv"],
    "raw-scan compare li-ion-batteries": ["compare", "li-ion-batteries"],
    "raw-scan bom <60 kWh NMC811 pack>": ["bom", BATTERY],
    "raw-scan report --all --method gss": ["report", "--all", "--method", "gss"],
    # load reference: its median was 1.09 s on an idle reference machine (bench_cli.py)
    "raw-scan report --all": ["report", "--all"],
}
TARGETS = {"raw-scan compare --all": 2.0, "raw-scan compare --all --format csv": 2.0}


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes: less sensitive than wall time
    to other work on a shared machine (a busy machine inflates wall time, not this)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as cfg:
        # the bundled snapshot and no saved technology, whatever the caller has
        os.environ.update(RAW_SCAN_DATA_DIR=data, RAW_SCAN_CONFIG_DIR=cfg)
        print(f"{'command':<40} {'median':>8} {'min':>8} {'max':>8} {'cpu':>8}  target")
        for name, argv in COMMANDS.items():
            run(argv, 1)  # warm the OS file cache, not Python
            before = _children_cpu()
            times = run(argv, args.runs)
            cpu = (_children_cpu() - before) / args.runs
            target = TARGETS.get(name)
            med = statistics.median(times)
            verdict = (
                "" if target is None else f"< {target:.1f} s {'ok' if med < target else 'MISSED'}"
            )
            print(
                f"{name:<40} {med:>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s "
                f"{cpu:>7.3f}s  {verdict}"
            )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory of a child process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
