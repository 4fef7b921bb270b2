"""The ``bgs`` source: parse BGS OGC API items responses, page through the API on a local server
(127.0.0.1 only), and refresh into a snapshot.

The fixtures (tests/fixtures/bgs, see PROVENANCE.md there) follow the layout of the published BGS
OGC API - Features description and carry real USGS and IEA figures, not BGS data: no BGS response
could be fetched here. Numbers asserted are read off those files (quoted in comments).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from conftest import one
from pytest_httpserver import HTTPServer
from werkzeug import Response

from raw_scan import refresh, store, supply
from raw_scan.errors import DataValidationError, FetchError, RawScanError
from raw_scan.sources import bgs

FIX = Path(__file__).resolve().parent / "fixtures" / "bgs"
ITEMS = "/collections/world-mineral-statistics/items"
SERVED = {
    "copper, refined": "items_copper-refined.json",
    "cobalt, refined": "items_cobalt-refined.json",
    "nickel, smelter/refinery": "items_nickel-smelter-refinery.json",
    "platinum group metals, mine": "items_platinum-group-metals-mine.json",
}


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setenv("RAW_SCAN_RETRY_BACKOFF", "0")
    monkeypatch.setenv("RAW_SCAN_HTTP_TIMEOUT", "5")
    monkeypatch.delenv("RAW_SCAN_BGS_URL", raising=False)
    # nothing reaches the real API unless a test points the constant at the local server
    monkeypatch.setattr(bgs, "ITEMS_URL", "http://127.0.0.1:9/not-the-internet")
    store.clear_cache()
    yield
    store.clear_cache()


@pytest.fixture
def served_folder(tmp_path) -> Path:
    folder = tmp_path / "items"
    folder.mkdir()
    for name in SERVED.values():
        (folder / name).write_bytes((FIX / name).read_bytes())
    return folder


# ------------------------------------------------------------------------------ parse
def test_parse_items_responses(served_folder):
    df = bgs.parse(served_folder)
    assert set(df["source"]) == {"bgs-wms-2023"}
    cobalt = df[(df["material"] == "cobalt") & (df["stage"] == "refining")]
    # "country_trans": "China", "year": "2023-01-01T00:00:00", "quantity": 171700.0, "tonnes"
    china = one(cobalt, country="CHN", year=2023)
    assert (china["quantity"], china["unit"], china["value_status"]) == (171700.0, "t", "reported")
    # nickel: Finland 137500 as nickel metal; the same figure again as sub-commodity "Sulfate"
    nickel = df[(df["material"] == "nickel") & (df["stage"] == "refining")]
    assert one(nickel, country="FIN")["quantity"] == 137500.0
    assert len(nickel) == 6
    # copper, refined: "Korea, Republic of" has no country_iso3_code: the name is looked up
    copper = df[(df["material"] == "copper") & (df["stage"] == "refining")]
    korea = one(copper, country="KOR", year=2022)
    assert korea["quantity"] == 638000.0
    # 2023 figures carry "concat_figure_notes_text": "Estimated"
    assert one(copper, country="KOR", year=2023)["value_status"] == "estimated"
    # platinum group metals, mine: sub-commodity Palladium / Platinum -> two materials
    pd_ = one(df, material="palladium", stage="mining", country="RUS", year=2023)
    assert (pd_["quantity"], pd_["unit"]) == (92000.0, "kg")
    assert (
        one(df, material="platinum", stage="mining", country="ZAF", year=2022)["quantity"]
        == 124000.0
    )
    assert set(df["row_kind"]) == {"country"}


def test_parse_skips_other_statistics_and_sub_commodities():
    df = bgs.parse(FIX / "saved_items_mixed.json")
    # five cobalt Production features; four copper "Exports" and one nickel "Sulfate" skipped
    assert set(zip(df["material"], df["stage"], strict=True)) == {("cobalt", "refining")}
    assert len(df) == 5


def test_series_rules_are_data():
    rules = bgs.series_table()
    assert {"query", "commodity_regex", "sub_commodity_regex", "material", "stage"} <= set(
        rules.columns
    )
    assert bgs.series_rule("Nickel, smelter/refinery", "Unknown").material == "nickel"
    assert bgs.series_rule("nickel, smelter/refinery", "Sulfate") is None
    assert bgs.series_rule("Ferro-alloys", "Ferro-chrome").material == "chromium"
    assert bgs.series_rule("platinum group metals, mine", "Iridium").material == "iridium"
    assert bgs.series_rule("ferro-alloys", "Ferro-silicon") is None
    assert "ferro-alloys" in bgs.queries()


def _collection(features) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _copper(**change) -> dict:
    feature = json.loads((FIX / SERVED["copper, refined"]).read_text())["features"][0]
    feature["properties"].update(change)
    return feature


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>no</html>", "not JSON"),
        (b'{"type": "FeatureCollection"}', "no 'features' list"),
        (json.dumps(_collection([_copper(year="circa")])).encode(), "year 'circa'"),
        (json.dumps(_collection([_copper(quantity="1,000")])).encode(), "text '1,000'"),
        (
            json.dumps(
                _collection([_copper(), _copper(country_trans="Chile", units="kg")])
            ).encode(),
            "mixes units",
        ),
        (
            json.dumps(_collection([_copper(bgs_commodity_trans="cement")])).encode(),
            "no production",
        ),
    ],
)
def test_bad_items_files_are_one_clear_line(tmp_path, content, message):
    path = tmp_path / "items.json"
    path.write_bytes(content)
    with pytest.raises(DataValidationError, match=message) as err:
        bgs.parse(path)
    assert "\n" not in str(err.value) and str(err.value).startswith("bgs: items.json")


def test_a_country_bgs_cannot_place_stays_unattributed(tmp_path):
    path = tmp_path / "items.json"
    features = [_copper(), _copper(country_trans="Yugoslavia", country_iso3_code=None)]
    path.write_text(json.dumps(_collection(features)))
    df = bgs.parse(path)
    yu = one(df, country_name="Yugoslavia")
    assert (yu["row_kind"], yu["country"]) == ("other", "")


# ------------------------------------------------------------------------------ fetch
@pytest.fixture
def api_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def serve_items(server: HTTPServer, *, next_links: bool, asked: list) -> str:
    """Answer like the collection's items endpoint: filter on bgs_commodity_trans and page with
    limit/offset; with ``next_links`` add the OGC API ``rel="next"`` link."""
    base = server.url_for(ITEMS)

    def handler(request):
        args = request.args
        name = args.get("bgs_commodity_trans", "")
        asked.append((name, int(args.get("offset", 0))))
        assert args.get("bgs_statistic_type_trans") == "Production"
        feats = []
        if name in SERVED:
            feats = json.loads((FIX / SERVED[name]).read_text())["features"]
        limit, offset = int(args["limit"]), int(args.get("offset", 0))
        page = feats[offset : offset + limit]
        body = {
            "type": "FeatureCollection",
            "numberMatched": len(feats),
            "numberReturned": len(page),
            "features": page,
            "links": [],
        }
        if next_links and offset + limit < len(feats):
            query = {**args.to_dict(), "offset": offset + limit}
            body["links"].append({"rel": "next", "href": f"{base}?{urlencode(query)}"})
        return Response(json.dumps(body), content_type="application/geo+json")

    server.expect_request(ITEMS).respond_with_handler(handler)
    return base


@pytest.mark.parametrize("next_links", [True, False])
def test_fetch_pages_through_every_mapped_commodity(api_server, tmp_path, next_links):
    asked: list = []
    base = serve_items(api_server, next_links=next_links, asked=asked)
    out = bgs.fetch(tmp_path / "staging", items_url=base, page_size=4)
    saved = json.loads(out.read_text())
    expected = sum(len(json.loads((FIX / f).read_text())["features"]) for f in SERVED.values())
    assert len(saved["features"]) == expected  # 14 + 20 + 5 + 7
    assert {name for name, _ in asked} == set(bgs.queries())
    # copper, refined has 14 features: pages at offsets 0, 4, 8, 12
    assert [o for name, o in asked if name == "copper, refined"] == [0, 4, 8, 12]
    assert sorted(p.name for p in (tmp_path / "staging").iterdir()) == [out.name]
    assert len(bgs.parse(out)) == expected - 1  # the nickel "Sulfate" feature is skipped


def test_fetch_stops_on_an_html_page(api_server, tmp_path):
    api_server.expect_request(ITEMS).respond_with_data("<html>maintenance</html>")
    with pytest.raises(DataValidationError, match="did not return an OGC API items response"):
        bgs.fetch(tmp_path, items_url=api_server.url_for(ITEMS))


def test_fetch_http_error_is_a_fetch_error(api_server, tmp_path):
    api_server.expect_request(ITEMS).respond_with_data("gone", status=404)
    with pytest.raises(FetchError, match="^bgs: ") as err:
        bgs.fetch(tmp_path, items_url=api_server.url_for(ITEMS))
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------------------- refresh
def test_refresh_bgs_into_a_new_snapshot(api_server, monkeypatch):
    asked: list = []
    monkeypatch.setattr(bgs, "ITEMS_URL", serve_items(api_server, next_links=True, asked=asked))
    bundled = store.Snapshot(store.bundled_dir())
    result = refresh.refresh(["bgs"], progress=False)
    assert result.refreshed == ["bgs"]
    snap = store.Snapshot(result.snapshot)
    production = snap.load("production")
    rows = production[production["source"] == "bgs-wms-2023"]
    assert one(rows, material="cobalt", stage="refining", country="CHN")["quantity"] == 171700.0
    # every other source's rows are carried over unchanged
    others = production[production["source"] != "bgs-wms-2023"].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, bundled.load("production"), check_dtype=False)
    entry = snap.manifest["datasets"]["bgs"]
    assert (entry["origin"], entry["edition"], entry["url"]) == (
        "refreshed",
        "bgs-wms-2023",
        bgs.ITEMS_URL,
    )
    # BGS fills gaps only: IEA stays the series for cobalt refining
    from raw_scan import api

    assert api.stage_detail("cobalt", "refining", snap).source == "iea-cmde-2024"


def test_bgs_is_preferred_to_the_partial_basis_only_after_the_full_sources(served_folder):
    rows = bgs.parse(served_folder)
    bundled = store.Snapshot(store.bundled_dir()).load("production")
    # a material whose only other series is the Table A top-supplier share: BGS wins
    table_a = bundled[(bundled["source"] == "eu-crm-2023-table-a")]
    platinum_a = table_a[table_a["material"] == "platinum"].assign(stage="mining")
    bgs_pt = rows[rows["material"] == "platinum"]
    index = supply.index_production(pd.concat([platinum_a, bgs_pt], ignore_index=True))
    chosen = supply.select(index, "platinum", "mining", [])
    assert chosen.source == "bgs-wms-2023" and not chosen.partial
    # with USGS present, USGS is used
    index = supply.index_production(pd.concat([bundled, bgs_pt], ignore_index=True))
    assert supply.select(index, "platinum", "mining", []).source == "usgs-mcs-2024"


def test_refresh_bgs_url_and_file(api_server, monkeypatch, tmp_path):
    saved = FIX / "saved_items_mixed.json"
    api_server.expect_request("/saved.json").respond_with_data(saved.read_bytes())
    monkeypatch.setenv("RAW_SCAN_BGS_URL", api_server.url_for("/saved.json"))
    result = refresh.refresh(["bgs"], progress=False)
    prod = store.Snapshot(result.snapshot).load("production")
    assert set(prod.loc[prod["source"] == "bgs-wms-2023", "material"]) == {"cobalt"}
    monkeypatch.delenv("RAW_SCAN_BGS_URL")
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    before = store.active_dir()
    with pytest.raises(RawScanError, match="^bgs: "):
        refresh.refresh(["bgs"], file=bad, progress=False)
    assert store.active_dir() == before
