"""Hostile or broken input and a hostile machine: every case ends in one line, a non-zero exit,
the lock released and the data directory as it was (issue 6, sections 2 and 5).

Servers are pytest-httpserver on 127.0.0.1; bombs are built by ``bombs.py`` (3 MB that expand
to 3 GB); a full disk is simulated with a write that raises ENOSPC and, for real, with
RLIMIT_FSIZE in a child process.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import bombs
import pytest
from test_refresh import FIX, SERVED, active_manifest, call, tree_hashes
from werkzeug import Response

from raw_scan import atomic, refresh, store
from raw_scan.refresh import run as refresh_run

ROOT = Path(__file__).resolve().parents[1]
FULL_USGS = ROOT / "benchmarks" / "data" / "mcs2024_world.zip"


@pytest.fixture(autouse=True)
def env(refresh_env):
    return refresh_env


def one_line(err: str, *, starts: str, has: str = "") -> str:
    """The one error line of a failed command (plus the 'not changed' line of a refresh)."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("raw-scan:")]
    assert lines and lines[0].startswith(starts), err
    assert has in lines[0], err
    return lines[0]


def unchanged(env: Path, before: dict) -> None:
    assert tree_hashes(env) == before
    assert not list(env.glob(".staging-*")) and not list(env.glob("**/.part-*"))


# ----------------------------------------------------------------- downloads
def test_a_trickling_server_meets_the_deadline_and_releases_the_lock(
    env, seeded_usgs, httpserver, monkeypatch, capsys
):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    stop = threading.Event()

    def trickle(request):  # one byte every 50 ms: never idle long enough for the read timeout
        def body():
            for _ in range(10_000):
                if stop.wait(0.05):
                    return
                yield b"x"

        return Response(body(), headers={"Content-Length": "10000"})

    httpserver.expect_request("/slow.zip").respond_with_handler(trickle)
    monkeypatch.setenv("RAW_SCAN_USGS_URL", httpserver.url_for("/slow.zip"))
    monkeypatch.setenv("RAW_SCAN_HTTP_DEADLINE", "1")
    start = time.monotonic()
    code, out, err = call(["refresh", "usgs", "-q"], capsys)
    took = time.monotonic() - start
    stop.set()
    assert code == 1 and took < 5, (took, err)
    one_line(err, starts="raw-scan: error: usgs: the download of ", has="within the 1 s deadline")
    assert "nothing of it was kept" in err
    unchanged(env, before)
    assert len(httpserver.log) <= 1  # a deadline is not retried
    # the lock was released: a refresh that may not wait gets it at once
    monkeypatch.setenv("RAW_SCAN_LOCK_TIMEOUT", "0")
    code, out, err = call(["refresh", "usgs", "--file", str(SERVED["usgs"].file), "-q"], capsys)
    assert code == 0, err


@pytest.fixture(params=["http", "https"])
def header_trickler(request, tmp_path, monkeypatch):
    """A loopback server that sends its status line and headers one byte every 50 ms (the read
    timeout restarts with every byte, so only a deadline on the whole exchange stops it); over
    TLS too, where the socket the watchdog must shut is the TLS one, not the TCP one it
    replaced (a certificate made with the openssl command, trusted via REQUESTS_CA_BUNDLE)."""
    import socket
    import ssl

    context = None
    if request.param == "https":
        if not shutil.which("openssl"):
            pytest.skip("no openssl command to make a test certificate")
        cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
            + ["-addext", "subjectAltName=IP:127.0.0.1"],
            check=True,
            capture_output=True,
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    srv = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    head = b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 2000 + b"\r\nContent-Length: 2\r\n\r\nok"

    def serve():
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                conn.settimeout(5)
                if context is not None:
                    conn = context.wrap_socket(conn, server_side=True)
                conn.recv(65536)
                for i in range(len(head)):
                    if stop.wait(0.05):
                        break
                    conn.sendall(head[i : i + 1])
            except OSError:  # the client shut the connection down
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"{request.param}://127.0.0.1:{srv.getsockname()[1]}/slow.zip"
    stop.set()
    thread.join(5)
    srv.close()


def test_a_server_trickling_its_headers_meets_the_deadline(
    env, seeded_usgs, header_trickler, monkeypatch, capsys
):
    # 2,000 header bytes at 50 ms each take 100 s; the deadline must bound the whole exchange,
    # not only the body (before the watchdog, this took the full 100 s and then went on)
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    monkeypatch.setenv("RAW_SCAN_USGS_URL", header_trickler)
    monkeypatch.setenv("RAW_SCAN_HTTP_DEADLINE", "1")
    monkeypatch.setenv("RAW_SCAN_HTTP_TIMEOUT", "5")
    start = time.monotonic()
    code, out, err = call(["refresh", "usgs", "-q"], capsys)
    took = time.monotonic() - start
    assert code == 1 and took < 5, (took, err)
    one_line(err, starts="raw-scan: error: usgs: the download of ", has="within the 1 s deadline")
    unchanged(env, before)
    monkeypatch.setenv("RAW_SCAN_LOCK_TIMEOUT", "0")  # and the lock was released
    code, out, err = call(["refresh", "usgs", "--file", str(SERVED["usgs"].file), "-q"], capsys)
    assert code == 0, err


def test_a_gzip_bomb_is_stopped_as_it_is_decoded(env, seeded_usgs, httpserver, monkeypatch, capsys):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    bomb = bombs.gzip_bomb(3072)  # about 3 MB on the wire, 3 GB decoded
    httpserver.expect_request("/mcs.csv").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="text/csv"
    )
    monkeypatch.setenv("RAW_SCAN_USGS_URL", httpserver.url_for("/mcs.csv"))
    start = time.monotonic()
    code, out, err = call(["refresh", "usgs", "-q"], capsys)
    assert code == 1 and time.monotonic() - start < 5
    line = one_line(err, starts="raw-scan: error: usgs: the download of ", has="a gzip bomb?")
    assert "times as it is decoded" in line and "partial download was deleted" in line
    unchanged(env, before)
    assert len(httpserver.log) == 1  # not retried


def test_a_download_over_the_size_limit_is_stopped(env, httpserver, monkeypatch, capsys):
    monkeypatch.setenv("RAW_SCAN_MAX_DOWNLOAD_MB", "1")
    body = b"x" * (2 << 20)
    # chunked: no Content-Length, so the limit is met while reading
    httpserver.expect_request("/big.csv").respond_with_handler(
        lambda request: Response(iter([body[i : i + 65536] for i in range(0, len(body), 65536)]))
    )
    monkeypatch.setenv("RAW_SCAN_WGI_URL", httpserver.url_for("/big.csv"))
    code, out, err = call(["refresh", "wgi", "-q"], capsys)
    assert code == 1
    one_line(err, starts="raw-scan: error: wgi: the download of ", has="grew past the 1 MB limit")
    assert "RAW_SCAN_MAX_DOWNLOAD_MB" in err
    assert not env.joinpath("snapshots").exists() and not list(env.glob(".staging-*"))


# ----------------------------------------------------------------- bombs in files
BOMBS = {
    # --file ... : (source, how to build, expected words)
    "zip": (
        "usgs",
        "member world/mcs2024-lithi_world.csv expands to 3,072 MB, more than the 256 MB",
    ),
    "xlsx": ("iea", "member xl/worksheets/sheet1.xml expands to 3,072 MB, more than the 64 MB"),
    "wgi-zip": ("wgi", "member WGIData.csv expands to 3,072 MB, more than the 256 MB"),
}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "zip": bombs.zip_bomb(
            folder / "mcs2024_world.zip",
            "world/mcs2024-lithi_world.csv",
            others={"world/mcs2024-coppe_world.csv": b"Source,Country,Type\n"},
        ),
        "xlsx": bombs.xlsx_bomb(folder / "CM_Data_Explorer.xlsx", SERVED["iea"].file),
        "wgi-zip": bombs.zip_bomb(folder / "WGI_CSV.zip", "WGIData.csv"),
    }


@pytest.mark.parametrize("kind", BOMBS)
def test_bombs_are_refused_before_decompressing(kind, env, seeded_usgs, bomb_files, capsys):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    sid, words = BOMBS[kind]
    path = bomb_files[kind]
    assert path.stat().st_size < 4 << 20
    start = time.monotonic()
    code, out, err = call(["refresh", sid, "--file", str(path), "-q"], capsys)
    assert code == 1 and time.monotonic() - start < 5
    one_line(err, starts=f"raw-scan: error: {sid}: {path.name}: ", has=words)
    unchanged(env, before)


def test_a_zip_member_that_lies_about_its_size_is_damaged_not_big(tmp_path):
    """zipfile stops at the declared size; the CRC then fails: one clear error."""
    from raw_scan.errors import DataValidationError
    from raw_scan.sources import bounded

    path = bombs.zip_bomb(tmp_path / "x.zip", "a_world.csv", mib=20)
    raw = bytearray(path.read_bytes())
    # declare 1 MiB instead of 20 in both headers (local at 0 + 22, central entry + 24)
    size = (20 << 20).to_bytes(4, "little")
    for at in [i for i in range(len(raw) - 3) if raw[i : i + 4] == size]:
        raw[at : at + 4] = (1 << 20).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with bounded.open_zip(path, "usgs") as zf, pytest.raises(DataValidationError) as info:
        bounded.read_member(zf, "a_world.csv", "usgs")
    assert str(info.value).startswith("usgs: x.zip: member a_world.csv is damaged (Bad CRC-32")


# ----------------------------------------------------------------- --file that is not a file
def test_file_that_is_a_fifo_a_device_or_a_folder(env, tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    cases = [
        (["usgs", "--file", str(fifo)], f"usgs: {fifo} is a FIFO (named pipe), not a regular file"),
        (["wgi", "--file", "/dev/zero"], "wgi: /dev/zero is a device, not a regular file"),
        (["wgi", "--file", str(tmp_path)], f"wgi: {tmp_path} is a folder; give the data file"),
    ]
    for args, words in cases:
        start = time.monotonic()
        code, out, err = call(["refresh", *args, "-q"], capsys)
        assert code == 2 and time.monotonic() - start < 5
        assert err == f"raw-scan: error: --file {words}" + err.split(words, 1)[1]
        assert err.count("\n") == 1
    assert not env.exists()  # refused before the data directory was even created


def test_a_fifo_inside_a_usgs_folder_is_refused(env, tmp_path, capsys):
    folder = tmp_path / "world"
    folder.mkdir()
    os.mkfifo(folder / "mcs2024-lithi_world.csv")
    code, out, err = call(["refresh", "usgs", "--file", str(folder), "-q"], capsys)
    assert code == 1
    one_line(err, starts="raw-scan: error: usgs: ", has="is a FIFO (named pipe)")


def test_a_partial_file_is_refused(env, seeded_usgs, tmp_path, capsys):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    half = tmp_path / "mcs2024_world.zip"
    data = SERVED["usgs"].file.read_bytes()
    half.write_bytes(data[: len(data) // 2])  # a download cut off half-way
    code, out, err = call(["refresh", "usgs", "--file", str(half), "-q"], capsys)
    assert code == 1
    one_line(err, starts="raw-scan: error: usgs: ")
    unchanged(env, before)
    wgi = tmp_path / "WGIData.csv"
    text = (FIX / "WGIData.csv").read_bytes()
    wgi.write_bytes(text[: len(text) // 2])  # cut in the middle of a line
    code, out, err = call(["refresh", "wgi", "--file", str(wgi), "-q"], capsys)
    assert code == 1
    one_line(err, starts="raw-scan: error: wgi: ")
    unchanged(env, before)


# ----------------------------------------------------------------- bad settings
@pytest.mark.parametrize("value", ["nan", "-1", "inf", "soon"])
def test_bad_lock_timeout_is_one_line(value, env, monkeypatch, capsys):
    monkeypatch.setenv("RAW_SCAN_LOCK_TIMEOUT", value)
    expected = (
        "raw-scan: error: RAW_SCAN_LOCK_TIMEOUT must be a number of seconds from 0 to 86400, "
        f"not '{value}'\n"
    )
    for argv in (["refresh", "usgs", "--file", str(SERVED["usgs"].file)], ["datasets", "--reset"]):
        code, out, err = call(argv, capsys)
        assert (code, err) == (2, expected)
    assert not env.exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_bad_max_age_is_one_line(value, env, capsys):
    code, out, err = call(["refresh", "usgs", "--max-age", value], capsys)
    assert code == 2
    assert err.startswith("raw-scan: error: --max-age must be a finite number of days, 0 or more")
    assert err.count("\n") == 1


LIMITS = {  # a bad setting -> the range its one line gives
    "RAW_SCAN_HTTP_DEADLINE": "must be a finite number of seconds greater than 0",
    "RAW_SCAN_HTTP_TIMEOUT": "must be a number of seconds (0 or more)",
    "RAW_SCAN_RETRY_BACKOFF": "must be a number of seconds (0 or more)",
    "RAW_SCAN_MAX_MEMBER_MB": "must be a number of megabytes greater than 0",
}


@pytest.mark.parametrize(
    "name,value",
    [
        ("RAW_SCAN_HTTP_DEADLINE", "inf"),
        ("RAW_SCAN_HTTP_DEADLINE", "0"),
        ("RAW_SCAN_HTTP_DEADLINE", "nan"),
        ("RAW_SCAN_HTTP_DEADLINE", "-1"),
        ("RAW_SCAN_HTTP_TIMEOUT", "nan"),
        ("RAW_SCAN_RETRY_BACKOFF", "-2"),
        ("RAW_SCAN_MAX_MEMBER_MB", "x"),
    ],
)
def test_bad_limits_are_one_line(name, value, env, monkeypatch, httpserver, capsys):
    # bad input: exit 2 with the valid range, before the lock and before any download, once
    # for all the sources (not one failure per source after taking the lock)
    monkeypatch.setenv(name, value)
    for sid in ("usgs", "wgi", "wmd"):
        monkeypatch.setenv(f"RAW_SCAN_{sid.upper()}_URL", httpserver.url_for(f"/{sid}"))
    code, out, err = call(["refresh", "-q"], capsys)
    assert code == 2 and err == f"raw-scan: error: {name} {LIMITS[name]}, not {value!r}\n"
    assert httpserver.log == [] and not (env / "refresh.lock").exists()


def test_wgi_csv_with_semicolons_or_decimal_commas(env, tmp_path, capsys):
    text = (FIX / "WGIData.csv").read_text(encoding="utf-8-sig")
    semi = tmp_path / "WGIData_semicolons.csv"  # as a spreadsheet in a European locale saves it
    semi.write_text(text.replace('","', '";"').replace(".", ","), encoding="utf-8")
    code, out, err = call(["refresh", "wgi", "--file", str(semi), "-q"], capsys)
    assert code == 1
    one_line(
        err,
        starts="raw-scan: error: wgi: WGIData_semicolons.csv: fields are separated by "
        "semicolons (;), not commas; ",
        has="use WGIData.csv as downloaded",
    )
    comma = tmp_path / "WGIData_commas.csv"  # commas between fields, and in the numbers
    comma.write_text(text.replace('"-0.441073626279831"', '"-0,441073626279831"'), encoding="utf-8")
    code, out, err = call(["refresh", "wgi", "--file", str(comma), "-q"], capsys)
    assert code == 1
    one_line(
        err,
        starts="raw-scan: error: wgi: WGIData_commas.csv: decimal comma in '-0,441073626279831'",
    )


# ----------------------------------------------------------------- the disk and the folder
def test_disk_full_while_writing_the_snapshot(env, seeded_usgs, monkeypatch, capsys):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    real = atomic.fsync_file

    def full(path):
        if Path(path).name == "governance.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path)

    monkeypatch.setattr(atomic, "fsync_file", full)
    code, out, err = call(["refresh", "usgs", "--file", str(SERVED["usgs"].file), "-q"], capsys)
    assert code == 1
    one_line(
        err,
        starts=f"raw-scan: error: cannot write the new snapshot in {env}: No space left on device",
    )
    unchanged(env, before)


def test_a_file_size_limit_in_a_real_process(env, seeded_usgs):
    """RLIMIT_FSIZE makes the kernel refuse writes past 64 KB (EFBIG), as a full disk would."""
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    done = subprocess.run(
        [sys.executable, "-m", "raw_scan", "refresh", "usgs", "--file", str(FULL_USGS), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
    )
    assert done.returncode == 1, done.stderr
    one_line(done.stderr, starts="raw-scan: error: ", has="File too large")
    unchanged(env, before)


def test_an_unwritable_data_directory(env, monkeypatch, capsys):
    # /proc/1 exists and nobody, not even root, may create files in it
    monkeypatch.setenv("RAW_SCAN_DATA_DIR", "/proc/1")
    code, out, err = call(["refresh", "usgs", "--file", str(SERVED["usgs"].file)], capsys)
    assert code == 1
    one_line(err, starts="raw-scan: error: cannot write to the data directory /proc/1: ")
    assert "set RAW_SCAN_DATA_DIR to a writable folder" in err
    code, out, err = call(["datasets", "--reset"], capsys)  # the same lock, the same line
    assert code == 1
    one_line(err, starts="raw-scan: error: cannot write to the data directory /proc/1: ")


def test_reset_in_a_read_only_data_directory(env, seeded_usgs, monkeypatch, capsys):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    real_unlink = Path.unlink

    def read_only(self, *args, **kwargs):
        if self.name == "active.json":
            raise PermissionError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", read_only)
    code, out, err = call(["datasets", "--reset"], capsys)
    assert code == 1
    one_line(err, starts=f"raw-scan: error: cannot write to the data directory {env}: ")
    assert "Read-only file system" in err
    assert tree_hashes(env) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_reset_in_a_folder_without_write_permission(env, seeded_usgs, capsys):
    shutil.copytree(seeded_usgs, env)
    env.chmod(0o555)
    try:
        code, out, err = call(["datasets", "--reset"], capsys)
    finally:
        env.chmod(0o755)
    assert code == 1 and "Permission denied" in err


def test_reset_waits_for_a_running_refresh(env, seeded_usgs, monkeypatch):
    from filelock import FileLock

    shutil.copytree(seeded_usgs, env)
    monkeypatch.setenv("RAW_SCAN_LOCK_TIMEOUT", "0.3")
    with FileLock(str(env / "refresh.lock")):
        done = subprocess.run(
            [sys.executable, "-m", "raw_scan", "datasets", "--reset"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr.startswith("raw-scan: error: another raw-scan refresh is running (lock ")
    assert "waited 0.3 s" in done.stderr
    assert (env / "active.json").exists()  # still the refreshed snapshot


# ----------------------------------------------------------------- what a killed refresh leaves
def test_leftovers_of_a_killed_refresh_are_removed_by_the_next(env, seeded_usgs, capsys):
    shutil.copytree(seeded_usgs, env)
    (env / ".staging-abc123" / "snapshot").mkdir(parents=True)
    (env / ".staging-abc123" / "snapshot" / "production.csv").write_text("half")
    (env / ".active.json.0a1b2c3d.tmp").write_text("{")
    code, out, err = call(["refresh", "usgs", "--file", str(SERVED["usgs"].file)], capsys)
    assert code == 0, err
    assert "removed 2 leftover(s) of an interrupted refresh: .staging-abc123" in err
    assert not list(env.glob(".staging-*")) and not list(env.glob(".active.json.*"))


def test_kill_9_during_a_download_then_the_next_refresh_cleans_up(env, seeded_usgs, httpserver):
    shutil.copytree(seeded_usgs, env)
    before = tree_hashes(env)
    stop = threading.Event()

    def trickle(request):
        def body():
            while not stop.wait(0.05):
                yield b"x"

        return Response(body(), headers={"Content-Length": "1000000"})

    httpserver.expect_request("/slow.zip").respond_with_handler(trickle)
    proc = subprocess.Popen(
        [sys.executable, "-m", "raw_scan", "refresh", "usgs", "-q"],
        env={**os.environ, "RAW_SCAN_USGS_URL": httpserver.url_for("/slow.zip")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not list(env.glob(".staging-*/usgs/.part-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    stop.set()
    assert list(env.glob(".staging-*"))  # the killed refresh left its staging folder
    assert {k: v for k, v in tree_hashes(env).items() if not k.startswith(".staging-")} == before
    result = refresh.refresh(["usgs"], file=SERVED["usgs"].file, progress=False)
    assert result.refreshed == ["usgs"] and not list(env.glob(".staging-*"))


def test_every_file_is_fsynced_before_active_json_switches(env, monkeypatch):
    synced: list[str] = []
    real_fsync, real_switch = atomic.fsync_file, store.switch
    monkeypatch.setattr(
        atomic, "fsync_file", lambda p: (synced.append(Path(p).name), real_fsync(p))
    )

    def switch(root, folder):
        files = sorted(p.name for p in folder.iterdir())
        assert set(files) <= set(synced) | {"manifest.json", "refresh-summary.txt"}, files
        synced.append("<switch>")
        return real_switch(root, folder)

    monkeypatch.setattr(store, "switch", switch)
    monkeypatch.setattr(refresh_run.store, "switch", switch)
    refresh.refresh(["usgs"], file=SERVED["usgs"].file, allow_loss=True, progress=False)
    assert synced[-1] == "<switch>"
    assert {store.table_file(t) for t in store.TABLES} <= set(synced[:-1])


# ----------------------------------------------------------------- permissions
def test_files_get_the_users_umask(env, tmp_path, capsys):
    (tmp_path / "kept.csv").write_text("old")
    (tmp_path / "kept.csv").chmod(0o600)
    old = os.umask(0o002)  # a team's shared data directory
    try:
        argv = ["refresh", "usgs", "--file", str(SERVED["usgs"].file), "--allow-loss", "-q"]
        assert call(argv, capsys)[0] == 0
        for name in ("new.csv", "kept.csv"):
            argv = ["technologies", "--format", "csv", "--output", str(tmp_path / name)]
            assert call(argv, capsys)[0] == 0
    finally:
        os.umask(old)
    folder, _ = active_manifest(env)

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(env / "active.json") == 0o664  # was 0600 (mkstemp)
    assert {mode(p) for p in folder.iterdir()} == {0o664}
    assert mode(folder) == 0o775 and mode(env / "snapshots") == 0o775
    assert mode(env / "refresh.log") == 0o664
    assert mode(tmp_path / "new.csv") == 0o664  # a new --output file: the umask (was 0600)
    assert mode(tmp_path / "kept.csv") == 0o600  # an existing one keeps its mode
