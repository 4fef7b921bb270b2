"""Wall time of cold CLI runs: `raw-scan --help`, `report li-ion-batteries`, `report --all`.

Each command runs in a fresh process (cold: no warm Python state), N times; the median, min and
max wall times and the peak resident memory of the children are printed.

    python benchmarks/bench_cli.py [--runs 7]

Targets on the 2-core reference machine: --help < 0.3 s, report --all < 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "raw-scan --help": ["--help"],
    "raw-scan report li-ion-batteries": ["report", "li-ion-batteries"],
    "raw-scan report --all": ["report", "--all"],
    "raw-scan report --all --format csv": ["report", "--all", "--format", "csv"],
}
TARGETS = {"raw-scan --help": 0.3, "raw-scan report --all": 1.5}


def run(args: list[str], runs: int) -> list[float]:
    times = []
    env = {**os.environ, "COLUMNS": "160"}
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "raw_scan", *args],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"{'command':<38} {'median':>8} {'min':>8} {'max':>8}  target")
    for name, argv in COMMANDS.items():
        run(argv, 1)  # warm the OS file cache, not Python
        times = run(argv, args.runs)
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None
            else (f"< {target:.1f} s {'ok' if statistics.median(times) < target else 'MISSED'}")
        )
        print(
            f"{name:<38} {statistics.median(times):>7.3f}s {min(times):>7.3f}s "
            f"{max(times):>7.3f}s  {verdict}"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory of a child process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
