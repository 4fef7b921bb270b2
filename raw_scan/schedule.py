"""Install, show and remove a scheduled ``raw-scan refresh`` job.

Two backends:

* ``crontab``: a block in the user's crontab between the marker lines ``# BEGIN raw-scan refresh
  (managed by raw-scan; do not edit)`` and ``# END raw-scan refresh``. Every other line of the
  crontab is kept as it is. The crontab is read with ``crontab -l`` and written with
  ``crontab -``; ``$RAW_SCAN_CRONTAB_CMD`` replaces the ``crontab`` command (split with shlex).
* ``systemd``: user units ``raw-scan-refresh.service`` and ``raw-scan-refresh.timer`` written to
  ``$RAW_SCAN_SYSTEMD_DIR`` (default ``~/.config/systemd/user``), then
  ``systemctl --user daemon-reload`` and ``systemctl --user enable --now raw-scan-refresh.timer``;
  ``$RAW_SCAN_SYSTEMCTL_CMD`` replaces the ``systemctl`` command (split with shlex).

Backend ``"auto"`` picks, in this order:

1. ``systemd`` if ``$RAW_SCAN_SYSTEMD_DIR`` is set, or if ``systemctl`` is on PATH and
   ``systemctl --user is-system-running`` reports a live user manager (running, degraded, ...);
2. ``crontab`` if ``crontab`` is on PATH or ``$RAW_SCAN_CRONTAB_CMD`` is set;
3. otherwise none: ``install`` fails (exit 1) with the command to schedule by hand, ``show``
   returns None and ``remove`` returns False.

The same machine always resolves "auto" the same way, so show/remove find what install wrote.

The job runs with the settings of the user who installed it, not with the scheduler's bare
environment: ``env RAW_SCAN_DATA_DIR=<data directory> RAW_SCAN_...=...`` is written in front of
the command, with every non-empty ``RAW_SCAN_*`` variable set at install time (mirror URLs,
timeouts, limits; not the ones that only say how to install, :data:`INSTALL_ONLY`), so
``show`` prints them. Its stderr (errors, what was refreshed or skipped) is appended to the log;
the change summary is written to the same log by the refresh itself, so stdout is discarded.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from raw_scan.errors import RawScanError, UsageError

EVERY = {"daily": 1, "weekly": 7, "monthly": 30}  # choice -> default --max-age in days
BACKENDS = ("auto", "crontab", "systemd")
CRON_SCHEDULE = {"daily": "17 3 * * *", "weekly": "17 3 * * 1", "monthly": "17 3 1 * *"}
BEGIN = "# BEGIN raw-scan refresh (managed by raw-scan; do not edit)"
END = "# END raw-scan refresh"
UNIT = "raw-scan-refresh"
LIVE_STATES = {"running", "degraded", "starting", "initializing", "maintenance"}
INSTALL_ONLY = frozenset({"RAW_SCAN_CRONTAB_CMD", "RAW_SCAN_SYSTEMCTL_CMD", "RAW_SCAN_SYSTEMD_DIR"})


def job_settings(data_dir: Path | None = None) -> dict[str, str]:
    """The environment the job needs: the data directory and the ``RAW_SCAN_*`` settings now in
    effect (sorted by name)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("RAW_SCAN_") and k not in INSTALL_ONLY and v.strip()
    }
    if data_dir is not None:
        env["RAW_SCAN_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    return dict(sorted(env.items()))


def install(
    every: str,
    *,
    max_age_days: int | None = None,
    backend: str = "auto",
    log_path: Path,
    command: list[str] | None = None,
    settings: dict[str, str] | None = None,
) -> str:
    """Schedule ``raw-scan refresh`` (replacing an earlier schedule); return what was installed.

    ``settings`` (default: :func:`job_settings` with the log's folder as data directory) are
    set for the job with ``env``."""
    if every not in EVERY:
        raise UsageError(f"unknown schedule {every!r}; choose one of: {', '.join(EVERY)}")
    max_age = EVERY[every] if max_age_days is None else max_age_days
    if max_age < 0:
        raise UsageError(f"--max-age must be 0 or more days, not {max_age}")
    log_path = Path(log_path).expanduser().resolve()
    if command is None:
        command = [sys.executable, "-m", "raw_scan", "refresh", "--max-age", str(max_age), "-q"]
    if settings is None:
        settings = job_settings(log_path.parent)
    prefix = ["env", *(f"{k}={v}" for k, v in settings.items())] if settings else []
    line = f"{shlex.join(prefix + command)} > /dev/null 2>> {shlex.quote(str(log_path))}"
    if "\n" in line or "\r" in line:
        raise UsageError(
            "the scheduled command, its RAW_SCAN_* settings and the log path must not contain "
            "line breaks"
        )
    chosen = _backend(backend)
    if chosen is None:
        raise RawScanError(
            "neither crontab nor systemd user timers are available here: install cron (for "
            "example the 'cron' or 'cronie' package) or schedule this command by hand with "
            f"your system's scheduler: {line}"
        )
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RawScanError(f"cannot create the log directory {log_path.parent}: {exc}") from exc
    if chosen == "crontab":
        return _cron_install(every, line)
    return _systemd_install(every, line)


def show(backend: str = "auto") -> str | None:
    """The installed crontab block or unit files' text, or None if nothing is scheduled."""
    chosen = _backend(backend)
    if chosen == "crontab":
        return _split_crontab(_crontab_read())[1]
    if chosen == "systemd":
        texts = [p.read_text() for p in _unit_paths() if p.is_file()]
        return "".join(texts) or None
    return None


def remove(backend: str = "auto") -> bool:
    """Remove the scheduled refresh; True if there was one."""
    chosen = _backend(backend)
    if chosen == "crontab":
        others, block = _split_crontab(_crontab_read())
        if block is not None:
            _run(_crontab_cmd() + ["-"], stdin="".join(others))
        return block is not None
    if chosen == "systemd":
        service, timer = _unit_paths()
        if not (service.exists() or timer.exists()):
            return False
        if timer.exists():
            _run(_systemctl_cmd() + ["--user", "disable", "--now", timer.name])
        service.unlink(missing_ok=True)
        timer.unlink(missing_ok=True)
        _run(_systemctl_cmd() + ["--user", "daemon-reload"])
        return True
    return False


# -- backend choice and commands ---------------------------------------------------------------


def _backend(backend: str) -> str | None:
    if backend not in BACKENDS:
        raise UsageError(
            f"unknown scheduler backend {backend!r}; choose one of: {', '.join(BACKENDS)}"
        )
    if backend != "auto":
        return backend
    if os.environ.get("RAW_SCAN_SYSTEMD_DIR") or _systemd_user_available():
        return "systemd"
    if os.environ.get("RAW_SCAN_CRONTAB_CMD") or shutil.which("crontab"):
        return "crontab"
    return None


def _systemd_user_available() -> bool:
    cmd = _systemctl_cmd()
    if not shutil.which(cmd[0]):
        return False
    try:
        out = subprocess.run(
            cmd + ["--user", "is-system-running"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.stdout.strip() in LIVE_STATES


def _crontab_cmd() -> list[str]:
    return shlex.split(os.environ.get("RAW_SCAN_CRONTAB_CMD") or "crontab")


def _systemctl_cmd() -> list[str]:
    return shlex.split(os.environ.get("RAW_SCAN_SYSTEMCTL_CMD") or "systemctl")


def _run(cmd: list[str], stdin: str | None = None, *, check: bool = True):
    """Run a scheduler command; any failure to run it (or exit != 0 if check) is one line."""
    shown = shlex.join(cmd)
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise RawScanError(
            f"cannot run `{shown}`: {cmd[0]} is not installed; install it (for crontab, the "
            "'cron' or 'cronie' package) or schedule 'raw-scan refresh' by hand"
        ) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise RawScanError(f"cannot run `{shown}`: {exc}") from None
    if check and done.returncode != 0:
        raise _failed(cmd, done)
    return done


def _failed(cmd: list[str], done: subprocess.CompletedProcess[str]) -> RawScanError:
    detail = (done.stderr.strip() or done.stdout.strip()).splitlines()
    reason = detail[0] if detail else "no message"
    return RawScanError(f"`{shlex.join(cmd)}` failed with exit code {done.returncode}: {reason}")


# -- crontab ------------------------------------------------------------------------------------


def _crontab_read() -> str:
    cmd = _crontab_cmd() + ["-l"]
    done = _run(cmd, check=False)
    if done.returncode == 1 and "no crontab for" in (done.stderr + done.stdout).lower():
        return ""  # the user has no crontab yet
    if done.returncode != 0:
        raise _failed(cmd, done)
    return done.stdout


def _split_crontab(text: str) -> tuple[list[str], str | None]:
    """Split a crontab into the user's own lines (with line ends) and our block's text."""
    others: list[str] = []
    block: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        marker = line.rstrip("\r\n")
        if marker == BEGIN:
            inside = True
        if inside:
            block.append(marker + "\n")
        else:
            others.append(line)
        if marker == END:
            inside = False
    if inside:
        raise RawScanError(
            f"the crontab has a '{BEGIN}' line without its '{END}' line; "
            "fix it with `crontab -e`, then try again"
        )
    return others, ("".join(block) or None)


def _cron_install(every: str, line: str) -> str:
    others, _ = _split_crontab(_crontab_read())
    if others and not others[-1].endswith("\n"):
        others[-1] += "\n"
    cron_line = line.replace("%", r"\%")  # cron turns a bare % into a newline
    block = f"{BEGIN}\n{CRON_SCHEDULE[every]} {cron_line}\n{END}\n"
    _run(_crontab_cmd() + ["-"], stdin="".join(others) + block)
    return block


# -- systemd ------------------------------------------------------------------------------------


def _unit_paths() -> tuple[Path, Path]:
    env = os.environ.get("RAW_SCAN_SYSTEMD_DIR")
    directory = Path(env) if env else Path.home() / ".config" / "systemd" / "user"
    return directory / f"{UNIT}.service", directory / f"{UNIT}.timer"


def _systemd_quote(arg: str) -> str:
    """Quote one ExecStart= argument: C escapes in double quotes, %% and $$ for literals."""
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def _systemd_install(every: str, line: str) -> str:
    service_path, timer_path = _unit_paths()
    header = "# {} (managed by raw-scan; do not edit)\n"
    service = (
        header.format(service_path.name)
        + "[Unit]\nDescription=Refresh raw-scan public source data\n\n"
        + f"[Service]\nType=oneshot\nExecStart=/bin/sh -c {_systemd_quote(line)}\n"
    )
    timer = (
        header.format(timer_path.name)
        + f"[Unit]\nDescription=Run {service_path.name} {every}\n\n"
        + f"[Timer]\nOnCalendar={every}\nPersistent=true\n\n"
        + "[Install]\nWantedBy=timers.target\n"
    )
    try:
        service_path.parent.mkdir(parents=True, exist_ok=True)
        service_path.write_text(service)
        timer_path.write_text(timer)
    except OSError as exc:
        raise RawScanError(f"cannot write the systemd user units: {exc}") from exc
    _run(_systemctl_cmd() + ["--user", "daemon-reload"])
    _run(_systemctl_cmd() + ["--user", "enable", "--now", timer_path.name])
    return service + timer
