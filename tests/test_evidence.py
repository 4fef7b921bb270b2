"""Technology -> material links: every link cites an identified source, weak evidence is marked
as such, and the curation files are hashed in the manifest."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from conftest import ROOT

from raw_scan import api, store
from raw_scan.errors import DataValidationError
from raw_scan.sources import technologies

CURATION = ROOT / "scripts" / "curation"
EVIDENCE = {"read", "read-weak", "inferred"}


def links() -> pd.DataFrame:
    return store.load("technology_materials")


def link(tech: str, material: str) -> pd.Series:
    df = links()
    hit = df[(df["technology"] == tech) & (df["material"] == material)]
    assert len(hit) == 1, (tech, material)
    return hit.iloc[0]


def register() -> pd.DataFrame:
    return pd.read_csv(CURATION / "technology_sources.csv", dtype=str, keep_default_na=False)


def test_every_link_cites_an_identified_source():
    df = links()
    assert set(df["evidence"]) <= EVIDENCE
    for r in df.itertuples():
        where = f"{r.technology}/{r.material}"
        assert r.citation and r.source_kind, where
        assert "no source" not in r.citation, where
        assert all(loc.strip() not in ("", "-") for loc in r.locator.split("||")), where
        if r.evidence != "inferred":
            assert r.quote_or_location, where
    # a link graded read rests on at least one source that is not weak
    read = df[df["evidence"] == "read"]
    assert read["source_kind"].map(lambda k: any("(weak)" not in p for p in k.split("||"))).all()
    weak = df[df["evidence"] == "read-weak"]
    assert weak["source_kind"].map(lambda k: all("(weak)" in p for p in k.split("||"))).all()


def test_known_weak_sources_are_marked():
    # Polar Capital investment commentary is the only source of heat pumps -> boron
    row = link("heat-pumps", "boron")
    assert row["evidence"] == "read-weak"
    assert "investment commentary (weak)" in row["source_kind"]
    # an abstract whose title and authors were not shown
    assert link("electrolysers", "cerium")["evidence"] == "read-weak"
    assert "unidentified abstract" in link("electrolysers", "cerium")["source_kind"]
    # a review whose year and volume were not recorded cannot be found again: weak
    assert link("fuel-cells", "platinum")["evidence"] == "read-weak"
    # a peer-reviewed paper (Pavel et al. 2017, JRC authors) keeps the link read
    assert link("traction-motors", "neodymium")["evidence"] == "read"


def test_register_kinds_and_weak_flags_agree():
    reg = register()
    assert reg["id"].is_unique
    assert set(reg["weak"]) == {"yes", "no"}
    weak_kinds = {"trade press", "supplier", "opinion", "encyclopaedia", "consultancy"}
    for r in reg.itertuples():
        if r.kind in weak_kinds or "unidentified" in r.kind or "incomplete" in r.kind:
            assert r.weak == "yes", r.id


def test_graphite_links_follow_what_the_sources_say():
    bg = link("li-ion-batteries", "battery-grade-graphite")
    assert bg["evidence"] == "read" and "sheet 4.4 Battery storage" in bg["source"]
    assert "'Battery-grade graphite', B10 86.6 kt" in bg["quote_or_location"]
    sg = link("li-ion-batteries", "synthetic-graphite")
    assert sg["evidence"] == "read"
    assert "all grades of mined and synthetic graphite" in sg["quote_or_location"]
    for tech in ("li-ion-batteries", "e-mobility"):
        ng = link(tech, "natural-graphite")
        assert "Table 4" in ng["source"] and "Battery-grade" not in ng["quote_or_location"]
    assert link("e-mobility", "synthetic-graphite")["evidence"] == "read"
    assert link("h2-dri-eaf", "synthetic-graphite")["evidence"] == "read-weak"  # news factbox


@pytest.mark.parametrize(
    ("tech", "material", "evidence"),
    [
        ("fuel-cells", "gadolinium", "read"),
        ("fuel-cells", "chromium", "read"),
        ("solar-pv", "antimony", "read"),
        ("solar-pv", "phosphorus", "read"),
        ("space-defence", "yttrium", "read"),
        ("space-defence", "neodymium", "read"),
        ("space-defence", "dysprosium", "read"),
        ("space-defence", "vanadium", "read-weak"),
        ("space-defence", "magnesium", "read-weak"),
        ("space-defence", "boron", "read-weak"),
    ],
)
def test_jrc_2023_foresight_gaps_added_with_a_source(tech, material, evidence):
    row = link(tech, material)
    assert row["evidence"] == evidence
    assert row["locator"].startswith(("http", "doi:"))


def test_links_without_any_source_are_gone():
    df = links()
    keys = set(zip(df["technology"], df["material"], strict=True))
    for gone in (("heat-pumps", "aluminium"), ("robotics", "aluminium"), ("robotics", "samarium")):
        assert gone not in keys


def test_curation_files_are_hashed_in_the_manifest():
    man = store.Snapshot(store.bundled_dir()).manifest
    entry = next(t for t in man["tables"] if t["table"] == "technology_materials")
    hashed = {i["path"]: i["sha256"] for i in entry["inputs"]}
    for name in ("technology_evidence.csv", "technology_sources.csv"):
        path = CURATION / name
        assert hashed[f"scripts/curation/{name}"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_unknown_or_missing_sources_stop_the_build():
    techs = store.load("technologies")
    mats = store.load("materials")
    raw = pd.DataFrame(
        [
            {
                "technology": "Solar PV",
                "material": "silver",
                "component": "paste",
                "source": "A blog nobody can find",
                "evidence": "read",
                "quote_or_location": "x",
            }
        ]
    )
    with pytest.raises(DataValidationError, match="not in the register"):
        technologies.build_links(raw, techs, mats, None, register())
    raw.loc[0, "source"] = "general technical knowledge"
    with pytest.raises(DataValidationError, match="has no source"):
        technologies.build_links(raw, techs, mats, None, register())


def test_report_carries_the_evidence_grade():
    report = api.technology_report(["heat-pumps"])
    assert set(report["evidence"]) <= EVIDENCE
    assert (report.loc[report["material"] == "boron", "evidence"] == "read-weak").all()
