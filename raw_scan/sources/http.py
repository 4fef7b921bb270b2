"""The one download function every public-source loader uses.

``download`` streams a URL into a hidden ``.part-*`` file next to the target and renames it into
place only when the whole body arrived, so a failed or interrupted download never leaves a
half-written file behind. Transient failures (HTTP 429/500/502/503/504, connection errors,
timeouts, truncated bodies) are retried with exponential back-off; everything else fails at once.
Every failure is a :class:`~raw_scan.errors.FetchError` with a one-line message that starts with
the source id, says what happened and how to fix it.

When the caller passes no ``backoff``, ``timeout`` or ``deadline``, environment variables set
them (tests use them to make retries and timeouts fast): ``RAW_SCAN_RETRY_BACKOFF`` (seconds
before the first retry, doubled each time; default 1.0), ``RAW_SCAN_HTTP_TIMEOUT`` (read timeout
in seconds, the longest wait for any byte; default 120; the connect timeout is 10 s, or less when
the read timeout is smaller) and ``RAW_SCAN_HTTP_DEADLINE`` (seconds for the whole download,
retries included; default 1800), so a server that trickles a byte at a time cannot hold a
refresh (and its lock) for ever. The deadline bounds the whole exchange, the status line and
headers as well as the body: the read timeout starts again with every byte, so a watchdog shuts
the download's sockets down when the deadline passes (see :class:`_Watchdog`).

The body is read as it arrives (one socket read at a time) and counted after any
``Content-Encoding`` is undone: a download larger than ``RAW_SCAN_MAX_DOWNLOAD_MB`` (see
``raw_scan.sources.bounded``), or a compressed body that expands like a gzip bomb, is stopped and
deleted at once, without retry.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from raw_scan import __version__
from raw_scan.errors import FetchError, UsageError

USER_AGENT = f"raw-scan/{__version__} (+https://github.com/raw-scan/raw-scan)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
CHUNK_SIZE = 64 * 1024
DEFAULT_BACKOFF = 1.0
DEFAULT_READ_TIMEOUT = 120.0
DEFAULT_DEADLINE = 1800.0
CONNECT_TIMEOUT = 10.0


class _Retryable(Exception):
    """One attempt failed in a way worth retrying. ``reason`` ends just before the URL."""

    def __init__(self, reason: str, wait: float | None = None, partial: bool = False):
        super().__init__(reason)
        self.reason, self.wait, self.partial = reason, wait, partial


def resolve_url(source_id: str, default: str) -> str:
    """The URL to fetch: ``$RAW_SCAN_<ID>_URL`` if set and non-empty, else ``default``."""
    return os.environ.get(f"RAW_SCAN_{source_id.upper()}_URL", "").strip() or default


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects nan
        raise UsageError(f"{name} must be a number of seconds (0 or more), not {raw!r}")
    return value


def default_backoff() -> float:
    """Seconds before the first retry: ``$RAW_SCAN_RETRY_BACKOFF`` or 1.0."""
    return _env_seconds("RAW_SCAN_RETRY_BACKOFF", DEFAULT_BACKOFF)


def default_timeout() -> tuple[float, float]:
    """(connect, read) timeouts: read is ``$RAW_SCAN_HTTP_TIMEOUT`` or 120 s."""
    read = _env_seconds("RAW_SCAN_HTTP_TIMEOUT", DEFAULT_READ_TIMEOUT)
    if read == 0:
        raise UsageError("RAW_SCAN_HTTP_TIMEOUT must be more than 0 seconds")
    return (min(CONNECT_TIMEOUT, read), read)


def default_deadline() -> float:
    """Seconds a whole download may take, retries included: ``$RAW_SCAN_HTTP_DEADLINE`` or
    1800 (30 minutes)."""
    raw = os.environ.get("RAW_SCAN_HTTP_DEADLINE", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_DEADLINE
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):  # also rejects nan
        raise UsageError(
            "RAW_SCAN_HTTP_DEADLINE must be a finite number of seconds greater than 0, "
            f"not {os.environ.get('RAW_SCAN_HTTP_DEADLINE')!r}"
        )
    return value


def looks_like_html(path: Path) -> bool:
    """True if the file starts like an HTML page (a login wall or error page, not data)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def download(
    url: str,
    dest_dir: Path,
    *,
    source_id: str,
    filename: str | None = None,
    timeout: tuple[float, float] | None = None,
    retries: int = 3,
    backoff: float | None = None,
    progress: bool = True,
    session: requests.Session | None = None,
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> Path:
    """Download ``url`` into ``dest_dir`` and return the path of the complete file.

    ``retries`` is the number of extra attempts after the first one; the wait before retry
    ``n`` (0-based) is ``backoff * 2**n`` seconds, or the server's Retry-After (at most 60 s).
    ``backoff``, ``timeout``, ``deadline`` (seconds for everything) and ``max_bytes`` (decoded
    size) default to ``$RAW_SCAN_RETRY_BACKOFF`` (1.0 s), (10 s, ``$RAW_SCAN_HTTP_TIMEOUT`` or
    120 s), ``$RAW_SCAN_HTTP_DEADLINE`` (1800 s) and ``$RAW_SCAN_MAX_DOWNLOAD_MB`` (512 MB).
    """
    from raw_scan.sources import bounded

    if backoff is None:
        backoff = default_backoff()
    if timeout is None:
        timeout = default_timeout()
    if deadline is None:
        deadline = default_deadline()
    if max_bytes is None:
        max_bytes = bounded.limits().download
    watchdog = _Watchdog(deadline)
    budget = _Budget(time.monotonic() + deadline, deadline, max_bytes, watchdog)
    dest_dir = Path(dest_dir)
    target = dest_dir / (filename or _name_from_url(url) or f"{source_id}.download")
    by_hand = f"download the file by hand and use `raw-scan refresh {source_id} --file PATH`"
    sess = session or _watched_session(watchdog)
    partial = False
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(max(retries, 0) + 1):
            try:
                return _attempt(sess, url, target, source_id, timeout, progress, by_hand, budget)
            except _Retryable as exc:
                partial = partial or exc.partial
                budget.check(source_id, url)  # cut off by the deadline: say so, not "dropped"
                if attempt >= retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    deleted = " (the partial download was deleted)" if partial else ""
                    raise FetchError(
                        f"{source_id}: {exc.reason} {url}{tries}{deleted}; check the network or "
                        f"set RAW_SCAN_{source_id.upper()}_URL to a mirror, or {by_hand}"
                    ) from None
                wait = exc.wait if exc.wait is not None else backoff * 2**attempt
                budget.check(source_id, url, wait)
                time.sleep(max(0.0, wait))
    except OSError as exc:
        raise FetchError(
            f"{source_id}: could not write the download of {url} to {dest_dir}: {exc}; "
            "check the disk space and permissions of the data directory"
        ) from exc
    finally:
        watchdog.cancel()
        if session is None:
            sess.close()
    raise AssertionError("unreachable")  # the loop always returns or raises


@dataclass
class _Budget:
    """What one download may still spend: the monotonic time it must end by, and bytes."""

    ends: float
    seconds: float
    max_bytes: int
    watchdog: _Watchdog | None = None

    def left(self) -> float:
        return self.ends - time.monotonic()

    def check(self, source_id: str, url: str, upcoming: float = 0.0) -> None:
        """Raise the deadline error if the time is up, or if the watchdog cut the sockets (a
        cut looks like the server closing: headers or a body without Content-Length would
        otherwise pass for complete)."""
        cut = self.watchdog is not None and self.watchdog.fired
        if cut or self.left() - upcoming <= 0:
            raise FetchError(
                f"{source_id}: the download of {url} did not finish within the "
                f"{self.seconds:g} s deadline (RAW_SCAN_HTTP_DEADLINE); nothing of it was kept "
                "(headers alone, or part of the file); try again later, or raise "
                "RAW_SCAN_HTTP_DEADLINE for a slow line"
            )

    def timeout(self, timeout: tuple[float, float]) -> tuple[float, float]:
        left = max(self.left(), 0.001)
        return (min(timeout[0], left), min(timeout[1], left))


class _Watchdog:
    """Shuts down every socket a download opened once its deadline passes.

    The read timeout starts again with every byte that arrives, and the deadline can only be
    checked between reads of the body; a server that sends its status line or headers one byte
    a second would hold the download (and the refresh lock) far past the deadline. Shutting the
    socket down wakes the blocked read at once, in whichever thread it waits."""

    def __init__(self, seconds: float):
        self.fired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
            fired = self.fired
        if fired:
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _watched_pools(watchdog: _Watchdog) -> dict:
    """urllib3 pool classes whose connections hand their sockets to ``watchdog``."""
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def pool(base):
        class Connection(base.ConnectionCls):
            def _new_conn(self):  # the TCP socket: covers the TLS handshake
                sock = super()._new_conn()
                watchdog.watch(sock)
                return sock

            def connect(self):  # the TLS socket that replaces (detaches) it for https
                super().connect()
                if self.sock is not None:
                    watchdog.watch(self.sock)

        return type(base.__name__, (base,), {"ConnectionCls": Connection})

    return {"http": pool(HTTPConnectionPool), "https": pool(HTTPSConnectionPool)}


def _watched_session(watchdog: _Watchdog) -> requests.Session:
    """A session whose sockets (direct or through a proxy) the watchdog can shut down."""
    from requests.adapters import HTTPAdapter

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = _watched_pools(watchdog)

        def proxy_manager_for(self, proxy, **kwargs):
            manager = super().proxy_manager_for(proxy, **kwargs)
            manager.pool_classes_by_scheme = _watched_pools(watchdog)
            return manager

    sess = requests.Session()
    sess.mount("http://", Adapter())
    sess.mount("https://", Adapter())
    return sess


def _name_from_url(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return "" if name in ("", ".", "..") or "/" in name or "\\" in name else name


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "").strip()
    if not value or resp.status_code not in (429, 503):
        return None
    try:
        seconds = float(value)
    except ValueError:  # an HTTP date: fall back to the normal back-off
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _transport_reason(exc: requests.RequestException, timeout: tuple[float, float]) -> str:
    if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
        return f"timed out (connect {timeout[0]:g} s, read {timeout[1]:g} s) downloading"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection dropped in the middle of downloading"
    if "refused" in str(exc).lower():
        return "connection refused downloading"
    return "could not connect to download"


def _too_big(source_id: str, url: str, budget: _Budget, what: str) -> FetchError:
    from raw_scan.sources.bounded import mb

    return FetchError(
        f"{source_id}: the download of {url} {what} the {mb(budget.max_bytes)} limit "
        "(RAW_SCAN_MAX_DOWNLOAD_MB) and was stopped; the partial download was deleted; raise "
        "RAW_SCAN_MAX_DOWNLOAD_MB if the file really is that large"
    )


def _chunks(resp: requests.Response):
    """The decoded body, one socket read at a time (so a deadline can be checked between
    reads); transport errors are raised as requests exceptions, as ``iter_content`` does."""
    import urllib3.exceptions as u3

    raw = resp.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2.3: whole chunks
        yield from resp.iter_content(CHUNK_SIZE)
        return
    try:
        while chunk := raw.read1(CHUNK_SIZE, decode_content=True):
            yield chunk
    except u3.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(f"read timed out ({exc})") from None
    except (u3.ProtocolError, u3.SSLError) as exc:
        raise requests.exceptions.ChunkedEncodingError(str(exc)) from None
    except u3.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(str(exc)) from None


def _attempt(sess, url, target, source_id, timeout, progress, by_hand, budget) -> Path:
    from raw_scan.sources.bounded import MAX_RATIO, RATIO_FLOOR

    budget.check(source_id, url)
    try:
        resp = sess.get(
            url, headers={"User-Agent": USER_AGENT}, timeout=budget.timeout(timeout), stream=True
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Retryable(_transport_reason(exc, timeout)) from None
    except requests.RequestException as exc:
        raise FetchError(
            f"{source_id}: cannot download {url} ({type(exc).__name__}); "
            f"set RAW_SCAN_{source_id.upper()}_URL to a valid URL"
        ) from None
    with resp:
        budget.check(source_id, url)  # headers cut short by the watchdog are not a response
        status = resp.status_code
        if status in RETRY_STATUS:
            raise _Retryable(f"HTTP {status} from the server for", wait=_retry_after(resp))
        if status == 403:
            raise FetchError(
                f"{source_id}: the publisher refused the script download (HTTP 403) "
                f"of {url}; open it in a browser, {by_hand}"
            )
        if status == 401:
            raise FetchError(
                f"{source_id}: {url} needs a login (HTTP 401); log in with a browser, {by_hand}"
            )
        if not 200 <= status < 300:
            raise FetchError(
                f"{source_id}: HTTP {status} for {url}; the file may have moved: set "
                f"RAW_SCAN_{source_id.upper()}_URL to its new address, or {by_hand}"
            )
        length = resp.headers.get("Content-Length", "")
        expected = int(length) if length.isdigit() else None
        if expected is not None and expected > budget.max_bytes:
            raise _too_big(source_id, url, budget, f"is {expected:,} bytes, more than")
        tmp = tempfile.NamedTemporaryFile(delete=False, dir=target.parent, prefix=".part-")  # noqa: SIM115
        try:
            with tmp, _progress_bar(progress, expected, source_id) as show:
                written = 0
                try:
                    for chunk in _chunks(resp):
                        written += len(chunk)
                        wire = max(resp.raw.tell(), 1)
                        if written > budget.max_bytes:
                            raise _too_big(source_id, url, budget, "grew past")
                        if written > RATIO_FLOOR and written / wire > MAX_RATIO:
                            raise FetchError(
                                f"{source_id}: the download of {url} expands "
                                f"{written / wire:,.0f} times as it is decoded (a gzip bomb?); "
                                f"real data expand less than {MAX_RATIO} times; it was stopped "
                                "and the partial download was deleted"
                            )
                        tmp.write(chunk)
                        show(resp.raw.tell())
                        budget.check(source_id, url)
                except requests.RequestException as exc:
                    got = resp.raw.tell()
                    if expected is not None and got < expected and "timed out" not in str(exc):
                        reason = f"truncated download: got {got} of {expected} bytes from"
                    else:
                        reason = _transport_reason(exc, timeout)
                    raise _Retryable(reason, partial=True) from None
            budget.check(source_id, url)  # a body cut short by the watchdog is not complete
            got = resp.raw.tell()  # bytes on the wire, before any Content-Encoding is undone
            if expected is not None and got != expected:
                raise _Retryable(
                    f"truncated download: got {got} of {expected} bytes from", partial=True
                )
            os.replace(tmp.name, target)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    return target


@contextmanager
def _progress_bar(enabled: bool, total: int | None, label: str):
    """Yield ``show(bytes_so_far)``: drives a transient rich bar when stderr is a terminal."""
    if not (enabled and sys.stderr.isatty()):
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    console = Console(stderr=True)
    with Progress(*columns, TransferSpeedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"{label}: downloading", total=total)
        yield lambda done: bar.update(task, completed=done)
