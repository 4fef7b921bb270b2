"""A user's bill of materials (BOM): read a CSV or TOML file, check every line, convert masses.

A BOM lists the raw materials of one product with their quantities:

* CSV: a header row with ``material`` and ``quantity`` and optionally ``unit``, ``stage``,
  ``note``, ``source``; lines starting with ``#`` are comments. A quantity may carry its unit
  (``5.5 kg``) when there is no ``unit`` column or the cell is empty. A header separated by
  ``;`` or tabs only sets that separator; empty trailing header cells are ignored.
* TOML: optional top-level ``name``, ``description`` and ``source``, then one ``[[material]]``
  table per line with the same keys.

Every line is checked before anything else runs: an unknown material (with the closest names),
a missing, non-numeric, zero or negative quantity, an unknown unit, an unknown stage, a
material listed twice for the same stage. All problems are collected and raised together as
one :class:`BomError`, one message per bad line with its line number.

Quantities are masses: raw-scan weights materials by mass (see ``docs/bom.md``), so only mass
units are accepted (``MASS_UNITS``, converted to kilograms with exact factors).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from raw_scan.errors import UsageError

# Kilograms per unit. The pound and ounce are the international avoirdupois units (exact since
# 1959: 1 lb = 0.45359237 kg, 1 oz = 1/16 lb); the short ton is 2 000 lb, the long ton 2 240 lb.
MASS_UNITS: dict[str, float] = {
    "mg": 1e-6,
    "g": 1e-3,
    "kg": 1.0,
    "t": 1000.0,
    "tonne": 1000.0,
    "tonnes": 1000.0,
    "metric ton": 1000.0,
    "metric tons": 1000.0,
    "kt": 1e6,
    "lb": 0.45359237,
    "lbs": 0.45359237,
    "oz": 0.45359237 / 16,
    "short ton": 2000 * 0.45359237,
    "short tons": 2000 * 0.45359237,
    "long ton": 2240 * 0.45359237,
    "long tons": 2240 * 0.45359237,
}
AMBIGUOUS_UNITS = {"ton", "tons"}
UNIT_LIST = "mg, g, kg, t (tonne), kt, lb, oz, short ton, long ton"
STAGE_NAMES = {
    "": None,
    "both": None,
    "all": None,
    "mining": "mining",
    "extraction": "mining",
    "refining": "refining",
    "processing": "refining",
}
COLUMNS = ("material", "quantity", "unit", "stage", "note", "source")
_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\W\d].*)?$")


class BomError(UsageError):
    """Every problem found in a BOM file, one message per line (``messages``)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(messages[0] if len(messages) == 1 else f"{len(messages)} problems")


@dataclass
class BomLine:
    line: int
    material: str  # raw-scan material id
    written: str  # the name as written in the file
    quantity: float
    unit: str
    kg: float
    stage: str | None = None  # mining, refining, or None for both
    note: str = ""
    source: str = ""


@dataclass
class Bom:
    name: str
    file: str  # the file name only (never a full path: it ends up in outputs)
    description: str = ""
    source: str = ""
    lines: list[BomLine] = field(default_factory=list)

    @property
    def total_kg(self) -> float:
        return sum(line.kg for line in self.lines)


def normalise_unit(unit: str) -> str:
    return " ".join(str(unit).strip().lower().replace("_", " ").replace("-", " ").split())


def parse_quantity(value, unit) -> tuple[float, str]:
    """(quantity, unit) from a cell and a unit cell; raises ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError(f"non-numeric quantity {value!r}")
    unit = "" if unit is None else str(unit).strip()
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError("no quantity")
        m = _NUMBER_WITH_UNIT.match(text)
        if not m:
            hint = (
                " (use a dot as decimal separator, no thousands separators)" if "," in text else ""
            )
            raise ValueError(f"non-numeric quantity {text!r}{hint}")
        number = float(m.group(1))
        if m.group(2):
            if unit:
                raise ValueError(
                    f"quantity {text!r} carries a unit and the unit column says {unit!r}"
                )
            unit = m.group(2)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"non-numeric quantity {value!r}")
    if number < 0:
        raise ValueError(f"negative quantity {number:g}: quantities are masses")
    if number == 0:
        raise ValueError("quantity 0: leave the line out if the product does not contain it")
    return number, unit


def to_kg(quantity: float, unit: str) -> tuple[float, str]:
    """(kilograms, canonical unit); raises ValueError for a unit that is not a mass unit."""
    key = normalise_unit(unit)
    if not key:
        raise ValueError(f"no unit; give a mass unit: {UNIT_LIST}")
    if key in AMBIGUOUS_UNITS:
        raise ValueError(
            f"ambiguous unit {unit!r}: write t (metric tonne, 1 000 kg), short ton (907.18474 kg) "
            "or long ton (1 016.0469088 kg)"
        )
    if key not in MASS_UNITS:
        raise ValueError(
            f"unknown unit {unit!r}: raw-scan weighs materials by mass; use one of {UNIT_LIST}"
        )
    return quantity * MASS_UNITS[key], key


# ------------------------------------------------------------------ reading the file
def _csv_entries(text: str, file: str) -> list[tuple[int, dict]]:
    """(line number, row dict) for each data row; '#' lines are comments."""
    lines = text.splitlines(keepends=True)
    numbers: list[int] = []

    def feed():
        for i, line in enumerate(lines, 1):
            if line.lstrip().startswith("#"):
                continue
            numbers.append(i)
            yield line

    reader = csv.reader(feed(), delimiter=_delimiter(lines))
    header: list[str] | None = None
    entries = []
    while True:
        first = len(numbers)
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BomError([f"{file}:{numbers[-1]}: not readable as CSV ({exc})"]) from None
        if not row or not any(c.strip() for c in row):
            continue
        line = numbers[first]
        if header is None:
            header = [c.strip().lower() for c in row]
            while header and not header[-1]:  # trailing empty cells of a spreadsheet export
                header.pop()
            unknown = [c or "(empty)" for c in header if c not in COLUMNS]
            missing = [c for c in ("material", "quantity") if c not in header]
            if missing or unknown:
                problem = (
                    f"missing column(s) {', '.join(missing)}"
                    if missing
                    else f"unknown column(s) {', '.join(unknown)}"
                )
                raise BomError(
                    [
                        f"{file}:{line}: {problem}; the header must name: {', '.join(COLUMNS)} "
                        "(material and quantity required)"
                    ]
                )
            continue
        extra = row[len(header) :]
        if any(c.strip() for c in extra):
            cells = len(row) - next(i for i, c in enumerate(reversed(row)) if c.strip())
            entries.append((line, {"_error": f"{cells} cells for {len(header)} columns"}))
            continue
        entries.append((line, dict(zip(header, row, strict=False))))
    return entries


def _delimiter(lines: list[str]) -> str:
    """',' unless the header (first line that is not a comment or blank) is separated by ';'
    or tabs only, as spreadsheets in many locales write CSV."""
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            if "," not in line:
                for sep in (";", "\t"):
                    if sep in line:
                        return sep
            break
    return ","


_TOML_TABLE = re.compile(r"^\s*\[\[\s*(materials?)\s*\]\]")


def _toml_entries(text: str, file: str) -> tuple[list[tuple[int, dict]], dict]:
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BomError([f"{file}: not valid TOML: {exc}"]) from None
    keys = [k for k in ("material", "materials") if k in doc]
    if len(keys) != 1 or not isinstance(doc[keys[0]], list):
        raise BomError(
            [
                f"{file}: expected one [[material]] table per line (keys material, quantity, unit, "
                "stage, note, source)"
            ]
        )
    headers = [i for i, line in enumerate(text.splitlines(), 1) if _TOML_TABLE.match(line)]
    items = doc[keys[0]]
    numbers = headers if len(headers) == len(items) else list(range(1, len(items) + 1))
    entries = []
    for n, item in zip(numbers, items, strict=True):
        if not isinstance(item, dict):
            entries.append((n, {"_error": "not a table of material, quantity, unit"}))
            continue
        unknown = [k for k in item if k not in COLUMNS]
        if unknown:
            entries.append((n, {"_error": f"unknown key(s) {', '.join(unknown)}"}))
            continue
        entries.append((n, item))
    meta = {k: str(doc.get(k, "")) for k in ("name", "description", "source")}
    return entries, meta


def read(path: Path, snap=None) -> Bom:
    """Read and check a BOM file; raises :class:`BomError` listing every bad line."""
    from raw_scan import store
    from raw_scan.names import resolve

    path = Path(path)
    file = path.name
    if not path.is_file():
        raise BomError([f"{file}: no such file ({path})"])
    kind = path.suffix.lower()
    if kind not in (".csv", ".toml"):
        raise BomError([f"{file}: unsupported file type {kind or '(none)'}; use .csv or .toml"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BomError([f"{file}: not UTF-8 text; save the file as UTF-8"]) from None
    meta = {"name": "", "description": "", "source": ""}
    if kind == ".csv":
        entries = _csv_entries(text, file)
    else:
        entries, meta = _toml_entries(text, file)
    if not entries:
        raise BomError([f"{file}: no material lines"])

    snap = snap or store.current()
    materials = snap.load("materials")
    errors: list[str] = []
    lines: list[BomLine] = []
    seen: dict[str, list[BomLine]] = {}
    for n, e in entries:
        where = f"{file}:{n}"
        if "_error" in e:
            errors.append(f"{where}: {e['_error']}")
            continue
        written = str(e.get("material") or "").strip()
        try:
            if not written:
                raise ValueError("no material named")
            try:
                mid = resolve(written, materials, "material", "materials")
            except UsageError as exc:
                raise ValueError(str(exc)) from None
            quantity, unit = parse_quantity(e.get("quantity"), e.get("unit"))
            kg, unit = to_kg(quantity, unit)
            stage_key = normalise_unit(e.get("stage") or "")
            if stage_key not in STAGE_NAMES:
                raise ValueError(
                    f"unknown stage {e.get('stage')!r}; use mining, refining or leave it empty "
                    "for both"
                )
            stage = STAGE_NAMES[stage_key]
            for other in seen.get(mid, []):
                if other.stage is None or stage is None or other.stage == stage:
                    raise ValueError(
                        f"{written} is listed twice (also line {other.line}"
                        f"{', ' + other.stage if other.stage else ''}); merge the lines"
                    )
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        line = BomLine(
            line=n,
            material=mid,
            written=written,
            quantity=quantity,
            unit=unit,
            kg=kg,
            stage=stage,
            note=str(e.get("note") or "").strip(),
            source=str(e.get("source") or "").strip(),
        )
        seen.setdefault(mid, []).append(line)
        lines.append(line)
    if errors:
        raise BomError(errors)
    return Bom(
        name=meta["name"] or path.stem,
        file=file,
        description=meta["description"],
        source=meta["source"],
        lines=lines,
    )
