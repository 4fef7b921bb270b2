"""Tests for raw_scan.schedule with a fake crontab and a temporary systemd unit directory.

Every test points RAW_SCAN_CRONTAB_CMD / RAW_SCAN_SYSTEMD_DIR / RAW_SCAN_SYSTEMCTL_CMD at
tmp_path, so the real user's crontab and ~/.config are never read or written.
"""

from __future__ import annotations

import shlex
import sys

import pytest
from conftest import USER_LINE

from raw_scan import schedule
from raw_scan.errors import RawScanError, UsageError


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Keep every backend inside tmp_path, whatever the test does."""
    monkeypatch.setenv("RAW_SCAN_SYSTEMD_DIR", str(tmp_path / "units"))
    monkeypatch.setenv("RAW_SCAN_SYSTEMCTL_CMD", "true")
    monkeypatch.setenv("RAW_SCAN_CRONTAB_CMD", "false")  # replaced by the `crontab` fixture


def test_crontab_install_show_remove(crontab, tmp_path):
    log = tmp_path / "logs" / "refresh.log"
    block = schedule.install("daily", backend="crontab", log_path=log)
    assert block == schedule.show("crontab")
    assert block.splitlines()[0] == schedule.BEGIN
    assert block.splitlines()[-1] == schedule.END
    job = block.splitlines()[1]
    assert job.startswith("17 3 * * * ")
    assert "--max-age 1" in job
    assert f"-m raw_scan refresh --max-age 1 -q > /dev/null 2>> {shlex.quote(str(log))}" in job
    # the job carries the data directory (the log's folder unless told) and RAW_SCAN_* settings
    # the job carries the RAW_SCAN_* settings (conftest also sets RAW_SCAN_CONFIG_DIR)
    assert " env " in job and f" {shlex.quote(f'RAW_SCAN_DATA_DIR={log.parent}')} " in job
    assert shlex.quote(sys.executable) in job
    assert log.parent.is_dir()
    assert crontab.read_text() == USER_LINE + block

    weekly = schedule.install("weekly", backend="crontab", log_path=log)
    text = crontab.read_text()
    assert text.count(schedule.BEGIN) == 1 and text.count(schedule.END) == 1
    assert USER_LINE in text
    assert "17 3 * * 1 " in weekly and "--max-age 7" in weekly
    assert schedule.show("crontab") == weekly

    assert schedule.remove("crontab") is True
    assert crontab.read_text() == USER_LINE
    assert schedule.show("crontab") is None
    assert schedule.remove("crontab") is False


def test_crontab_monthly_with_custom_max_age_and_command(crontab, tmp_path):
    block = schedule.install(
        "monthly",
        max_age_days=45,
        backend="crontab",
        log_path=tmp_path / "my logs" / "r.log",
        command=["raw-scan", "refresh", "--max-age", "45", "--format", "100%"],
    )
    job = block.splitlines()[1]
    # the RAW_SCAN_* settings follow env (conftest also sets RAW_SCAN_CONFIG_DIR)
    assert job.startswith("17 3 1 * * env ") and " 'RAW_SCAN_DATA_DIR=" in job
    assert " raw-scan refresh --max-age 45 --format 100\\% > /dev/null 2>> " in job
    assert "'" + str(tmp_path / "my logs" / "r.log") + "'" in job


def test_crontab_empty_table_and_missing_final_newline(crontab, tmp_path):
    crontab.unlink()  # `crontab -l` now says "no crontab for tester"
    assert schedule.show("crontab") is None
    block = schedule.install("daily", backend="crontab", log_path=tmp_path / "r.log")
    assert crontab.read_text() == block

    crontab.write_text("MAILTO=me\n" + block + "0 1 * * * other-job")
    schedule.install("weekly", backend="crontab", log_path=tmp_path / "r.log")
    lines = crontab.read_text().splitlines()
    assert lines[:2] == ["MAILTO=me", "0 1 * * * other-job"]
    assert lines.count(schedule.BEGIN) == 1


def test_crontab_unterminated_block_is_an_error(crontab, tmp_path):
    crontab.write_text(USER_LINE + schedule.BEGIN + "\n17 3 * * * x\n")
    with pytest.raises(RawScanError, match="crontab -e"):
        schedule.install("daily", backend="crontab", log_path=tmp_path / "r.log")
    assert crontab.read_text().startswith(USER_LINE)


def test_crontab_command_failure_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RAW_SCAN_CRONTAB_CMD", "sh -c 'echo denied >&2; echo more >&2; exit 3' x")
    with pytest.raises(RawScanError) as info:
        schedule.show("crontab")
    assert "denied" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.setenv("RAW_SCAN_CRONTAB_CMD", str(tmp_path / "no-such-crontab"))
    with pytest.raises(RawScanError, match="not installed"):
        schedule.show("crontab")


def test_bad_every_and_backend(crontab, tmp_path):
    with pytest.raises(UsageError, match="daily, weekly, monthly"):
        schedule.install("hourly", backend="crontab", log_path=tmp_path / "r.log")
    with pytest.raises(UsageError, match="crontab, systemd"):
        schedule.install("daily", backend="launchd", log_path=tmp_path / "r.log")
    assert crontab.read_text() == USER_LINE


def test_systemd_install_show_remove(tmp_path, monkeypatch):
    calls = tmp_path / "systemctl.calls"
    monkeypatch.setenv("RAW_SCAN_SYSTEMCTL_CMD", f"sh -c 'echo \"$*\" >> {calls}' systemctl")
    units = tmp_path / "units"
    text = schedule.install("weekly", backend="systemd", log_path=tmp_path / "r.log")
    service, timer = units / "raw-scan-refresh.service", units / "raw-scan-refresh.timer"
    assert service.read_text() + timer.read_text() == text
    assert "OnCalendar=weekly" in timer.read_text()
    assert "Persistent=true" in timer.read_text()
    assert "ExecStart=/bin/sh -c " in service.read_text()
    assert "--max-age 7" in service.read_text()
    assert calls.read_text().splitlines() == [
        "--user daemon-reload",
        "--user enable --now raw-scan-refresh.timer",
    ]
    assert schedule.show("systemd") == text
    assert schedule.show() == text  # RAW_SCAN_SYSTEMD_DIR makes "auto" pick systemd

    assert schedule.remove("systemd") is True
    assert not service.exists() and not timer.exists()
    assert schedule.show("systemd") is None
    assert schedule.remove("systemd") is False
    assert "--user disable --now raw-scan-refresh.timer" in calls.read_text()


def test_systemd_with_fake_true(tmp_path):
    text = schedule.install("monthly", log_path=tmp_path / "r.log")  # auto -> systemd
    assert "OnCalendar=monthly" in text and "--max-age 30" in text
    assert schedule.remove() is True


def test_systemd_exec_start_escaping():
    quoted = schedule._systemd_quote("""a "b" 100% $HOME \\x""")
    assert quoted == '''"a \\"b\\" 100%% $$HOME \\\\x"'''


def test_systemctl_failure_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RAW_SCAN_SYSTEMCTL_CMD", "false")
    with pytest.raises(RawScanError, match="daemon-reload"):
        schedule.install("daily", backend="systemd", log_path=tmp_path / "r.log")


def test_auto_backend_choice(tmp_path, monkeypatch):
    monkeypatch.delenv("RAW_SCAN_SYSTEMD_DIR")
    monkeypatch.setenv("RAW_SCAN_SYSTEMCTL_CMD", str(tmp_path / "no-systemctl"))
    assert schedule._backend("auto") == "crontab"  # RAW_SCAN_CRONTAB_CMD is set
    monkeypatch.delenv("RAW_SCAN_CRONTAB_CMD")
    monkeypatch.setenv("PATH", str(tmp_path))  # no crontab on PATH either
    assert schedule._backend("auto") is None
    assert schedule.show() is None
    assert schedule.remove() is False
    with pytest.raises(RawScanError) as info:
        schedule.install("daily", log_path=tmp_path / "r.log")
    assert info.value.exit_code == 1  # a missing scheduler is not bad input
    message = str(info.value)
    assert "neither crontab nor systemd" in message and "refresh --max-age 1" in message
    assert "install cron" in message
