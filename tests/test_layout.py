"""The width-aware table helper (raw_scan.report.layout): which columns it keeps at a width,
that it never cuts a value, and what its caption says. Cells are values of the bundled report
(cobalt and natural graphite in li-ion batteries)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from raw_scan.report.layout import Column, FitTable, natural_width

COLUMNS = [
    Column("Material", wrap=True, required=True),
    Column("Stage", required=True),
    Column("Score", justify="right", priority=90),
    Column("HHI", justify="right", priority=70),
    Column("Source", priority=20),
]
ROWS = [
    ["Cobalt", "mining ◆", "0.51", "5,550", "USGS 2023"],
    ["", "refining", "0.43", "5,972", "IEA 2023"],
    ["Natural graphite", "refining ◆", "0.64", "8,078", "IEA 2023"],
]


def render(renderable, width: int) -> str:
    con = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    con.print(renderable, crop=False)
    return "\n".join(line.rstrip() for line in con.file.getvalue().splitlines())


def table(**kw) -> FitTable:
    return FitTable(COLUMNS, ROWS, title="Li-ion batteries", **kw)


def test_whole_table_when_it_fits():
    t = table(notes=["[1] Cobalt: some producers lack WGI data"])
    assert t.natural_width == 53  # 16 + 10 + 5 + 5 + 9 + 4 gaps of 2
    assert render(t, 53) == (
        "Li-ion batteries\n"
        "Material          Stage       Score    HHI  Source\n" + "━" * 53 + "\n"
        "Cobalt            mining ◆     0.51  5,550  USGS 2023\n"
        "                  refining     0.43  5,972  IEA 2023\n"
        "Natural graphite  refining ◆   0.64  8,078  IEA 2023\n"
        "[1] Cobalt: some producers lack WGI data"
    )
    assert render(t, 200) == render(t, 53)  # never stretched


def test_lowest_priority_columns_go_first_and_the_caption_says_so():
    t = table()
    assert t.layout(52).dropped == ["Source"]
    assert t.layout(40).dropped == ["HHI", "Source"]
    assert render(t, 40) == (
        "Li-ion batteries\n"
        "Material          Stage       Score\n" + "━" * 35 + "\n"
        "Cobalt            mining ◆     0.51\n"
        "                  refining     0.43\n"
        "Natural graphite  refining ◆   0.64\n"
        "Left out to fit 40 characters: HHI,\n"
        "Source; widen the terminal (COLUMNS=53)\n"
        "or use --format csv to see them."
    )


def test_required_columns_wrap_at_spaces_only_as_a_last_resort():
    t = table()
    assert t.minimum_width == 8 + 2 + 10  # "Material"/"graphite", "refining ◆"
    out = render(t, 25)
    assert "Natural   " not in out.splitlines()[1]
    assert t.layout(25).widths == [13, 10]
    lines = out.splitlines()
    assert lines[5:7] == ["Natural        refining ◆", "graphite"]
    assert all(len(line) <= 25 for line in lines)
    assert "Left out to fit 25 characters: Score, HHI, Source;" in " ".join(lines)


def test_below_the_minimum_the_table_is_wider_than_asked_not_cut():
    t = table()
    out = render(t, 12)
    for value in ("Cobalt", "Natural", "graphite", "mining ◆", "refining ◆"):
        assert value in out
    assert max(len(line) for line in out.splitlines()[1:7]) == 20


def test_ties_in_priority_drop_the_rightmost_column_first():
    cols = [
        Column("Id", required=True),
        Column("A", priority=5),
        Column("B", priority=5),
    ]
    t = FitTable(cols, [["gallium", "CRM+SRM", "3.9"]])
    assert t.natural_width == 7 + 2 + 7 + 2 + 3
    assert t.layout(20).dropped == ["B"]
    assert t.layout(12).dropped == ["A", "B"]


def test_a_wrapping_column_narrows_to_its_min_width_before_columns_are_dropped():
    cols = [
        Column("Id", required=True),
        Column("Scope", wrap=True, min_width=12, priority=10),
        Column("Materials", justify="right", priority=50),
    ]
    rows = [["li-ion-batteries", "cells for electric vehicles and stationary storage", "11"]]
    t = FitTable(cols, rows)
    lay = t.layout(50)
    assert lay.dropped == [] and lay.widths == [16, 50 - 16 - 9 - 4, 9]
    out = render(t, 50)
    words = set(rows[0][1].split())
    assert {w for line in out.splitlines()[2:] for w in line.split()[1:] if not w.isdigit()} <= (
        words
    )
    assert t.layout(16 + 2 + 11 + 2 + 9).dropped == ["Scope"]  # 12 needed, 11 left


def test_styled_cells_are_measured_by_their_text():
    t = FitTable([Column("Band", required=True)], [[Text("very high", style="bold red")]])
    assert t.natural_width == 9


def test_width_none_keeps_every_column_and_natural_width_of_renderables():
    t = table()
    assert t.layout(None).dropped == [] and t.layout(None).width == t.natural_width
    assert natural_width([t, "text"]) == 80
    wide = FitTable([Column("X", required=True)], [["x" * 120]])
    assert natural_width([t, wide, Text("prose")]) == 120


def test_rows_must_match_the_columns():
    with pytest.raises(ValueError, match="2 cells for 5 columns"):
        FitTable(COLUMNS, [["Cobalt", "mining"]])


@given(width=st.integers(min_value=20, max_value=70))
def test_at_any_width_values_are_whole_and_the_dropped_columns_are_the_least_important(width):
    t = table()
    lay = t.layout(width)
    out = render(t, width)
    assert all(len(line) <= width for line in out.splitlines()), out
    assert "…" not in out
    shown = [COLUMNS[i] for i in lay.shown]
    for col in shown:
        assert col.header in out
    for row in ROWS:
        for i in lay.shown:
            if not COLUMNS[i].wrap:
                assert row[i] in out
    kept = [c.priority for c in shown if not c.required]
    gone = [c.priority for c in COLUMNS if c.header in lay.dropped]
    assert not kept or not gone or min(kept) >= max(gone)
    assert all(c.required or c.header in lay.dropped for c in COLUMNS if c not in shown)


def test_the_line_renderer_draws_the_same_text_as_the_rich_table():
    """FitTable draws its rows itself (fast); the text must equal what a rich Table with the
    same layout draws, at every width, for the real report and materials tables."""
    import io

    from rich.console import Console

    from raw_scan import api, store
    from raw_scan.report import terminal

    snap = store.current()
    ids = list(snap.load("technologies")["id"])
    df = api.technology_report(ids, snap)
    names = snap.load("materials").set_index("id")["name"].to_dict()
    techs = snap.load("technologies").set_index("id")["name"].to_dict()
    tables = [terminal.technology_table(techs[t], df[df["technology"] == t], names) for t in ids]
    tables.append(terminal.materials_table(api.materials_table(snap)))
    for tab in tables:
        for width in (12, 40, 80, 117, 200):
            texts = []
            for fast in (False, True):
                con = Console(file=io.StringIO(), width=width, color_system=None)
                con.print(tab.render(width, con if fast else None))
                texts.append(con.file.getvalue())
            assert texts[0] == texts[1], (tab.title, width)
