"""Source parsers on trimmed real files (tests/fixtures, see PROVENANCE.md) and on bad inputs.

Every number asserted here is read off the fixture file itself (the row is quoted in a comment),
never off the parser's own output.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import FIXTURES, one

from raw_scan import countries
from raw_scan.errors import DataValidationError, RawScanError
from raw_scan.scoring import concentration
from raw_scan.sources import eu, iea, tidy, usgs, wgi, wmd

USGS = FIXTURES / "usgs_mcs2024"
IEA = FIXTURES / "iea_supply_2024_trimmed.xlsx"
WGI_CSV = FIXTURES / "WGIData_trimmed.csv"
WGI_JSON = FIXTURES / "GOV_WGI_PV.EST_2023_excerpt.json"
WMD = FIXTURES / "wmd2017_6.4_production_by_minerals_trimmed.xlsx"
EU_RESULTS = FIXTURES / "eureport_results.csv"
CRMA = FIXTURES / "crma_2024_1252_annex_I_II_lists_TRANSCRIBED.csv"


def usgs_file(code: str) -> pd.DataFrame:
    name = f"mcs2024-{code}_world.csv"
    return usgs.parse_world_csv((USGS / name).read_bytes().decode("utf-8-sig"), name)


# ------------------------------------------------------------------------------------ USGS
def test_usgs_gallium_china_2023_estimate():
    df = usgs_file("galli")
    # MCS2024,China,Primary production,600000,600000,estimated in 2022 also,1000000,
    row = one(df, country="CHN", year=2023)
    assert row["quantity"] == 600000.0
    assert row["value_status"] == "estimated"  # column Prod_kg_est_2023
    assert (row["material"], row["stage"], row["unit"]) == ("gallium", "refining", "kg")
    assert row["source"] == "usgs-mcs-2024"
    assert one(df, country="CHN", year=2022)["value_status"] == "reported"


def test_usgs_glued_estimate_marker_and_nbsp():
    df = usgs_file("galli")
    # MCS2024,Japane,Primary production,3000,3000,...   ('e' glued to the name = estimate)
    for year in (2022, 2023):
        japan = one(df, country="JPN", year=year)
        assert japan["quantity"] == 3000.0
        assert japan["value_status"] == "estimated"
        assert japan["row_kind"] == "country"
    # MCS2024,"Korea, Republic ofe",Primary production,2000,2000,...
    assert one(df, country="KOR", year=2022)["quantity"] == 2000.0
    assert one(df, country="KOR", year=2022)["value_status"] == "estimated"
    assert one(df, country="RUS", year=2023)["quantity"] == 5000.0  # Russiae
    # MCS2024,United\xa0States,Primary production,0,0,,0,
    usa = one(df, country="USA", year=2022)
    assert usa["country_name"] == "United States"
    assert usa["quantity"] == 0.0 and usa["value_status"] == "reported"


def test_usgs_other_countries_and_world_rows():
    df = usgs_file("galli")
    # MCS2024,Other countries4,Primary production,0,0,,"88,000",estimated
    other = one(df, country_name="Other countries4", year=2023)
    assert other["row_kind"] == "other" and other["country"] == ""
    # MCS2024,World total (rounded),Primary production,610000,610000,...
    world = one(df, row_kind="world", year=2023)
    assert world["quantity"] == 610000.0 and world["country"] == ""
    assert set(df["row_kind"]) == {"country", "other", "world"}
    assert len(df) == 14  # 7 lines x 2 years


def test_usgs_germanium_has_no_numbers():
    df = usgs_file("germa")
    assert len(df) == 16
    assert df["quantity"].isna().all()
    # MCS2024,United States,Primary and secondary refinery production,W,W,,NA,
    assert set(df.loc[df["country"] == "USA", "value_status"]) == {"withheld"}
    assert set(df.loc[df["country"] != "USA", "value_status"]) == {"not_available"}


def test_usgs_fluorspar_type_column_headed_by_its_value():
    df = usgs_file("fluor")
    assert set(df["material"]) == {"fluorspar"}
    # MCS2024,China,"Mine production, fluorspar",5700,5700,,67000,...   (Prod_kt_Est_2023)
    china = one(df, country="CHN", year=2023)
    assert (china["quantity"], china["unit"], china["value_status"]) == (5700.0, "kt", "estimated")
    assert one(df, country="MNG", year=2022)["quantity"] == 425.0
    assert one(df, country="USA", year=2023)["value_status"] == "not_available"  # NA
    assert one(df, row_kind="world", year=2023)["quantity"] == 8800.0


def test_usgs_platinum_world_row_has_its_own_type():
    df = usgs_file("plati")
    pt = df[df["material"] == "platinum"]
    pd_ = df[df["material"] == "palladium"]
    # MCS2024,World total (rounded), World mine production: Platinum,174000,180000,...
    assert one(pt, row_kind="world", year=2023)["quantity"] == 180000.0
    assert one(pt, row_kind="world", year=2022)["quantity"] == 174000.0
    # MCS2024,World total (rounded), World mine production: Palladium,203000,210000,...
    assert one(pd_, row_kind="world", year=2023)["quantity"] == 210000.0
    # MCS2024,South Africa, Mine production: Platinum,124000,120000,...
    assert one(pt, country="ZAF", year=2023)["quantity"] == 120000.0
    assert one(pd_, country="ZAF", year=2023)["quantity"] == 71000.0
    assert one(pt, country="RUS", year=2023)["value_status"] == "estimated"  # Russiae
    assert len(pt) == len(pd_) == 14


def test_usgs_copper_two_series_and_trailing_spaces():
    df = usgs_file("coppe")
    mine = df[df["stage"] == "mining"]
    refinery = df[df["stage"] == "refining"]
    # MCS2024,Chile,"Mine production, recoverable copper content",5330 ,5000 ,,190000,
    assert one(mine, country="CHL", year=2022)["quantity"] == 5330.0
    assert one(mine, country="CHL", year=2023)["quantity"] == 5000.0
    # MCS2024,China,"Refinery production, copper",11100 ,12000 ,,,
    assert one(refinery, country="CHN", year=2023)["quantity"] == 12000.0
    # MCS2024,Congo (Kinshasa),"Mine production, recoverable copper content",2350 ,2500 ,...
    assert one(mine, country="COD", year=2023)["quantity"] == 2500.0
    assert one(mine, country="KOR", year=2023)["quantity"] == 0.0  # "Korea, Republic of"
    assert one(mine, row_kind="world", year=2023)["quantity"] == 22000.0
    assert one(refinery, row_kind="world", year=2023)["quantity"] == 27000.0
    assert set(mine["unit"]) == {"kt"}
    assert len(mine) == len(refinery) == 18


def test_usgs_lithium_withheld_and_other_countries_footnote():
    df = usgs_file("lithi")
    # MCS2024,United States,"Mine production, lithium content",W,W,,1100000,...
    usa = one(df, country="USA", year=2023)
    assert pd.isna(usa["quantity"]) and usa["value_status"] == "withheld"
    # MCS2024,Australia,"Mine production, lithium content",74700,86000,,6200000,...
    assert one(df, country="AUS", year=2023)["quantity"] == 86000.0
    assert one(df, country_name="Other countries6", year=2023)["row_kind"] == "other"
    assert one(df, row_kind="world", year=2023)["quantity"] == 180000.0


def test_usgs_rare_earths_both_years_estimated_and_burma():
    df = usgs_file("raree")
    # header Prod_t_est_2022,Prod_t_est_2023: both years are estimates
    assert set(df["value_status"]) == {"estimated"}
    # MCS2024,Burma,"Rare earths, mine production, ...",12000,38000,,NA,
    assert one(df, country="MMR", year=2023)["quantity"] == 38000.0
    assert one(df, country="CHN", year=2023)["quantity"] == 240000.0


def test_usgs_folder_and_zip_parse_to_the_same_rows():
    folder = usgs.parse(USGS)
    assert set(folder["material"]) == {
        "copper",
        "fluorspar",
        "gallium",
        "germanium",
        "helium",
        "lithium",
        "palladium",
        "platinum",
        "rare-earths",
    }
    zipped = usgs.parse(FIXTURES / "usgs_mcs2024_world_trimmed.zip")
    assert set(zipped["material"]) == {"copper", "gallium", "lithium"}
    same = folder[folder["material"].isin(["copper", "gallium", "lithium"])]
    key = ["material", "stage", "country_name", "year"]
    pd.testing.assert_frame_equal(
        zipped.sort_values(key).reset_index(drop=True),
        same.sort_values(key).reset_index(drop=True),
        check_dtype=False,  # all-NA germanium makes the folder's quantity column object
    )
    assert list(folder.columns) == tidy.PRODUCTION_COLUMNS


def test_usgs_upper_case_file_name_and_unknown_commodity(tmp_path):
    text = (USGS / "mcs2024-galli_world.csv").read_bytes().decode("utf-8-sig")
    assert len(usgs.parse_world_csv(text, "MCS2024-galli_world.csv")) == 14
    assert usgs.parse_world_csv(text, "mcs2024-zzzzz_world.csv").empty
    with pytest.raises(DataValidationError, match="galli.csv"):
        usgs.parse_world_csv(text, "galli.csv")


# ------------------------------------------------------------------------------------- IEA
def test_iea_copper_mining_2023():
    df = iea.parse(IEA)
    assert set(df["year"]) == {2023}  # 2030/2035/2040 are projections and are dropped
    assert set(df["source"]) == {"iea-cmde-2024"}
    mine = df[(df["material"] == "copper") & (df["stage"] == "mining")]
    # A7 'Chile', B7 5311.3 (kt)
    chile = one(mine, country="CHL")
    assert (chile["quantity"], chile["unit"], chile["row_kind"]) == (5311.3, "kt", "country")
    # A8 'Democratic Republic of Congo', B8 2678.2
    assert one(mine, country="COD")["quantity"] == 2678.2
    # A13 'Rest of world', B13 7826.5 ; A14 'Total', B14 22508.1
    rest = one(mine, country_name="Rest of world")
    assert rest["row_kind"] == "other" and rest["country"] == ""
    assert rest["quantity"] == pytest.approx(7826.5)
    assert one(mine, row_kind="world")["quantity"] == 22508.1
    assert "Top 3 share" not in set(df["country_name"])


def test_iea_blocks_and_their_labels():
    df = iea.parse(IEA)
    pairs = set(zip(df["material"], df["stage"], strict=True))
    assert pairs == {
        (m, s)
        for m in ("copper", "cobalt", "lithium", "nickel", "magnet-rare-earths")
        for s in ("mining", "refining")
    } | {("natural-graphite", "mining"), ("battery-grade-graphite", "refining")}
    # G28 'China' H28 113.9 under G27 'Lithium - Chemicals'
    chem = df[(df["material"] == "lithium") & (df["stage"] == "refining")]
    assert one(chem, country="CHN")["quantity"] == 113.9
    # G24 'Total clean technologies' H24 223.8 closes the cobalt refining block
    cobalt = df[(df["material"] == "cobalt") & (df["stage"] == "refining")]
    assert one(cobalt, row_kind="world")["quantity"] == 223.8
    # A61 'Myanmar' B61 10.8 under 'Magnet rare earth elements - Mining'
    mree = df[(df["material"] == "magnet-rare-earths") & (df["stage"] == "mining")]
    assert one(mree, country="MMR")["quantity"] == 10.8


def test_iea_supply_sheet_reads_the_actual_year_column_only():
    sheet = pd.read_excel(IEA, sheet_name=iea.SUPPLY_SHEET, header=None)
    raw = iea.parse_supply_sheet(sheet, edition=2024, filename=IEA.name)
    # B4 2023 is the actual year; C4..E4 2030/2035/2040 are base-case projections
    assert set(raw["year"]) == {2023}
    assert 5211.3 not in set(raw["quantity"])  # C7: Chile copper mining 2030


def _edited_iea(tmp_path, cell: str, value) -> Path:
    wb = openpyxl.load_workbook(IEA)
    wb[iea.SUPPLY_SHEET][cell] = value
    path = tmp_path / "iea_2024_edited.xlsx"
    wb.save(path)
    return path


def test_iea_text_where_a_number_belongs(tmp_path):
    path = _edited_iea(tmp_path, "B7", "about 5300")
    with pytest.raises(DataValidationError) as info:
        iea.parse(path)
    assert str(info.value).startswith(f"iea: {path.name}: text 'about 5300'")
    assert "Chile" in str(info.value)


def test_iea_unknown_country_and_missing_sheet(tmp_path):
    with pytest.raises(DataValidationError, match="unknown country name 'Atlantis'"):
        iea.parse(_edited_iea(tmp_path, "A7", "Atlantis"))
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    path = tmp_path / "no_supply.xlsx"
    wb.save(path)
    with pytest.raises(DataValidationError, match="no sheet '2 Total supply for key minerals'"):
        iea.parse(path)


# ------------------------------------------------------------------------------------- WGI
def _wgi_cells() -> dict[tuple[str, str, int], float]:
    """(country, dimension, year) -> estimate, read straight from the fixture with csv."""
    rows = list(csv.reader(io.StringIO(WGI_CSV.read_bytes().decode("utf-8-sig"))))
    header, out = rows[0], {}
    for r in rows[1:]:
        if not r or not r[3].endswith(".EST") or r[1] == "ANT":
            continue
        for col, cell in zip(header[4:], r[4:], strict=False):
            if col.strip() and cell.strip():
                out[(r[1], r[3].split(".")[0], int(col))] = float(cell)
    return out


def test_wgi_bulk_csv_keeps_the_six_estimates_only():
    df = wgi.parse(WGI_CSV, source="wgi-2023")
    assert sorted(df["indicator"].unique()) == ["CC", "GE", "PV", "RL", "RQ", "VA"]
    assert "ANT" not in set(df["country"])  # Netherlands Antilles: no ISO 3166 code today
    assert set(df["country"]) == {"AUS", "CHL", "CHN", "COD", "RUS", "USA", "ZAF"}
    assert set(df["source"]) == {"wgi-2023"}
    cells = _wgi_cells()
    assert len(df) == len(cells)  # CC.PER.RNK.LOWER rows and empty cells are not estimates
    got = {(r.country, r.indicator, r.year): r.estimate for r in df.itertuples()}
    assert got == cells
    # "China","CHN","Control of Corruption: Estimate","CC.EST","-0.271189510822296",...
    assert got[("CHN", "CC", 1996)] == -0.271189510822296
    # "United States","USA","Voice and Accountability: Estimate","VA.EST","1.34866082668304",...
    assert got[("USA", "VA", 1996)] == 1.34866082668304


def test_wgi_default_source_label_and_zip(tmp_path):
    assert set(wgi.parse(WGI_CSV)["source"]) == {"wgi-bulk-2022"}
    archive = tmp_path / "WGI_CSV.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(WGI_CSV, "WGIData.csv")
    pd.testing.assert_frame_equal(
        wgi.parse(archive, source="x"), wgi.parse(WGI_CSV, source="x"), check_like=True
    )


def test_wgi_api_excerpt_with_one_dimension_is_refused():
    with pytest.raises(DataValidationError) as info:
        wgi.parse(WGI_JSON)
    message = str(info.value)
    assert message.startswith(f"wgi: {WGI_JSON.name}: ")
    assert "CC, GE, RL, RQ, VA" in message and "\n" not in message


def test_wgi_api_records_aggregates_dropped_values_kept():
    """The excerpt holds PV only; the same records are relabelled as the other five dimensions
    (a synthetic step, for the parser's mechanics) so that validation can pass."""
    header, records = json.loads(WGI_JSON.read_text(encoding="utf-8"))
    payloads = []
    for dim in wgi.DIMENSIONS:
        recs = [{**r, "indicator": {**r["indicator"], "id": f"GOV_WGI_{dim}.EST"}} for r in records]
        payloads.append([header, recs])
    df = wgi.parse_api_json(payloads, source="wgi-2026-03-18", file=WGI_JSON.name)
    # 7 records with an empty countryiso3code (Anguilla, Cook Islands, ...) are aggregates
    assert set(df["country"]) == {
        "AFG",
        "ALB",
        "DZA",
        "BLR",
        "CHN",
        "COD",
        "CIV",
        "TUR",
        "USA",
        "PSE",
        "YEM",
        "ZMB",
        "ZWE",
    }
    pv = df[df["indicator"] == "PV"].set_index("country")["estimate"]
    # {"countryiso3code":"CHN","date":"2023","value":-0.174451499999999}
    assert pv["CHN"] == -0.174451499999999
    assert pv["COD"] == -1.9812287
    assert set(df["year"]) == {2023}


# ------------------------------------------------------------------------------------- WMD
def test_wmd_russia_asia_and_europe_are_both_rus():
    df = wmd.parse_workbook(WMD)
    assert set(df["source"]) == {"wmd-2017"}  # five years 2011-2015 -> 2017 edition
    cobalt = df[(df["material"] == "cobalt") & (df["year"] == 2015)]
    rus = cobalt[cobalt["country"] == "RUS"]
    # Cobalt!A17 'Russia, Asia' G17 1632 ; A18 'Russia, Europe' G18 408
    assert dict(zip(rus["country_name"], rus["quantity"], strict=True)) == {
        "Russia, Asia": 1632.0,
        "Russia, Europe": 408.0,
    }
    shares, total = concentration.country_shares(cobalt)
    assert total == 140713.0  # A25 'Total', G25 140713
    assert shares["RUS"] == pytest.approx((1632 + 408) / 140713)
    # A8 'Congo, D.R.' G8 84400
    assert one(cobalt, country="COD")["quantity"] == 84400.0
    iron = df[(df["material"] == "iron-ore") & (df["year"] == 2015)]
    # Iron!A39 'Russia, Asia' G39 9443500 ; A40 'Russia, Europe' G40 46106500
    assert iron.loc[iron["country"] == "RUS", "quantity"].sum() == 9443500 + 46106500


def test_wmd_flags_units_and_gaps():
    df = wmd.parse_workbook(WMD)
    assert set(df["material"]) == {"cobalt", "gallium", "iron-ore"}
    assert set(df["unit"]) == {"t"}  # 'metr. t'
    cobalt = df[df["material"] == "cobalt"]
    assert one(cobalt, country="BRA", year=2015)["value_status"] == "estimated"  # 'estimate'
    assert one(cobalt, country="AUS", year=2015)["value_status"] == "reported"
    # Madagascar C12 is empty in 2011
    gap = one(cobalt, country="MDG", year=2011)
    assert pd.isna(gap["quantity"]) and gap["value_status"] == "not_available"
    iron = df[(df["material"] == "iron-ore") & (df["year"] == 2015)]
    assert one(iron, country="VNM")["value_status"] == "provisional"
    assert one(iron, country_name="Korea, North")["country"] == "PRK"
    assert one(iron, country_name="Korea, South")["country"] == "KOR"
    gallium = df[(df["material"] == "gallium") & (df["year"] == 2015)]
    assert one(gallium, country="CHN")["quantity"] == 121.0  # Gallium!G3
    assert one(gallium, row_kind="world")["quantity"] == 146.0  # Gallium!G9


# -------------------------------------------------------------------------------------- EU
def test_eu_results_fixes_are_applied_and_recorded():
    df = eu.parse_results(EU_RESULTS).set_index("eu_name")
    assert len(df) == 90  # 91 lines; 'Tungsten' appears twice with identical values
    assert df.index.is_unique
    # Coking coal,1.0,3.1,Extraction,E+P,GS+EU,,1.0,0.4,... and the like
    shifted = {"Coking coal": 1.0, "Diatomite": 0.3, "Magnesite": 0.6, "Natural cork": 0.9}
    shifted["Strontium"] = 2.6
    for name, value in shifted.items():
        assert df.loc[name, "supply_risk_mining"] == value
        assert "moved from the eu_used_supply_refined column" in df.loc[name, "fixes"]
    # LREE,3.7,5.9,Processing,E+P,GS+EU,281%,GS+EU,3.58,...
    assert pd.isna(df.loc["LREE", "supply_risk_mining"])
    assert "'281%'" in df.loc["LREE", "fixes"]
    assert df.loc["LREE", "supply_risk_refining"] == 3.58
    # Praseodymium,3.2,7.0,Processing,E+P,GS+EU,1.8,GS+EU,,...
    assert df.loc["Praseodymium", "supply_risk_refining"] == 3.2
    assert df.loc["Praseodymium", "supply_risk_mining"] == 1.8
    assert "filled with the published SR" in df.loc["Praseodymium", "fixes"]
    fixed = set(df.index[df["fixes"] != ""])
    assert fixed == {*shifted, "LREE", "Praseodymium"}


def test_eu_results_units_and_criticality():
    df = eu.parse_results(EU_RESULTS).set_index("eu_name")
    # Aluminium,1.2,5.8,Extraction,E+P,GS+EU,1.2,GS+EU,0.5,0.82,0.86,89,58,32,...
    al = df.loc["Aluminium"]
    assert (al["supply_risk"], al["economic_importance"]) == (1.2, 5.8)
    assert al["import_reliance_mining"] == pytest.approx(0.89)
    assert al["eol_rir"] == pytest.approx(0.32)
    assert al["bottleneck_stage"] == "mining"
    assert bool(al["critical_2023"]) is True
    # Aggregates,0.2,3.2,...: SR below 1.0
    assert bool(df.loc["Aggregates", "critical_2023"]) is False
    assert df.loc["Gallium", "bottleneck_stage"] == "refining"


def test_crma_lists():
    df = eu.parse_crma(CRMA)
    assert len(df) == 51
    assert int(df["strategic_annex_I"].sum()) == 17
    assert int(df["critical_annex_II"].sum()) == 34
    first = df.iloc[0]
    assert (first["annex"], first["point"], first["material_en"]) == (
        "I",
        "a",
        "Bauxite/alumina/aluminium",
    )
    assert list(df.loc[df["annex"] == "II", "point"])[-1] == "ah"


# ------------------------------------------------------------------------------- countries
@pytest.mark.parametrize(
    ("raw", "iso3"),
    [
        ("Congo (Kinshasa)", "COD"),
        ("Congo (Brazzaville)", "COG"),
        ("Congo, D.R.", "COD"),
        ("Democratic Republic of Congo", "COD"),
        ("Burma", "MMR"),
        ("Korea, Republic ofe", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("Korea, North", "PRK"),
        ("Japane", "JPN"),
        ("Russiae", "RUS"),
        ("Ukraine", "UKR"),
        ("Chile", "CHL"),
        ("Mozambique", "MOZ"),
        ("China6", "CHN"),
        ("United\xa0States", "USA"),
        ("Russia, Asia", "RUS"),
        ("Russia, Europe", "RUS"),
        ("Brazil (beneficiated)", "BRA"),
        ("Swaziland", "SWZ"),
        ("Bosnia-Herzegovina", "BIH"),
        ("World total (rounded)", None),
        ("Other countries4", None),
        ("Rest of world", None),
        ("Total", None),
        ("", None),
        ("Atlantis", None),
    ],
)
def test_country_names(raw, iso3):
    assert countries.to_iso3(raw) == iso3


@pytest.mark.parametrize(
    ("raw", "marked"),
    [("Japane", True), ("Russiae", True), ("Ukraine", False), ("Chile", False), ("China", False)],
)
def test_estimate_marker(raw, marked):
    assert countries.estimate_marker(raw) is marked


# ------------------------------------------------------------------------------ bad inputs
HTML = (
    b"<!DOCTYPE html>\n<html lang='en'><head><title>Page not found</title></head>\n"
    b"<body><h1>404</h1><p>Sorry, this page has moved, or it never existed.</p></body></html>\n"
)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _usgs_case(kind: str) -> bytes:
    raw = (USGS / "mcs2024-galli_world.csv").read_bytes()
    return {
        "header-only": _lines(USGS / "mcs2024-galli_world.csv")[0],
        "renamed-column": raw.replace(b"Source,Country,", b"Source,Nation,", 1),
        "text-for-number": raw.replace(
            b"China,Primary production,600000,600000", b"China,Primary production,600000,lots", 1
        ),
        "empty": b"",
        "html": HTML,
    }[kind]


def _wgi_case(kind: str) -> bytes:
    raw = WGI_CSV.read_bytes()
    return {
        "header-only": _lines(WGI_CSV)[0],
        "renamed-column": raw.replace(b'"Indicator Code"', b'"Series Code"', 1),
        "text-for-number": raw.replace(b'"-0.271189510822296"', b'"abc"', 1),
        "empty": b"",
        "html": HTML,
    }[kind]


def _eu_results_case(kind: str) -> bytes:
    raw = EU_RESULTS.read_bytes()
    return {
        "header-only": _lines(EU_RESULTS)[0],
        "renamed-column": raw.replace(b",economic_importance,", b",ei,", 1),
        "text-for-number": raw.replace(b"Aluminium,1.2,5.8", b"Aluminium,high,5.8", 1),
        "empty": b"",
        "html": HTML,
    }[kind]


def _crma_case(kind: str) -> bytes:
    raw = CRMA.read_bytes()
    return {
        "header-only": _lines(CRMA)[0],
        "renamed-column": raw.replace(b"material_en", b"name_en", 1),
        "text-for-number": raw.replace(b"Bismut,1,0", b"Bismut,yes,0", 1),
        "empty": b"",
        "html": HTML,
    }[kind]


# The long World Mining Data table has no committed fixture; these rows use its real header and
# numbers from the WMD 2017 fixture (Cobalt 2015).
WMD_LONG = (
    b"wmd_sheet,Country,Country_Code,Country_ISO,unit,data_source,year,value\n"
    b"Cobalt,Australia,36,AUS,metr. t,r,2015,6030.0\n"
    b"Cobalt,Brazil,76,BRA,metr. t,e,2015,3800.0\n"
    b"Cobalt,Total,,,metr. t,,2015,140713.0\n"
)


def _wmd_long_case(kind: str) -> bytes:
    return {
        "header-only": WMD_LONG.splitlines(keepends=True)[0],
        "renamed-column": WMD_LONG.replace(b",Country,", b",Land,", 1),
        "text-for-number": WMD_LONG.replace(b"6030.0", b"lots", 1),
        "empty": b"",
        "html": HTML,
    }[kind]


LOADERS = {
    # id: (source prefix, file suffix, bytes for a case, parse(path) -> result)
    "usgs": ("usgs", ".csv", _usgs_case, None),
    "wgi": ("wgi", ".csv", _wgi_case, lambda p: wgi.parse(p, source="wgi-test")),
    "eu-results": ("eu", ".csv", _eu_results_case, eu.parse_results),
    "eu-crma": ("eu", ".csv", _crma_case, eu.parse_crma),
    "wmd-long": ("wmd", ".csv", _wmd_long_case, lambda p: wmd.parse_long(p, source="wmd-t")),
}
KINDS = ["header-only", "renamed-column", "text-for-number", "empty", "html"]


def _cases():
    for loader in LOADERS:
        for kind in KINDS:
            yield pytest.param(loader, kind, id=f"{loader}-{kind}")


@pytest.mark.parametrize(("loader", "kind"), list(_cases()))
def test_bad_input_is_one_clear_line(tmp_path, loader, kind):
    prefix, suffix, make, parse = LOADERS[loader]
    path = tmp_path / f"bad_{loader}_{kind}{suffix}"
    path.write_bytes(make(kind))
    if loader == "usgs":  # the USGS reader takes a folder (or zip) of MCS world files
        folder = tmp_path / "mcs2024_world"
        folder.mkdir()
        path = path.rename(folder / "mcs2024-galli_world.csv")
        names = (folder.name, path.name)

        def parse(_p, folder=folder):
            return usgs.parse(folder)
    else:
        names = (path.name,)
    with pytest.raises(RawScanError) as info:
        parse(path)
    assert isinstance(info.value, DataValidationError)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    assert message.startswith(f"{prefix}: ")
    assert any(n in message for n in names), message


@pytest.mark.parametrize("content", [b"", HTML], ids=["empty", "html"])
@pytest.mark.parametrize("loader", ["iea", "wmd-workbook"])
def test_bad_workbook_is_one_clear_line(tmp_path, loader, content):
    path = tmp_path / f"bad_{loader}.xlsx"
    path.write_bytes(content)
    parse = iea.parse if loader == "iea" else wmd.parse_workbook
    with pytest.raises(DataValidationError) as info:
        parse(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{loader.split('-')[0]}: {path.name}: not an Excel workbook")


def test_usgs_header_only_file_among_good_ones_is_an_error(tmp_path):
    folder = tmp_path / "world"
    shutil.copytree(USGS, folder)
    galli = folder / "mcs2024-galli_world.csv"
    galli.write_bytes(_lines(galli)[0])
    with pytest.raises(DataValidationError, match="mcs2024-galli_world.csv"):
        usgs.parse(folder)


def test_validate_production_rejects_bad_codes_and_negative_quantities():
    good = usgs_file("galli")
    bad = good.copy()
    bad.loc[bad["country"] == "CHN", "country"] = "XXX"
    with pytest.raises(DataValidationError, match="not an ISO 3166 alpha-3 code"):
        tidy.validate_production(bad, source="usgs", file="f.csv")
    bad = good.copy()
    bad.loc[0, "quantity"] = -1.0
    with pytest.raises(DataValidationError, match="negative quantity in 1 rows"):
        tidy.validate_production(bad, source="usgs", file="f.csv")
