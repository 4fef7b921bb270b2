"""--output behaves like a Unix tool: '-' is stdout, symlinks are followed, devices and FIFOs are
written to, modes follow the umask or are kept, the extension picks the format, unwritable
paths are one line and exit 2, and a closed pipe ends the command quietly."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest
from test_cli import assert_one_error_line, call
from test_render import piped_env, run

COMMANDS = {
    "technologies": ["technologies"],
    "materials": ["materials"],
    "report": ["report", "li-ion-batteries"],
    "material": ["material", "gallium"],
}


def test_dash_is_stdout(capsys):
    _, expected, _ = call(["technologies", "--format", "csv"], capsys)
    code, out, err = call(["technologies", "--format", "csv", "-o", "-"], capsys)
    assert code == 0 and err == "" and out == expected
    _, table, _ = call(["technologies"], capsys)
    code, out, _ = call(["technologies", "-o", "-"], capsys)
    assert code == 0 and out == table and "li-ion-batteries" in out


def test_a_symlink_is_followed_and_stays_a_link(tmp_path, capsys):
    target = tmp_path / "data" / "techs.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    code, _, err = call(["technologies", "-o", str(link)], capsys)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("id,name,materials,scope,origin\n")
    # a dangling link: its target is created
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "new.json")
    code, _, _ = call(["technologies", "-o", str(dangling)], capsys)
    assert code == 0 and dangling.is_symlink()
    assert json.loads((tmp_path / "new.json").read_text())[0]["id"] == "li-ion-batteries"


def test_dev_stdout_is_written_to_not_replaced(tmp_path):
    before = os.lstat("/dev/stdout")
    proc = run("technologies", "--format", "csv", "-o", "/dev/stdout", data_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (
        proc.stdout.startswith("id,name,materials,scope,origin\n")
        and len(proc.stdout.splitlines()) == 14
    )
    after = os.lstat("/dev/stdout")
    assert stat.S_ISLNK(after.st_mode) == stat.S_ISLNK(before.st_mode)
    assert after.st_ino == before.st_ino


@pytest.mark.parametrize("path", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
@pytest.mark.parametrize("append", [False, True])
def test_dev_stdout_redirected_to_a_file_keeps_what_came_before(path, append, tmp_path):
    """``{ echo header; raw-scan ... -o /dev/stdout; echo footer; } > f`` (or ``>> f``): the
    stream the shell opened is written at its offset; the file is neither replaced (which lost
    the header and the footer) nor truncated."""
    if not os.path.exists(path):
        pytest.skip(f"no {path} here")
    out = tmp_path / "out.csv"
    out.write_text("header\n")
    with open(out, "a" if append else "r+", encoding="utf-8") as fh:
        fh.seek(0, os.SEEK_END)
        proc = subprocess.run(
            [sys.executable, "-m", "raw_scan", "technologies", "--format", "csv", "-o", path],
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
            env=piped_env(tmp_path),
            timeout=120,
        )
        fh.write("footer\n")
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().splitlines()
    assert lines[:2] == ["header", "id,name,materials,scope,origin"]
    assert lines[-1] == "footer" and len(lines) == 1 + 14 + 1


def test_a_descriptor_that_is_not_open_is_one_line(capsys):
    code, out, err = call(["technologies", "-o", "/dev/fd/97"], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "descriptor 97 is not open" in err


def test_a_fifo_is_written_to_not_replaced(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    proc = run("technologies", "-o", str(fifo), data_dir=tmp_path)
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert got and got[0].startswith("id,name,materials,scope,origin\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask(mask, mode, tmp_path, capsys):
    target = tmp_path / "out.csv"
    old = os.umask(mask)
    try:
        code, _, _ = call(["technologies", "-o", str(target)], capsys)
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_an_existing_file_keeps_its_mode(tmp_path, capsys):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    code, _, _ = call(["technologies", "-o", str(target)], capsys)
    assert code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text().startswith("id,")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("ext, check", [(".csv", "csv"), (".json", "json"), (".CSV", "csv")])
def test_the_extension_picks_the_format(command, ext, check, tmp_path, capsys):
    argv = COMMANDS[command]
    _, expected, _ = call([*argv, "--format", check], capsys)
    target = tmp_path / f"out{ext}"
    code, out, err = call([*argv, "-o", str(target)], capsys)
    assert code == 0 and out == "", err
    assert target.read_text(encoding="utf-8") == expected
    # a matching --format is fine; another extension keeps the table
    code, _, _ = call([*argv, "--format", check, "-o", str(target)], capsys)
    assert code == 0 and target.read_text(encoding="utf-8") == expected
    text = tmp_path / "out.txt"
    code, _, _ = call([*argv, "-o", str(text)], capsys)
    assert code == 0 and "━" in text.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "fmt, name, hint",
    [
        ("table", "x.csv", "--format csv"),
        ("json", "x.csv", "--format csv"),
        ("csv", "x.json", "--format json"),
    ],
)
def test_a_format_that_contradicts_the_extension_is_refused(fmt, name, hint, tmp_path, capsys):
    target = tmp_path / name
    code, out, err = call(["materials", "--format", fmt, "-o", str(target)], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert f"--format {fmt} does not match" in err and hint in err
    assert not target.exists()


def test_unwritable_paths_are_one_line_and_exit_2(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep\n")
    cases = {
        "/proc/raw-scan-out.csv": "",
        "/proc/version": "",
        str(tmp_path): "it is a folder",
        str(a_file / "out.csv"): "Not a directory",
        str(tmp_path / "missing" / "out.csv"): "does not exist",
    }
    for path, reason in cases.items():
        code, out, err = call(["technologies", "--format", "csv", "-o", path], capsys)
        assert code == 2 and out == "", path
        assert_one_error_line(err)
        assert f"cannot write {path}: " in err and reason in err
        assert "choose another --output path" in err
    assert a_file.read_text() == "keep\n"
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_output_name_is_one_line_not_the_current_folder(name, capsys):
    code, out, err = call(["technologies", "-o", name], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "an empty file name; give a file name, or - for stdout" in err
    assert "folder" not in err  # was 'cannot write .: it is a folder'


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line_and_exit_2(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "old.csv").write_text("keep\n")
    folder.chmod(0o555)
    try:
        code, out, err = call(["technologies", "-o", str(folder / "old.csv")], capsys)
    finally:
        folder.chmod(0o755)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert "Permission denied" in err
    assert (folder / "old.csv").read_text() == "keep\n"


def test_a_folder_refusing_new_files_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    """What a read-only folder answers, also when the tests run as root."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    target = tmp_path / "old.csv"
    target.write_text("keep\n")
    code, out, err = call(["technologies", "-o", str(target)], capsys)
    assert code == 2 and out == ""
    assert_one_error_line(err)
    assert f"no file can be created in {tmp_path} (Permission denied)" in err
    assert target.read_text() == "keep\n"


def test_a_failed_replace_keeps_the_old_file_whole(tmp_path, capsys, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("keep\n")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code, _, err = call(["technologies", "-o", str(target)], capsys)
    assert code == 2
    assert_one_error_line(err)
    assert "No space left on device" in err
    assert target.read_text() == "keep\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left


def test_a_full_device_is_one_line(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    proc = run("technologies", "-o", "/dev/full", data_dir=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert_one_error_line(proc.stderr)
    assert "No space left on device" in proc.stderr


def test_head_closing_the_pipe_exits_quietly(tmp_path):
    env = piped_env(tmp_path)
    raw_scan = f"{sys.executable} -m raw_scan"
    proc = subprocess.run(
        ["bash", "-c", f"{raw_scan} materials | head -3; echo status=${{PIPESTATUS[0]}} >&2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert len(proc.stdout.splitlines()) == 3
    assert proc.stderr == "status=0\n"


def test_a_reader_that_left_before_the_output_ends_it_quietly(tmp_path):
    """The read end is closed before raw-scan writes: every write gets EPIPE."""
    env = piped_env(tmp_path)
    for args in (["report", "--all"], ["report", "--all", "--format", "csv"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "raw_scan", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.wait(timeout=120) == 0, err
        assert err == b""
