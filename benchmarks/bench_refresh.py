"""Wall time and peak memory of `raw-scan refresh usgs wgi` on the real full source files.

A local HTTP server on 127.0.0.1 serves benchmarks/data/ (all 77 MCS 2024 world files in one zip,
and the whole 2023 WGI bulk file as WGI_CSV.zip; see benchmarks/data/PROVENANCE.md). Each run is
a fresh process with a fresh, empty data directory, pointed at the server through
RAW_SCAN_USGS_URL and RAW_SCAN_WGI_URL, so it downloads, parses, validates, writes a snapshot
and prints what changed. No traffic leaves the machine.

    python benchmarks/bench_refresh.py [--runs 3]

Targets: median wall time < 10 s, peak resident memory of a refresh process < 500 MB.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FILES = {"usgs": "mcs2024_world.zip", "wgi": "WGI_CSV.zip"}
TARGET_SECONDS = 10.0
TARGET_MB = 500.0


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve() -> ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(DATA))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def one_run(base: str) -> float:
    with tempfile.TemporaryDirectory(prefix="raw-scan-bench-") as data_dir:
        env = {
            **os.environ,
            "RAW_SCAN_DATA_DIR": data_dir,
            "RAW_SCAN_USGS_URL": f"{base}/{FILES['usgs']}",
            "RAW_SCAN_WGI_URL": f"{base}/{FILES['wgi']}",
            "COLUMNS": "160",
        }
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "raw_scan", "refresh", "usgs", "wgi", "--quiet"],
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"refresh failed (exit {done.returncode}):\n{done.stderr}")
        active = json.loads((Path(data_dir) / "active.json").read_text())["snapshot"]
        manifest = json.loads((Path(data_dir) / active / "manifest.json").read_text())
        rows = {k: manifest["datasets"][k]["rows"] for k in FILES}
        print(f"  run: {elapsed:6.2f} s  rows parsed: usgs {rows['usgs']}, wgi {rows['wgi']}")
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for name in FILES.values():
        if not (DATA / name).is_file():
            sys.exit(f"missing benchmarks/data/{name}")
    server = serve()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        print(f"raw-scan refresh usgs wgi, {args.runs} runs, each in a fresh data directory")
        times = [one_run(base) for _ in range(args.runs)]
    finally:
        server.shutdown()
        server.server_close()
    median = statistics.median(times)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    ok_time = "ok" if median < TARGET_SECONDS else "MISSED"
    ok_mem = "ok" if peak_mb < TARGET_MB else "MISSED"
    print(
        f"median wall time {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}); "
        f"target < {TARGET_SECONDS:g} s: {ok_time}"
    )
    print(
        f"peak resident memory of a refresh process {peak_mb:.0f} MB; "
        f"target < {TARGET_MB:g} MB: {ok_mem}"
    )


if __name__ == "__main__":
    main()
