# ruff: noqa: E501  (the expected tables are as wide as the terminal)
"""What users see: the report, the materials list and the material card at 80, 100 and 160
columns and in a pipe (values never cut, Material and Stage always whole, the left-out columns
named), display names in the summary, evidence markers, JSON precision, case-insensitive
--format."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT
from rich.console import Console

from raw_scan import api, store
from raw_scan.report import card as card_view
from raw_scan.report import export, terminal

RULE = "━"


def piped_env(data_dir, columns: int | None = None) -> dict[str, str]:
    """The environment of a run whose stdout is a pipe: $COLUMNS as given (unset: None)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(RAW_SCAN_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return env


def run(*args: str, data_dir, columns: int | None = None) -> subprocess.CompletedProcess:
    """``python -m raw_scan ARGS`` with stdout a pipe; $COLUMNS set, or unset."""
    return subprocess.run(
        [sys.executable, "-m", "raw_scan", *args],
        capture_output=True,
        text=True,
        env=piped_env(data_dir, columns),
        timeout=120,
    )


def render(renderable, width: int) -> str:
    con = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    con.print(renderable)
    return "\n".join(line.rstrip() for line in con.file.getvalue().splitlines())


def names() -> dict[str, str]:
    return store.load("materials").set_index("id")["name"].to_dict()


# ------------------------------------------------------------------ exact outputs
@pytest.fixture(scope="module")
def three_materials():
    """The li-ion rows of cobalt, lithium and copper (USGS MCS 2024 mining, IEA 2024 refining)."""
    df = api.technology_report(["li-ion-batteries"])
    return df[df["material"].isin(["cobalt", "lithium", "copper"])]


REPORT_160 = f"""\
Li-ion batteries
Material  Stage         Band       Score  Top producer  Top 3    HHI  Gov.  EU       EoL-RIR  Source
{RULE * 103}
Cobalt    mining ◆ [1]  very high   0.51  COD 74%         85%  5,550   7.6  CRM+SRM      22%  USGS 2023
          refining      high        0.43  CHN 77%         88%  5,972   5.1  CRM+SRM      22%  IEA 2023
Lithium   mining        medium      0.33  AUS 47%         88%  3,096   3.4  CRM+SRM       0%  USGS 2023
          refining ◆    high        0.49  CHN 65%         96%  4,903   5.0  CRM+SRM       0%  IEA 2023
Copper    mining        low         0.10  CHL 23%         46%    954   5.1  CRM+SRM      55%  USGS 2023
          refining ◆    low         0.15  CHN 44%         57%  2,036   5.2  CRM+SRM      55%  IEA 2023
[1] Cobalt: some producers lack WGI data"""

REPORT_100 = f"""\
Li-ion batteries
Material  Stage         Band       Score  Top producer  Top 3    HHI  Gov.  EU       EoL-RIR
{RULE * 92}
Cobalt    mining ◆ [1]  very high   0.51  COD 74%         85%  5,550   7.6  CRM+SRM      22%
          refining      high        0.43  CHN 77%         88%  5,972   5.1  CRM+SRM      22%
Lithium   mining        medium      0.33  AUS 47%         88%  3,096   3.4  CRM+SRM       0%
          refining ◆    high        0.49  CHN 65%         96%  4,903   5.0  CRM+SRM       0%
Copper    mining        low         0.10  CHL 23%         46%    954   5.1  CRM+SRM      55%
          refining ◆    low         0.15  CHN 44%         57%  2,036   5.2  CRM+SRM      55%
[1] Cobalt: some producers lack WGI data
Left out to fit 100 characters: Source; widen the terminal (COLUMNS=103) or use --format csv to see
them."""

REPORT_80 = f"""\
Li-ion batteries
Material  Stage         Band       Score  Top producer  Top 3    HHI  Gov.
{RULE * 74}
Cobalt    mining ◆ [1]  very high   0.51  COD 74%         85%  5,550   7.6
          refining      high        0.43  CHN 77%         88%  5,972   5.1
Lithium   mining        medium      0.33  AUS 47%         88%  3,096   3.4
          refining ◆    high        0.49  CHN 65%         96%  4,903   5.0
Copper    mining        low         0.10  CHL 23%         46%    954   5.1
          refining ◆    low         0.15  CHN 44%         57%  2,036   5.2
[1] Cobalt: some producers lack WGI data
Left out to fit 80 characters: EU, EoL-RIR, Source; widen the terminal
(COLUMNS=103) or use --format csv to see them."""


@pytest.mark.parametrize(
    "width, expected", [(160, REPORT_160), (100, REPORT_100), (80, REPORT_80)], ids=str
)
def test_report_table_exact_output(three_materials, width, expected):
    table = terminal.technology_table("Li-ion batteries", three_materials, names())
    assert render(table, width) == expected
    assert table.natural_width == 103


CARD_160 = f"""\
Indicators
Stage     Band       Score  Year  Top producer  Top 3    HHI  HHI×WGI  Gov.  Coverage  EoL-RIR  Source
{RULE * 109}
mining ◆  very high   0.51  2023  COD 73.9%       85%  5,550     4.53   7.6       97%      22%  usgs-mcs-2024
refining  high        0.43  2023  CHN 76.7%       88%  5,972     3.35   5.1       91%      22%  iea-cmde-2024"""
CARD_80 = f"""\
Indicators
Stage     Band       Score  Year  Top producer  Top 3    HHI  Gov.  EoL-RIR
{RULE * 75}
mining ◆  very high   0.51  2023  COD 73.9%       85%  5,550   7.6      22%
refining  high        0.43  2023  CHN 76.7%       88%  5,972   5.1      22%
Left out to fit 80 characters: HHI×WGI, Coverage, Source; widen the terminal
(COLUMNS=109) or use --format csv to see them."""


@pytest.mark.parametrize("width, expected", [(160, CARD_160), (80, CARD_80)], ids=str)
def test_card_indicators_exact_output(width, expected):
    table = card_view.indicators_table(api.material_card("cobalt").stages)
    assert render(table, width) == expected


# ------------------------------------------------------------------ the CLI, by width
NOTE_START = ("[", "no ", "* ", "† ", "‡ ", "Left out ", "╭")


def table_lines(text: str) -> list[list[str]]:
    """Cells (split on 2+ spaces; '' for a blank first cell) of the rows of every table body
    in ``text`` (the lines after a header rule, up to a blank line or a note); the lines that
    only continue a wrapped cell are left out."""
    out, inside = [], False
    for line in text.splitlines():
        if line and set(line) == {RULE}:
            inside = True
            continue
        inside = inside and bool(line.strip()) and not line.startswith(NOTE_START)
        cells = re.split(r"\s{2,}", line.rstrip())
        if inside and sum(bool(c) for c in cells) >= 3:
            out.append(cells)
    return out


def whole(name: str, text: str) -> bool:
    """``name`` is in ``text`` at the start of a line, its words whole, on one line or wrapped
    at its spaces onto the next lines' starts (a wrapping table column)."""
    words = [re.escape(w) for w in name.split()]
    return re.search(r"(?m)^" + r"(?: |[^\n]*\n)".join(words) + r"\b", text) is not None


def header_of(text: str) -> list[str]:
    lines = text.splitlines()
    return re.split(r"\s{2,}", lines[[set(x) == {RULE} for x in lines].index(True) - 1].strip())


@pytest.fixture(scope="module")
def li_ion():
    return api.technology_report(["li-ion-batteries"])


@pytest.mark.parametrize("columns", [80, 100, 160, None], ids=lambda c: f"COLUMNS={c}")
def test_report_in_a_pipe_at_every_width(columns, li_ion, tmp_path):
    proc = run("report", "li-ion-batteries", columns=columns, data_dir=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    out = proc.stdout
    assert "…" not in out
    assert not re.search(r"\d\.\s|\d…", out)
    width = max(len(line) for line in out.splitlines())
    if columns is not None:
        assert width <= columns
    header = header_of(out)
    assert header[:2] == ["Material", "Stage"]
    every = [c.header for c in terminal.REPORT_COLUMNS]
    dropped = [h for h in every if h not in header]
    flat = " ".join(out.split())
    if dropped:
        assert f"Left out to fit {columns} characters: {', '.join(dropped)};" in flat
        assert "--format csv" in flat
    else:
        assert "Left out" not in out
    if columns in (None, 160):
        assert header == every  # a pipe keeps the table whole
    if columns == 80:
        assert "Source" in dropped and "Score" in header and "HHI" in header
    # every material by its display name, whole, first in its row
    cells = table_lines(out)
    display = names()
    for mid in li_ion["material"].unique():
        assert whole(display[mid], out), display[mid]
    # every number of the report whole in its column
    col = {h: i for i, h in enumerate(header)}
    assert all(len(c) == len(header) for c in cells)
    scores = {c[col["Score"]] for c in cells}
    expected = {f"{s:.2f}" for s in li_ion["risk_score"].dropna()}
    assert expected <= scores


@pytest.mark.parametrize("columns", [80, None], ids=lambda c: f"COLUMNS={c}")
def test_materials_list_keeps_every_id_whole(columns, tmp_path):
    proc = run("materials", columns=columns, data_dir=tmp_path)
    assert proc.returncode == 0
    assert "…" not in proc.stdout
    ids = [c[0] for c in table_lines(proc.stdout)]
    assert ids == list(api.materials_table()["material"])
    if columns:
        assert max(len(line) for line in proc.stdout.splitlines()) <= columns


def test_report_all_at_80_columns_cuts_nothing(tmp_path):
    proc = run("report", "--all", columns=80, data_dir=tmp_path)
    assert proc.returncode == 0
    assert "…" not in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    assert proc.stdout.count("Left out to fit 80 characters:") == 13


def words(text: str) -> set[str]:
    text = re.sub(r"Left out to fit \d+ characters:.*?see them\.", "", text, flags=re.S)
    return set(re.split(r"[\s│╭╮╰╯─━┃┏┓┗┛█░]+", text)) - {""}


@pytest.mark.parametrize("width", [60, 80])
def test_material_cards_break_no_word(width):
    """Every word of every card at 80 (and 60) columns is a word of the same card at full
    width: no word or share is cut or split across lines (at 60 the producer bars were cut to
    '89.…'; now the bars shorten), and no line is longer than the width."""
    sources = None
    for mid in store.load("materials")["id"]:
        card = api.material_card(mid)
        sources = sources or api.sources_used(card.stages)

        def show(width, card=card, sources=sources):
            con = Console(file=io.StringIO(), width=width, color_system=None)
            card_view.material_card(con, card, sources)
            return con.file.getvalue()

        narrow, wide = show(width), show(400)
        assert max(len(line) for line in narrow.splitlines()) <= width, mid
        assert "…" not in narrow, mid
        assert words(narrow) - words(wide) == set(), mid


def test_producer_bars_shorten_on_a_narrow_console_and_keep_their_length_when_wide():
    shares = pd.DataFrame({"country": ["CHN", "JPN"], "share": [0.897, 0.06]})
    wide = render(card_view.bar_chart(shares), 80).splitlines()
    assert wide[0] == "CHN           " + "█" * 36 + "  89.7%"  # round(0.897 * 40) cells
    assert wide[1] == "JPN           " + "█" * 2 + " " * 34 + "   6.0%"
    assert wide[2] == "unattributed  " + "░" * 2 + " " * 34 + "   4.3%"
    narrow = render(card_view.bar_chart(shares), 30).splitlines()
    assert [len(line) for line in narrow] == [30, 30, 30]
    assert narrow[0] == "CHN           " + "█" * 9 + "  89.7%"
    assert narrow[1].startswith("JPN           ██") and narrow[1].endswith("   6.0%")


# ------------------------------------------------------------------ summary, evidence, JSON
def test_summary_names_materials_by_display_name(li_ion):
    display = names()
    summary = api.summarise(li_ion)[0]
    out = render(terminal.summary_panel(summary, display), 160)
    assert len(summary.worst) == 3
    for w in summary.worst:
        assert f"• {display[w['material']]} ({w['stage']})" in out
        assert w["material_name"] == display[w["material"]]  # JSON names them as well
        if display[w["material"]] != w["material"]:
            assert f"• {w['material']} " not in out


def test_any_evidence_other_than_read_gets_a_marker_and_a_caption_line(li_ion):
    rows = li_ion[li_ion["material"].isin(["cobalt", "lithium", "copper"])].copy()
    rows.loc[rows["material"] == "lithium", "evidence"] = "inferred"
    rows.loc[rows["material"] == "copper", "evidence"] = "read-weak"
    rows.loc[rows["material"] == "cobalt", "evidence"] = "a-grade-added-later"
    out = render(terminal.technology_table("Li-ion batteries", rows, names()), 160)
    flat = " ".join(out.split())
    assert "\nLithium *  " in out and "\nCopper †  " in out and "\nCobalt ‡  " in out
    assert "* the technology-material link is inferred, not read in a cited source" in flat
    assert "† the technology-material link is stated only in weak sources" in flat
    assert "‡ evidence of the technology-material link: a-grade-added-later" in flat
    # the same grade keeps its marker in a table without the others
    only_weak = rows[rows["material"] == "copper"]
    out = render(terminal.technology_table("Li-ion batteries", only_weak, names()), 160)
    assert "\nCopper †  " in out and "*" not in out


def test_json_scores_are_rounded_to_the_stated_precision(tmp_path):
    proc = run("report", "li-ion-batteries", "--format", "json", columns=None, data_dir=tmp_path)
    payload = json.loads(proc.stdout)
    by_row = {(r["material"], r["stage"]): r["risk_score"] for r in payload["records"]}
    for s in payload["summary"]:
        for w in s["worst"]:
            assert w["risk_score"] == by_row[(w["material"], w["stage"])]
            assert w["risk_score"] == round(w["risk_score"], export.DECIMALS)
    for r in payload["records"]:
        for value in r.values():
            if isinstance(value, float):
                assert value == round(value, export.DECIMALS)


@pytest.mark.parametrize("spelling", ["CSV", "Csv", "csv"])
def test_format_is_case_insensitive(spelling, tmp_path):
    proc = run("technologies", "--format", spelling, columns=None, data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "id,name,materials,scope,origin"
