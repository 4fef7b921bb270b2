"""The refresh contract: what a refresh would change, checked before ``active.json`` switches.

A refresh builds a complete candidate snapshot, then :func:`review` compares it with the active
one. Every source declares the tables its parser returns (``adapters.ADAPTERS``), and every
table has a *kind* (:data:`KINDS`; a table with no kind of its own gets :class:`TableKind`,
the row-count and key-coverage checks). Findings come in three levels:

* ``error`` (never accepted): a quantity that is not a finite number (``inf``, or ``nan``
  where the file claims a value), negative, larger than :data:`MAX_QUANTITY` in any unit, or more
  than :data:`ABSURD_FACTOR` times the active snapshot's world total of the same series; a
  material x stage x year whose every value is zero. Each names the file and the row.
* ``loss`` (refused unless ``--allow-loss``): material x stage series of the source that would
  disappear, or years of such a series, its newest data year or its edition going back,
  countries or years of governance data that would disappear, a table losing more than
  :data:`ROW_LOSS` of its rows or any of its key values; and, on the derived report rows
  (``api.stage_table``), rows that would lose their data or their governance, rows whose data
  year goes back, and rows from the same source whose attributed share of world supply drops by
  more than :data:`COVERAGE_DROP`.
* ``jump`` (reported, accepted): a value that moves by more than :data:`JUMP_FACTOR` (either way)
  against the active snapshot's value of the same series (same source, material, stage, basis,
  country; the same year, else the latest years of each), for the world total and for producers
  of at least :data:`JUMP_MIN_SHARE` of it.

Units of mass (kg, t, kt, mt) are compared in tonnes; other units only with themselves.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from raw_scan.store import Snapshot

ERROR, LOSS, JUMP = "error", "loss", "jump"
MAX_QUANTITY = 1e12  # above any world production in any unit of the sources (iron ore ~2.5e9 t)
ABSURD_FACTOR = 10.0  # x the active world total of the same series
JUMP_FACTOR = 10.0
JUMP_MIN_SHARE = 0.05
COVERAGE_DROP = 0.10  # share of world supply attributed to countries, absolute
ROW_LOSS = 0.10  # share of a table's rows
SHOWN = 8  # items named per finding before "... and N more"
TONNES = {"kg": 1e-3, "t": 1.0, "kt": 1e3, "mt": 1e6}
CLAIMED = ("reported", "estimated", "provisional")
KEY_COLUMNS = (
    "material",
    "stage",
    "country",
    "year",
    "economy",
    "exporter",
    "importer",
    "partner",
    "hs6",
    "product",
    "indicator",
    "annex",
    "point",
)


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR, LOSS or JUMP
    source: str  # a source id, or "report" for the derived report rows
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class Review:
    findings: list[Finding] = field(default_factory=list)

    def of(self, level: str) -> list[Finding]:
        return [f for f in self.findings if f.level == level]

    @property
    def errors(self) -> list[Finding]:
        return self.of(ERROR)

    @property
    def losses(self) -> list[Finding]:
        return self.of(LOSS)

    @property
    def jumps(self) -> list[Finding]:
        return self.of(JUMP)


@dataclass(frozen=True)
class Incoming:
    """What one source brought: its id, the file read, and its tables."""

    source: str
    file: str
    tables: dict[str, pd.DataFrame]


def _loss(source: str, message: str) -> Finding:
    return Finding(LOSS, source, message)


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def listing(items: list[str], shown: int = SHOWN) -> str:
    head = ", ".join(str(i) for i in items[:shown])
    more = len(items) - shown
    return head + (f" and {more} more" if more > 0 else "")


def _flags(values: pd.Series, test) -> pd.Series:
    """A boolean mask (also when ``values`` is empty: an empty object Series would select
    columns, not rows)."""
    return values.map(test).astype(bool)


def _family(source: str) -> str:
    return str(source).split("-", 1)[0]


def _own(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows a source contributed to a table (by the family of its ``source`` column)."""
    if "source" not in table.columns:
        return table
    return table[table["source"].map(_family) == source]


# ------------------------------------------------------------------ table kinds
class TableKind:
    """Checks every table gets: rows and key values must not be lost."""

    def values(self, new: pd.DataFrame, old: pd.DataFrame, inc: Incoming) -> list[Finding]:
        return []

    def coverage(self, table: str, old: pd.DataFrame, new: pd.DataFrame, src: str):
        out = []
        if len(old) and len(new) < len(old) * (1 - ROW_LOSS):
            out.append(_loss(src, f"{table}: rows would drop from {len(old):,} to {len(new):,}"))
        for col in (c for c in KEY_COLUMNS if c in old.columns):
            gone = set(old[col].dropna()) - set(new[col].dropna()) if col in new.columns else {1}
            if gone:
                shown = sorted(str(v) for v in gone)
                out.append(
                    _loss(
                        src,
                        f"{table}: {count(len(gone), col + ' value')} would be lost: "
                        + listing(shown),
                    )
                )
        return out


class Production(TableKind):
    """Quantities by material, stage, country and year (``raw_scan.sources.tidy``)."""

    def values(self, new, old, inc):
        where = f"{inc.file}:"
        out = []
        q = pd.to_numeric(new["quantity"], errors="coerce").astype(float)
        label = new["material"] + " " + new["stage"] + ", " + new["country_name"].astype(str)
        row = _at(new, inc.file) + label + " " + new["year"].astype(str)
        checks = (
            (_flags(q, math.isinf), "is infinite"),
            (q.isna() & new["value_status"].isin(CLAIMED), "is not a number"),
            (q < 0, "is negative"),
            (q > MAX_QUANTITY, f"is absurdly large (more than {MAX_QUANTITY:g} in any unit)"),
        )
        flagged = pd.Series(False, index=new.index)
        for mask, what in checks:
            mask = mask & ~flagged  # one error per row: the first that applies
            flagged |= mask
            if mask.any():
                i = mask[mask].index[0]
                out.append(
                    Finding(
                        ERROR,
                        inc.source,
                        f"{where} {row[i]}: quantity {q[i]:g} {what}"
                        + (f" ({int(mask.sum())} rows)" if mask.sum() > 1 else ""),
                    )
                )
        out += self._zeros(new, q, where, inc)
        old = _newest_edition(old)  # compare with what the report uses, one edition a year
        absurd, bad = self._absurd(new[~flagged], old, inc)
        out += absurd
        flagged |= new.index.isin(bad)  # a value that is an error is not reported as a jump too
        out += self._jumps(_newest_edition(new[~flagged]), old, inc)
        return out

    @staticmethod
    def _zeros(new, q, where, inc):
        """A material x stage x year whose every country value is zero (the world total and
        "Other countries" do not count: all countries at zero beside a positive world total is
        a broken file, not a year without production); without country rows, every value."""
        keys = ["material", "stage", "year"]
        finite = new.assign(quantity=q)[_flags(q, math.isfinite)]
        countries = finite[finite["row_kind"] == "country"]
        by_country = countries.groupby(keys)["quantity"].agg(["max", "count"])
        no_country = finite[~finite.set_index(keys).index.isin(by_country.index)]
        by_all = no_country.groupby(keys)["quantity"].agg(["max", "count"])
        out = []
        for zero, noun in ((by_country, "country values"), (by_all, "values")):
            for (material, stage, year), r in zero[zero["max"] == 0].iterrows():
                rows = finite[
                    (finite["material"] == material)
                    & (finite["stage"] == stage)
                    & (finite["year"] == year)
                ]
                at = _at(rows.iloc[:1], inc.file).iloc[0]
                out.append(
                    Finding(
                        ERROR,
                        inc.source,
                        f"{where} {at}{material} {stage} {year}: every one of its "
                        f"{int(r['count'])} {noun} is zero",
                    )
                )
        return out

    @staticmethod
    def _tonnes(df: pd.DataFrame) -> pd.DataFrame:
        """Rows with quantity in a comparable unit: tonnes for masses, else the unit itself."""
        q = pd.to_numeric(df["quantity"], errors="coerce")
        df = df[_flags(q, math.isfinite)].assign(quantity=q)
        df = df.assign(country=df["country"].fillna("").astype(str))  # "" for world rows
        factor = df["unit"].map(TONNES)
        return df.assign(
            qty=df["quantity"] * factor.fillna(1.0),
            measure=df["unit"].where(factor.isna(), "t"),
        )

    def _absurd(self, new, old, inc):
        """Errors for values over ABSURD_FACTOR x the active world total, and the rows."""
        keys = ["material", "stage", "basis", "measure"]
        old_t, new_t = self._tonnes(old), self._tonnes(new)
        world = old_t[old_t["row_kind"] == "world"].groupby(keys)["qty"].max()
        countries = old_t[old_t["row_kind"] == "country"].groupby(keys + ["year"])["qty"].sum()
        ref = pd.concat([world, countries.groupby(level=keys).max()]).groupby(level=keys).max()
        if ref.empty:
            return [], []
        m = new_t.join(ref.rename("ref"), on=keys, how="inner")
        bad = m[(m["ref"] > 0) & (m["qty"] > ABSURD_FACTOR * m["ref"])]
        if bad.empty:
            return [], []
        r = bad.iloc[0]
        at = _at(bad.iloc[:1], inc.file).iloc[0]
        return [
            Finding(
                ERROR,
                inc.source,
                f"{inc.file}: {at}{r['material']} {r['stage']}, "
                f"{r['country_name']} {r['year']}: {r['quantity']:,.6g} {r['unit']} is more "
                f"than {ABSURD_FACTOR:g} times the active snapshot's world total "
                f"({r['ref']:,.6g} {r['measure']})"
                + (f" ({len(bad)} rows)" if len(bad) > 1 else ""),
            )
        ], list(bad.index)

    def _jumps(self, new, old, inc):
        keys = ["material", "stage", "basis", "measure", "row_kind", "country"]
        old_t, new_t = self._tonnes(old), self._tonnes(new)
        if old_t.empty or new_t.empty:
            return []
        same = new_t.merge(old_t, on=[*keys, "year"], suffixes=("", "_old"))
        latest_new = new_t.sort_values("year").groupby(keys).tail(1)
        latest_old = old_t.sort_values("year").groupby(keys).tail(1)
        other = latest_new.merge(latest_old, on=keys, suffixes=("", "_old"))
        other = other[~other.set_index(keys).index.isin(same.set_index(keys).index)]
        both = pd.concat([same, other], ignore_index=True)
        world = both[both["row_kind"] == "world"].groupby(keys[:4])["qty_old"].max()
        both = both.join(world.rename("world_old"), on=keys[:4])
        big = both[["qty", "qty_old"]].max(axis=1) >= JUMP_MIN_SHARE * both["world_old"].fillna(0)
        ratio = both["qty"] / both["qty_old"].where(both["qty_old"] > 0)
        moved = (both["qty_old"] > 0) & ((ratio > JUMP_FACTOR) | (ratio < 1 / JUMP_FACTOR))
        hits = both[moved & (big | (both["row_kind"] == "world"))]
        items = [_jump_text(r) for r in hits.to_dict("records")]
        if not items:
            return []
        return [
            Finding(
                JUMP,
                inc.source,
                f"{count(len(items), 'value')} moved by more than {JUMP_FACTOR:g} times: "
                + listing(items),
            )
        ]

    def coverage(self, table, old, new, src):
        out = []
        old_s, new_s = _series(old), _series(new)
        gone = sorted(set(old_s) - set(new_s))
        if gone:
            out.append(
                _loss(
                    src,
                    f"{len(gone)} of {len(old_s)} material x stage series "
                    f"would be lost: {listing([' '.join(g) for g in gone])}",
                )
            )
        old_y, new_y = _series_years(old), _series_years(new)
        lost = sorted(
            f"{m} {st} {y}"
            for (m, st), years in old_y.items()
            for y in years - new_y.get((m, st), set())
            if (m, st) in new_y
        )
        if lost:
            out.append(
                _loss(src, f"{count(len(lost), 'series year')} would be lost: {listing(lost)}")
            )
        return out


def _at(rows: pd.DataFrame, file: str) -> pd.Series:
    """Per row, where in the file it was read ("mcs2024-lithi_world.csv line 4, Prod_t_2023: ")
    when the parser says (``tidy.ORIGIN``), else ""; a name that is the file itself is not
    repeated."""
    from raw_scan.sources.tidy import ORIGIN

    if ORIGIN not in rows.columns:
        return pd.Series("", index=rows.index, dtype=object)
    origin = rows[ORIGIN].fillna("").astype(str)
    origin = origin.map(lambda o: o[len(file) :].lstrip() if o.startswith(file + " ") else o)
    return origin.map(lambda o: f"{o}: " if o else "")


def _newest_edition(df: pd.DataFrame) -> pd.DataFrame:
    """Per material, stage and year, only the rows of the newest edition that has it (a value
    is compared with what the report would use, not with an older edition's estimate)."""
    if df.empty or "source" not in df.columns:
        return df
    from raw_scan.supply import edition_rank

    keys = ["material", "stage", "year"]
    rank = df["source"].map(edition_rank)
    best = rank.groupby([df[k] for k in keys]).transform("max")
    return df[rank == best]


def _jump_text(r: dict) -> str:
    year = r["year"]
    if pd.notna(r.get("year_old")) and r["year_old"] != year:
        year = f"{int(r['year_old'])}→{year}"
    return (
        f"{r['material']} {r['stage']}, {r['country_name']} {year}: "
        f"{r['quantity_old']:,.6g} → {r['quantity']:,.6g} {r['unit']}"
    )


def _series(df: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(material, stage) -> latest year with a positive quantity for a country."""
    ok = df[(df["row_kind"] == "country") & (df["quantity"] > 0)]
    return {k: int(v) for k, v in ok.groupby(["material", "stage"])["year"].max().items()}


def _series_years(df: pd.DataFrame) -> dict[tuple[str, str], set[int]]:
    """(material, stage) -> the years with a positive quantity for a country."""
    ok = df[(df["row_kind"] == "country") & (df["quantity"] > 0)]
    return {
        k: set(map(int, v)) for k, v in ok.groupby(["material", "stage"])["year"].unique().items()
    }


class Governance(TableKind):
    """WGI estimates by country, year and dimension."""

    def coverage(self, table, old, new, src):
        out = []
        lost = sorted(_complete(old) - _complete(new))
        if lost:
            out.append(
                _loss(
                    src,
                    f"governance (all six WGI dimensions) would be lost "
                    f"for {len(lost)} of {len(_complete(old))} countries: "
                    f"{listing(lost)}",
                )
            )
        years = sorted(set(old["year"]) - set(new["year"]))
        if years:
            span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
            out.append(_loss(src, f"governance years {span} would be lost ({len(years)} years)"))
        return out


def _complete(gov: pd.DataFrame) -> set[str]:
    """Countries with all six WGI dimensions in at least one year."""
    n = gov.dropna(subset=["estimate"]).groupby(["country", "year"])["indicator"].nunique()
    return set(n[n >= 6].index.get_level_values("country"))


KINDS: dict[str, TableKind] = {"production": Production(), "governance": Governance()}


def kind(table: str) -> TableKind:
    return KINDS.get(table, TableKind())


# ------------------------------------------------------------------ editions and report rows
def _edition_year(source_id: str) -> tuple[str, int] | None:
    m = re.search(r"(19|20)\d\d", str(source_id))
    return (re.sub(r"\d", "#", str(source_id)), int(m.group(0))) if m else None


def editions(old: pd.DataFrame, new: pd.DataFrame, src: str) -> list[Finding]:
    """What a file brings (``new``) against the active rows of its source (``old``): an edition
    the snapshot does not hold yet whose id is older than the active newest of the same pattern
    (``usgs-mcs-YYYY``), or whose newest data year is older than the active newest year. Other
    editions of the family stay in the snapshot (``run._write_candidate``), so this is what
    catches an old file; an edition the snapshot already holds only replaces itself, and is
    compared with its own rows."""
    if "source" in old.columns and "source" in new.columns:
        held = set(old["source"].dropna())
        bringing = set(new["source"].dropna())
        if bringing <= held:  # a re-fetch of editions already accepted
            old = old[old["source"].isin(bringing)]
    out = []
    if "source" in old.columns and "source" in new.columns:
        olds = [e for e in map(_edition_year, set(old["source"].dropna())) if e]
        news = [e for e in map(_edition_year, set(new["source"].dropna())) if e]
        for pattern in sorted({e[0] for e in news}):
            have = [y for p, y in olds if p == pattern]
            bring = max(y for p, y in news if p == pattern)
            if have and bring < max(have):
                sid = pattern.replace("####", str(bring), 1)
                active = pattern.replace("####", str(max(have)), 1)
                out.append(_loss(src, f"edition {sid} is older than the active {active}"))
    if "year" in old.columns and "year" in new.columns and len(old) and len(new):
        have, bring = int(old["year"].max()), int(new["year"].max())
        if bring < have:
            out.append(_loss(src, f"its newest data year would go back from {have} to {bring}"))
    return out


def report_rows(
    old: pd.DataFrame, new: pd.DataFrame, refreshed: frozenset[str] = frozenset()
) -> list[Finding]:
    """Losses on the derived report rows (one per material x stage, ``api.stage_table``).

    ``refreshed``: the sources of this refresh. A row another source filled that a refreshed
    source takes (back) over is not data going back, whatever its year: the other source's
    rows stay in the snapshot, and the report prefers the refreshed one (e.g. USGS taking
    zirconium back from World Mining Data once the full MCS release is loaded again)."""
    both = old.merge(new, on=["material", "stage"], suffixes=("_old", "_new"))
    name = both["material"] + " " + both["stage"]
    had = both["hhi_old"].notna()
    out = []

    def add(mask, what, detail=None):
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            items = list(name[mask]) if detail is None else list(detail[mask])
            out.append(
                _loss(
                    "report",
                    f"{count(int(mask.sum()), 'material x stage row')} would {what}: "
                    + listing(items),
                )
            )

    add(had & both["hhi_new"].isna(), "have no data any more")
    add(
        had
        & both["hhi_new"].notna()
        & both["supplier_wgi_old"].notna()
        & both["supplier_wgi_new"].isna(),
        "lose their supplier governance",
    )
    family_old, family_new = both["source_old"].map(_family), both["source_new"].map(_family)
    takeover = ~family_old.isin(refreshed) & family_new.isin(refreshed)
    back = had & both["hhi_new"].notna() & (both["year_new"] < both["year_old"]) & ~takeover
    add(
        back,
        "go back to older data",
        name + " " + both["year_old"].astype(str) + "→" + both["year_new"].astype(str),
    )
    same = family_old == family_new
    drop = same & (both["coverage_old"] - both["coverage_new"] > COVERAGE_DROP)
    add(
        drop,
        f"lose more than {COVERAGE_DROP:.0%} of the world supply attributed to countries",
        name
        + " "
        + both["coverage_old"].map("{:.0%}".format)
        + "→"
        + both["coverage_new"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
    )
    return out


# ------------------------------------------------------------------ the review
def review(old: Snapshot, new: Snapshot, incoming: list[Incoming]) -> Review:
    """Every finding of the candidate snapshot ``new`` against the active snapshot ``old``."""
    from raw_scan import api

    rv = Review()
    for inc in incoming:
        for table, rows in inc.tables.items():
            k = kind(table)
            before = _own(old.load(table), inc.source)
            after = _own(new.load(table), inc.source)
            rv.findings += k.values(rows, before, inc)
            rv.findings += k.coverage(table, before, after, inc.source)
            rv.findings += editions(before, rows, inc.source)
    if not rv.errors:
        refreshed = frozenset(inc.source for inc in incoming)
        rv.findings += report_rows(api.stage_table(old), api.stage_table(new), refreshed)
    return rv
