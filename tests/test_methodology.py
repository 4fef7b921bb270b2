"""docs/methodology.md stays true: the worked example (gallium refining) and the sensitivity note
(the recycling credit for tungsten and rhenium) are recomputed here from the bundled CSV files,
in plain Python independent of raw_scan.scoring, and every row and figure the document quotes is
checked against them; the library gives the same numbers."""

from __future__ import annotations

import csv
import math
import re

import pytest
from conftest import ROOT

from raw_scan import api
from raw_scan.scoring import composite

DOC = ROOT / "docs" / "methodology.md"
DATA = ROOT / "datasets"
MATERIAL, STAGE, YEAR, SOURCE = "gallium", "refining", "2023", "usgs-mcs-2024"
WGI_YEAR = "2022"  # the latest WGI year not after 2023 in the bundled WGI (2023 update)
LIMITS = [math.sqrt(h / 10_000 * 0.5) for h in (1500, 2500, 5000)]


def lines(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read().splitlines()


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


@pytest.fixture(scope="module")
def example():
    return compute_example()


def compute_example() -> dict:
    """Every figure of the worked example, from the CSV rows."""
    header, *body = lines(DATA / "production.csv")
    prod_lines = [
        line
        for line in body
        if line.startswith(f"{MATERIAL},{STAGE},") and f",{YEAR}," in line and SOURCE in line
    ]
    rows = list(csv.DictReader([header, *prod_lines]))
    assert all(r["year"] == YEAR and r["source"] == SOURCE for r in rows)
    world = max(float(r["quantity"]) for r in rows if r["row_kind"] == "world")
    qty = {r["country"]: float(r["quantity"]) for r in rows if r["row_kind"] == "country"}
    other = sum(float(r["quantity"]) for r in rows if r["row_kind"] == "other")
    total = max(world, sum(qty.values()) + other)
    shares = {c: q / total for c, q in sorted(qty.items(), key=lambda kv: -kv[1]) if q > 0}
    gheader, *gbody = lines(DATA / "governance.csv")
    gov_lines = [g for g in gbody if g.split(",")[0] in shares and g.split(",")[1] == WGI_YEAR]
    est: dict[str, list[float]] = {}
    for g in csv.DictReader([gheader, *gov_lines]):
        est.setdefault(g["country"], []).append(float(g["estimate"]))
    assert all(len(v) == 6 for v in est.values()) and set(est) == set(shares)
    mean = {c: sum(v) / 6 for c, v in est.items()}
    wgi = {c: min(max((2.5 - m) * 2, 0), 10) for c, m in mean.items()}
    hhi = sum((100 * s) ** 2 for s in shares.values())
    supplier = sum(s * wgi[c] for c, s in shares.items()) / sum(shares.values())
    hhi_wgi = sum(s * s * wgi[c] for c, s in shares.items())
    eu = {r["material"]: r for r in csv.DictReader(lines(DATA / "eu_assessment.csv"))}
    eol = float(eu[MATERIAL]["eol_rir"])
    score = math.sqrt(hhi / 10_000 * supplier / 10) * (1 - eol)
    return {
        "prod_lines": [header, *prod_lines],
        "gov_lines": [gheader, *gov_lines],
        "qty": qty,
        "world": world,
        "total": total,
        "shares": shares,
        "mean": mean,
        "wgi": wgi,
        "hhi": hhi,
        "top3": sum(sorted(shares.values(), reverse=True)[:3]),
        "supplier": supplier,
        "hhi_wgi": hhi_wgi,
        "eol": eol,
        "score": score,
        "band": composite.BANDS[sum(score >= t for t in LIMITS)],
    }


def example_tables(ex) -> list[str]:
    """The table rows the document shows, formatted as it formats them."""
    out = []
    for c, s in ex["shares"].items():
        out.append(f"| {c} | {ex['qty'][c]:,.0f} | {100 * s:.4f} % | {(100 * s) ** 2:,.2f} |")
    for c, s in ex["shares"].items():
        out.append(
            f"| {c} | {ex['mean'][c]:.4f} | {ex['wgi'][c]:.4f} | {s * ex['wgi'][c]:.4f} "
            f"| {s * s * ex['wgi'][c]:.4f} |"
        )
    return out


def test_the_worked_example_quotes_the_real_rows(example):
    text = section("5. Worked example")
    for line in example["prod_lines"] + example["gov_lines"]:
        assert f"\n{line}\n" in text, line
    # no other data row is quoted (nothing invented, nothing from another year or source)
    quoted = [ln for ln in text.splitlines() if re.match(r"(gallium,|[A-Z]{3},\d{4},)", ln)]
    assert sorted(quoted) == sorted(example["prod_lines"][1:] + example["gov_lines"][1:])
    for row in example_tables(example):
        assert row in text, row


def test_the_worked_example_figures(example):
    text = " ".join(section("5. Worked example").split())
    ex = example
    figures = [
        f"T = {ex['total']:,.0f} kg",
        f"HHI = {ex['hhi']:,.2f}",
        f"top-3 share = {100 * ex['top3']:.2f} %",
        f"/ Σ *s_c* = {ex['supplier']:.4f}",
        f"HHI_WGI = Σ *s_c*² · *WGI_c* = {ex['hhi_wgi']:.4f}",
        f"C = {ex['hhi'] / 10_000:.6f}",
        f"G = {ex['supplier'] / 10:.6f}",
        f"R = {ex['eol']:g}",
        f"(1 − R) = {ex['score']:.4f}",
        f"band **{ex['band']}**",
        f"{LIMITS[0]:.4f}, {LIMITS[1]:.4f} and {LIMITS[2]:.4f}",
    ]
    for figure in figures:
        assert figure in text, figure
    assert ex["world"] == ex["total"]  # the document says the world row is used


def test_the_library_gives_the_worked_example(example):
    row = api.stage_table().set_index(["material", "stage"]).loc[(MATERIAL, STAGE)]
    assert row["hhi"] == pytest.approx(example["hhi"], rel=1e-12)
    assert row["supplier_wgi"] == pytest.approx(example["supplier"], rel=1e-12)
    assert row["hhi_wgi"] == pytest.approx(example["hhi_wgi"], rel=1e-12)
    assert row["risk_score"] == pytest.approx(example["score"], rel=1e-12)
    assert row["risk_band"] == example["band"] and bool(row["bottleneck"])
    assert int(row["year"]) == int(YEAR) and row["source"] == SOURCE
    mining = api.stage_table().set_index(["material", "stage"]).loc[(MATERIAL, "mining")]
    assert mining["risk_band"] == "no data" and not mining["bottleneck"]
    assert "◆ is chosen among the stages with data" in " ".join(DOC.read_text().split())


@pytest.mark.parametrize("material", ["tungsten", "rhenium"])
def test_the_sensitivity_note(material):
    row = api.stage_table().set_index(["material", "stage"]).loc[(material, "mining")]
    base = math.sqrt(row["hhi"] / 10_000 * row["supplier_wgi"] / 10)
    eol = row["eol_rir"]
    with_credit = base * (1 - eol)
    band_with = composite.band(with_credit)
    band_without = composite.band(base)
    assert with_credit == pytest.approx(row["risk_score"], rel=1e-12)
    assert row["risk_band"] == band_with
    text = " ".join(section("6. Sensitivity").split())
    name = material.capitalize()
    assert (
        f"{name} (mining): C = {row['hhi'] / 10_000:.4f}, G = {row['supplier_wgi'] / 10:.4f}, "
        f"sqrt(C · G) = {base:.4f}" in text
    )
    assert f"EoL-RIR {100 * eol:.0f} %" in text
    assert f"{with_credit:.4f} ({band_with})" in text
    assert f"{base:.4f} ({band_without})" in text
    assert band_with != band_without
    if material == "tungsten":
        # the EoL-RIR at which tungsten mining would cross the medium/high limit
        flip = 1 - composite.THRESHOLDS[1] / base
        assert f"below {100 * flip:.1f} %" in text
