"""A user's bill of materials: every validation error, mass units, the mass weighting, saved
technologies in `technologies` and `report`, and the two example BOMs."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from conftest import ROOT
from test_cli import assert_one_error_line, call

from raw_scan import api, bom, catalogue, config
from raw_scan.bom import BomError

EXAMPLES = ROOT / "examples"
BATTERY = EXAMPLES / "nmc811-battery-pack-60kwh.toml"
TURBINE = EXAMPLES / "wind-turbine-3mw-direct-drive.csv"


def write(tmp_path, text: str, name: str = "product.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path) -> list[str]:
    with pytest.raises(BomError) as info:
        bom.read(path)
    return info.value.messages


# --------------------------------------------------------------------------- validation
BAD_LINES = [
    ("lithum,5,kg,", "unknown material 'lithum'; did you mean: lithium"),
    ("cobalt,-2,kg,", "negative quantity -2"),
    ("nickel,abc,kg,", "non-numeric quantity 'abc'"),
    ('zinc,"1,5",kg,', "non-numeric quantity '1,5' (use a dot as decimal separator"),
    ("silver,0,g,", "quantity 0: leave the line out"),
    ("copper,,kg,", "no quantity"),
    ("copper,3,kWh,", "unknown unit 'kWh': raw-scan weighs materials by mass"),
    ("copper,3,ton,", "ambiguous unit 'ton'"),
    ("copper,3,,", "no unit; give a mass unit"),
    ("tin,2,kg,smelting", "unknown stage 'smelting'"),
    (",2,kg,", "no material named"),
    ("tin,2,kg,mining,a note,a source,extra", "7 cells for 6 columns"),
]


@pytest.mark.parametrize("line, message", BAD_LINES, ids=[m.split(" ")[0] for _, m in BAD_LINES])
def test_each_bad_line_is_named_with_its_line_number(tmp_path, line, message):
    path = write(tmp_path, f"material,quantity,unit,stage,note,source\ngallium,1,kg,,,\n{line}\n")
    messages = errors_of(path)
    assert len(messages) == 1 and messages[0].startswith(f"product.csv:3: {message}"), messages


def test_duplicates_name_the_first_line(tmp_path):
    path = write(
        tmp_path,
        "material,quantity,unit,stage\n"
        "lithium,1,kg,mining\n"
        "lithium,2,kg,refining\n"  # another stage: fine
        "Li,3,kg,\n"  # an alias, both stages: overlaps line 2
        "copper,1,kg,\n"
        "cu,1,kg,refining\n",  # overlaps line 5
    )
    assert errors_of(path) == [
        "product.csv:4: Li is listed twice (also line 2, mining); merge the lines",
        "product.csv:6: cu is listed twice (also line 5); merge the lines",
    ]


def test_all_bad_lines_are_reported_in_one_go_and_nothing_runs(tmp_path, capsys):
    body = "\n".join(line for line, _ in BAD_LINES)
    path = write(tmp_path, "# a comment line\nmaterial,quantity,unit,stage,note,source\n" + body)
    code, out, err = call(["bom", str(path)], capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == len(BAD_LINES)
    for i, (text, (_, message)) in enumerate(zip(lines, BAD_LINES, strict=True), start=3):
        assert text.startswith(f"raw-scan: error: product.csv:{i}: {message}"), text
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("p.csv", "material,qty\nx,1\n", "p.csv:1: missing column(s) quantity"),
        ("p.csv", "material,quantity,colour\nx,1,red\n", "p.csv:1: unknown column(s) colour"),
        ("p.csv", "material,quantity,unit\n", "p.csv: no material lines"),
        ("p.txt", "material,quantity\n", "p.txt: unsupported file type .txt"),
        ("p.toml", "[[material]\n", "p.toml: not valid TOML"),
        ("p.toml", 'name = "x"\n', "p.toml: expected one [[material]] table per line"),
    ],
)
def test_file_level_errors_are_one_line(tmp_path, capsys, name, text, message):
    path = write(tmp_path, text, name)
    code, out, err = call(["bom", str(path)], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert err.startswith(f"raw-scan: error: {message}")


def test_missing_file_and_missing_argument(tmp_path, capsys):
    code, _, err = call(["bom", str(tmp_path / "none.csv")], capsys)
    assert code == 2 and "none.csv: no such file" in err
    code, _, err = call(["bom"], capsys)
    assert code == 2 and "name a BOM file" in err


def test_toml_errors_carry_the_line_of_the_table(tmp_path):
    path = write(
        tmp_path,
        'name = "Two lines"\n\n[[material]]\nmaterial = "gallium"\nquantity = 3\nunit = "g"\n\n'
        '[[material]]\nmaterial = "gallium"\nquantity = "2 kg"\n\n'
        '[[material]]\nmaterial = "tin"\nquantity = true\nunit = "kg"\ncolour = "grey"\n',
        "p.toml",
    )
    assert errors_of(path) == [
        "p.toml:8: gallium is listed twice (also line 3); merge the lines",
        "p.toml:12: unknown key(s) colour",
    ]


# --------------------------------------------------------------------------- units
@pytest.mark.parametrize(
    "quantity, unit, kg",
    [
        (1, "g", 0.001),
        (250, "mg", 0.00025),
        (2, "t", 2000.0),
        (2, "tonnes", 2000.0),
        (1, "kt", 1e6),
        (1, "lb", 0.45359237),
        (16, "oz", 0.45359237),
        (1, "short ton", 907.18474),
        (1, "long-ton", 1016.0469088),
    ],
)
def test_mass_units_convert_exactly(quantity, unit, kg):
    assert bom.to_kg(quantity, unit)[0] == pytest.approx(kg, rel=1e-15)


def test_quantity_may_carry_its_unit(tmp_path):
    b = bom.read(write(tmp_path, "material,quantity\ngallium,2.5 kg\ncopper,3e3 g\n"))
    assert [(line.material, line.kg) for line in b.lines] == [("gallium", 2.5), ("copper", 3.0)]


# --------------------------------------------------------------------------- the report
def test_mass_weighting_hand_computed(tmp_path):
    path = write(
        tmp_path,
        "material,quantity,unit\ngallium,1,kg\ncopper,3000,g\nsynthetic graphite,1,kg\n",
    )
    b = api.read_bom(path)
    df = api.bom_report(b)
    s = api.bom_summary(df)
    stages = api.stage_table().groupby("material")["risk_score"].max()
    assert s.total_kg == 5.0 and s.materials == 3
    assert s.by_band["very high"] == {"mass_share": 0.2, "kg": 1.0, "materials": 1}  # gallium
    assert s.by_band["low"] == {"mass_share": 0.6, "kg": 3.0, "materials": 1}  # copper
    assert s.by_band["no data"] == {"mass_share": 0.2, "kg": 1.0, "materials": 1}
    assert s.scored_mass_share == pytest.approx(0.8)
    assert s.weighted_score == pytest.approx((stages["gallium"] * 1 + stages["copper"] * 3) / 4)
    assert "share of the listed mass (kg) in each band" in s.weighting
    assert df["mass_share"].groupby(df["material"]).first().to_dict() == {
        "copper": 0.6,
        "gallium": 0.2,
        "synthetic-graphite": 0.2,
    }


def test_a_bom_stage_keeps_only_that_stage(tmp_path):
    path = write(tmp_path, "material,quantity,unit,stage\nlithium,1,kg,mining\ncobalt,1,kg,\n")
    df = api.bom_report(api.read_bom(path))
    assert df.loc[df["material"] == "lithium", "stage"].tolist() == ["mining"]
    assert sorted(df.loc[df["material"] == "cobalt", "stage"]) == ["mining", "refining"]


def test_bom_weighting_follows_the_method(tmp_path):
    path = write(tmp_path, "material,quantity,unit\ncobalt,1,kg\nnickel,1,kg\n")
    s = api.bom_summary(api.bom_report(api.read_bom(path), method="eu-sr"))
    # EU 2023: cobalt SR 2.8 (extraction), nickel 0.5 (processing) -> very high, medium
    assert s.method == "eu-sr"
    assert s.by_band["very high"]["mass_share"] == 0.5 and s.by_band["medium"]["materials"] == 1
    assert s.weighted_score == pytest.approx((2.8 + 0.5) / 2)


def test_bom_cli_csv_and_json(tmp_path, capsys):
    code, out, err = call(["bom", str(TURBINE), "--format", "csv"], capsys)
    assert code == 0 and err == ""
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == api.BOM_COLUMNS
    assert set(df["quantity_kg"]) == {504.0, 45.0}
    assert df.groupby("material")["mass_share"].first().to_dict() == pytest.approx(
        {"neodymium": 504 / 549, "dysprosium": 45 / 549},
        abs=1e-6,  # CSV keeps 6 decimals
    )
    code, out, _ = call(["bom", str(BATTERY), "--format", "json", "-m", "gss"], capsys)
    doc = json.loads(out)
    assert doc["product"] == "60 kWh NMC811 battery pack" and doc["method"] == "gss"
    assert doc["mass_summary"]["total_kg"] == pytest.approx(
        5.535 + 36.469 + 4.576 + 51.234 + 21.866
    )
    assert {r["method"] for r in doc["records"]} == {"gss"}
    # a BOM's materials come from its own lines, not from the technology table
    ids = [s["id"] for s in doc["sources"]]
    assert "technologies-compiled" not in ids and "eu-crma-2024" in ids
    code, out, _ = call(["report", "li-ion-batteries", "--format", "json"], capsys)
    assert "technologies-compiled" in [s["id"] for s in json.loads(out)["sources"]]


# --------------------------------------------------------------------------- saved technologies
def test_saved_bom_appears_in_technologies_and_report(tmp_path, capsys):
    code, _, err = call(["bom", str(BATTERY), "--save", "my-pack", "--format", "csv"], capsys)
    assert code == 0 and "saved user technology my-pack (5 materials)" in err
    saved = config.technologies_dir() / "my-pack.json"
    assert json.loads(saved.read_text())["file"] == BATTERY.name  # the name, never a path
    code, out, _ = call(["technologies", "--format", "csv"], capsys)
    techs = pd.read_csv(io.StringIO(out)).set_index("id")
    assert techs.loc["my-pack", "origin"] == "user" and techs.loc["my-pack", "materials"] == 5
    assert len(techs) == 14
    code, out, _ = call(["report", "my-pack", "--format", "csv"], capsys)
    assert code == 0
    report = pd.read_csv(io.StringIO(out))
    materials = {"lithium", "nickel", "cobalt", "battery-grade-graphite", "copper"}
    assert set(report["material"]) == materials
    assert set(report["evidence"]) == {"bom"}
    # the library gives the same rows (what `scenario` and others build on)
    lib = api.technology_report(["my-pack"])
    assert lib["risk_band"].tolist() == report["risk_band"].tolist()
    code, out, _ = call(["report", "--all", "--format", "csv"], capsys)
    assert "my-pack" in set(pd.read_csv(io.StringIO(out))["technology"])
    code, out, _ = call(["material", "lithium", "--format", "json"], capsys)
    assert "my-pack" in json.loads(out)["technologies"]


def test_saving_refuses_overwrites_and_built_in_names(tmp_path, capsys):
    assert call(["bom", str(TURBINE), "--save", "turbine", "-f", "csv"], capsys)[0] == 0
    code, _, err = call(["bom", str(TURBINE), "--save", "turbine"], capsys)
    assert code == 2 and "add --replace" in err
    assert (
        call(["bom", str(TURBINE), "--save", "turbine", "--replace", "-f", "csv"], capsys)[0] == 0
    )
    for name, words in (
        ("wind-turbines", "built-in technology"),
        ("Bad Name!", "bad technology name"),
    ):
        code, _, err = call(["bom", str(TURBINE), "--save", name], capsys)
        assert code == 2 and words in err
        assert_one_error_line(err)
    code, _, err = call(["bom", "--remove", "turbine"], capsys)
    assert code == 0 and not (config.technologies_dir() / "turbine.json").exists()
    code, _, err = call(["bom", "--remove", "turbine"], capsys)
    assert code == 2 and "no user technology 'turbine'" in err


def test_a_damaged_saved_technology_is_one_clear_line(capsys):
    folder = config.technologies_dir()
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text("{not json")
    code, out, err = call(["technologies"], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert "broken.json is damaged" in err and "--replace" in err


def test_config_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RAW_SCAN_CONFIG_DIR", str(tmp_path / "cfg"))
    assert config.config_dir() == tmp_path / "cfg"
    assert catalogue.user_technologies() == []


# --------------------------------------------------------------------------- the examples
@pytest.mark.parametrize("path", [BATTERY, TURBINE], ids=["battery", "turbine"])
def test_examples_are_valid_and_every_line_cites_its_source(path):
    b = bom.read(path)
    assert b.lines and all(line.source for line in b.lines)
    assert all("@" in line.source for line in b.lines)  # repository@commit of the data file


def test_battery_example_is_60_kwh_times_the_batpac_intensities():
    # Mineral_Intensity.xlsx, sheet Li, NMC 811 / graphite, kg per kWh
    per_kwh = {
        "lithium": 0.09224362690355858,
        "nickel": 0.6078222417358392,
        "cobalt": 0.07626248659830735,
        "battery-grade-graphite": 0.8538927592672306,
        "copper": 0.364428417550578,
    }
    got = {line.material: line.kg for line in bom.read(BATTERY).lines}
    assert got == {m: pytest.approx(60 * v, abs=5e-4) for m, v in per_kwh.items()}


def test_bom_json_equals_the_library_result(capsys):
    from raw_scan.report import export

    code, out, _ = call(["bom", str(TURBINE), "--format", "json", "--method", "hhi-wgi"], capsys)
    assert code == 0
    doc = json.loads(out)
    df = api.bom_report(api.read_bom(TURBINE), method="hhi-wgi")
    assert doc["records"] == json.loads(export.to_json(export.records(df, api.BOM_COLUMNS)))
    assert doc["mass_summary"] == export.plain(vars(api.bom_summary(df)))


@pytest.mark.parametrize("command", ["bom", "compare"])
def test_help_has_a_copy_pasteable_example(command, capsys):
    code, out, _ = call([command, "--help"], capsys)
    assert code == 0 and f"Example: raw-scan {command} " in " ".join(out.split())


def test_a_saved_material_the_snapshot_does_not_know_is_one_clear_line(capsys):
    assert call(["bom", str(TURBINE), "--save", "turbine", "-f", "csv"], capsys)[0] == 0
    path = config.technologies_dir() / "turbine.json"
    doc = json.loads(path.read_text())
    doc["materials"][0]["material"] = "unobtainium"
    path.write_text(json.dumps(doc))
    code, out, err = call(["report", "turbine"], capsys)
    assert code == 1 and out == ""
    assert_one_error_line(err)
    assert "'unobtainium'" in err and "--save turbine --replace" in err


def test_saved_bom_appears_in_scenario_and_grid(capsys):
    assert call(["bom", str(TURBINE), "--save", "pmsg-3mw", "-f", "csv"], capsys)[0] == 0
    result = api.scenario(["CHN"], "refining", 1.0, ["pmsg-3mw"])
    tech = result.technologies.set_index("technology").loc["pmsg-3mw"]
    # China refines 92 % of the magnet rare earths that stand in for Nd and Dy (IEA 2023)
    assert tech["worst_loss"] == pytest.approx(
        api.stage_detail("neodymium", "refining").shares["CHN"]
    )
    code, out, _ = call(["scenario", "--without", "CHN", "--all", "-f", "csv"], capsys)
    assert code == 0 and {"neodymium", "dysprosium"} <= set(
        pd.read_csv(io.StringIO(out))["material"]
    )
    code, out, _ = call(["grid", "pmsg-3mw", "wind-turbines", "-f", "csv"], capsys)
    assert code == 0
    grid = pd.read_csv(io.StringIO(out)).set_index("material")
    assert grid.loc["neodymium", "pmsg-3mw"] == grid.loc["neodymium", "risk_band"]
    assert grid["pmsg-3mw"].notna().sum() == 2


def test_a_material_on_one_line_per_stage_counts_the_mass_of_both_lines(tmp_path):
    # cobalt 1 kg (mining) + 2 kg (refining) + nickel 1 t: 1 003 kg listed, cobalt 3 kg of it,
    # at its worst stage (mining, very high, COD 74 %); before, the summary kept one line's mass
    path = write(
        tmp_path,
        "material,quantity,unit,stage\ncobalt,1,kg,mining\ncobalt,2,kg,refining\nnickel,1,t,\n",
    )
    df = api.bom_report(api.read_bom(path))
    s = api.bom_summary(df)
    assert s.total_kg == pytest.approx(1003.0)
    assert s.total_kg == pytest.approx(df.drop_duplicates("bom_line")["quantity_kg"].sum())
    very_high = s.by_band["very high"]
    assert very_high == {"mass_share": pytest.approx(3 / 1003), "kg": 3.0, "materials": 1}
    assert sum(b["mass_share"] for b in s.by_band.values()) == pytest.approx(1.0)


def test_a_bad_bom_saves_writes_and_draws_nothing(tmp_path, capsys):
    path = write(tmp_path, "material,quantity,unit\ngallium,1,kg\nlithum,2,kg\n")
    out_file, chart = tmp_path / "out.csv", tmp_path / "chart.svg"
    args = ["bom", str(path), "--save", "p", "-o", str(out_file), "--plot", str(chart)]
    code, out, err = call(args, capsys)
    assert code == 2 and out == ""
    assert err.startswith("raw-scan: error: product.csv:3: unknown material 'lithum'")
    assert not out_file.exists() and not chart.exists()
    assert not (config.technologies_dir() / "p.json").exists()
    assert "p" not in api.technology_ids()


@pytest.mark.parametrize(
    "text",
    [
        "material;quantity;unit\ngallium;2;kg\ncopper;3;kg\n",  # a spreadsheet in many locales
        "material\tquantity\tunit\ngallium\t2\tkg\ncopper\t3\tkg\n",
        "material,quantity,unit,,\ngallium,2,kg,,\ncopper,3,kg,,\n",  # trailing empty columns
    ],
)
def test_spreadsheet_csv_variants_are_read(tmp_path, text):
    b = bom.read(write(tmp_path, text))
    assert [(line.material, line.kg) for line in b.lines] == [("gallium", 2.0), ("copper", 3.0)]


def test_semicolon_csv_with_a_decimal_comma_names_the_fix(tmp_path):
    path = write(tmp_path, "material;quantity;unit\ngallium;1,5;kg\n")
    assert errors_of(path) == [
        "product.csv:2: non-numeric quantity '1,5' (use a dot as decimal separator, no "
        "thousands separators)"
    ]
    path = write(tmp_path, "material,quantity,unit,,\ngallium,1,kg,,x\n")
    assert errors_of(path) == ["product.csv:2: 5 cells for 3 columns"]


def test_bom_economy_adds_the_import_figures_as_report_does(capsys):
    code, out, _ = call(["bom", str(BATTERY), "-e", "BEL", "-f", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == api.BOM_COLUMNS + api.ECONOMY_REPORT_COLUMNS
    assert set(df["economy"]) == {"BEL"} and set(df["trade_year"]) == {2024}
    rep = api.technology_report(["li-ion-batteries"], economy="BEL").set_index(
        ["material", "stage"]
    )
    cobalt = df.set_index(["material", "stage"]).loc[("cobalt", "refining")]
    assert cobalt["top_partner"] == rep.loc[("cobalt", "refining"), "top_partner"] == "FIN"
    assert cobalt["geopolrisk"] == pytest.approx(rep.loc[("cobalt", "refining"), "geopolrisk"])
    code, out, _ = call(["bom", str(BATTERY), "-e", "BEL"], capsys)
    assert "BEL 2024: import figures of these materials" in out and "FIN 48%" in out
    code, _, err = call(["bom", str(BATTERY), "--year", "2022"], capsys)
    assert code == 2 and "--year needs --economy" in err
