"""Every error: a one-line message on stderr, a non-zero exit, and nothing left behind
(no state dir under root, no container process, no new host mount)."""

import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import support
from support import rt, rt_create, state, wait_status


# -- helpers -------------------------------------------------------------------------------------

def _mountinfo_lines():
    with open("/proc/self/mountinfo") as f:
        return len(f.read().splitlines())


def _pids():
    return {int(n) for n in os.listdir("/proc") if n.isdigit()}


class Snapshot:
    """What the host looks like before a failing command; .check() asserts nothing was left."""

    def __init__(self, root, marker=None):
        self.root = Path(root)
        self.marker = marker  # a file name at the top of the container's rootfs
        self.mounts = _mountinfo_lines()
        self.pids = _pids()
        self.dirs = self._dirs()

    def _dirs(self):
        if not self.root.exists():
            return set()
        return {p.name for p in self.root.iterdir() if p.is_dir()}

    def _stray(self):
        out = []
        for pid in _pids() - self.pids:
            if not support.pid_alive(pid):
                continue
            # only processes that are provably this test's: its rootfs marker, or an init program
            # (another mount namespace alone could be any container on the machine)
            ours = False
            if self.marker:
                try:
                    ours = ours or os.path.exists(f"/proc/{pid}/root/{self.marker}")
                except OSError:
                    pass
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                continue
            if ours or cmd.startswith(b"pyruntime-init\0") or cmd.startswith(b"runc"):
                out.append((pid, cmd))
        return out

    def check(self):
        deadline = time.monotonic() + 3
        while True:
            stray = self._stray()
            mounts = _mountinfo_lines()
            if (not stray and mounts == self.mounts) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert self._dirs() == self.dirs, f"state left under {self.root}: {self._dirs() - self.dirs}"
        assert not stray, f"processes left: {stray}"
        assert mounts == self.mounts, f"host mountinfo changed: {self.mounts} -> {mounts} lines"


def one_line_error(proc, *needles):
    """Non-zero exit, exactly one line on stderr, containing every needle."""
    assert proc.returncode != 0, f"expected failure, got 0; stdout={proc.stdout!r}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"stderr is not one line: {proc.stderr!r}"
    for n in needles:
        assert n in lines[0], f"{n!r} not in stderr {lines[0]!r}"
    return lines[0]


def _create(bundle, cid, root, extra=()):
    """create with stdio to files named safely (the id may hold a slash)."""
    if isinstance(bundle, support.Bundle):
        bundle.write()
    base = Path(bundle).parent
    n = uuid.uuid4().hex[:8]
    out, err = base / f"create-{n}.out", base / f"create-{n}.err"
    argv = [support.RUNTIME, "--root", str(root), "create", *extra, "--bundle", os.fspath(bundle), cid]
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, timeout=30)
    return subprocess.CompletedProcess(argv, proc.returncode, out.read_text(), err.read_text())


def create_fails(bundle, cid, root, *needles, extra=(), marker=None):
    snap = Snapshot(root, marker)
    proc = _create(bundle, cid, root, extra=extra)
    line = one_line_error(proc, *needles)
    snap.check()
    return line


def _run_detached_sleep(bundle, cid, root):
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    return wait_status(cid, "running", root)


# -- bundle / config errors ----------------------------------------------------------------------

def test_missing_bundle_dir(tmp_path, root, container_id):
    create_fails(tmp_path / "no-such-bundle", container_id(), root, "no-such-bundle")


def test_missing_config_json(bundle, root, container_id):
    bundle.config_path.unlink()
    snap = Snapshot(root)
    argv = [support.RUNTIME, "--root", str(root), "create", "--bundle", str(bundle.path), container_id()]
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    one_line_error(proc, "config.json")
    assert re.search(r"no such file or directory", proc.stderr, re.I)
    snap.check()


def test_invalid_json(bundle, root, container_id):
    bundle.config_path.write_text('{"ociVersion": "1.0.2", "process": ')
    snap = Snapshot(root)
    argv = [support.RUNTIME, "--root", str(root), "create", "--bundle", str(bundle.path), container_id()]
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    line = one_line_error(proc, "config.json")
    assert re.search(r"json|unexpected end", line, re.I), line
    snap.check()


def test_schema_error_names_json_path(bundle, root, container_id):
    bundle.config["process"]["args"] = []
    line = create_fails(bundle, container_id(), root)
    if support.IS_RUNC:
        assert "args must not be empty" in line  # runc does not name the JSON path
    else:
        assert "process.args" in line, line


def test_schema_error_wrong_type(bundle, root, container_id):
    bundle.config["process"]["cwd"] = 5
    line = create_fails(bundle, container_id(), root)
    if not support.IS_RUNC:
        assert "process.cwd" in line, line


def test_bad_oci_version(bundle, root, container_id):
    bundle.config["ociVersion"] = 2
    create_fails(bundle, container_id(), root, "ociVersion")


def test_unknown_oci_version_is_taken_with_a_warning(bundle, root, container_id):
    """runc takes any ociVersion (and none): so do we, saying so when it is not one we implement."""
    bundle.config["ociVersion"] = "2.0.0"
    bundle.set_args("true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    try:
        assert proc.returncode == 0, proc.stderr
        assert "level=warning" in proc.stderr and "ociVersion '2.0.0'" in proc.stderr, proc.stderr
        assert state(cid, root)["ociVersion"] == "2.0.0"
    finally:
        rt("delete", "--force", cid, root=root)


def test_missing_rootfs_dir(bundle, root, container_id):
    bundle.config["root"]["path"] = "no-such-rootfs"
    create_fails(bundle, container_id(), root, "no-such-rootfs")


# -- unknown / duplicate / invalid ids -----------------------------------------------------------

@pytest.mark.parametrize("command", ["state", "start", "kill", "delete"])
def test_unknown_container(root, command):
    snap = Snapshot(root)
    proc = rt(command, f"nosuch-{uuid.uuid4().hex[:8]}", root=root)
    one_line_error(proc, "container does not exist")
    snap.check()


def test_duplicate_id(make_bundle, root, container_id):
    first = make_bundle("first")
    cid = container_id()
    before = _run_detached_sleep(first, cid, root)
    second = make_bundle("second")
    second.set_args("true")
    snap = Snapshot(root)
    proc, _ = rt_create(second, cid, root)
    one_line_error(proc, "container with given ID already exists")
    snap.check()
    after = state(cid, root)
    assert after["status"] == "running"
    assert after["pid"] == before["pid"] and support.pid_alive(after["pid"])
    assert after["bundle"] == str(first.path)


@pytest.mark.parametrize("bad", ["a/b", "..", "a b", "../escape"])
def test_invalid_id(bundle, root, bad):
    bundle.set_args("true")
    create_fails(bundle, bad, root, "invalid container ID format")
    assert not (root.parent / "escape").exists()


def test_empty_id(bundle, root):
    bundle.set_args("true")
    line = create_fails(bundle, "", root)
    # the brief asks for "invalid container ID format"; runc 1.1 says "container id cannot be empty"
    assert "invalid container ID format" in line or "container id cannot be empty" in line, line


# -- wrong status ---------------------------------------------------------------------------------

def test_start_running_container(bundle, root, container_id):
    cid = container_id()
    before = _run_detached_sleep(bundle, cid, root)
    proc = rt("start", cid, root=root)
    one_line_error(proc, "cannot start an already running container")
    assert state(cid, root)["pid"] == before["pid"]


def test_delete_running_without_force(bundle, root, container_id):
    cid = container_id()
    st = _run_detached_sleep(bundle, cid, root)
    proc = rt("delete", cid, root=root)
    one_line_error(proc, f"cannot delete container {cid} that is not stopped: running")
    assert support.pid_alive(st["pid"])
    assert state(cid, root)["status"] == "running"


def test_kill_stopped_container(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("true")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    wait_status(cid, "stopped", root)
    proc = rt("kill", cid, "KILL", root=root)
    one_line_error(proc, "container not running")


# -- process errors found at create ---------------------------------------------------------------

def _marker(bundle):
    name = f".marker-{uuid.uuid4().hex[:8]}"
    (bundle.rootfs / name).write_text("x")
    return name


def test_missing_executable(bundle, root, container_id):
    bundle.set_args("nosuchcmd")
    create_fails(bundle, container_id(), root, "executable file not found in $PATH", "nosuchcmd",
                 marker=_marker(bundle))


def test_missing_executable_absolute(bundle, root, container_id):
    bundle.set_args("/bin/nosuchcmd")
    line = create_fails(bundle, container_id(), root, "/bin/nosuchcmd", marker=_marker(bundle))
    assert "no such file or directory" in line.lower(), line


def test_executable_is_directory(bundle, root, container_id):
    bundle.set_args("/etc")
    line = create_fails(bundle, container_id(), root, marker=_marker(bundle))
    assert "is a directory" in line.lower() or "permission denied" in line.lower(), line


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/unified") or os.path.exists("/sys/fs/cgroup/cgroup.controllers"),
                    reason="a hybrid host (cgroup2 at /sys/fs/cgroup/unified) is needed")
def test_init_cannot_join_its_cgroup(bundle, root, container_id):
    """The init joins its cgroups itself: a cgroup2 node below a threaded cgroup made by someone
    else is "domain invalid" and takes no process (EOPNOTSUPP). One line naming the step, and the
    cgroups we made in every hierarchy are gone again."""
    cid = container_id()
    top = f"pyrt-test-threaded-{uuid.uuid4().hex[:8]}"
    base = f"/sys/fs/cgroup/unified/{top}"
    os.mkdir(base)
    try:
        with open(f"{base}/cgroup.type", "w") as f:
            f.write("threaded")
        bundle.config["linux"]["cgroupsPath"] = f"/{top}/ct"
        line = create_fails(bundle, cid, root, "join cgroup", marker=_marker(bundle))
        assert "operation not supported" in line, line
        left = [h for h in os.listdir("/sys/fs/cgroup") if os.path.exists(f"/sys/fs/cgroup/{h}/{top}")]
        assert left == ["unified"], left
        assert os.listdir(base) and not os.path.exists(f"{base}/ct")
    finally:
        os.rmdir(base)


def test_proc_mount_on_symlink(bundle, root, container_id):
    target = bundle.rootfs / "realproc"
    target.mkdir()
    proc_dir = bundle.rootfs / "proc"
    if proc_dir.is_dir() and not proc_dir.is_symlink():
        proc_dir.rmdir()
    else:
        proc_dir.unlink()
    proc_dir.symlink_to("realproc")
    bundle.set_args("true")
    line = create_fails(bundle, container_id(), root, "/proc", marker=_marker(bundle))
    assert "symlink" in line.lower() or "ordinary directory" in line.lower(), line
    assert list(target.iterdir()) == []


# -- LSM labels the host cannot apply (runc's rules; tests/lsm/ applies them in a VM) -------------

def _selinux_on():
    """SELinux with a policy loaded (go-selinux's test, roughly): selinuxfs is mounted."""
    return os.path.exists("/sys/fs/selinux/enforce")


def test_apparmor_profile_that_cannot_apply_fails_the_create(bundle, root, container_id):
    """No AppArmor on the host (this machine) or no such profile loaded: never an unconfined
    container, one line, nothing left (runc fails writing the attribute)."""
    bundle.config["process"]["apparmorProfile"] = "pyrt-no-such-profile"
    bundle.set_args("true")
    line = create_fails(bundle, container_id(), root, marker=_marker(bundle))
    if not support.IS_RUNC:
        assert "AppArmor profile" in line and "pyrt-no-such-profile" in line, line


def test_selinux_label_that_cannot_apply_fails_the_create(bundle, root, container_id):
    bundle.config["process"]["selinuxLabel"] = "pyrt_u:pyrt_r:pyrt_t:s0"
    bundle.set_args("true")
    line = create_fails(bundle, container_id(), root, marker=_marker(bundle))
    if not _selinux_on():
        assert "selinux label is specified in config, but selinux is disabled or not supported" in line, line


@pytest.mark.skipif(_selinux_on(), reason="needs a host without SELinux")
def test_mount_label_without_selinux_fails_at_the_mount_like_runc(bundle, root, container_id):
    """runc passes linux.mountLabel as context= all the same; the kernel refuses it for tmpfs."""
    bundle.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
    bundle.set_args("true")
    line = create_fails(bundle, container_id(), root, "error mounting", "/dev", marker=_marker(bundle))
    assert "invalid argument" in line.lower(), line
    if not support.IS_RUNC:
        assert "context=" in line and "container_file_t:s0:c1,c2" in line, line


# -- logging / CLI errors -------------------------------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_log_json_on_error(tmp_path, root):
    log = tmp_path / "log.json"
    proc = rt("--log", log, "--log-format", "json", "state", "nosuch-x", root=root)
    # rt() puts --root first: that is fine, global flags are global
    assert proc.returncode != 0
    assert "container does not exist" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines
    rec = json.loads(lines[0])
    assert set(rec) == {"level", "msg", "time"}, rec
    assert rec["level"] == "error"
    assert "container does not exist" in rec["msg"]
    assert RFC3339.match(rec["time"]), rec["time"]


def test_log_json_on_create_error(bundle, tmp_path, root, container_id):
    bundle.set_args("nosuchcmd")
    log = tmp_path / "create.log"
    snap = Snapshot(root)
    bundle.write()
    argv = [support.RUNTIME, "--root", str(root), "--log", str(log), "--log-format=json", "create",
            "--bundle", str(bundle.path), container_id()]
    with open(tmp_path / "o", "wb") as o, open(tmp_path / "e", "wb") as e:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=o, stderr=e, timeout=30)
    err = (tmp_path / "e").read_text()
    assert proc.returncode != 0
    assert "executable file not found" in err
    recs = [json.loads(x) for x in log.read_text().splitlines()]
    errors = [r for r in recs if r["level"] == "error"]
    assert len(errors) == 1, recs
    assert "executable file not found" in errors[0]["msg"]
    assert all(set(r) == {"level", "msg", "time"} and RFC3339.match(r["time"]) for r in recs), recs
    snap.check()


def test_bad_log_format(root):
    proc = rt("--log-format", "xml", "list", root=root)
    one_line_error(proc, "xml")


def test_unknown_flag(root):
    proc = rt("list", "--no-such-flag", root=root)
    assert proc.returncode != 0
    assert "flag provided but not defined: -no-such-flag" in proc.stderr


def test_unknown_global_flag(root):
    proc = rt("--no-such-flag", "list", root=root)
    assert proc.returncode != 0
    assert "flag provided but not defined: -no-such-flag" in proc.stderr


def test_unknown_command_exits_3(root):
    proc = rt("frobnicate", root=root)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    assert "frobnicate" in proc.stderr


def test_missing_id_argument(root):
    proc = rt("state", root=root)
    assert proc.returncode != 0
    assert "state" in proc.stderr and "argument" in proc.stderr
