"""--plot FILE on report, material, grid, trend and scenario: real PNG and SVG files, their
titles, labels, sources and data years; a clear message without matplotlib or with a bad name."""

from __future__ import annotations

import re
import sys

import pytest
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
    assert "gallium (refining) 98%" in text
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
