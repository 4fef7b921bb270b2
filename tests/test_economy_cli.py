"""The economy and dependencies commands, and --economy/--year on report and material: columns,
types, JSON equal to the library, terminal width, and every bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from test_cli import HEADER, assert_one_error_line, call, run

from raw_scan import api
from raw_scan.report import export

SCREEN_REQUIRED = [
    "economy",
    "year",
    "hs6",
    "description",
    "material",
    "imports_value",
    "non_eu_share",
    "supplier_hhi",
    "imports_to_exports",
    "criteria_met",
    "dependent",
    "persistent",
    "top_partner",
    "top_partner_share",
]
SHARES = ("top_partner_share", "non_eu_share", "third_country_share", "qty_coverage")


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def bel_csv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("economy")
    return run("economy", "BEL", "--year", "2023", "--format", "csv", cwd=tmp, data_dir=tmp)


def test_economy_csv_columns_and_types(bel_csv):
    assert bel_csv.returncode == 0 and bel_csv.stderr == ""
    assert bel_csv.stdout.splitlines()[0] == ",".join(api.ECONOMY_COLUMNS)
    table = rows(bel_csv.stdout)
    assert {r["economy"] for r in table} == {"BEL"} and {r["year"] for r in table} == {"2023"}
    scored = [r for r in table if r["geopolrisk"]]
    assert len(scored) >= 30
    for r in table:
        for col in SHARES:
            assert r[col] == "" or 0.0 <= float(r[col]) <= 1.0, (col, r[col])
        for col in ("imports_value", "geopolrisk", "import_hhi", "cf", "import_reliance"):
            assert r[col] == "" or is_float(r[col]), (col, r[col])
        assert r["eu_strategic"] in ("true", "false", "")
        assert r["crma_65_exceeded"] in ("true", "false", "")
        if r["eu_strategic"] == "false":
            assert r["crma_65_exceeded"] == ""  # the benchmark is for strategic materials
        assert r["wgi_year"] in ("", "2022")
    ranked = [float(r["geopolrisk"]) for r in scored]
    assert ranked == sorted(ranked, reverse=True)
    # real figures: Belgium's natural graphite 2023 comes first from Madagascar
    graphite = next(r for r in table if r["material"] == "natural-graphite")
    assert graphite["hs6"] == "250410|250490" and graphite["top_partner"] == "MDG"
    # a code outside the bundled BACI extraction: no trade data, which is not zero imports
    cobalt_ores = next(r for r in table if r["material"] == "cobalt" and r["stage"] == "mining")
    assert cobalt_ores["hs6"] == "" and cobalt_ores["hs6_no_data"] == "260500"
    assert cobalt_ores["imports_value"] == "" and cobalt_ores["geopolrisk"] == ""
    assert "no trade data in the snapshot for HS6 260500" in cobalt_ores["note"]
    germanium = next(r for r in table if r["material"] == "germanium")
    assert germanium["imports_value"] == ""  # 811230: no BACI flow at all in 2018-2024
    unmapped = [r for r in table if r["stage"] == ""]
    assert unmapped and all(r["note"] == "no HS6 code mapped to this material" for r in unmapped)


def test_economy_json_equals_the_library(capsys):
    code, out, err = call(["economy", "EU27", "--year", "2022", "--format", "json"], capsys)
    assert code == 0 and err == ""
    payload = json.loads(out)
    expected = export.records(api.economy("EU27", 2022), api.ECONOMY_COLUMNS)
    assert payload["records"] == expected
    assert payload["economy"] == "EU27" and len(payload["members"]) == 27
    assert payload["year"] == 2022 and payload["wgi_year"] == 2022
    assert "baci-hs92-v202401b" in {s["id"] for s in payload["sources"]}
    assert any("Rotterdam" in c for c in payload["caveats"])


def test_by_hs6_splits_each_stage_into_its_codes(capsys):
    """--by-hs6: one row per code, whose flows add up to the stage's, and whose figures are
    the screen's for that product (BEL has no internal flows)."""
    code, out, err = call(["economy", "BEL", "--year", "2023", "--by-hs6", "-f", "csv"], capsys)
    assert code == 0 and err == ""
    per_code = [r for r in rows(out) if r["hs6"]]
    assert all(re.fullmatch(r"\d{6}", r["hs6"]) for r in per_code)
    stages = {(r["material"], r["stage"]): r for r in rows(call_csv("economy", "BEL"))}
    for (material, stage), whole in stages.items():
        parts = [r for r in per_code if (r["material"], r["stage"]) == (material, stage)]
        assert sorted(r["hs6"] for r in parts) == sorted(whole["hs6"].split("|") * bool(parts))
        if parts:
            total = sum(float(r["imports_value"]) for r in parts)
            assert total == pytest.approx(float(whole["imports_value"]), rel=1e-6)
            assert {r["production_hhi"] for r in parts} == {whole["production_hhi"]}
    graphite = {r["hs6"]: r for r in per_code if r["material"] == "natural-graphite"}
    assert set(graphite) == {"250410", "250490"}
    screen = {r["hs6"]: r for r in rows(call_csv("dependencies", "BEL"))}
    for hs6, r in graphite.items():
        assert float(r["imports_value"]) == pytest.approx(float(screen[hs6]["imports_value"]))
        assert r["non_eu_share"] == screen[hs6]["non_eu_share"]
    # the per-code scores differ from the stage's (the shares of China differ by code)
    assert graphite["250410"]["geopolrisk"] != graphite["250490"]["geopolrisk"]


def test_rank_by_import_risk_orders_by_the_economy_factor(capsys, monkeypatch):
    code, out, err = call(["economy", "BEL", "--rank", "import-risk", "-f", "csv"], capsys)
    assert code == 0 and err == ""
    table = rows(out)
    risks = [float(r["import_risk"]) for r in table if r["import_risk"]]
    assert len(risks) >= 30 and risks == sorted(risks, reverse=True)
    assert not any(r["import_risk"] for r in table[len(risks) :])  # missing last
    default = rows(call(["economy", "BEL", "-f", "csv"], capsys)[1])
    assert sorted(map(str, table), key=str) == sorted(map(str, default), key=str)  # same rows
    assert [r["material"] for r in table[:3]] != [r["material"] for r in default[:3]]
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = call(["economy", "BEL", "--rank", "import-risk"], capsys)
    assert "ranked by import risk" in out and "Risk" in out.splitlines()[1]
    assert "Top 3rd" in out.splitlines()[1]  # the CRMA 65 % flag column stays at 80
    assert "Risk" not in call(["economy", "BEL"], capsys)[1].splitlines()[1]


def call_csv(*args: str) -> str:
    return export.to_csv(
        api.economy(args[1], 2023) if args[0] == "economy" else api.dependencies(args[1], 2023),
        api.ECONOMY_COLUMNS if args[0] == "economy" else api.SCREEN_COLUMNS,
    )


def test_dependencies_csv_has_the_screen_columns_dependent_first(capsys):
    code, out, err = call(["dependencies", "EU27", "--year", "2023", "--format", "csv"], capsys)
    assert code == 0 and err == ""
    header = out.splitlines()[0].split(",")
    assert header == api.SCREEN_COLUMNS
    assert set(SCREEN_REQUIRED) <= set(header)
    table = rows(out)
    flags = [r["dependent"] for r in table]
    assert set(flags) <= {"true", "false"} and "true" in flags
    assert flags == sorted(flags, key=lambda f: f != "true")  # dependent products first
    for r in table:
        assert re.fullmatch(r"\d{6}", r["hs6"]) and r["criteria_met"] in "0123"
        assert (r["criteria_met"] == "3") == (r["dependent"] == "true")
        assert r["persistent"] in ("true", "false") and r["outside"] == "non-EU"
        assert r["non_eu_share"] == r["outside_share"]  # EU27: outside means non-EU


def test_persistent_keeps_only_persistent_products(capsys):
    code, out, _ = call(["dependencies", "BEL", "--persistent", "--format", "json"], capsys)
    assert code == 0
    records = json.loads(out)["records"]
    assert records and all(r["persistent"] and r["years_dependent"] >= 2 for r in records)
    assert json.loads(out)["thresholds"] == {
        "supplier_hhi": 0.4,
        "outside_share": 0.5,
        "imports_to_exports": 1.0,
    }


def test_an_empty_persistent_screen_says_why(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    args = ["dependencies", "USA", "--persistent", "--supplier-hhi", "0.99"]
    code, out, _ = call([*args, "--outside-share", "0.99"], capsys)
    assert code == 0 and "0 persistently dependent products" in out
    assert "No product is persistently dependent at these thresholds" in out


def test_thresholds_change_the_screen(capsys):
    _, loose, _ = call(["dependencies", "DEU", "--format", "json"], capsys)
    _, strict, _ = call(
        ["dependencies", "DEU", "--supplier-hhi", "0.9", "--format", "json"], capsys
    )
    n_loose = sum(r["dependent"] for r in json.loads(loose)["records"])
    n_strict = sum(r["dependent"] for r in json.loads(strict)["records"])
    assert n_strict < n_loose


def test_report_and_material_gain_the_economy_columns(capsys):
    code, out, _ = call(
        ["report", "li-ion-batteries", "--economy", "BEL", "--year", "2023", "--format", "csv"],
        capsys,
    )
    assert code == 0
    assert out.splitlines()[0] == HEADER + "," + ",".join(api.ECONOMY_REPORT_COLUMNS)
    table = rows(out)
    assert {r["economy"] for r in table} == {"BEL"} and {r["trade_year"] for r in table} == {"2023"}
    cobalt = next(r for r in table if r["material"] == "cobalt" and r["stage"] == "refining")
    assert 0 < float(cobalt["geopolrisk"]) < 1 and cobalt["top_partner"]
    code, out, _ = call(["material", "cobalt", "--economy", "EU27", "--format", "json"], capsys)
    assert code == 0
    stages = json.loads(out)["stages"]
    assert all(set(api.ECONOMY_REPORT_COLUMNS) <= set(s) for s in stages)
    assert {s["economy"] for s in stages} == {"EU27"}


def test_json_with_an_economy_names_its_trade_sources_and_caveats(capsys):
    """report, material and bom --economy: the JSON says what the import figures rest on (BACI,
    the HS6 map, World Mining Data for domestic production) and carries the port caveat;
    without --economy neither appears."""
    cases = [
        ["report", "li-ion-batteries"],
        ["material", "cobalt"],
        ["bom", str(Path(__file__).parents[1] / "examples" / "nmc811-battery-pack-60kwh.toml")],
    ]
    for args in cases:
        code, out, _ = call([*args, "--economy", "BEL", "--year", "2023", "-f", "json"], capsys)
        assert code == 0, args
        payload = json.loads(out)
        ids = [s["id"] for s in payload["sources"]]
        assert "hs-materials-compiled" in ids and any(i.startswith("baci") for i in ids), args
        assert any(i.startswith("wmd") for i in ids), args
        eco = payload["economy"]
        assert (eco["economy"], eco["year"], eco["members"]) == ("BEL", 2023, ["BEL"]), args
        assert "Antwerp (BEL)" in eco["caveats"][0], args
        code, out, _ = call([*args, "-f", "json"], capsys)
        payload = json.loads(out)
        assert "economy" not in payload, args
        assert not any(s["id"].startswith("baci") for s in payload["sources"]), args


def test_terminal_tables_fit_80_columns(tmp_path, private_data_dir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for args in (("economy", "BEL"), ("dependencies", "EU27"), ("dependencies", "USA")):
        proc = run(*args, cwd=tmp_path, data_dir=private_data_dir)
        assert proc.returncode == 0, proc.stderr
        assert max(len(line) for line in proc.stdout.splitlines()) <= 80, args
    assert "Antwerp (BEL)" in run("economy", "BEL", cwd=tmp_path, data_dir=private_data_dir).stdout


def test_report_and_material_tables_carry_the_port_caveat(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = call(["report", "li-ion-batteries", "--economy", "BEL"], capsys)
    assert code == 0 and "Caveat: port and re-export trade through Antwerp (BEL)" in out
    code, out, _ = call(["material", "cobalt", "--economy", "EU27"], capsys)
    assert code == 0 and "Antwerp (BEL) and Rotterdam (NLD)" in out
    code, out, _ = call(["material", "cobalt", "--economy", "USA"], capsys)
    assert code == 0 and "import figures" in out and "Antwerp" not in out


@pytest.mark.parametrize("width", [50, 60])
def test_narrow_terminals_leave_columns_out_and_never_cut_a_value(
    width, tmp_path, private_data_dir, monkeypatch
):
    """Below the natural width the economy tables drop optional columns and say so, rather
    than cropping the right-hand columns or cutting figures to '0.3…'."""
    monkeypatch.setenv("COLUMNS", str(width))
    for args in (
        ("economy", "BEL"),
        ("dependencies", "EU27", "--year", "2018"),
        ("material", "cobalt", "--economy", "EU27"),
    ):
        proc = run(*args, cwd=tmp_path, data_dir=private_data_dir)
        assert proc.returncode == 0, proc.stderr
        ours = proc.stdout[proc.stdout.index("EU27 2024: import") :] if "cobalt" in args else ""
        lines = (ours or proc.stdout).splitlines()  # the material card above is not ours
        assert max(len(line) for line in lines) <= width, args
        assert "…" not in "\n".join(lines), args
        if width == 50 or args[0] != "material":  # the short material table fits 60
            assert any(line.startswith("Left out to fit") for line in lines), args
    text = run("economy", "BEL", cwd=tmp_path, data_dir=private_data_dir).stdout
    assert "0.361" in text and "Natural graphite" in text  # GPR and names stay whole


@pytest.mark.parametrize(
    "args, hint",
    [
        (["economy", "BELG"], "did you mean: BEL"),
        (["economy", "BEL", "--year", "1990"], "2018-2024"),
        (["dependencies", "EU27", "--year", "2031"], "2018-2024"),
        (["dependencies", "EU27", "--supplier-hhi", "2"], "--supplier-hhi"),
        (["dependencies", "EU27", "--outside-share", "-0.1"], "--outside-share"),
        (["report", "li-ion-batteries", "--economy", "XXX"], "unknown economy"),
        (["report", "li-ion-batteries", "--year", "2022"], "--economy"),
        (["material", "cobalt", "--economy", "EU27", "--year", "2017"], "2018-2024"),
        (["economy", "BENELUKS"], "BENELUX"),
        (["economy", "BADGROUP"], "NDL"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, hint, tmp_path, private_data_dir, monkeypatch):
    (tmp_path / "groups.toml").write_text(
        '[groups]\nBENELUX = ["BEL", "NLD", "LUX"]\nBADGROUP = "BEL, NDL"\n'
    )
    monkeypatch.setenv("RAW_SCAN_CONFIG_DIR", str(tmp_path))
    proc = run(*args, cwd=tmp_path, data_dir=private_data_dir)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert_one_error_line(proc.stderr)
    assert hint in proc.stderr


def test_malformed_group_file_names_the_file(capsys, tmp_path, monkeypatch):
    (tmp_path / "groups.toml").write_text("[groups\nBENELUX = 1\n")
    monkeypatch.setenv("RAW_SCAN_CONFIG_DIR", str(tmp_path))
    code, out, err = call(["economy", "BENELUX"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "groups.toml is not valid TOML" in err


def test_user_group_works_like_eu27(capsys, tmp_path, monkeypatch):
    (tmp_path / "groups.toml").write_text('[groups]\nBENELUX = ["BEL", "NLD", "LUX"]\n')
    monkeypatch.setenv("RAW_SCAN_CONFIG_DIR", str(tmp_path))
    code, out, _ = call(["economy", "benelux", "--year", "2022", "--format", "json"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["economy"] == "BENELUX" and payload["members"] == ["BEL", "NLD", "LUX"]
    partners = {r["top_partner"] for r in payload["records"]} - {None}
    assert partners and not partners & {"BEL", "NLD", "LUX"}  # internal flows excluded
