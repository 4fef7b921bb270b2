"""Names users type: aliases resolve, close misspellings get the right suggestions, garbage gets
"unknown material" with no suggestions, and long input is shortened in the one-line message."""

from __future__ import annotations

import pytest
from test_cli import assert_one_error_line, call

from raw_scan import names, store
from raw_scan.errors import UsageError

GARBAGE = {
    "empty": "",
    "spaces": "   ",
    "japanese": "コバルト",
    "long": "x" * 5000,
    "long-words": "cobalt " * 800,
    "control": "\x1b[31mred\n",
    "digits": "12345",
    "two-letters": "qq",
}


@pytest.mark.parametrize("name", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_unknown_with_no_suggestions(name, capsys):
    code, out, err = call(["material", name], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert err.startswith("raw-scan: error: unknown material ")
    assert "did you mean" not in err
    assert "(run 'raw-scan materials' for the full list)" in err
    assert len(err) < 200


def test_long_input_is_shortened_in_the_message(capsys):
    _, _, err = call(["material", "x" * 5000], capsys)
    assert f"unknown material {'x' * 40!r}… (5,000 characters)" in err
    _, _, err = call(["report", "y" * 300], capsys)
    assert f"unknown technology {'y' * 40!r}… (300 characters)" in err


def test_blank_input_is_named_as_such(capsys):
    for blank in ("", "   "):
        _, _, err = call(["material", blank], capsys)
        assert "unknown material '' (an empty or blank name)" in err


def test_control_characters_are_escaped_in_the_message(capsys):
    _, _, err = call(["material", "\x1b[31mred\n"], capsys)
    assert "\x1b" not in err and "\\x1b[31mred\\n" in err


MISSPELLINGS = {
    "cobolt": "cobalt",
    "lithum": "lithium",
    "galium": "gallium",
    "neodynium": "neodymium",
    "grafite": "natural-graphite",
    "tungstun": "tungsten",
    "platinium": "platinum",
    "germainum": "germanium",
    "dysprosum": "dysprosium",
    "molibdenum": "molybdenum",
    "nikel": "nickel",
    "coper": "copper",
    "tantalium": "tantalum",
    "berylium": "beryllium",
    "phosphorous": "phosphorus",
    "rare earth": "rare-earths",
    "Magnesum": "magnesium",
}


@pytest.mark.parametrize("typed, meant", MISSPELLINGS.items())
def test_close_misspellings_suggest_the_material(typed, meant):
    materials = store.load("materials")
    with pytest.raises(UsageError) as err:
        names.resolve(typed, materials, "material", "materials")
    message = str(err.value)
    assert message.startswith(f"unknown material {typed!r}; did you mean: {meant}")
    assert message.count(",") <= 2  # at most three suggestions


@pytest.mark.parametrize(
    "typed, meant",
    [("heat-pumpz", "heat-pumps"), ("emobility", "e-mobility"), ("robotic", "robotics")],
)
def test_close_misspellings_suggest_the_technology(typed, meant):
    with pytest.raises(UsageError, match=f"did you mean: {meant}"):
        names.resolve_technology(typed)


def test_shown_keeps_short_names_and_shortens_long_ones():
    assert names.shown("cobalt") == "'cobalt'"
    assert names.shown("a" * 40) == repr("a" * 40)
    assert names.shown("a" * 41) == f"{'a' * 40!r}… (41 characters)"


@pytest.mark.parametrize("name", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_economy_is_unknown_with_no_suggestions(name):
    """--economy and 'raw-scan economy' once answered garbage with the first three ISO codes
    of the alphabet ('did you mean: ABW, AFG, AGO?') and quoted 5,000 characters back."""
    from raw_scan import economies

    with pytest.raises(UsageError) as err:
        economies.resolve(name, frozenset({"ABW", "AFG", "AGO", "BEL", "DEU", "USA"}))
    message = str(err.value)
    assert message.startswith("unknown economy ") and "did you mean" not in message
    assert "ABW" not in message and len(message) < 200


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("BELG", "BEL"),
        ("NDL", "NLD"),
        ("germny", "DEU"),
        ("Belgum", "BEL"),
        ("united stats", "USA"),
    ],
)
def test_close_misspellings_suggest_the_economy(typed, meant):
    from raw_scan import economies

    with pytest.raises(UsageError, match=rf"did you mean: [A-Z, ]*\b{meant}\b"):
        economies.resolve(typed, frozenset({"ABW", "AFG", "AGO", "BEL", "DEU", "NLD", "USA"}))


def test_garbage_economy_in_the_cli_is_one_line(capsys):
    code, out, err = call(["report", "li-ion-batteries", "--economy", "コバルト"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "unknown economy 'コバルト'" in err and "did you mean" not in err


LONG = "w" * 5000


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "li-ion-batteries", "--method", LONG],
        ["report", "li-ion-batteries", "--format", LONG],
        ["scenario", "--without", LONG],
        ["materials", "-o", LONG],
        ["material", "cobalt", "-o", f"{LONG}/x.csv"],
        ["bom", f"{LONG}.csv"],  # was a traceback (OSError: File name too long)
    ],
    ids=["method", "format", "country", "output", "output-folder", "bom-file"],
)
def test_any_long_value_is_shortened_in_its_one_line_message(argv, capsys):
    code, out, err = call(argv, capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "w" * 41 not in err and "(5,0" in err and len(err) < 300, err[:300]
