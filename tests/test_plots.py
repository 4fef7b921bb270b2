"""--plot FILE on report, material, grid, trend and scenario: real PNG and SVG files, their
titles, labels, sources and data years; a clear message without matplotlib or with a bad name."""

from __future__ import annotations

import re
import sys

import pytest
from conftest import ROOT
from test_cli import assert_one_error_line, call

pytest.importorskip("matplotlib")  # the test extra installs it; CI renders real files

PNG = b"\x89PNG\r\n\x1a\n"


def svg_text(path) -> str:
    """The text of an SVG's <text> elements (svg.fonttype 'none' keeps text as text)."""
    raw = path.read_text(encoding="utf-8")
    assert raw.lstrip().startswith("<?xml") and "<svg" in raw
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", raw)
    return " ".join(t.replace("&gt;", ">").replace("&amp;", "&") for t in texts)


def draw(args, tmp_path, capsys, name):
    path = tmp_path / name
    code, out, err = call([*args, "--plot", str(path)], capsys)
    assert code == 0, err
    assert f"wrote {path}" in err
    assert out  # the usual output still goes to stdout
    return path


def test_report_png(tmp_path, capsys):
    path = draw(["report", "li-ion-batteries", "heat-pumps"], tmp_path, capsys, "r.png")
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 50_000
    # width and height from the IHDR chunk: two panels side by side
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > height > 500


def test_report_svg_has_titles_labels_sources(tmp_path, capsys):
    path = draw(["report", "li-ion-batteries"], tmp_path, capsys, "r.svg")
    text = svg_text(path)
    for want in (
        "Raw-material supply risk per technology",
        "Li-ion batteries",
        "Natural graphite",
        "Cobalt",
        "Concentration (HHI",
        "Supplier governance (WGI",
        "USGS Mineral Commodity Summaries 2024",
        "IEA Critical Minerals Data Explorer 2024",
        "data year 2023",
        "CRMA strategic + critical",
    ):
        assert want in text, want


def test_material_svg(tmp_path, capsys):
    text = svg_text(draw(["material", "gallium"], tmp_path, capsys, "ga.svg"))
    assert "Gallium: producers by stage" in text
    assert "Mining: no production data in the snapshot" in text
    assert "98.4%" in text and "CHN" in text and "RUS" in text
    assert "data year 2023" in text and "USGS Mineral Commodity Summaries 2024" in text


def test_grid_png_and_svg(tmp_path, capsys):
    png = draw(["grid"], tmp_path, capsys, "g.png").read_bytes()
    assert png.startswith(PNG) and len(png) > 50_000
    text = svg_text(draw(["grid", "solar-pv", "wind-turbines"], tmp_path, capsys, "g.svg"))
    assert "Technology x material" in text
    assert "solar-pv" in text and "wind-turbines" in text and "Gallium" in text
    assert "very high" in text and "Sources:" in text


def test_trend_svg(tmp_path, capsys):
    text = svg_text(draw(["trend", "lithium"], tmp_path, capsys, "li.svg"))
    assert "Lithium: concentration of supply over time" in text
    assert "mining, WMD" in text and "refining, IEA" in text
    assert "HHI (0-10 000)" in text and "data years 2018-2024" in text
    assert "World Mining Data" in text


def test_scenario_svg(tmp_path, capsys):
    text = svg_text(
        draw(["scenario", "--without", "CHN", "solar-pv", "robotics"], tmp_path, capsys, "s.svg")
    )
    assert "Scenario: without CHN (all of their output), mining and refining" in text
    assert "Solar PV" in text and "Robots" in text
    assert "Gallium (refining) 98%; 19/19 materials hit" in text
    assert "Worst share of world supply lost (%)" in text
    assert "no substitution" in text and "Sources:" in text


def test_missing_matplotlib_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    path = tmp_path / "r.png"
    code, out, err = call(["report", "solar-pv", "--plot", str(path)], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert 'pip install "raw-scan[plot]"' in err
    assert not path.exists()


@pytest.mark.parametrize("name", ["chart.pdf", "chart"])
def test_bad_plot_name_is_one_line_exit_2(name, tmp_path, capsys):
    code, out, err = call(["grid", "--plot", str(tmp_path / name)], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert ".png or .svg" in err


def test_plot_into_a_missing_folder(tmp_path, capsys):
    code, _, err = call(["trend", "lithium", "--plot", str(tmp_path / "no" / "t.png")], capsys)
    assert code == 2
    assert_one_error_line(err)
    assert "does not exist" in err


def test_a_failed_plot_leaves_an_existing_file_alone(tmp_path, capsys, monkeypatch):
    from raw_scan.report import plots

    path = tmp_path / "keep.png"
    path.write_bytes(b"old chart")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken)
    code, _, err = call(["grid", "--plot", str(path)], capsys)
    assert code == 1  # a failure, not bad input
    assert_one_error_line(err)
    assert "No space left on device" in err
    assert path.read_bytes() == b"old chart"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]  # no temporary file left
    assert plots.FORMATS == (".png", ".svg")


# ------------------------------------------------------------------ a bill of materials
def scatter_sizes(monkeypatch) -> list[float]:
    """Record the marker area of every point the technology chart draws."""
    from matplotlib.axes import Axes

    sizes: list[float] = []
    original = Axes.scatter

    def spy(self, x, y, s=None, **kw):
        sizes.append(float(s))
        return original(self, x, y, s=s, **kw)

    monkeypatch.setattr(Axes, "scatter", spy)
    return sizes


def test_bom_plot_sizes_materials_by_their_share_of_the_listed_mass(tmp_path, capsys, monkeypatch):
    from raw_scan.report import plots

    # 504 kg Nd + 45 kg Dy share one series (magnet rare earths): two markers, one label
    bom_file = tmp_path / "turbine.csv"
    bom_file.write_text(
        "material,quantity,unit,stage\nneodymium,504,kg,\ndysprosium,45,kg,\n"
        "lithium,1,kg,mining\n",  # mining only: not its bottleneck stage, still drawn
        encoding="utf-8",
    )
    sizes = scatter_sizes(monkeypatch)
    path = tmp_path / "b.svg"
    code, out, err = call(["bom", str(bom_file), "--plot", str(path)], capsys)
    assert code == 0 and f"wrote {path}" in err and out
    total = 504 + 45 + 1
    assert sorted(sizes) == pytest.approx(
        sorted([plots.QTY_AREA * 504 / total, plots.QTY_AREA * 45 / total, plots.QTY_MIN_AREA])
    )
    text = svg_text(path)
    assert "Neodymium, Dysprosium" in text and "Lithium" in text
    assert "size = the material's share of the listed mass (area proportional)" in text
    assert "50% of the listed mass" in text and "CRMA critical" not in text
    assert "data year 2023" in text and "Sources:" in text


def test_report_on_a_saved_bom_sizes_by_mass_and_a_built_in_one_by_eu_status(
    tmp_path, capsys, monkeypatch
):
    from raw_scan.report import plots

    turbine = ROOT / "examples" / "wind-turbine-3mw-direct-drive.csv"
    assert call(["bom", str(turbine), "--save", "turbine", "-f", "csv"], capsys)[0] == 0
    sizes = scatter_sizes(monkeypatch)
    text = svg_text(draw(["report", "turbine", "solar-pv"], tmp_path, capsys, "r.svg"))
    for kg in (504, 45):
        assert any(s == pytest.approx(plots.QTY_AREA * kg / 549) for s in sizes), kg
    assert max(area for _, area in plots.EU_SIZES.values()) in sizes  # solar-pv: EU status
    assert "size = share of the listed mass for a bill of materials, else EU status" in text
    assert "25% of the listed mass" in text and "CRMA strategic + critical" in text


def test_report_plot_colours_by_the_method_asked_for(tmp_path, capsys):
    text = svg_text(draw(["report", "li-ion-batteries", "-m", "gss"], tmp_path, capsys, "g.svg"))
    assert "Colour = gss band" in text


def test_materials_without_data_are_named_not_silently_left_out(tmp_path, capsys):
    bom_file = tmp_path / "p.csv"
    bom_file.write_text("material,quantity,unit\nsynthetic graphite,1,kg\ncobalt,1,kg\n")
    path = tmp_path / "p.svg"
    code, _, err = call(["bom", str(bom_file), "--plot", str(path)], capsys)
    assert code == 0, err
    text = svg_text(path)
    assert "Not drawn (no concentration or governance data): Synthetic graphite" in text
    assert "Cobalt" in text


def test_labels_near_the_right_edge_and_one_technology_grids_stay_inside(tmp_path, capsys):
    path = draw(["report", "heat-pumps"], tmp_path, capsys, "hp.svg")
    raw = path.read_text(encoding="utf-8")
    width = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', raw).group(1))
    # magnet rare earths: HHI 8 517 of 10 000, so the label runs leftwards from the point
    label = re.search(r'<text style="[^"]*text-anchor: (\w+)" x="([\d.]+)"[^>]*>Dysprosium', raw)
    assert label.group(1) == "end" and float(label.group(2)) < width
    raw = draw(["grid", "li-ion-batteries"], tmp_path, capsys, "g.svg").read_text()
    assert float(re.search(r'<svg[^>]* width="([\d.]+)pt"', raw).group(1)) >= 6.5 * 72


def test_a_technology_the_scenario_spares_says_so(tmp_path, capsys):
    # Iceland produces none of the 8 heat-pump materials in the snapshot: a bar of 0, labelled
    text = svg_text(draw(["scenario", "-w", "ISL", "heat-pumps"], tmp_path, capsys, "s.svg"))
    assert "no loss; 0/8 materials hit" in text
