"""Atomic writes (trtdsl._files): a file trtdsl writes appears whole or not at all. A writer that raises,
exits or is killed midway leaves the old file intact and no temporary file beside it."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys

import pytest
from support import ROOT, expect_error

import trtdsl as td
from trtdsl import _files
from trtdsl._files import atomic_write

BIG = 1 << 22  # written before the writer is stopped: more than one buffer's worth


def _child(path: str, stop: str) -> subprocess.Popen:
    """A Python process writing ``path`` through atomic_write: it writes BIG bytes, says so on stdout,
    then ``stop`` ("sleep": waits to be killed; "exit": os._exit midway)."""
    code = (
        "import os, sys, time\n"
        "from trtdsl._files import atomic_write\n"
        "def writer(f):\n"
        f"    f.write(b'n' * {BIG})\n"
        "    f.flush()\n"
        "    print('writing', flush=True)\n"
        f"    if {stop!r} == 'exit':\n"
        "        sys.stdin.readline()\n"
        "        os._exit(7)\n"
        "    time.sleep(60)\n"
        f"atomic_write({path!r}, writer)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="a killed writer leaves no temporary file only where temporary files can be unnamed "
                    "(Linux's O_TMPFILE); elsewhere a .NAME.*.tmp file stays")
@pytest.mark.parametrize("stop", ["sleep", "exit"])
def test_a_writer_killed_or_exiting_midway_leaves_the_old_file_and_no_temporary(tmp_path, stop):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    child = _child(str(path), stop)
    try:
        assert child.stdout.readline() == "writing\n"  # BIG bytes are in the temporary file now
        if stop == "sleep":
            child.send_signal(signal.SIGKILL)
        else:
            child.stdin.write("go\n")
            child.stdin.flush()
        status = child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert status == (-signal.SIGKILL if stop == "sleep" else 7)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.onnx"]


@pytest.mark.parametrize("named", [False, True], ids=["unnamed temporary", "named temporary"])
def test_a_writer_raising_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, named):
    if named:  # as on systems without O_TMPFILE (or /proc): a named temporary file, removed on failure
        monkeypatch.setattr(_files, "_PROC_FD", str(tmp_path / "no-proc"))
    path = tmp_path / "plan.engine"
    path.write_bytes(b"old")

    def writer(f):
        f.write(b"n" * BIG)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, writer)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["plan.engine"]
    assert atomic_write(path, b"new") == path and path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["plan.engine"]


def test_a_failing_disk_is_an_argument_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    path.write_bytes(b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    expect_error(td.ArgumentError, f"build: cannot write '{path}': No space left on device",
                 lambda: atomic_write(path, b"new", fn="build"))
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["cache"]


def test_permissions_are_kept_or_follow_the_umask(tmp_path):
    kept = tmp_path / "kept"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    atomic_write(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        fresh = atomic_write(tmp_path / "fresh", b"new")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


@pytest.mark.parametrize("path", [None, 5, ""])
def test_a_path_that_is_no_path_is_an_argument_error(path):
    with pytest.raises(td.ArgumentError, match="to_onnx: argument 'path' is .*; expected a file path"):
        atomic_write(path, b"x", fn="to_onnx")
