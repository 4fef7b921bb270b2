"""The technology x material grid: the library matrix, its CSV and JSON, and the terminal grid
at 80 and 100 columns and in a pipe."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from test_cli import assert_one_error_line, call, run

from raw_scan import api, store
from raw_scan.report import export, grid_view
from raw_scan.scoring import composite


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    return api.grid()


def test_grid_rows_are_the_materials_the_technologies_use(grid):
    links = store.load("technology_materials")
    ids = list(store.load("technologies")["id"])
    assert list(grid.columns) == [*api.GRID_FIXED, *ids]
    assert set(grid["material"]) == set(links["material"])
    assert grid["material"].is_unique
    for tech in ids:
        used = set(links.loc[links["technology"] == tech, "material"])
        assert set(grid.loc[grid[tech].notna(), "material"]) == used, tech


def test_grid_cells_are_the_material_band(grid):
    mats = api.materials_table().set_index("material")
    for r in grid.to_dict("records"):
        assert r["risk_band"] == mats.loc[r["material"], "risk_band"]
        cells = {r[t] for t in grid.columns[len(api.GRID_FIXED) :] if pd.notna(r[t])}
        assert cells == {r["risk_band"]}
    gallium = grid.set_index("material").loc["gallium"]
    assert gallium["solar-pv"] == "very high" and pd.isna(gallium["li-ion-batteries"])
    # worst first; materials without data last, their stage missing
    assert grid["risk_band"].map(composite.BAND_ORDER).is_monotonic_decreasing
    assert grid.loc[grid["risk_band"] == "no data", "stage"].isna().all()


def test_grid_of_two_technologies(capsys):
    df = api.grid(["li-ion-batteries", "heat pumps"])
    assert list(df.columns[len(api.GRID_FIXED) :]) == ["li-ion-batteries", "heat-pumps"]
    links = store.load("technology_materials")
    want = set(links.loc[links["technology"].isin(["li-ion-batteries", "heat-pumps"]), "material"])
    assert set(df["material"]) == want


def test_abbreviations_are_short_and_unique():
    ids = list(store.load("technologies")["id"])
    short = grid_view.abbreviations(ids)
    assert short["li-ion-batteries"] == "LIB" and short["robotics"] == "ROB"
    assert len(set(short.values())) == len(ids)
    assert all(len(s) <= 4 for s in short.values())
    assert grid_view.abbreviations(["heat-pumps", "hydro-power"]) == {
        "heat-pumps": "HP",
        "hydro-power": "HP2",
    }


def test_grid_csv_and_json_equal_the_library_result(capsys, grid):
    code, out, _ = call(["grid", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert list(df.columns) == list(grid.columns)
    bands = ["very high", "high", "medium", "low"]
    assert (
        df["solar-pv"].dropna().isin([*bands, *(b + " (partial)" for b in bands), "no data"]).all()
    )
    code, out, _ = call(["grid", "--all", "--format", "json"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["grid"] == export.records(grid)
    assert payload["sources"]


@pytest.mark.parametrize("width", [80, 100])
def test_grid_terminal_fits_and_has_a_legend(width, tmp_path, private_data_dir, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    proc = run("grid", cwd=tmp_path, data_dir=private_data_dir)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    header = next(x for x in lines if x.lstrip().startswith("Material"))
    assert header.split()[-13:] == [
        "LIB", "FC", "ELE", "TM", "HP", "HDE", "DT", "ROB", "SD", "EM", "SEM", "WT", "SP",
    ]  # fmt: skip
    assert ("Top" in header) is (width >= 100)
    gallium = next(x for x in lines if x.lstrip().startswith("Gallium")).split()
    # in a pipe the letters carry the band: DT, SD, SEM and SP use gallium, very high
    assert gallium.count("VH") == 4
    text = " ".join(proc.stdout.split())
    assert "LIB li-ion-batteries" in text and "VH very high" in text and "· not used" in text


def test_grid_unknown_technology(capsys):
    code, out, err = call(["grid", "heat-pumpz"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "heat-pumps" in err
