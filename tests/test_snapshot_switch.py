"""One snapshot per command: a refresh switching ``active.json`` while reports run never gives
a report whose records come from one snapshot and whose ``sources`` from the other.

Two real snapshots differ in both the production rows (USGS MCS 2024 vs MCS 2023 files) and the
governance table (bundled WGI 2023 update vs the WGI fixture, labelled ``wgi-bulk-2022``). A
report's records name the USGS edition; its ``sources`` list names the governance edition, read
separately from the snapshot. A switcher flips ``active.json`` between the two as fast as it
can (with the refresh's own ``store.switch``) while reports run in threads and in processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading

import pytest
from test_refresh import FIX, SERVED

from raw_scan import api, refresh, store

PAIRS = {"usgs-mcs-2024": "wgi-2023", "usgs-mcs-2023": "wgi-bulk-2022"}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A data directory holding both snapshots, made once (the newest, b, active)."""
    root = tmp_path_factory.mktemp("two-snapshots")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAW_SCAN_DATA_DIR", str(root))
        refresh.refresh(["usgs"], file=SERVED["usgs"].file, allow_loss=True, progress=False)
        a = store.active_dir().name
        refresh.refresh(["usgs"], file=FIX / "mcs2023_world_5.zip", allow_loss=True, progress=False)
        refresh.refresh(["wgi"], file=SERVED["wgi"].file, allow_loss=True, progress=False)
        b = store.active_dir().name
    store.clear_cache()
    return root, a, b


@pytest.fixture
def two_snapshots(made, refresh_env):
    root, a, b = made
    shutil.copytree(root, refresh_env)
    return refresh_env, refresh_env / "snapshots" / a, refresh_env / "snapshots" / b


def consistent(records: list[dict], sources: list[dict]) -> str:
    """The USGS edition of the records, after checking the sources list is of the same
    snapshot."""
    usgs = {r["source"] for r in records if str(r["source"]).startswith("usgs-")}
    ids = {s["id"] for s in sources}
    assert len(usgs) == 1, usgs
    (edition,) = usgs
    assert PAIRS[edition] in ids, (edition, ids)
    assert not ({*PAIRS.values()} - {PAIRS[edition]}) & ids, (edition, ids)
    assert not ({*PAIRS} - {edition}) & ids, (edition, ids)
    return edition


def switching(root, a, b, stop: threading.Event) -> threading.Thread:
    def flip():
        while not stop.is_set():
            for folder in (a, b):
                store.switch(root, folder)

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread


def test_reports_in_threads_read_one_snapshot_each(two_snapshots):
    root, a, b = two_snapshots
    seen: list[str] = []
    errors: list[BaseException] = []

    def report():
        try:
            for _ in range(6):
                with store.pinned():
                    ids = list(store.load("technologies")["id"])
                    df = api.technology_report(ids)
                    seen.append(consistent(api_records(df), api.sources_used(df)))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    stop = threading.Event()
    flipper = switching(root, a, b, stop)
    readers = [threading.Thread(target=report) for _ in range(4)]
    for t in readers:
        t.start()
    for t in readers:
        t.join(timeout=300)
    stop.set()
    flipper.join(timeout=30)
    assert not errors, errors[0]
    assert len(seen) == 24 and set(seen) == set(PAIRS)  # both snapshots were read


def api_records(df) -> list[dict]:
    from raw_scan.report import export

    return export.records(df, api.REPORT_COLUMNS)


def outputs_while_switching(root, a, b, argv: list[str], n: int) -> list[str]:
    """stdout of ``n`` concurrent ``raw-scan ARGV`` processes run while ``active.json`` flips."""
    stop = threading.Event()
    flipper = switching(root, a, b, stop)
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "raw_scan", *argv],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(n)
        ]
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        stop.set()
        flipper.join(timeout=30)
    for (_, err), p in zip(outputs, procs, strict=True):
        assert p.returncode == 0, err
    return [out for out, _ in outputs]


def test_report_all_json_in_processes_never_mixes_snapshots(two_snapshots):
    for out in outputs_while_switching(*two_snapshots, ["report", "--all", "-f", "json"], 3):
        payload = json.loads(out)
        consistent(payload["records"], payload["sources"])


def test_datasets_json_names_the_snapshot_its_rows_come_from(two_snapshots):
    root, a, b = two_snapshots
    for out in outputs_while_switching(root, a, b, ["datasets", "--format", "json"], 2):
        payload = json.loads(out)
        wgi = {r["dataset"]: r for r in payload["datasets"]}["wgi"]
        expected = "refreshed" if payload["snapshot"] == str(b) else "bundled"
        assert payload["snapshot"] in (str(a), str(b))
        assert wgi["origin"] == expected
