"""The command line: exit codes, one-line errors, CSV/JSON output, --output, help, --version."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest
import typer
from conftest import ROOT

import raw_scan
from raw_scan import api, cli
from raw_scan.report import export

HEADER = (
    "technology,material,stage,year,top_country,top_share,top3_share,hhi,hhi_wgi,supplier_wgi,"
    "coverage,eol_rir,risk_score,risk_band,bottleneck,eu_critical,eu_strategic,eu_supply_risk,"
    "eu_economic_importance,eu_bottleneck_stage,evidence,data_material,basis,unit,source,drivers,"
    "note,method,method_score,method_band,method_drivers"
)
BOOLEAN_COLUMNS = ("bottleneck", "eu_critical", "eu_strategic")
SHARE_COLUMNS = ("top_share", "top3_share", "coverage")


def run(*args: str, cwd, data_dir) -> subprocess.CompletedProcess:
    """``python -m raw_scan ARGS`` in a clean process, on the checkout's code."""
    env = {
        **os.environ,
        "RAW_SCAN_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-m", "raw_scan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def call(argv: list[str], capsys) -> tuple[int, str, str]:
    """In-process ``raw_scan.cli.main(argv)``: (exit code, stdout, stderr)."""
    try:
        cli.main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, repr(stderr)
    assert stderr.startswith("raw-scan: error: ")


# --------------------------------------------------------------------------- errors, codes
@pytest.mark.parametrize(
    "args",
    [
        ["report", "no-such-technology"],
        ["material", "unobtainium"],
        ["report", "li-ion-batteries", "--bogus"],
        ["report", "li-ion-batteries", "--format", "xml"],
        ["frobnicate"],
        ["report"],
        ["report", "--all", "li-ion-batteries"],
    ],
    ids=[
        "unknown-tech",
        "unknown-material",
        "bad-option",
        "bad-format",
        "bad-command",
        "no-tech",
        "all-and-names",
    ],
)
def test_bad_usage_exits_2_with_one_line(args, tmp_path, private_data_dir):
    proc = run(*args, cwd=tmp_path, data_dir=private_data_dir)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_error_line(proc.stderr)


def test_unknown_technology_suggests_the_closest_id(tmp_path, private_data_dir):
    proc = run("report", "heat-pumpz", cwd=tmp_path, data_dir=private_data_dir)
    assert proc.returncode == 2
    assert_one_error_line(proc.stderr)
    assert "did you mean: heat-pumps" in proc.stderr


def test_bad_format_names_the_allowed_values(capsys):
    code, out, err = call(["report", "li-ion-batteries", "--format", "xml"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "'xml'" in err and "csv" in err and "json" in err


def test_usage_hint_names_the_real_command(tmp_path, private_data_dir):
    proc = run("report", "li-ion-batteries", "--bogus", cwd=tmp_path, data_dir=private_data_dir)
    assert "(see 'raw-scan report --help')" in proc.stderr


# ------------------------------------------------------------------------------- CSV / JSON
@pytest.fixture(scope="module")
def li_ion_csv(tmp_path_factory) -> subprocess.CompletedProcess:
    tmp = tmp_path_factory.mktemp("cli")
    return run("report", "li-ion-batteries", "--format", "csv", cwd=tmp, data_dir=tmp / "data")


def test_report_csv_header_booleans_and_shares(li_ion_csv):
    assert li_ion_csv.returncode == 0
    assert li_ion_csv.stderr == ""
    assert li_ion_csv.stdout.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(li_ion_csv.stdout)))
    assert {r["technology"] for r in rows} == {"li-ion-batteries"}
    assert "lithium" in {r["material"] for r in rows}
    for r in rows:
        for col in BOOLEAN_COLUMNS:
            assert r[col] in ("true", "false"), (col, r[col])
        for col in SHARE_COLUMNS:
            if r[col] != "":
                assert 0.0 <= float(r[col]) <= 1.0, (col, r[col])
    assert any(r["top_share"] == "" for r in rows)  # stages without data stay empty


def test_report_csv_years_are_integers(li_ion_csv):
    years = {r["year"] for r in csv.DictReader(io.StringIO(li_ion_csv.stdout))}
    assert all(re.fullmatch(r"\d{4}", y) for y in years - {""}), sorted(years)


def test_report_json_equals_the_library_result(capsys):
    code, out, err = call(["report", "li-ion-batteries", "--format", "json"], capsys)
    assert code == 0 and err == ""
    payload = json.loads(out)
    expected = export.records(api.technology_report(["li-ion-batteries"]), api.REPORT_COLUMNS)
    assert payload["records"] == expected
    assert [s["technology"] for s in payload["summary"]] == ["li-ion-batteries"]
    assert "usgs-mcs-2024" in {s["id"] for s in payload["sources"]}


def test_report_all_covers_thirteen_technologies(capsys):
    code, out, _ = call(["report", "--all", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert df["technology"].nunique() == 13
    assert set(df["technology"]) == set(api.technologies()["id"])


def test_output_file_and_nothing_on_stdout(tmp_path, capsys):
    _, expected, _ = call(["report", "li-ion-batteries", "--format", "csv"], capsys)
    target = tmp_path / "li-ion.csv"
    code, out, err = call(
        ["report", "li-ion-batteries", "--format", "csv", "--output", str(target)], capsys
    )
    assert code == 0
    assert out == ""
    assert target.read_text(encoding="utf-8") == expected
    assert err.count("\n") == 1 and "li-ion.csv" in err
    table = tmp_path / "li-ion.txt"
    code, out, _ = call(["report", "li-ion-batteries", "-o", str(table)], capsys)
    assert code == 0 and out == ""
    assert "lithium" in table.read_text(encoding="utf-8").lower()


def test_output_into_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "out.csv"
    code, out, err = call(["technologies", "--format", "csv", "-o", str(target)], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert not target.parent.exists()


def test_formula_cells_are_neutralised():
    df = pd.DataFrame(
        {
            "text": ["=cmd|' /C calc'!A0", "+1", "@x", "-2", "plain", "\tTAB"],
            "number": [-2.0, 1.5, -0.25, 3.0, 0.0, -1.0],
        }
    )
    rows = list(csv.reader(io.StringIO(export.to_csv(df))))
    assert rows[0] == ["text", "number"]
    assert [r[0] for r in rows[1:]] == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'@x",
        "'-2",
        "plain",
        "'\tTAB",
    ]
    assert [float(r[1]) for r in rows[1:]] == [-2.0, 1.5, -0.25, 3.0, 0.0, -1.0]
    assert all(not r[1].startswith("'") for r in rows[1:])


def test_other_listings(capsys):
    code, out, _ = call(["technologies", "--format", "csv"], capsys)
    assert code == 0
    techs = pd.read_csv(io.StringIO(out))
    assert list(techs.columns) == ["id", "name", "materials", "scope", "origin"]
    assert set(techs["origin"]) == {"built-in"}
    assert len(techs) == 13 and (techs["materials"] > 0).all()
    code, out, _ = call(["material", "REE", "--format", "json"], capsys)
    assert code == 0
    card = json.loads(out)
    assert card["material"] == "rare-earths"
    assert {s["stage"] for s in card["stages"]} == {"mining", "refining"}


# ------------------------------------------------------------------------ help and version
def _commands(cmd, path: tuple[str, ...] = ()):
    """Walk the click command tree (typer >= 0.20 vendors click, so no isinstance checks)."""
    yield path, cmd
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from _commands(sub, (*path, name))


def test_every_command_has_help(capsys):
    tree = list(_commands(typer.main.get_command(cli.app)))
    names = {" ".join(p) for p, _ in tree}
    assert {"report", "material", "materials", "technologies", "schedule"} <= names
    for path, cmd in tree:
        text = (cmd.help or cmd.short_help or "").strip()
        assert text, f"no help for {' '.join(path) or 'raw-scan'}"
        for param in cmd.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                assert (param.help or "").strip(), f"{' '.join(path)} {param.opts}"
        code, out, err = call([*path, "--help"], capsys)
        assert code == 0, (path, err)
        assert "Usage:" in out and text.splitlines()[0][:30] in " ".join(out.split())
        assert "Example: " in out and "raw-scan" in out.split("Example: ", 1)[1], path


def test_help_does_not_import_pandas(tmp_path, private_data_dir):
    script = (
        "import sys\n"
        "from raw_scan import cli\n"
        "for argv in (['--help'], ['report', '--help']):\n"
        "    try:\n"
        "        cli.main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('PANDAS', 'pandas' in sys.modules, file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "RAW_SCAN_DATA_DIR": str(private_data_dir),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "PANDAS False"


def test_version(tmp_path, private_data_dir, capsys):
    assert raw_scan.__version__ == "0.1.0"
    proc = run("--version", cwd=tmp_path, data_dir=private_data_dir)
    assert proc.returncode == 0
    assert proc.stdout == f"raw-scan {raw_scan.__version__}\n"
    code, out, _ = call(["--version"], capsys)
    assert code == 0 and out == "raw-scan 0.1.0\n"


def test_material_card_table_and_materials_ranking(tmp_path, capsys):
    card = tmp_path / "gallium.txt"
    code, out, _ = call(["material", "gallium", "-o", str(card)], capsys)
    assert code == 0 and out == ""
    text = card.read_text(encoding="utf-8")
    assert "CHN" in text and "98.4%" in text  # 600000 / 610000 in mcs2024-galli_world.csv
    code, out, _ = call(["materials", "--format", "csv"], capsys)
    assert code == 0
    ranked = pd.read_csv(io.StringIO(out))
    scores = ranked["risk_score"].dropna().tolist()
    assert scores == sorted(scores, reverse=True)
    assert ranked["material"].is_unique and len(ranked) == len(api.materials_table())
