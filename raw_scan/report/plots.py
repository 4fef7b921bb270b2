"""Charts (PNG or SVG, by the file's extension) for report, material, grid, trend and scenario.

matplotlib is an optional extra (``pip install "raw-scan[plot]"``), imported only when a chart
is drawn; :func:`check` says clearly, before any work, when it is missing or the file name is
not usable. Figures are built with ``matplotlib.figure.Figure`` (no pyplot, no GUI backend) and
written atomically (temporary file in the target folder, then ``os.replace``). Every chart
carries its sources and data year in a footer; SVG text stays text (``svg.fonttype: none``),
so titles, labels and sources are searchable.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

from raw_scan.errors import RawScanError, UsageError

FORMATS = (".png", ".svg")
BAND_COLOURS = {
    "very high": "#b2182b",
    "high": "#ef8a62",
    "medium": "#f4d03f",
    "low": "#67a9cf",
    "no data": "#bdbdbd",
    "no supply": "#4d4d4d",
}
INSTALL = 'pip install "raw-scan[plot]"'
# marker area by EU status: (strategic, critical) -> (legend label, area in points^2)
EU_SIZES = {
    (True, True): ("CRMA strategic + critical", 220.0),
    (False, True): ("CRMA critical", 120.0),
    (True, False): ("CRMA strategic", 120.0),
    (False, False): ("not on the CRMA lists", 45.0),
}


def check(path: Path) -> None:
    """Fail fast (exit 2) on a file name that is not .png/.svg, a missing folder, or a
    missing matplotlib."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in FORMATS:
        raise UsageError(
            f"--plot {path.name}: the file name must end in .png or .svg (e.g. --plot chart.svg)"
        )
    if not path.parent.exists():
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            f"--plot needs matplotlib, which is not installed; install it with: {INSTALL}"
        ) from None


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _footer(fig, sources: list[dict], extra: str = "") -> None:
    names = "; ".join(f"{s['name']} ({s['licence']})" for s in sources)
    text = (extra + "\n" if extra else "") + f"Sources: {names}. Chart: raw-scan."
    fig.get_layout_engine().set(h_pad=0.1)
    chars = int(fig.get_figwidth() * 19)  # about 19 characters of 6.5 pt text per inch
    fig.supxlabel(_wrap(text, chars), fontsize=6.5, color="#555555", ha="left", x=0.01)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def save(fig, path: Path) -> None:
    """Write the figure atomically; PNG or SVG by extension."""
    import matplotlib

    path = Path(path).expanduser()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a chart is an ordinary file
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "raw-scan"}):
            fig.savefig(tmp, format=path.suffix.lower()[1:], dpi=150, metadata=_metadata(path))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RawScanError(f"cannot write {path}: {exc.strerror}; nothing was written") from None
    print(f"wrote {path}", file=sys.stderr)


def _metadata(path: Path) -> dict:
    if path.suffix.lower() == ".svg":
        return {"Creator": "raw-scan", "Date": None}
    return {"Software": "raw-scan"}


def _years(df, column: str = "year") -> str:
    years = sorted({int(y) for y in df[column].dropna()})
    if not years:
        return "no data year"
    return f"data year {years[0]}" if len(years) == 1 else f"data years {years[0]}-{years[-1]}"


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


# ------------------------------------------------------------------------ report
# marker area by BOM quantity: area proportional to the material's share of the listed mass
QTY_AREA = 600.0  # points^2 for a material that is all of the listed mass
QTY_MIN_AREA = 12.0  # so that a few grams stay visible
QTY_LEGEND = (0.05, 0.25, 0.5)


def bom_masses(rows) -> dict[tuple[str, str], float]:
    """{(technology, material): share of the technology's listed mass} for the technologies
    that carry BOM quantities (``quantity_kg``; a material's lines, one per stage, add up)."""
    if "quantity_kg" not in rows.columns:
        return {}
    known = rows.dropna(subset=["quantity_kg"])
    keys = [c for c in ("technology", "material", "bom_line", "bom_stage") if c in known.columns]
    kg = known.drop_duplicates(keys).groupby(["technology", "material"])["quantity_kg"].sum()
    total = kg.groupby(level="technology").transform("sum")
    return {k: float(v) for k, v in (kg / total).items() if v == v}


def technology_chart(
    report, tech_names: dict, names: dict, sources, path: Path, masses: dict | None = None
) -> None:
    """Per technology: its materials at their bottleneck stage (or, when a BOM line keeps
    another stage only, at their worst stage) on concentration (HHI) x supplier governance
    axes, coloured by the band of the report's method, sized by EU status or, for a bill of
    materials, by the material's share of the listed mass (``masses``, default: from the
    report's ``quantity_kg``)."""
    masses = bom_masses(report) if masses is None else masses
    band_col = "method_band" if "method_band" in report.columns else "risk_band"
    method = str(report["method"].iloc[0]) if "method" in report.columns and len(report) else ""
    techs = list(dict.fromkeys(report["technology"]))
    cols = min(len(techs), 3)
    rows = math.ceil(len(techs) / cols)
    fig = _figure(5.2 * cols, 4.4 * rows + 0.8)
    axes = fig.subplots(rows, cols, squeeze=False)
    sized_techs = set()
    for ax, tech in zip(axes.flat, techs, strict=False):
        all_t = report[report["technology"] == tech]
        rows_t = _one_row_per_material(all_t)
        missing = [m for m in dict.fromkeys(all_t["material"]) if m not in set(rows_t["material"])]
        if missing:  # missing stays visible: name what has no point
            note = ax.text(
                0.01,
                0.01,
                _wrap(
                    "Not drawn (no concentration or governance data): "
                    + ", ".join(names.get(m, m) for m in missing),
                    70,
                ),
                transform=ax.transAxes,
                fontsize=6.5,
                color="#555555",
                va="bottom",
            )
            note.set_in_layout(False)
        sized = any((tech, m) in masses for m in rows_t["material"])
        if sized:
            sized_techs.add(tech)

        def size(r, sized=sized, tech=tech):
            if not sized:
                return _size(r)
            return max(QTY_MIN_AREA, QTY_AREA * masses.get((tech, r["material"]), 0.0))

        # materials sharing one series (e.g. Nd, Pr, Dy, Tb) sit on one point: one label
        points: dict[tuple, list[dict]] = {}
        for r in rows_t.to_dict("records"):
            points.setdefault((round(r["hhi"]), round(r["supplier_wgi"], 2)), []).append(r)
        for group in points.values():
            group.sort(key=lambda g: -size(g))  # largest first: drawn first, smaller on top
            for r in group if sized else group[:1]:
                ax.scatter(
                    r["hhi"],
                    r["supplier_wgi"],
                    s=size(r),
                    color=_colour(r[band_col]),
                    edgecolor="black",
                    linewidth=0.5,
                    alpha=0.85,
                )
            r = group[0]
            left = r["hhi"] > 6000  # a label right of a point near the right edge is cut off
            label = ax.annotate(
                ", ".join(names.get(g["material"], g["material"]) for g in group),
                (r["hhi"], r["supplier_wgi"]),
                fontsize=7,
                xytext=(-5 if left else 5, 4),
                textcoords="offset points",
                ha="right" if left else "left",
            )
            label.set_in_layout(False)  # a long label must not shrink the axes
        for x in (1500, 2500):
            ax.axvline(x, color="#999999", linewidth=0.6, linestyle="--")
        ax.set_xlim(0, 10_000)
        ax.set_ylim(0, 10)
        ax.set_title(tech_names.get(tech, tech), fontsize=10)
        ax.set_xlabel("Concentration (HHI of the bottleneck stage, 0-10 000)", fontsize=8)
        ax.set_ylabel("Supplier governance (WGI, 0-10, 10 worst)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(techs) :]:
        ax.set_visible(False)
    sizes = {}
    if sized_techs:
        sizes.update({f"{q:.0%} of the listed mass": QTY_AREA * q for q in QTY_LEGEND})
    if len(sized_techs) < len(techs):
        sizes.update({label: area for label, area in EU_SIZES.values()})
    _legend(fig, sizes, "outside right center")  # centred: clear of a one-panel chart's title
    fig.suptitle("Raw-material supply risk per technology", fontsize=12)
    size_note = "size = EU status (largest: CRMA strategic and critical)"
    if sized_techs:
        size_note = (
            "size = the material's share of the listed mass (area proportional)"
            if len(sized_techs) == len(techs)
            else "size = share of the listed mass for a bill of materials, else EU status"
        )
    colour = f"{method} band" if method and method != "composite" else "risk band"
    _footer(
        fig,
        sources,
        f"Colour = {colour}; {size_note}; "
        f"dashed lines: HHI 1 500 and 2 500 (DOJ/FTC bands); {_years(report)}.",
    )
    save(fig, path)


def _one_row_per_material(rows):
    """The bottleneck row of each material, else (a BOM line keeping the other stage only)
    its highest-scoring row; rows without concentration or governance left out."""
    rows = rows.dropna(subset=["hhi", "supplier_wgi"])
    rows = rows.assign(_b=rows["bottleneck"].fillna(False).astype(bool))
    rows = rows.assign(_s=rows["risk_score"].fillna(-1.0))
    rows = rows.sort_values(["_b", "_s"], ascending=False, kind="mergesort")
    return rows.drop_duplicates("material").drop(columns=["_b", "_s"])


def _colour(band) -> str:
    """The band's colour; a partial band ('high (partial)') takes its full band's colour."""
    return BAND_COLOURS.get(str(band).removesuffix(" (partial)"), "#999999")


def _size(r: dict) -> float:
    return EU_SIZES[(bool(r["eu_strategic"]), bool(r["eu_critical"]))][1]


def _legend(fig, sizes: dict[str, float] | None = None, loc: str = "outside right upper") -> None:
    """Band colours (and marker sizes for EU status) in a legend right of the axes."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="s", linestyle="", color=c, markeredgecolor="black", label=b)
        for b, c in BAND_COLOURS.items()
        if b != "no supply"
    ]
    for label, area in (sizes or {}).items():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color="white",
                markeredgecolor="black",
                markersize=area**0.5,
                label=label,
            )
        )
    fig.legend(handles=handles, loc=loc, fontsize=7, frameon=False)


# ------------------------------------------------------------------------ material
def material_chart(card, sources, path: Path) -> None:
    """A material's producer shares by stage: one horizontal bar chart per stage."""
    stages = list(card.stages["stage"])
    heights = [2.6 if stage in card.producers else 0.3 for stage in stages]
    fig = _figure(7, 1.4 + sum(heights))
    axes = fig.subplots(len(stages), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, stage in zip(axes, stages, strict=True):
        shares = card.producers.get(stage)
        row = card.stages[card.stages["stage"] == stage].iloc[0]
        if shares is None or shares.empty:
            ax.set_title(f"{stage.capitalize()}: no production data in the snapshot", fontsize=9)
            ax.set_axis_off()
            continue
        top = shares.head(10).iloc[::-1]
        bars = ax.barh(top["country"], top["share"] * 100, color="#4575b4")
        ax.bar_label(bars, labels=[f"{s:.1%}" for s in top["share"]], fontsize=7, padding=2)
        ax.set_xlim(0, 110)
        ax.set_xlabel("Share of world production (%)", fontsize=8)
        ax.set_title(
            f"{stage.capitalize()} {row['year']} — {row['basis']} ({row['source']}); "
            f"HHI {row['hhi']:,.0f}, band {row['risk_band']}",
            fontsize=9,
        )
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{card.name}: producers by stage", fontsize=12)
    _footer(fig, sources, f"Top 10 producers per stage; {_years(card.stages)}.")
    save(fig, path)


# ------------------------------------------------------------------------ grid
def grid_chart(grid, tech_ids: list[str], sources, path: Path) -> None:
    """The technology x material grid as a coloured matrix."""
    from matplotlib.patches import Rectangle

    n_m, n_t = len(grid), len(tech_ids)
    # at least 6.5 in wide: the title, legend and sources footer of a one- or two-technology
    # grid need the room
    fig = _figure(max(6.5, 2.5 + 0.55 * n_t), 1.8 + 0.22 * n_m)
    ax = fig.subplots()
    for i, r in enumerate(grid.to_dict("records")):
        for j, t in enumerate(tech_ids):
            band = r[t]
            if band is None or (isinstance(band, float) and math.isnan(band)):
                continue
            ax.add_patch(Rectangle((j, i), 0.94, 0.9, color=_colour(band)))
    ax.set_xlim(0, n_t)
    ax.set_ylim(n_m, 0)
    ax.set_xticks([j + 0.47 for j in range(n_t)], tech_ids, rotation=60, ha="right", fontsize=7)
    ax.set_yticks([i + 0.45 for i in range(n_m)], list(grid["name"]), fontsize=7)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    _legend(fig)
    fig.suptitle("Technology x material: band at each material's bottleneck stage", fontsize=11)
    _footer(fig, sources, f"Empty cell: the technology does not use the material; {_years(grid)}.")
    save(fig, path)


# ------------------------------------------------------------------------ trend
def trend_chart(
    df, material_name: str, sources, path: Path, imports=None, economy: dict | None = None
) -> None:
    """HHI and top-producer share per year, one line per stage and source series; with an
    economy's imports, a third panel: its top partner's share and its non-EU share."""
    panels = 3 if imports is not None and len(imports) else 2
    fig = _figure(8, 2.75 * panels)
    axes = fig.subplots(panels, 1, sharex=True)
    ax_hhi, ax_top = axes[0], axes[1]
    for (stage, fam), rows in df.groupby(["stage", "family"], sort=False):
        label = f"{stage}, {fam.upper()}" + (
            ""
            if rows["data_material"].iloc[0] == rows["material"].iloc[0]
            else f" ({rows['data_material'].iloc[0]})"
        )
        style = "-" if stage == "mining" else "--"
        ax_hhi.plot(rows["year"], rows["hhi"], style, marker="o", label=label)
        ax_top.plot(rows["year"], rows["top_share"] * 100, style, marker="o", label=label)
        last = rows.iloc[-1]
        ax_top.annotate(
            last["top_country"],
            (last["year"], last["top_share"] * 100),
            fontsize=7,
            xytext=(4, 0),
            textcoords="offset points",
        )
    ax_hhi.set_ylabel("HHI (0-10 000)", fontsize=8)
    ax_hhi.set_ylim(0, 10_000)
    ax_top.set_ylabel("Top producer share (%)", fontsize=8)
    ax_top.set_ylim(0, 100)
    if panels == 3:
        ax_imp = axes[2]
        for stage, rows in imports.groupby("stage", sort=False):
            ax_imp.plot(
                rows["year"], rows["top_partner_share"] * 100, "-", marker="o",
                label=f"{stage}: top partner",
            )  # fmt: skip
            ax_imp.plot(
                rows["year"], rows["non_eu_share"] * 100, ":", marker="s",
                label=f"{stage}: from outside the EU",
            )  # fmt: skip
            last = rows.dropna(subset=["top_partner_share"]).tail(1)
            for r in last.to_dict("records"):
                ax_imp.annotate(
                    r["top_partner"],
                    (r["year"], r["top_partner_share"] * 100),
                    fontsize=7,
                    xytext=(4, 0),
                    textcoords="offset points",
                )
        ax_imp.set_ylabel(f"Imports of {economy['economy']} (% of value)", fontsize=8)
        ax_imp.set_ylim(0, 105)
        ax_imp.legend(fontsize=7)
    axes[-1].set_xlabel("Year", fontsize=8)
    axes[-1].xaxis.get_major_locator().set_params(integer=True)
    ax_hhi.legend(fontsize=7)
    fig.suptitle(f"{material_name}: concentration of supply over time", fontsize=12)
    extra = f"Each year computed within its own series; {_years(df)}."
    if panels == 3:
        extra += f" Imports: BACI values, trade years {_years(imports)[11:]}."
    _footer(fig, sources, extra)
    save(fig, path)


# ------------------------------------------------------------------------ scenario
def scenario_chart(result, sources, path: Path, names: dict | None = None) -> None:
    """Worst share of world supply lost per technology, with the material named (``names``:
    material id -> name)."""
    names = names or {}
    techs = result.technologies.iloc[::-1]
    fig = _figure(8, 1.6 + 0.35 * len(techs))
    ax = fig.subplots()
    bars = ax.barh(techs["name"], techs["worst_loss"] * 100, color="#b2182b")
    labels = [
        f"no loss; 0/{r['materials']} materials hit"
        if _nan(r["worst_material"]) or r["worst_material"] is None
        else f"{names.get(r['worst_material'], r['worst_material'])} ({r['worst_stage']}) "
        f"{r['worst_loss']:.0%}; "
        f"{r['materials_hit']}/{r['materials']} materials hit"
        for r in techs.to_dict("records")
    ]
    ax.bar_label(bars, labels=labels, fontsize=7, padding=3)
    ax.set_xlim(0, 215)
    ax.spines[["right", "top"]].set_visible(False)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("Worst share of world supply lost (%)", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.suptitle(f"Scenario: {result.scenario.describe()}", fontsize=11)
    _footer(
        fig,
        sources,
        f"Static model: no substitution, stocks, new supply or trade re-routing; "
        f"{_years(result.materials)}.",
    )
    save(fig, path)
