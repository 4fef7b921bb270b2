"""Readers of a yearly BACI file (``t, i, j, k, v, q``) that keep the rows of given HS6 codes.

Three readers, the same result (see benchmarks/bench_baci.py for their speed and memory):

* ``scan`` (the default): numpy scans blocks of raw bytes for lines whose fourth field is a
  wanted code and hands only those lines to the CSV parser; a file whose lines are not plain
  ``t,i,j,k,v,q`` goes to the ``pandas`` reader instead;
* ``pandas``: ``read_csv`` in chunks, ``k`` read as a number (text if the file has other text
  codes than BACI's legacy ``9999AA``);
* ``csv``: the standard csv module, one pass.

Each takes a callable that opens the member (a reader may need to read it twice) and never holds
more than a block or a chunk of the file in memory. Quirks: ``q`` right-aligned with leading
blanks, ``NA`` or blank for a missing quantity (kept missing), ``k`` without its leading zero.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable
from typing import IO

import numpy as np
import pandas as pd

from raw_scan.errors import DataValidationError

RAW_COLUMNS = ["t", "i", "j", "k", "v", "q"]
CHUNK_ROWS = 250_000  # rows per chunk of the pandas reader
_READ = {
    "usecols": RAW_COLUMNS,
    "dtype": {
        "t": "int32",
        "i": "int32",
        "j": "int32",
        "k": "object",  # text: leading zeros, and BACI's legacy non-numeric code 9999AA
        "v": "float64",
        "q": "float64",
    },
    "skipinitialspace": True,
    "keep_default_na": False,
    "na_values": {"v": ["NA", ""], "q": ["NA", ""]},
}


# what a damaged or truncated zip member raises while it is read
STREAM_ERRORS = (UnicodeDecodeError, EOFError, zipfile.BadZipFile, zlib.error)


def _bad_file(file: str, exc: Exception) -> DataValidationError:
    detail = " ".join(str(exc).split())[:160]
    if "Usecols" in detail or "not in list" in detail:
        detail = f"expected BACI columns {','.join(RAW_COLUMNS)}"
    return DataValidationError(f"baci: {file}: not a BACI trade file ({detail})")


def _spellings(codes: Iterable[str]) -> set[str]:
    """Each HS6 code as BACI writes it (``040630``) and as tools that lost the zero do
    (``40630``)."""
    return {s for c in codes for s in (c, c.lstrip("0") or "0")}


def read_raw(source, *, file: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Read a whole (small) t,i,j,k,v,q file, optionally keeping only the given HS6 codes."""
    try:
        raw = pd.read_csv(source, **_READ)
    except (ValueError, KeyError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise _bad_file(file, exc) from None
    if codes is not None:
        raw = raw[raw["k"].str.strip().isin(_spellings(codes))]
    return raw


class _TextCode(Exception):
    """A product code that is not a number (other than 9999AA): read ``k`` as text instead."""


def _pandas_pass(stream: IO[bytes], codes: set[str], *, file: str, numeric: bool):
    if numeric:  # k as a number: about a fifth faster than text; 9999AA becomes NaN
        opts = {**_READ, "dtype": {**_READ["dtype"], "k": "float64"}}
        opts["na_values"] = {**_READ["na_values"], "k": ["9999AA"]}
        wanted: list = [float(c) for c in codes]
    else:
        opts, wanted = _READ, list(_spellings(codes))
    kept = []
    try:
        with pd.read_csv(stream, chunksize=CHUNK_ROWS, **opts) as reader:
            for chunk in reader:
                kept.append(chunk[chunk["k"].isin(wanted)])
    except ValueError as exc:
        if numeric:
            raise _TextCode from None
        raise _bad_file(file, exc) from None
    except (KeyError, *STREAM_ERRORS) as exc:
        raise _bad_file(file, exc) from None
    raw = pd.concat(kept, ignore_index=True) if kept else _empty_raw()
    if numeric:
        raw["k"] = raw["k"].astype("int64").astype(str)
    return raw


def filter_pandas(open_member: Callable[[], IO[bytes]], codes: set[str], *, file: str):
    """Stream a yearly BACI CSV in chunks of ``CHUNK_ROWS`` rows; keep the rows of ``codes``.
    ``k`` is read as a number; a file with other text codes than 9999AA is read again with
    ``k`` as text (and a malformed file then fails with one line)."""
    try:
        with open_member() as fh:
            return _pandas_pass(fh, codes, file=file, numeric=True)
    except _TextCode:
        with open_member() as fh:
            return _pandas_pass(fh, codes, file=file, numeric=False)


def filter_csv(open_member: Callable[[], IO[bytes]], codes: set[str], *, file: str):
    """The same filter with the standard csv module: one pass, only kept rows become objects."""
    with open_member() as stream:
        return _csv_pass(stream, codes, file=file)


def _csv_pass(stream: IO[bytes], codes: set[str], *, file: str) -> pd.DataFrame:
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
        pos = [header.index(c) for c in RAW_COLUMNS]
    except (StopIteration, ValueError):
        raise _bad_file(file, ValueError("not in list")) from None
    except STREAM_ERRORS as exc:
        raise _bad_file(file, exc) from None
    wanted = _spellings(codes)
    k = pos[3]
    try:
        rows = [row for row in reader if row[k] in wanted]
    except (IndexError, csv.Error, *STREAM_ERRORS) as exc:
        raise _bad_file(file, exc) from None
    if not rows:
        return _empty_raw()
    cols = list(zip(*rows, strict=False))
    out = {}
    for name, p in zip(RAW_COLUMNS, pos, strict=True):
        s = pd.Series(cols[p], dtype=str).str.strip()
        num = pd.to_numeric(s.where(~s.isin(["NA", ""])), errors="coerce")
        if name == "k":
            out[name] = s
            continue
        if name in "tij":
            if num.isna().any():
                raise _bad_file(file, ValueError(f"column {name} holds a non-number"))
            num = num.astype("int64")
        out[name] = num
    return pd.DataFrame(out)


class _Irregular(Exception):
    """Lines that are not plain ``t,i,j,k,v,q`` (quotes, extra columns): use the CSV parser."""


BLOCK_BYTES = 8 << 20  # text scanned per step by filter_scan


def filter_scan(open_member: Callable[[], IO[bytes]], codes: set[str], *, file: str):
    """The fast filter: scan blocks of raw bytes with numpy for lines whose fourth field is a
    mapped code, and hand only those lines to the CSV parser. A file whose lines are not plain
    ``t,i,j,k,v,q`` (a different header, five commas not on every line) is read by
    :func:`filter_pandas` instead."""
    wanted = np.array(sorted(int(c) for c in codes), dtype=np.int64)
    try:
        with open_member() as fh:
            header = fh.readline()
            names = [h.strip() for h in header.decode("utf-8-sig", "replace").split(",")]
            if names != RAW_COLUMNS:
                raise _Irregular
            kept, tail = [], b""
            while True:
                block = fh.read(BLOCK_BYTES)
                data = tail + block
                cut = len(data) if not block else data.rfind(b"\n") + 1
                data, tail = data[:cut], data[cut:]
                if data:
                    kept.append(_scan_block(data if data.endswith(b"\n") else data + b"\n", wanted))
                if not block:
                    break
    except _Irregular:
        return filter_pandas(open_member, codes, file=file)
    except STREAM_ERRORS as exc:
        raise _bad_file(file, exc) from None
    lines = b"t,i,j,k,v,q\n" + b"".join(kept)
    return _pandas_pass(io.BytesIO(lines), codes, file=file, numeric=False)


def _scan_block(data: bytes, wanted: np.ndarray) -> bytes:
    """The lines of ``data`` (whole lines, each ending in a newline) whose ``k`` is wanted.
    ``k`` is compared as a number, so ``040630`` and ``40630`` are the same code."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    commas = np.flatnonzero(arr == 44)
    if len(commas) != 5 * len(ends):
        raise _Irregular
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    commas = commas.reshape(-1, 5)
    if not ((commas[:, 0] > starts) & (commas[:, 4] < ends)).all():
        raise _Irregular
    k_start, k_end = commas[:, 2] + 1, commas[:, 3]
    width = k_end - k_start
    key = np.zeros(len(ends), dtype=np.int64)
    digits_ok = (width >= 1) & (width <= 6)
    for back in range(1, 7):  # the last six characters of k, right to left
        here = width >= back
        d = arr[np.where(here, k_end - back, 0)].astype(np.int64) - 48
        digits_ok &= ~here | ((d >= 0) & (d <= 9))
        key += np.where(here, d, 0) * 10 ** (back - 1)
    keep = np.flatnonzero(digits_ok & np.isin(key, wanted))
    return b"".join(data[starts[r] : ends[r] + 1] for r in keep)


ENGINES: dict[str, Callable[..., pd.DataFrame]] = {
    "scan": filter_scan,
    "pandas": filter_pandas,
    "csv": filter_csv,
}


def _empty_raw() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_READ["dtype"][c]) for c in RAW_COLUMNS})
