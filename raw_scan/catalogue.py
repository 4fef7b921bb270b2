"""The technologies raw-scan knows: the built-in ones of the snapshot plus the user's own.

A user-defined technology is a bill of materials saved with ``raw-scan bom FILE --save NAME``:
one JSON file per technology in ``<config dir>/technologies/`` (``raw_scan.config``). Through
:func:`technologies` and :func:`links` it appears wherever the built-in ones do
(``raw-scan technologies``, ``report``, ``scenario``, the library's ``technology_report``),
with ``origin = user`` and link evidence ``bom``; a BOM line restricted to one stage keeps
that restriction (``bom_stage``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from raw_scan import config
from raw_scan.errors import RawScanError, UsageError

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
TECH_COLUMNS = ["id", "name", "source_label", "aliases", "scope", "origin"]
LINK_COLUMNS = [
    "technology",
    "material",
    "evidence",
    "bom_stage",
    "quantity",
    "quantity_unit",
    "quantity_kg",
]


def _path(tech_id: str) -> Path:
    return config.technologies_dir() / f"{tech_id}.json"


def user_technologies() -> list[dict]:
    """The saved technologies, by id; a damaged file is an error that names it."""
    folder = config.technologies_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            doc["id"], doc["materials"]  # noqa: B018  (both keys must be there)
        except (ValueError, KeyError, TypeError, OSError):
            raise RawScanError(
                f"user technology file {path} is damaged; delete it, or save the BOM again "
                f"with 'raw-scan bom FILE --save {path.stem} --replace'"
            ) from None
        out.append(doc)
    return out


def check_name(name: str, snap) -> str:
    """The id for a new user technology; a usage error for a bad or built-in name."""
    from raw_scan.names import resolve

    tid = str(name).strip().lower()
    if not NAME.match(tid):
        raise UsageError(
            f"bad technology name {name!r}: use 2-40 lower-case letters, digits and hyphens, "
            "e.g. my-battery-pack"
        )
    try:
        builtin = resolve(tid, snap.load("technologies"), "technology", "technologies")
    except UsageError:
        return tid
    raise UsageError(
        f"{name!r} is a built-in technology ({builtin}); choose another name for your BOM"
    )


def save(name: str, bom, *, replace: bool = False, snap=None) -> Path:
    """Store a checked BOM as the user technology ``name``; atomic (temp file + rename)."""
    from raw_scan import manifest, store

    snap = snap or store.current()
    tid = check_name(name, snap)
    path = _path(tid)
    if path.exists() and not replace:
        raise UsageError(
            f"a user technology {tid!r} exists already; add --replace to overwrite it, or "
            "choose another name"
        )
    doc = {
        "id": tid,
        "name": bom.name,
        "scope": bom.description or f"user-defined bill of materials ({bom.file})",
        "file": bom.file,
        "source": bom.source,
        "saved_at": manifest.now_utc(),
        "materials": [
            {
                "material": line.material,
                "written": line.written,
                "quantity": line.quantity,
                "unit": line.unit,
                "kg": line.kg,
                "stage": line.stage,
                "note": line.note,
                "source": line.source,
                "line": line.line,
            }
            for line in bom.lines
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RawScanError(f"cannot save {path}: {exc.strerror}") from None
    return path


def remove(name: str) -> Path:
    tid = str(name).strip().lower()
    path = _path(tid)
    if not NAME.match(tid) or not path.exists():
        known = ", ".join(d["id"] for d in user_technologies()) or "none saved"
        raise UsageError(f"no user technology {name!r} (user technologies: {known})")
    path.unlink()
    return path


def technologies(snap) -> pd.DataFrame:
    """Built-in and user technologies: id, name, source_label, aliases, scope, origin."""
    builtin = snap.load("technologies").assign(origin="built-in")
    users = [
        {
            "id": d["id"],
            "name": d.get("name") or d["id"],
            "source_label": d.get("name") or d["id"],
            "aliases": "",
            "scope": d.get("scope", ""),
            "origin": "user",
        }
        for d in user_technologies()
    ]
    if not users:
        return builtin[TECH_COLUMNS]
    return pd.concat([builtin[TECH_COLUMNS], pd.DataFrame(users)], ignore_index=True)


def links(snap) -> pd.DataFrame:
    """Technology -> material links, built-in (evidence read/inferred) and from saved BOMs
    (evidence bom, with the quantity and the stage the BOM line names, if any)."""
    builtin = snap.load("technology_materials")[["technology", "material", "evidence"]]
    rows = [
        {
            "technology": d["id"],
            "material": m["material"],
            "evidence": "bom",
            "bom_stage": m.get("stage"),
            "quantity": m.get("quantity"),
            "quantity_unit": m.get("unit"),
            "quantity_kg": m.get("kg"),
        }
        for d in user_technologies()
        for m in d["materials"]
    ]
    out = builtin.assign(
        bom_stage=None, quantity=float("nan"), quantity_unit=None, quantity_kg=float("nan")
    )
    known = set(snap.load("materials")["id"])
    for r in rows:
        if r["material"] not in known:
            raise RawScanError(
                f"user technology {r['technology']} names material {r['material']!r}, which "
                f"the datasets in use do not know; save its BOM again with 'raw-scan bom FILE "
                f"--save {r['technology']} --replace'"
            )
    if rows:
        out = pd.concat([out, pd.DataFrame(rows)], ignore_index=True)
    return out[LINK_COLUMNS]
