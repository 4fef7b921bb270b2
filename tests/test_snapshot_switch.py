"""One snapshot per command: a refresh switching ``active.json`` while reports run never gives
a report whose records come from one snapshot and whose ``sources`` from the other.

Two real snapshots differ in their governance table (bundled WGI 2023 update vs the WGI
fixture, labelled ``wgi-bulk-2022``), hence in the supplier governance and scores of the report's
records, and in the governance edition its ``sources`` list names (read separately from the
snapshot). A report must equal, records and sources alike, the report of exactly one of them. A
switcher flips ``active.json`` between the two as fast as it can (with the refresh's own
``store.switch``) while reports run in threads and in processes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading

import pytest
from test_refresh import SERVED

from raw_scan import api, refresh, store

WGI = ("wgi-2023", "wgi-bulk-2022")  # the governance edition of snapshot a, of snapshot b


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A data directory holding both snapshots, made once (the newest, b, active)."""
    root = tmp_path_factory.mktemp("two-snapshots")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAW_SCAN_DATA_DIR", str(root))
        refresh.refresh(["usgs"], file=SERVED["usgs"].file, allow_loss=True, progress=False)
        a = store.active_dir().name
        refresh.refresh(["wgi"], file=SERVED["wgi"].file, allow_loss=True, progress=False)
        b = store.active_dir().name
    store.clear_cache()
    return root, a, b


@pytest.fixture(scope="module")
def expected(made):
    """Per snapshot: the records of ``report --all`` and the ids of its sources."""
    root, a, b = made
    out = {}
    for name, folder in (("a", a), ("b", b)):
        snap = store.Snapshot(root / "snapshots" / folder)
        ids = list(snap.load("technologies")["id"])
        df = api.technology_report(ids, snap)
        out[name] = (api_records(df), {s["id"] for s in api.sources_used(df, snap)})
    assert out["a"][0] != out["b"][0]  # the governance differs, so the records do
    assert WGI[0] in out["a"][1] and WGI[1] in out["b"][1]
    return out


@pytest.fixture
def two_snapshots(made, refresh_env):
    root, a, b = made
    shutil.copytree(root, refresh_env)
    return refresh_env, refresh_env / "snapshots" / a, refresh_env / "snapshots" / b


def consistent(records: list[dict], sources: list[dict], expected) -> str:
    """The snapshot ('a' or 'b') whose records these are, after checking the sources list is
    of the same snapshot."""
    hits = [name for name, (recs, _) in expected.items() if recs == records]
    assert len(hits) == 1, "the records are of neither snapshot"
    (name,) = hits
    assert {s["id"] for s in sources} == expected[name][1], name
    return name


def switching(root, a, b, stop: threading.Event) -> threading.Thread:
    def flip():
        while not stop.is_set():
            for folder in (a, b):
                store.switch(root, folder)

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread


def test_reports_in_threads_read_one_snapshot_each(two_snapshots, expected):
    root, a, b = two_snapshots
    seen: list[str] = []
    errors: list[BaseException] = []

    def report():
        try:
            for _ in range(6):
                with store.pinned():
                    ids = list(store.load("technologies")["id"])
                    df = api.technology_report(ids)
                    seen.append(consistent(api_records(df), api.sources_used(df), expected))
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
    assert len(seen) == 24 and set(seen) == {"a", "b"}  # both snapshots were read


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


def test_report_all_json_in_processes_never_mixes_snapshots(two_snapshots, expected):
    for out in outputs_while_switching(*two_snapshots, ["report", "--all", "-f", "json"], 3):
        payload = json.loads(out)
        consistent(payload["records"], payload["sources"], expected)


def test_datasets_json_names_the_snapshot_its_rows_come_from(two_snapshots):
    root, a, b = two_snapshots
    for out in outputs_while_switching(root, a, b, ["datasets", "--format", "json"], 2):
        payload = json.loads(out)
        wgi = {r["dataset"]: r for r in payload["datasets"]}["wgi"]
        expected = "refreshed" if payload["snapshot"] == str(b) else "bundled"
        assert payload["snapshot"] in (str(a), str(b))
        assert wgi["origin"] == expected
