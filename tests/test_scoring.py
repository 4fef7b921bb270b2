"""Concentration, governance and composite score: hand-computed examples and properties."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raw_scan.scoring import composite, concentration, governance

DIMS = ("CC", "GE", "PV", "RL", "RQ", "VA")


def rows(countries: dict[str, float], other: float | None = None, world: float | None = None):
    """Production rows of one material, stage, year and source."""
    recs = [{"country": c, "quantity": q, "row_kind": "country"} for c, q in countries.items()]
    if other is not None:
        recs.append({"country": "", "quantity": other, "row_kind": "other"})
    if world is not None:
        recs.append({"country": "", "quantity": world, "row_kind": "world"})
    return pd.DataFrame(recs, columns=["country", "quantity", "row_kind"])


def conc(df: pd.DataFrame) -> concentration.Concentration:
    shares, total = concentration.country_shares(df)
    return concentration.concentration(shares, total)


# ------------------------------------------------------------------- concentration: by hand
def test_hhi_of_half_three_tenths_one_fifth():
    # 50^2 + 30^2 + 20^2 = 2500 + 900 + 400
    assert concentration.hhi([0.5, 0.3, 0.2]) == pytest.approx(3800.0)
    c = conc(rows({"CHN": 50, "AUS": 30, "CHL": 20}, world=100))
    assert c.hhi == pytest.approx(3800.0)
    assert (c.top_country, c.top_share, c.n_producers) == ("CHN", 0.5, 3)
    assert c.top3_share == pytest.approx(1.0)
    assert c.coverage == pytest.approx(1.0)


def test_monopoly_is_10000():
    assert concentration.hhi([1.0]) == 10000.0
    c = conc(rows({"CHN": 610000, "USA": 0}, world=610000))
    assert c.hhi == 10000.0
    assert (c.top_country, c.top_share, c.n_producers) == ("CHN", 1.0, 1)


def test_remainder_counts_in_the_denominator_not_in_the_hhi():
    # 60 + 20 attributed, 20 'Other countries': shares 0.6 and 0.2, HHI 3600 + 400
    c = conc(rows({"CHN": 60, "AUS": 20}, other=20, world=100))
    assert c.world_total == 100
    assert c.hhi == pytest.approx(4000.0)
    assert c.coverage == pytest.approx(0.8)
    assert c.top3_share == pytest.approx(0.8)


def test_world_row_smaller_than_the_parts_uses_the_sum():
    # USGS lithium 2023: the rounded world row (180 000) is below the parts (184 680)
    c = conc(rows({"AUS": 60, "CHL": 50}, world=100))
    assert c.world_total == 110
    assert c.top_share == pytest.approx(60 / 110)
    assert c.hhi == pytest.approx((6000 / 110) ** 2 + (5000 / 110) ** 2)


def test_world_row_larger_than_the_parts_is_used():
    c = conc(rows({"AUS": 30, "CHL": 20}, world=200))
    assert c.world_total == 200
    assert c.top_share == pytest.approx(0.15)
    assert c.coverage == pytest.approx(0.25)


def test_rows_of_one_country_are_summed_and_missing_values_skipped():
    df = pd.concat(
        [
            rows({"RUS": 1632}),  # WMD 'Russia, Asia'
            rows({"RUS": 408}),  # WMD 'Russia, Europe'
            rows({"USA": float("nan"), "COD": 2040}, world=4080),
        ]
    )
    shares, total = concentration.country_shares(df)
    assert total == 4080
    assert shares.to_dict() == {"RUS": 0.5, "COD": 0.5}


def test_no_positive_quantity_gives_no_concentration():
    c = conc(rows({"USA": float("nan"), "CHN": float("nan")}, world=float("nan")))
    assert math.isnan(c.hhi) and c.top_country is None and c.n_producers == 0
    c = conc(rows({"USA": 0.0, "CHN": 0.0}, other=0.0, world=0.0))
    assert math.isnan(c.hhi) and c.coverage == 0.0


# -------------------------------------------------------------------------------- governance
def gov(records: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=["country", "year", "indicator", "estimate"])


def full(country: str, year: int, estimates) -> list[tuple[str, int, str, float]]:
    return [(country, year, d, e) for d, e in zip(DIMS, estimates, strict=True)]


def test_scaled_wgi_is_two_and_a_half_minus_the_mean_times_two():
    g = gov(
        full("AAA", 2022, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        + full("BBB", 2022, [-1.0, -1.2, -0.8, -1.1, -0.9, -1.0])
        + full("CCC", 2022, [-2.6] * 6)  # below -2.5: clipped to 10
        + full("DDD", 2022, [2.7] * 6)  # above +2.5: clipped to 0
    )
    wgi = governance.scaled_wgi(g, 2022)
    assert wgi["AAA"] == pytest.approx(4.0)  # (2.5 - 0.5) * 2
    assert wgi["BBB"] == pytest.approx(7.0)  # (2.5 - (-1.0)) * 2
    assert wgi["CCC"] == 10.0
    assert wgi["DDD"] == 0.0


def test_a_country_missing_one_dimension_is_left_out():
    g = gov(full("AAA", 2022, [0.0] * 6) + full("BBB", 2022, [0.0] * 6)[:5])
    wgi = governance.scaled_wgi(g, 2022)
    assert list(wgi.index) == ["AAA"]


def test_latest_year_not_after_the_production_year():
    g = gov(
        full("AAA", 2018, [1.0] * 6)
        + full("AAA", 2020, [0.0] * 6)
        + full("AAA", 2023, [-1.0] * 6)
        + full("BBB", 2024, [2.0] * 6)  # only later years: the latest of them
        + full("BBB", 2025, [-2.0] * 6)
    )
    assert governance.scaled_wgi(g, 2022)["AAA"] == pytest.approx(5.0)  # 2020
    assert governance.scaled_wgi(g, 2019)["AAA"] == pytest.approx(3.0)  # 2018
    assert governance.scaled_wgi(g, 2023)["AAA"] == pytest.approx(7.0)  # 2023
    assert governance.scaled_wgi(g, 2022)["BBB"] == pytest.approx(9.0)  # 2025


def test_weighted_governance_by_hand():
    shares = pd.Series({"AAA": 0.6, "BBB": 0.2, "ZZZ": 0.1})  # ZZZ has no WGI value
    wgi = pd.Series({"AAA": 4.0, "BBB": 7.0})
    hhi_wgi, supplier, covered = governance.weighted(shares, wgi)
    assert hhi_wgi == pytest.approx(0.36 * 4 + 0.04 * 7)
    assert supplier == pytest.approx((0.6 * 4 + 0.2 * 7) / 0.8)
    assert covered == pytest.approx(0.8)
    assert all(math.isnan(v) for v in governance.weighted(shares, pd.Series(dtype=float))[:2])


# --------------------------------------------------------------------------------- composite
def test_score_by_hand():
    # sqrt(0.5 * 0.6) * (1 - 0.25)
    assert composite.score(5000, 6.0, 0.25) == pytest.approx(math.sqrt(0.3) * 0.75)
    assert composite.score(10000, 10.0, None) == 1.0  # unknown recycling: no credit
    assert composite.score(10000, 10.0, float("nan")) == 1.0
    assert composite.score(10000, 10.0, 1.0) == 0.0
    assert math.isnan(composite.score(float("nan"), 5.0, 0.0))
    assert math.isnan(composite.score(5000, float("nan"), 0.0))


def test_thresholds_are_the_reference_scores():
    expected = [math.sqrt(h / 10000 * 0.5) for h in (1500, 2500, 5000)]
    assert list(composite.THRESHOLDS) == pytest.approx(expected)
    for h, t in zip((1500, 2500, 5000), composite.THRESHOLDS, strict=True):
        assert composite.score(h, 5.0, 0.0) == t


@pytest.mark.parametrize(
    ("hhi", "band"),
    [
        (0, "low"),
        (1499, "low"),
        (1500, "medium"),
        (2499, "medium"),
        (2500, "high"),
        (4999, "high"),
        (5000, "very high"),
        (10000, "very high"),
    ],
)
def test_bands_at_world_average_governance(hhi, band):
    assert composite.band(composite.score(hhi, 5.0, 0.0)) == band


def test_band_of_missing_score():
    assert composite.band(float("nan")) == composite.NO_DATA == "no data"
    assert composite.band(None) == "no data"
    assert composite.BAND_ORDER["no data"] < composite.BAND_ORDER["low"]
    assert composite.BAND_ORDER["high"] < composite.BAND_ORDER["very high"]


# -------------------------------------------------------------------------------- properties
ISO = ["AUS", "BRA", "CAN", "CHL", "CHN", "COD", "IDN", "RUS", "USA", "ZAF"]
quantities = st.dictionaries(st.sampled_from(ISO), st.integers(0, 10**6), min_size=1)
optional = st.one_of(st.none(), st.integers(0, 10**6))


@settings(max_examples=200, deadline=None)
@given(quantities, optional, optional)
def test_hhi_bounds_and_monopoly(countries, other, world):
    c = conc(rows(countries, other=other, world=world))
    positive = [q for q in countries.values() if q > 0]
    if not positive:
        assert math.isnan(c.hhi)
        return
    assert 0.0 <= c.hhi <= 10000.0
    monopoly = len(positive) == 1 and not other and (world or 0) <= positive[0]
    assert (c.hhi == 10000.0) == monopoly


@settings(max_examples=150, deadline=None)
@given(quantities, optional, optional, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(countries, other, world, rnd):
    df = rows(countries, other=other, world=world)
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 2**32 - 1))
    a, b = conc(df), conc(shuffled)
    assert a.top_country == b.top_country
    assert a.n_producers == b.n_producers
    for x, y in [(a.hhi, b.hhi), (a.coverage, b.coverage), (a.world_total, b.world_total)]:
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    quantities,
    optional,
    optional,
    st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False),
)
def test_scaling_all_quantities_changes_nothing(countries, other, world, k):
    base = rows(countries, other=other, world=world)
    scaled = base.assign(quantity=base["quantity"] * k)
    s1, t1 = concentration.country_shares(base)
    s2, t2 = concentration.country_shares(scaled)
    assert t2 == pytest.approx(t1 * k, rel=1e-9)
    pd.testing.assert_series_equal(s1, s2, rtol=1e-9)
    a, b = concentration.concentration(s1, t1), concentration.concentration(s2, t2)
    if math.isnan(a.hhi):
        assert math.isnan(b.hhi)
    else:
        assert b.hhi == pytest.approx(a.hhi, rel=1e-9)
        assert b.top3_share == pytest.approx(a.top3_share, rel=1e-9)


hhis = st.floats(-1000, 12000, allow_nan=False)
wgis = st.floats(-2, 12, allow_nan=False)
rirs = st.one_of(st.none(), st.floats(-0.5, 1.5, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(hhis, hhis, wgis, wgis, rirs, rirs)
def test_score_is_monotone_and_bounded(h1, h2, g1, g2, r1, r2):
    h_lo, h_hi = sorted((h1, h2))
    g_lo, g_hi = sorted((g1, g2))
    for r in (r1, r2):
        s = composite.score(h_lo, g_lo, r)
        assert 0.0 <= s <= 1.0
        assert s <= composite.score(h_hi, g_lo, r)  # non-decreasing in HHI
        assert s <= composite.score(h_lo, g_hi, r)  # non-decreasing in supplier WGI
    if r1 is not None and r2 is not None:
        r_lo, r_hi = sorted((r1, r2))
        assert composite.score(h1, g1, r_hi) <= composite.score(h1, g1, r_lo)  # non-increasing
    assert composite.score(h1, g1, r1) >= composite.score(h1, g1, 1.0)
