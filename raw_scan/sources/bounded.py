"""Bounded readers: how every source parser opens its input (plain files, zips, xlsx workbooks).

A refresh runs unattended on files from the network, so nothing is read without a limit:

* an input must be a regular file (or, where a source reads one, a folder): a FIFO, a device
  such as ``/dev/zero`` or a socket is refused before it is opened;
* a plain file is read only up to ``member`` bytes;
* a zip (and an xlsx, which is a zip) is checked from its central directory before anything is
  decompressed: each member at most ``member`` bytes, all members together at most ``unzipped``
  bytes, an xlsx worksheet or shared-strings part at most ``MAX_SHEET`` bytes, and no member
  larger than ``RATIO_FLOOR`` that expands more than ``MAX_RATIO`` times (real CSV and xlsx
  parts expand 2 to 30 times; a zip bomb thousands of times). Members are then read one at a
  time, and the bytes actually decompressed are counted, so a member that lies about its size
  is stopped at the limit too.

The limits are named constants; three can be raised (in MB, 1 MB = 2**20 bytes) for a source
that really is that large: ``RAW_SCAN_MAX_DOWNLOAD_MB`` (one download, counted after any
``Content-Encoding`` is undone), ``RAW_SCAN_MAX_MEMBER_MB`` (one file or zip member, uncompressed)
and ``RAW_SCAN_MAX_UNZIPPED_MB`` (a whole zip, uncompressed). A source with larger files passes
its own :class:`Limits`.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from raw_scan.errors import DataValidationError, UsageError

MB = 1 << 20
MAX_DOWNLOAD_MB = 512
MAX_MEMBER_MB = 256
MAX_UNZIPPED_MB = 1024
MAX_SHEET = 64 * MB
MAX_RATIO = 100
RATIO_FLOOR = 8 * MB
READ_CHUNK = 1 * MB
ENV = {
    "download": ("RAW_SCAN_MAX_DOWNLOAD_MB", MAX_DOWNLOAD_MB),
    "member": ("RAW_SCAN_MAX_MEMBER_MB", MAX_MEMBER_MB),
    "unzipped": ("RAW_SCAN_MAX_UNZIPPED_MB", MAX_UNZIPPED_MB),
}


@dataclass(frozen=True)
class Limits:
    """Byte limits: one download, one file or zip member, a whole zip uncompressed."""

    download: int
    member: int
    unzipped: int


def _env_mb(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default * MB
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{name} must be a number of megabytes greater than 0, not {raw!r}")
    return int(value * MB)


def limits() -> Limits:
    """The limits in effect: the defaults, or the ``RAW_SCAN_MAX_*_MB`` settings."""
    return Limits(**{key: _env_mb(name, default) for key, (name, default) in ENV.items()})


def mb(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n:,} bytes"


def _setting(key: str) -> str:
    return f"raise {ENV[key][0]} if the file really is that large"


# ------------------------------------------------------------------ plain files and folders
def check_input(path: Path, source: str, *, folder_ok: bool = False) -> None:
    """Refuse what is neither a regular file nor (if ``folder_ok``) a folder, without opening
    it: opening a FIFO would block, and a device such as /dev/zero never ends."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise UsageError(f"{source}: {path}: no such file or folder") from None
    except OSError as exc:
        raise UsageError(f"{source}: cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        if folder_ok:
            return
        raise UsageError(f"{source}: {path} is a folder; give the data file itself")
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise UsageError(
            f"{source}: {path} is {kind}, not a regular file; save the data to a file first"
        )


def read_file(path: Path, source: str, lim: Limits | None = None) -> bytes:
    """The bytes of a regular file of at most ``lim.member`` bytes."""
    lim = lim or limits()
    path = Path(path)
    check_input(path, source)
    size = path.stat().st_size
    if size > lim.member:
        raise DataValidationError(
            f"{source}: {path.name} is {mb(size)}, more than the {mb(lim.member)} limit; "
            + _setting("member")
        )
    with open(path, "rb") as fh:
        data = fh.read(lim.member + 1)
    if len(data) > lim.member:  # grew while we read it
        raise DataValidationError(
            f"{source}: {path.name} is more than the {mb(lim.member)} limit; " + _setting("member")
        )
    return data


# ------------------------------------------------------------------ zips and workbooks
def _is_sheet(name: str) -> bool:
    name = name.lower()
    return name.startswith("xl/worksheets/") or name == "xl/sharedstrings.xml"


def open_zip(path: Path, source: str, lim: Limits | None = None) -> zipfile.ZipFile:
    """Open a zip after checking every member's declared size and expansion ratio."""
    lim = lim or limits()
    path = Path(path)
    check_input(path, source)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataValidationError(f"{source}: {path.name} is not a readable zip ({exc})") from None
    try:
        total = 0
        for info in zf.infolist():
            if info.is_dir():
                continue
            where = f"{source}: {path.name}: member {info.filename}"
            size = info.file_size
            cap = min(lim.member, MAX_SHEET) if _is_sheet(info.filename) else lim.member
            if size > cap:
                raise DataValidationError(
                    f"{where} expands to {mb(size)}, more than the {mb(cap)} limit; refused "
                    "before decompressing (a zip bomb or the wrong file?)"
                )
            ratio = size / max(info.compress_size, 1)
            if size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise DataValidationError(
                    f"{where} expands {ratio:,.0f} times ({mb(info.compress_size)} to {mb(size)}),"
                    f" more than the {MAX_RATIO} times real data do; refused as a zip bomb"
                )
            total += size
            if total > lim.unzipped:
                raise DataValidationError(
                    f"{source}: {path.name} expands to more than the {mb(lim.unzipped)} limit for "
                    "a whole zip; refused before decompressing; " + _setting("unzipped")
                )
    except BaseException:
        zf.close()
        raise
    return zf


def read_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, source: str, lim=None) -> bytes:
    """One member's bytes, decompressed in chunks and counted: never more than the limit."""
    lim = lim or limits()
    info = name if isinstance(name, zipfile.ZipInfo) else zf.getinfo(name)
    cap = min(lim.member, MAX_SHEET) if _is_sheet(info.filename) else lim.member
    where = f"{source}: {Path(zf.filename or '').name}: member {info.filename}"
    parts, got = [], 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(READ_CHUNK):
                got += len(chunk)
                if got > cap:
                    raise DataValidationError(
                        f"{where} expands to more than the {mb(cap)} limit; refused"
                    )
                parts.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:  # incl. zlib.error, a bad CRC
        raise DataValidationError(f"{where} is damaged ({exc})") from None
    return b"".join(parts)


def check_workbook(path: Path, source: str, lim: Limits | None = None) -> None:
    """Check an xlsx's parts (it is a zip) before openpyxl or pandas touch it."""
    path = Path(path)
    check_input(path, source)
    if not zipfile.is_zipfile(path):
        raise DataValidationError(
            f"{source}: {path.name}: not an Excel workbook (an .xlsx file is a zip; this is not)"
        )
    open_zip(path, source, lim).close()
