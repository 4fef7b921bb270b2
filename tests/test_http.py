"""Tests for raw_scan.sources.http, against a local pytest-httpserver on 127.0.0.1 only."""

from __future__ import annotations

import gzip
import io
import socket
import time

import pytest
from werkzeug import Response

from raw_scan.errors import FetchError
from raw_scan.sources import http
from raw_scan.sources.http import download, looks_like_html, resolve_url

FAST = {"retries": 3, "backoff": 0, "timeout": (2, 2), "progress": False}


def no_leftovers(directory) -> bool:
    return not list(directory.glob(".part-*"))


def settle(httpserver, requests: int, seconds: float = 5) -> None:
    """Wait until a deliberately slow handler has answered, so its request is logged in this
    test and not in the next one's ``httpserver.log``."""
    deadline = time.monotonic() + seconds
    while len(httpserver.log) < requests and time.monotonic() < deadline:
        time.sleep(0.02)


def fetch_error(url, tmp_path, **kwargs) -> str:
    with pytest.raises(FetchError) as info:
        download(url, tmp_path, source_id="demo", **{**FAST, **kwargs})
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("demo: ")
    assert no_leftovers(tmp_path)
    return message


def test_success_writes_final_file(httpserver, tmp_path):
    body = b"year,value\n2023,1\n" * 5000
    httpserver.expect_request("/data/mcs2024.csv").respond_with_data(body)
    path = download(httpserver.url_for("/data/mcs2024.csv"), tmp_path, source_id="usgs", **FAST)
    assert path == tmp_path / "mcs2024.csv"
    assert path.read_bytes() == body
    assert no_leftovers(tmp_path)
    assert len(httpserver.log) == 1


def test_filename_and_fallback_name(httpserver, tmp_path):
    httpserver.expect_request("/").respond_with_data(b"abc")
    assert (
        download(httpserver.url_for("/"), tmp_path, source_id="wgi", **FAST).name == "wgi.download"
    )
    path = download(httpserver.url_for("/"), tmp_path, source_id="wgi", filename="w.csv", **FAST)
    assert path == tmp_path / "w.csv" and path.read_bytes() == b"abc"


def test_creates_missing_dest_dir(httpserver, tmp_path):
    httpserver.expect_request("/f.csv").respond_with_data(b"x")
    path = download(httpserver.url_for("/f.csv"), tmp_path / "a" / "b", source_id="demo", **FAST)
    assert path.read_bytes() == b"x"


def test_user_agent(httpserver, tmp_path):
    httpserver.expect_request("/ua").respond_with_data(b"ok")
    download(httpserver.url_for("/ua"), tmp_path, source_id="demo", **FAST)
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("raw-scan/")
    assert "raw-scan/" in http.USER_AGENT


def test_404_fails_without_retry(httpserver, tmp_path):
    httpserver.expect_request("/missing.csv").respond_with_data("nope", status=404)
    message = fetch_error(httpserver.url_for("/missing.csv"), tmp_path)
    assert "404" in message and httpserver.url_for("/missing.csv") in message
    assert "RAW_SCAN_DEMO_URL" in message and "--file" in message
    assert len(httpserver.log) == 1


def test_500_then_200_retries(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/f.csv").respond_with_data("boom", status=500)
    httpserver.expect_oneshot_request("/f.csv").respond_with_data("a,b\n")
    path = download(httpserver.url_for("/f.csv"), tmp_path, source_id="demo", **FAST)
    assert path.read_text() == "a,b\n"
    assert len(httpserver.log) == 2
    assert no_leftovers(tmp_path)


def test_429_with_retry_after_then_200(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/f.csv").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_oneshot_request("/f.csv").respond_with_data("ok")
    start = time.monotonic()
    # a big backoff proves Retry-After: 0 wins over the exponential wait
    path = download(
        httpserver.url_for("/f.csv"), tmp_path, source_id="demo", **{**FAST, "backoff": 30}
    )
    assert time.monotonic() - start < 5
    assert path.read_text() == "ok"
    assert len(httpserver.log) == 2


def test_503_gives_up_after_retries(httpserver, tmp_path):
    httpserver.expect_request("/f.csv").respond_with_data("down", status=503)
    message = fetch_error(httpserver.url_for("/f.csv"), tmp_path, retries=2)
    assert "503" in message and "3 attempts" in message
    assert len(httpserver.log) == 3


def test_retry_after_is_capped():
    response = http.requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "3600"
    assert http._retry_after(response) == http.MAX_RETRY_AFTER
    response.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert http._retry_after(response) is None


def test_403_says_download_by_hand(httpserver, tmp_path):
    httpserver.expect_request("/f.xlsx").respond_with_data("forbidden", status=403)
    message = fetch_error(httpserver.url_for("/f.xlsx"), tmp_path)
    assert "refused" in message and "403" in message
    assert "raw-scan refresh demo --file PATH" in message
    assert len(httpserver.log) == 1


def test_401_needs_login(httpserver, tmp_path):
    httpserver.expect_request("/f.xlsx").respond_with_data("login", status=401)
    message = fetch_error(httpserver.url_for("/f.xlsx"), tmp_path)
    assert "needs a login" in message and "--file" in message
    assert len(httpserver.log) == 1


def test_timeout_before_headers(httpserver, tmp_path):
    def slow(request):
        time.sleep(0.6)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    message = fetch_error(httpserver.url_for("/slow"), tmp_path, retries=0, timeout=(1, 0.2))
    assert "timed out" in message
    assert not (tmp_path / "slow").exists()
    settle(httpserver, 1)


def test_timeout_mid_body_deletes_partial(httpserver, tmp_path):
    def stalls(request):
        def body():
            yield b"x" * 1000
            time.sleep(0.6)
            yield b"y" * 1000

        return Response(body(), headers={"Content-Length": "2000"})

    httpserver.expect_request("/stall.csv").respond_with_handler(stalls)
    message = fetch_error(httpserver.url_for("/stall.csv"), tmp_path, retries=0, timeout=(1, 0.2))
    assert "timed out" in message and "partial download was deleted" in message
    assert not (tmp_path / "stall.csv").exists()
    settle(httpserver, 1)


def test_dropped_body_is_retried(httpserver, tmp_path):
    calls = []

    def flaky(request):
        calls.append(1)
        if len(calls) == 1:  # first answer promises 100 bytes and sends 10
            return Response(iter([b"0123456789"]), headers={"Content-Length": "100"})
        return Response(b"z" * 100)

    httpserver.expect_request("/f.bin").respond_with_handler(flaky)
    path = download(httpserver.url_for("/f.bin"), tmp_path, source_id="demo", **FAST)
    assert path.read_bytes() == b"z" * 100
    assert len(calls) == 2
    assert no_leftovers(tmp_path)


def test_truncated_body(httpserver, tmp_path):
    def short(request):
        return Response(iter([b"0123456789"]), headers={"Content-Length": "100"})

    httpserver.expect_request("/short.csv").respond_with_handler(short)
    message = fetch_error(httpserver.url_for("/short.csv"), tmp_path, retries=1)
    assert "truncated download: got 10 of 100 bytes" in message
    assert "partial download was deleted" in message
    assert not (tmp_path / "short.csv").exists()
    assert len(httpserver.log) == 2


def test_connection_refused(tmp_path):
    with socket.socket() as sock:  # bound but not listening: connecting is refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        message = fetch_error(f"http://127.0.0.1:{port}/f.csv", tmp_path, retries=1)
    assert "refused" in message and f"127.0.0.1:{port}" in message
    assert "RAW_SCAN_DEMO_URL" in message


def test_invalid_url(tmp_path):
    message = fetch_error("not a url", tmp_path)
    assert "RAW_SCAN_DEMO_URL" in message


def test_unwritable_dest_dir(httpserver, tmp_path):
    httpserver.expect_request("/f.csv").respond_with_data("x")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(FetchError) as info:
        download(httpserver.url_for("/f.csv"), blocker / "sub", source_id="demo", **FAST)
    assert "\n" not in str(info.value) and str(info.value).startswith("demo: ")


def test_progress_silent_when_not_a_terminal(httpserver, tmp_path, capsys):
    httpserver.expect_request("/f.csv").respond_with_data("abc")
    download(httpserver.url_for("/f.csv"), tmp_path, source_id="demo", **{**FAST, "progress": True})
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_on_a_terminal(httpserver, tmp_path, monkeypatch):
    class FakeTerminal(io.StringIO):
        def isatty(self):
            return True

    terminal = FakeTerminal()
    monkeypatch.setattr(http.sys, "stderr", terminal)
    httpserver.expect_request("/f.csv").respond_with_data(b"a" * 200_000)
    path = download(
        httpserver.url_for("/f.csv"), tmp_path, source_id="demo", **{**FAST, "progress": True}
    )
    assert path.stat().st_size == 200_000
    assert terminal.getvalue()  # rich drew (and then cleared) the bar on stderr


def test_resolve_url(monkeypatch):
    monkeypatch.delenv("RAW_SCAN_USGS_URL", raising=False)
    assert resolve_url("usgs", "https://example.org/a.csv") == "https://example.org/a.csv"
    monkeypatch.setenv("RAW_SCAN_USGS_URL", "")
    assert resolve_url("usgs", "https://example.org/a.csv") == "https://example.org/a.csv"
    monkeypatch.setenv("RAW_SCAN_USGS_URL", "http://127.0.0.1:9/mirror.csv")
    assert resolve_url("usgs", "https://example.org/a.csv") == "http://127.0.0.1:9/mirror.csv"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<!DOCTYPE html><html><body>Login</body></html>", True),
        (b"\xef\xbb\xbf  \n\t<HTML lang='en'>", True),
        (b"   <!doctype HTML>", True),
        (b"year,value\n2023,<html>\n", False),
        (b"PK\x03\x04 binary xlsx", False),
        (b"", False),
    ],
)
def test_looks_like_html(tmp_path, content, expected):
    path = tmp_path / "f"
    path.write_bytes(content)
    assert looks_like_html(path) is expected


def test_content_encoding_gzip_is_not_mistaken_for_truncation(httpserver, tmp_path):
    body = b"year,value\n" * 1000
    packed = gzip.compress(body)
    httpserver.expect_request("/f.csv").respond_with_data(
        packed, headers={"Content-Encoding": "gzip", "Content-Length": str(len(packed))}
    )
    path = download(httpserver.url_for("/f.csv"), tmp_path, source_id="demo", **FAST)
    assert path.read_bytes() == body
