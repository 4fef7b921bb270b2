"""``raw-scan datasets`` tells the truth, before and after a refresh (issue 7, section 3)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from test_refresh import FIX, SERVED, call

from raw_scan import api, refresh, store
from raw_scan.report import export

EVERY = ["usgs", "iea", "wmd", "wgi", "eu", "crma", "technologies", "baci"]


@pytest.fixture(autouse=True)
def env(refresh_env):
    return refresh_env


def datasets(*args: str, columns: int = 80) -> subprocess.CompletedProcess:
    """``raw-scan datasets ARGS`` in a fresh process with its output in a pipe."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "raw_scan", "datasets", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": str(columns)},
    )


def rows_by_id(payload: dict) -> dict[str, dict]:
    return {r["dataset"]: r for r in payload["datasets"]}


def test_the_bundled_snapshot_lists_every_dataset_with_its_own_dates(capsys):
    code, out, err = call(["datasets", "--format", "json"], capsys)
    assert code == 0, err
    rows = rows_by_id(json.loads(out))
    assert list(rows) == EVERY
    built = store.manifest(store.bundled_dir())["built_at"]
    for r in rows.values():
        assert (r["origin"], r["retrieved_at"], r["bundled_at"]) == ("bundled", None, built)
    # the data's own years and editions, read from the tables: MCS 2024 has 2022 and 2023, the
    # MCS 2023 release bundled beside it (for trends) 2021 and 2022
    assert rows["usgs"]["data_years"] == "2021-2023"
    assert rows["usgs"]["source_id"] == "usgs-mcs-2024, usgs-mcs-2023"
    assert rows["wgi"]["data_years"] == "1996-2022"  # the WGI 2023 update
    assert rows["crma"]["edition"].startswith("Regulation (EU) 2024/1252")
    assert rows["technologies"]["rows"] == len(store.load("technology_materials"))


def test_after_refreshes_each_dataset_keeps_its_own_retrieval_time(capsys):
    refresh.refresh(["usgs"], file=SERVED["usgs"].file, allow_loss=True, progress=False)
    first = store.manifest()["datasets"]["usgs"]["retrieved_at"]
    time.sleep(1.1)  # stamps have one-second resolution
    refresh.refresh(["wgi"], file=SERVED["wgi"].file, allow_loss=True, progress=False)
    code, out, err = call(["datasets", "--format", "json"], capsys)
    payload = json.loads(out)
    rows = rows_by_id(payload)
    assert payload["snapshot"] == str(store.active_dir())
    assert rows["usgs"]["retrieved_at"] == first  # not the time of the wgi refresh
    assert rows["wgi"]["retrieved_at"] > first
    assert rows["iea"]["retrieved_at"] is None and rows["iea"]["origin"] == "bundled"
    assert rows["iea"]["bundled_at"] == store.manifest(store.bundled_dir())["built_at"]
    # a --file refresh records the file and the edition read from it (MCS2024 file names)
    assert (rows["usgs"]["file"], rows["usgs"]["url"]) == (
        "mcs2024_world_5.zip",
        "file:mcs2024_world_5.zip",
    )
    assert rows["usgs"]["source_id"] == "usgs-mcs-2024, usgs-mcs-2023"  # 2023 edition kept
    assert rows["wgi"]["source_id"] == "wgi-bulk-2022"  # the bulk file's last year
    assert rows["wgi"]["data_years"] == "1996-2022"
    # the JSON is the library's table, record for record
    expected = export.records(api.datasets_table(store.Snapshot(store.active_dir())))
    assert payload["datasets"] == [
        {**r, "age_days": rows[r["dataset"]]["age_days"]} for r in expected
    ]


def test_the_table_after_a_refresh_at_80_columns_breaks_no_word():
    """In a pipe, at COLUMNS=80, as a user redirecting it would see it."""
    refresh.refresh(["usgs"], file=SERVED["usgs"].file, allow_loss=True, progress=False)
    refresh.refresh(["eu"], file=FIX / "eureport_results.csv", progress=False)
    done = datasets()
    assert done.returncode == 0, done.stderr  # was: NotRenderableError after any refresh
    *lines, snapshot = done.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert snapshot == f"snapshot: {store.active_dir()}"  # whole, however long
    words = set(done.stdout.split())
    payload = {"datasets": export.records(api.datasets_table())}
    for r in payload["datasets"]:
        for field in ("name", "edition", "licence"):
            assert set(str(r[field]).split()) <= words, (r["dataset"], field)
    text = " ".join(done.stdout.split())
    assert "refreshed " in text and " from the file mcs2024_world_5.zip" in text
    assert "edition MCS 2024 data release, ver. 2.0 (March 2024); production 2022 and" in text
    # the refreshed MCS 2024 edition replaced itself; the bundled MCS 2023 edition stays
    assert "(usgs-mcs-2024, usgs-mcs-2023)" in text and "data years 2021-2023" in text
    assert "bundled with raw-scan, built " in text  # iea, wmd, wgi, crma, technologies


def test_datasets_output_writes_a_file(tmp_path, capsys):
    for fmt, name in (("json", "d.json"), ("csv", "d.csv"), ("table", "d.txt")):
        code, out, err = call(
            ["datasets", "--format", fmt, "--output", str(tmp_path / name)], capsys
        )
        assert code == 0, err
        assert out == "" and f"wrote {tmp_path / name}" in err
    assert list(rows_by_id(json.loads((tmp_path / "d.json").read_text()))) == EVERY
    assert (tmp_path / "d.csv").read_text().splitlines()[0] == ",".join(api.DATASET_COLUMNS)
    assert "Worldwide Governance Indicators" in (tmp_path / "d.txt").read_text()


def test_datasets_output_extension_picks_the_format(tmp_path, capsys):
    """Like every other command: ``-o x.json`` with no --format is JSON (it was the terminal
    table written into x.json), ``-o x.csv`` CSV, and a contradicting --format is refused."""
    code, _, err = call(["datasets", "-o", str(tmp_path / "d.json")], capsys)
    assert code == 0, err
    assert list(rows_by_id(json.loads((tmp_path / "d.json").read_text()))) == EVERY
    code, _, err = call(["datasets", "-o", str(tmp_path / "d.CSV")], capsys)
    assert code == 0, err
    assert (tmp_path / "d.CSV").read_text().splitlines()[0] == ",".join(api.DATASET_COLUMNS)
    code, out, err = call(["datasets", "--format", "table", "-o", str(tmp_path / "t.csv")], capsys)
    assert code == 2 and out == "" and "does not match the .csv extension" in err
    assert not (tmp_path / "t.csv").exists()
