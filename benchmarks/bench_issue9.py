"""Wall time of cold CLI runs of the cross-technology commands: scenario --all, grid --all,
trend, and compare --all when that command exists.

Each command runs in a fresh process (cold: no warm Python state), N times, output to a pipe;
the median, min and max wall times, the median CPU time (user + system) and the peak resident
memory of the children are printed. ``report --all`` runs first as a reference: on a shared
machine under load, compare against it and read the CPU column.

    python benchmarks/bench_issue9.py [--runs 7]

Targets on the 2-core reference machine: scenario --all and compare --all < 2 s,
grid --all < 1.5 s.
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
    "raw-scan report --all (reference)": ["report", "--all"],
    "raw-scan scenario --without CHN --all": ["scenario", "--without", "CHN", "--all"],
    "raw-scan scenario -w CHN --all -f csv": ["scenario", "-w", "CHN", "--all", "-f", "csv"],
    "raw-scan grid --all": ["grid", "--all"],
    "raw-scan grid --all --format json": ["grid", "--all", "--format", "json"],
    "raw-scan trend lithium": ["trend", "lithium"],
    "raw-scan compare --all": ["compare", "--all"],
}
TARGETS = {
    "raw-scan scenario --without CHN --all": 2.0,
    "raw-scan compare --all": 2.0,
    "raw-scan grid --all": 1.5,
}


def run(args: list[str], runs: int) -> tuple[list[float], list[float]] | None:
    """(wall times, CPU times), or None when the command does not exist."""
    times, cpu = [], []
    env = {**os.environ, "COLUMNS": "100"}
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "raw_scan", *args],
            env=env,
            capture_output=True,
        )
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if proc.returncode == 2 and b"No such command" in proc.stderr:
            return None
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode().strip()}")
    return times, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(f"{'command':<40} {'median':>8} {'min':>8} {'max':>8} {'cpu':>7}  target")
    for name, argv in COMMANDS.items():
        if run(argv, 1) is None:  # also warms the OS file cache, not Python
            print(f"{name:<40} (command not present on this branch)")
            continue
        times, cpu = run(argv, args.runs)
        target = TARGETS.get(name)
        median = statistics.median(times)
        verdict = (
            "" if target is None else f"< {target:.1f} s {'ok' if median < target else 'MISSED'}"
        )
        print(
            f"{name:<40} {median:>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s "
            f"{statistics.median(cpu):>6.3f}s  {verdict}"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory of a child process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
