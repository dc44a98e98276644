"""Files the runtime writes for itself: the pid file (docs/security.md §1.25) and the state
directory's files (§1.30)."""

import os
import stat
import time

import pytest

import support
from support import rt, rt_create


@pytest.mark.parametrize("command", ["create", "exec"])
def test_pid_file_temp_name_is_not_followed(command, bundle, root, container_id, host_canary):
    """§1.25. Guards: --pid-file wrote its temporary file (.NAME next to it) with O_CREAT|O_TRUNC,
    following a symlink planted there: the symlink's target (any file, as host root) was
    truncated and overwritten with the pid. runc creates it O_EXCL and fails: "file exists"."""
    victim = host_canary / "victim"
    victim.write_text("precious\n")
    host_canary.snapshot()
    piddir = bundle.path / "piddir"
    piddir.mkdir()
    os.symlink(victim, piddir / ".pid")
    cid = container_id()
    if command == "create":
        proc, _ = rt_create(bundle.set_args("true"), cid, root, extra=("--pid-file", piddir / "pid"))
        assert proc.returncode != 0, "create must refuse a pid file whose temporary name exists"
        assert "file exists" in proc.stderr, proc.stderr
        assert not any(root.iterdir()), "a failed create leaves nothing behind"
    else:
        proc, _ = rt_create(bundle.set_args("sleep", "1000"), cid, root, command=("run", "-d"))
        assert proc.returncode == 0, proc.stderr
        e = rt("exec", "-d", "--pid-file", piddir / "pid", cid, "sleep", "4242", root=root)
        assert e.returncode != 0 and "file exists" in e.stderr, e.stderr
        # a failed exec leaves no process behind (runc terminates it)
        deadline = time.monotonic() + 5
        while _cmdline_running(b"sleep\x004242\x00"):
            assert time.monotonic() < deadline, "the exec'd process outlived the failed exec"
            time.sleep(0.05)
    assert victim.read_text() == "precious\n"
    assert os.path.islink(piddir / ".pid") and not os.path.exists(piddir / "pid")


def _cmdline_running(cmdline):
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if f.read() == cmdline and support.pid_alive(int(name)):
                    return True
        except (OSError, ValueError):
            pass
    return False


def test_pid_file_written_atomically(bundle, root, container_id):
    """The ordinary case still works: digits only, and no temporary file is left."""
    piddir = bundle.path / "piddir"
    piddir.mkdir()
    cid = container_id()
    proc, _ = rt_create(bundle.set_args("true"), cid, root, extra=("--pid-file", piddir / "pid"))
    assert proc.returncode == 0, proc.stderr
    assert (piddir / "pid").read_text().isdigit()
    assert sorted(os.listdir(piddir)) == ["pid"]


def test_state_files_are_private(bundle, root, container_id):
    """§1.30. Guards: state.json and config.json in the state directory were 0644 (umask), so any
    host user could read the container's config (its environment and whatever secrets it holds).
    runc's are 0600."""
    cid = container_id()
    proc, _ = rt_create(bundle.set_args("sleep", "1000"), cid, root)
    assert proc.returncode == 0, proc.stderr
    d = root / cid
    for name in ("state.json", "config.json"):
        mode = stat.S_IMODE(os.stat(d / name).st_mode)
        assert mode == 0o600, f"{name} is {mode:o}"
    assert rt("start", cid, root=root).returncode == 0
    assert stat.S_IMODE(os.stat(d / "state.json").st_mode) == 0o600
