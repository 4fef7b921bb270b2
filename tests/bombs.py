"""Decompression bombs for the limit tests and the refresh benchmark, built in a moment.

A deflate stream of N MiB of zeros is made by compressing one MiB with a full flush (which ends
the block on a byte boundary and resets the dictionary, so every further MiB compresses to the
very same bytes) and repeating those bytes: 3 GiB of zeros become about 3 MB. The CRC-32 of N
MiB of zeros is computed in GF(2) without touching 3 GiB of memory, so the zip and gzip files
are valid: only their size is hostile.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

MIB = 1 << 20


def _deflate_zeros(mib: int) -> bytes:
    """A raw deflate stream (no header) of ``mib`` MiB of zero bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again  # the trick holds for this zlib
    return block * mib + c.flush(zlib.Z_FINISH)


def _gf2_times(matrix: list[int], vector: int) -> int:
    out, i = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[i]
        vector >>= 1
        i += 1
    return out


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, m) for m in matrix]


def crc32_zeros(n: int) -> int:
    """``zlib.crc32(bytes(n))`` in O(log n): the register update for one zero byte is linear,
    so n zero bytes are that map raised to the n-th power (as zlib's crc32_combine does)."""

    def one_byte(reg: int) -> int:
        return ~zlib.crc32(b"\0", ~reg & 0xFFFFFFFF) & 0xFFFFFFFF

    step = [one_byte(1 << i) for i in range(32)]
    reg = 0xFFFFFFFF
    while n:
        if n & 1:
            reg = _gf2_times(step, reg)
        step = _gf2_square(step)
        n >>= 1
    return ~reg & 0xFFFFFFFF


def zip_bomb(path: Path, member: str, mib: int = 3072, others: dict[str, bytes] | None = None):
    """A zip whose ``member`` holds ``mib`` MiB of zeros (declared honestly in its headers),
    beside the small ``others``; returns ``path``."""
    data = _deflate_zeros(mib)
    size, crc = mib * MIB, crc32_zeros(mib * MIB)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in (others or {}).items():
            zf.writestr(name, body)
    # append the bomb member by hand (zipfile would have to compress 3 GiB to write it)
    existing = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    head = out.getvalue()[: existing.start_dir]
    central = out.getvalue()[existing.start_dir : existing.start_dir + _cd_size(existing)]
    name = member.encode()
    offset = len(head)
    dos_time, dos_date = _dos(time.localtime())
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, dos_time, dos_date, crc, len(data), size, len(name), 0
    )
    entry = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        dos_time,
        dos_date,
        crc,
        len(data),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0o100644 << 16,
        offset,
    )
    body = head + local + name + data
    cd = central + entry + name
    n = len(existing.infolist()) + 1
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), len(body), 0)
    Path(path).write_bytes(body + cd + end)
    return Path(path)


def _cd_size(zf: zipfile.ZipFile) -> int:
    return sum(46 + len(i.filename.encode()) + len(i.extra) + len(i.comment) for i in zf.infolist())


def _dos(t) -> tuple[int, int]:
    return (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2), ((t.tm_year - 1980) << 9) | (
        t.tm_mon << 5
    ) | t.tm_mday


def gzip_bomb(mib: int = 3072) -> bytes:
    """A gzip stream (RFC 1952) of ``mib`` MiB of zeros, about ``mib`` KB long."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    size = mib * MIB
    return header + _deflate_zeros(mib) + struct.pack("<II", crc32_zeros(size), size & 0xFFFFFFFF)


def xlsx_bomb(path: Path, workbook: Path, sheet: str = "xl/worksheets/sheet1.xml", mib=3072):
    """A copy of a real ``workbook`` whose worksheet part expands to ``mib`` MiB."""
    with zipfile.ZipFile(workbook) as zf:
        others = {i.filename: zf.read(i) for i in zf.infolist() if i.filename != sheet}
    return zip_bomb(path, sheet, mib, others)
