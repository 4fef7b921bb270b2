"""Wall time and peak memory of `raw-scan refresh usgs wgi` on the real full source files, and
of refusing decompression bombs.

A local HTTP server on 127.0.0.1 serves benchmarks/data/ (all 77 MCS 2024 world files in one zip,
and the whole 2023 WGI bulk file as WGI_CSV.zip; see benchmarks/data/PROVENANCE.md). Each run is
a fresh process with a fresh, empty data directory, pointed at the server through
RAW_SCAN_USGS_URL and RAW_SCAN_WGI_URL, so it downloads, parses, validates, reviews the new
snapshot against the bundled one, writes it and prints what changed. No traffic leaves the
machine.

Then two bombs built by tests/bombs.py, each about 3 MB that expand to 3 GB: a zip given with
`refresh usgs --file`, and a gzip body served with `Content-Encoding: gzip`. Each refusal runs
in a fresh process; its own peak resident memory comes from wait4().

    python benchmarks/bench_refresh.py [--runs 3]

Targets: median wall time < 10 s and peak resident memory < 500 MB for a refresh; a bomb refused
in < 5 s with < 200 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TESTS = Path(__file__).resolve().parents[1] / "tests"
FILES = {"usgs": "mcs2024_world.zip", "wgi": "WGI_CSV.zip"}
TARGET_SECONDS = 10.0
TARGET_MB = 500.0
BOMB_SECONDS = 5.0
BOMB_MB = 200.0


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - the base class's name
        if self.path != "/gzip-bomb.csv":
            return super().do_GET()
        body = GZIP_BOMB[0]
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # the client stops reading: what is measured


GZIP_BOMB: list[bytes] = []


def measured(argv: list[str], env: dict) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak resident MB, stderr) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024, err


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
        argv = [sys.executable, "-m", "raw_scan", "refresh", "usgs", "wgi", "--quiet"]
        code, elapsed, peak, err = measured(argv, env)
        if code != 0:
            sys.exit(f"refresh failed (exit {code}):\n{err}")
        active = json.loads((Path(data_dir) / "active.json").read_text())["snapshot"]
        manifest = json.loads((Path(data_dir) / active / "manifest.json").read_text())
        rows = {k: manifest["datasets"][k]["rows"] for k in FILES}
        print(
            f"  run: {elapsed:6.2f} s  {peak:5.0f} MB  rows parsed: usgs {rows['usgs']}, "
            f"wgi {rows['wgi']}"
        )
        return elapsed, peak


def bombs(base: str) -> None:
    sys.path.insert(0, str(TESTS))
    import bombs as build

    GZIP_BOMB.append(build.gzip_bomb(3072))
    with tempfile.TemporaryDirectory(prefix="raw-scan-bench-") as tmp:
        zipped = build.zip_bomb(Path(tmp) / "mcs2024_world.zip", "world/mcs2024-lithi_world.csv")
        cases = {
            f"zip bomb, --file ({zipped.stat().st_size / 1e6:.1f} MB -> 3,221 MB)": (
                ["usgs", "--file", str(zipped)],
                {},
            ),
            f"gzip bomb, download ({len(GZIP_BOMB[0]) / 1e6:.1f} MB -> 3,221 MB)": (
                ["usgs"],
                {"RAW_SCAN_USGS_URL": f"{base}/gzip-bomb.csv", "RAW_SCAN_RETRY_BACKOFF": "0"},
            ),
        }
        for label, (args, extra) in cases.items():
            env = {**os.environ, "RAW_SCAN_DATA_DIR": str(Path(tmp) / "data"), **extra}
            argv = [sys.executable, "-m", "raw_scan", "refresh", *args, "--quiet"]
            code, elapsed, peak, err = measured(argv, env)
            refused = code == 1 and "Traceback" not in err
            ok = "ok" if refused and elapsed < BOMB_SECONDS and peak < BOMB_MB else "MISSED"
            print(
                f"{label}: refused in {elapsed:.2f} s, peak {peak:.0f} MB; target < "
                f"{BOMB_SECONDS:g} s and < {BOMB_MB:g} MB: {ok}"
            )
            print(f"  {err.splitlines()[0] if err else '(no message)'}")


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
        results = [one_run(base) for _ in range(args.runs)]
        bombs(base)
    finally:
        server.shutdown()
        server.server_close()
    times = [t for t, _ in results]
    median = statistics.median(times)
    peak_mb = max(p for _, p in results)
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
