"""Shared test settings: the ``slow`` marker, fixture paths, and a private data directory.

Every test runs with ``RAW_SCAN_DATA_DIR`` and ``RAW_SCAN_CONFIG_DIR`` pointing at empty
temporary folders, so the library and the command line use the bundled snapshot in
``datasets/`` and never a snapshot or a saved technology of the person running the tests.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: builds and installs a wheel (runs by default; skip with -m 'not slow')"
    )


def one(df: pd.DataFrame, **where) -> pd.Series:
    """The single row of ``df`` whose columns equal the given values (fails unless exactly one)."""
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    hit = df[mask]
    assert len(hit) == 1, f"{len(hit)} rows for {where}"
    return hit.iloc[0]


@pytest.fixture(scope="module")
def make_httpserver():
    """Serve ``httpserver`` on 127.0.0.1 only, threaded so a deliberately slow handler never
    holds up the next request."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


REFRESH_SOURCE_IDS = ("usgs", "wgi", "wmd", "iea", "eu", "baci", "bgs")


@pytest.fixture
def refresh_env(tmp_path, monkeypatch):
    """For refresh tests: a private data directory (returned, not yet created), no retry
    back-off, short timeouts, no source URL or discovery address from outside (the discovery
    defaults point at a closed local port unless a test points them at its server)."""
    from raw_scan import store
    from raw_scan.sources import bgs, usgs, wgi, wmd

    data = tmp_path / "data"
    monkeypatch.setenv("RAW_SCAN_DATA_DIR", str(data))
    monkeypatch.setenv("RAW_SCAN_RETRY_BACKOFF", "0")
    monkeypatch.setenv("RAW_SCAN_HTTP_TIMEOUT", "5")
    monkeypatch.setenv("RAW_SCAN_LOCK_TIMEOUT", "60")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    for sid in REFRESH_SOURCE_IDS:
        monkeypatch.delenv(f"RAW_SCAN_{sid.upper()}_URL", raising=False)
    blocked = "http://127.0.0.1:9/not-the-internet"
    monkeypatch.setattr(usgs, "RELEASES_URL", blocked)
    monkeypatch.setattr(usgs, "ITEM_URL", blocked + "/{id}")
    monkeypatch.setattr(wmd, "LANDING_URL", blocked)
    monkeypatch.setattr(wgi, "API_URL", blocked + "/{dim}/{start}/{end}")
    monkeypatch.setattr(bgs, "ITEMS_URL", blocked)
    store.clear_cache()
    yield data
    store.clear_cache()


@pytest.fixture(scope="module")
def seeded_usgs(tmp_path_factory):
    """A data directory (made once per module; copy it into a test's own) whose active
    snapshot was refreshed from the 5-file USGS MCS 2024 zip of tests/fixtures/refresh."""
    from raw_scan import refresh, store

    root = tmp_path_factory.mktemp("seeded-usgs")
    zipped = FIXTURES / "refresh" / "mcs2024_world_5.zip"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAW_SCAN_DATA_DIR", str(root))
        refresh.refresh(["usgs"], file=zipped, allow_loss=True, progress=False)
    store.clear_cache()
    return root


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory, monkeypatch):
    data_dir = tmp_path_factory.mktemp("raw-scan-data")
    monkeypatch.setenv("RAW_SCAN_DATA_DIR", str(data_dir))
    # and an empty config folder: no user-defined technology of the person running the tests
    monkeypatch.setenv("RAW_SCAN_CONFIG_DIR", str(tmp_path_factory.mktemp("raw-scan-config")))
    return data_dir


FAKE_CRONTAB = """#!/bin/sh
# A stand-in for crontab(1): -l prints the stored table, - replaces it from stdin.
table="$(dirname "$0")/crontab.txt"
case "$1" in
  -l) if [ -f "$table" ]; then cat "$table"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) cat > "$table" ;;
  *) echo "fake crontab: bad usage" >&2; exit 2 ;;
esac
"""
USER_LINE = "*/5 * * * * /usr/bin/backup --quiet  # the user's own job\n"


@pytest.fixture
def crontab(tmp_path, monkeypatch):
    """A fake crontab (RAW_SCAN_CRONTAB_CMD) whose table file, returned, is pre-seeded with an
    unrelated line of the user's; the real user's crontab is never touched."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "crontab"
    script.write_text(FAKE_CRONTAB)
    monkeypatch.setenv("RAW_SCAN_CRONTAB_CMD", shlex.join(["sh", str(script)]))
    table = bindir / "crontab.txt"
    table.write_text(USER_LINE)
    return table
