"""Build the wheel, install it into a fresh venv and run the console script from elsewhere.

Marked ``slow`` (a few seconds); it runs by default. Deselect with ``-m 'not slow'``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

OFFLINE_HINTS = (
    "Could not find a version that satisfies the requirement hatchling",
    "No matching distribution found for hatchling",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.mark.slow
def test_wheel_ships_the_datasets_and_runs(tmp_path, private_data_dir):
    dist = tmp_path / "dist"
    build = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)]
    )
    if build.returncode != 0:
        if any(h in build.stdout + build.stderr for h in OFFLINE_HINTS):
            pytest.skip(
                "cannot build the wheel: the build backend (hatchling) could not be fetched "
                "offline; " + (build.stderr.strip().splitlines() or ["no output"])[-1]
            )
        pytest.fail(f"pip wheel failed:\n{build.stdout}\n{build.stderr}")
    wheels = list(dist.glob("raw_scan-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as zf:
        names = set(zf.namelist())
    for table in (
        "manifest.json",
        "production.csv",
        "governance.csv",
        "technologies.csv",
        "trade.csv.gz",
        "hs_materials.csv",
    ):
        assert f"raw_scan/_datasets/{table}" in names
    # issue 8: the bundled BACI flows must keep the wheel small (2.96 MB when this was written)
    size = wheels[0].stat().st_size
    assert size < 10 * 1024 * 1024, f"wheel is {size / 1e6:.1f} MB; the limit is 10 MB"
    assert "raw_scan/cli/__init__.py" in names and not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    assert made.returncode == 0, made.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    # --system-site-packages gives the base interpreter's packages; when the tests themselves
    # run in a venv, the dependencies live there, so point the new venv at it as well.
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    # install first: with the parent env visible, pip would see raw-scan there and skip it
    installed = _run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheels[0])])
    assert installed.returncode == 0, installed.stderr
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_test_parent_env.pth").write_text("\n".join(sorted(here)) + "\n")

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["RAW_SCAN_DATA_DIR"] = str(private_data_dir)
    where = _run(
        [
            str(python),
            "-c",
            "import raw_scan, raw_scan.store as s; print(raw_scan.__file__);"
            " print(s.bundled_dir())",
        ],
        cwd=workdir,
        env=env,
    )
    module, bundled = where.stdout.split("\n")[:2]
    assert Path(module).is_relative_to(venv), module  # the wheel's code, not the checkout
    assert Path(bundled).name == "_datasets" and Path(bundled).is_relative_to(venv)

    script = bindir / ("raw-scan.exe" if os.name == "nt" else "raw-scan")
    proc = _run(
        [str(script), "report", "li-ion-batteries", "--format", "csv"], cwd=workdir, env=env
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("technology,material,stage,year,")
    assert any(line.startswith("li-ion-batteries,lithium,") for line in lines)
