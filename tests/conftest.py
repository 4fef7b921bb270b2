"""Shared test settings: the ``slow`` marker, fixture paths, and a private data directory.

Every test runs with ``RAW_SCAN_DATA_DIR`` pointing at an empty temporary folder, so the library
and the command line use the bundled snapshot in ``datasets/`` and never a snapshot the person
running the tests may have refreshed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: builds and installs a wheel (runs by default; skip with -m 'not slow')"
    )


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory, monkeypatch):
    data_dir = tmp_path_factory.mktemp("raw-scan-data")
    monkeypatch.setenv("RAW_SCAN_DATA_DIR", str(data_dir))
    return data_dir
