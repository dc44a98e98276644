"""Rootless on pure cgroup v2, in the VM (run-in-vm.sh): an unprivileged uid (no passwd entry: the
VM sees this machine's /etc read-only) runs the runtime from its own `spec --rootless`.

With a delegated subtree (a directory chowned to it, as systemd's Delegate=yes does, its shell in
a leaf below) the container gets its own cgroup there, its limits, pause/resume and ps; without
one the container runs anyway and the limits are named in one warning."""
import json
import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from pyruntime.cgroups import layout

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or layout() != "v2", reason="needs root on a cgroup v2 host")
CG = Path("/sys/fs/cgroup")
UID = 2345
MB = 1 << 20


def _runtime():
    import support  # the repository's test harness, on sys.path through conftest
    return support.RUNTIME


@pytest.fixture(scope="module")
def rootfs():
    import support
    base = Path(f"/run/pyrt-rl-rootfs-{uuid.uuid4().hex[:8]}")
    yield support.build_busybox_rootfs(base / "rootfs")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def work(rootfs):
    """A bundle and a state root the uid owns, on /run (a tmpfs in the VM: 9p holds no fifo)."""
    import support  # the repository's test harness, on sys.path through conftest
    base = Path(f"/run/pyrt-rl-{uuid.uuid4().hex[:8]}")
    base.mkdir(mode=0o755)
    (base / "bundle").mkdir()
    support.copy_rootfs(rootfs, base / "bundle" / "rootfs")
    (base / "state").mkdir()
    for dirpath, dirnames, filenames in os.walk(base):
        for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
            os.lchown(n, UID, UID)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _cgroup(path, owner=None):
    path.mkdir()
    if owner is not None:
        # what systemd hands a delegated unit: the directory and the files that move processes
        # and give controllers to children
        for p in (path, path / "cgroup.procs", path / "cgroup.subtree_control", path / "cgroup.threads"):
            os.chown(p, owner, owner)
    return path


def _remove(path):
    if not path.exists():
        return
    for sub in sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        _kill_and_rmdir(sub)
    _kill_and_rmdir(path)


def _kill_and_rmdir(d):
    for _ in range(200):
        pids = (d / "cgroup.procs").read_text().split() if (d / "cgroup.procs").exists() else []
        for pid in pids:
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.05)


@pytest.fixture
def delegated():
    """/sys/fs/cgroup/pyrt-rl-X owned by the uid, its shell in X/shell (so X itself holds no process
    and can give controllers to the container's cgroup next to it)."""
    (CG / "cgroup.subtree_control").write_text("+memory +pids +cpu")
    top = _cgroup(CG / f"pyrt-rl-{uuid.uuid4().hex[:8]}", owner=UID)
    shell = _cgroup(top / "shell", owner=UID)
    yield top, shell
    _remove(top)


@pytest.fixture
def not_delegated():
    (CG / "cgroup.subtree_control").write_text("+memory +pids +cpu")
    top = _cgroup(CG / f"pyrt-rl-{uuid.uuid4().hex[:8]}")
    shell = _cgroup(top / "shell")
    yield top, shell
    _remove(top)


def as_user(argv, shell_cgroup, cwd="/", timeout=120):
    """argv as UID (no groups, a clean environment), started inside `shell_cgroup`."""
    env = "PATH=/usr/local/bin:/usr/bin:/bin HOME=/ USER=rl"
    script = (f'echo $$ > {shell_cgroup}/cgroup.procs && cd {cwd} && exec setpriv --reuid={UID} --regid={UID} '
              f'--clear-groups -- env -i {env} ' + " ".join(shlex.quote(str(a)) for a in argv))
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _bundle(work, shell, args, resources):
    rt = _runtime()
    proc = as_user([rt, "spec", "--rootless"], shell, cwd=work / "bundle")
    assert proc.returncode == 0, f"{rt} spec --rootless as uid {UID}: {proc.stderr} (is the repository " \
                                 f"reachable by other users: o+x on every directory above it?)"
    path = work / "bundle" / "config.json"
    c = json.loads(path.read_text())
    assert {"type": "cgroup"} in c["linux"]["namespaces"]  # runc adds it on a v2 host
    c["process"]["terminal"] = False
    c["process"]["args"] = list(args)
    c["linux"]["resources"] = resources
    path.write_text(json.dumps(c))
    return work / "bundle"


LIMITS = {"memory": {"limit": 64 * MB}, "pids": {"limit": 32},
          "devices": [{"allow": False, "access": "rwm"}]}


def test_a_delegated_subtree_gets_the_limits(work, delegated):
    top, shell = delegated
    cid = f"rl{uuid.uuid4().hex[:8]}"
    b = _bundle(work, shell, ["sh", "-c", "cat /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; "
                                          "id -u"], LIMITS)
    proc = as_user([_runtime(), "--root", work / "state", "run", "--bundle", b, cid], shell)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no warning: every limit applied
    assert proc.stdout.split() == ["0::/", str(64 * MB), "32", "0"]
    assert not (top / cid).exists()  # runc's rule for a user: next to its own cgroup, and gone after
    assert list((work / "state").iterdir()) == []


def test_pause_resume_ps_kill_delete_in_a_delegated_subtree(work, delegated):
    top, shell = delegated
    cid = f"rl{uuid.uuid4().hex[:8]}"
    b = _bundle(work, shell, ["sleep", "1000"], LIMITS)
    rt = [_runtime(), "--root", work / "state"]

    def run(*args):
        return as_user(rt + list(args), shell)
    out = work / "out"
    proc = subprocess.run(["sh", "-c", f"echo $$ > {shell}/cgroup.procs && exec setpriv --reuid={UID} "
                           f"--regid={UID} --clear-groups -- {_runtime()} --root {work / 'state'} run -d "
                           f"--bundle {b} {cid} >{out} 2>&1"], timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, out.read_text() if out.exists() else ""
    st = json.loads(run("state", cid).stdout)
    assert st["status"] == "running"
    assert (top / cid / "cgroup.procs").read_text().split() == [str(st["pid"])]
    assert (top / cid / "pids.max").read_text().strip() == "32"
    assert run("pause", cid).returncode == 0
    assert json.loads(run("state", cid).stdout)["status"] == "paused"
    assert (top / cid / "cgroup.freeze").read_text().strip() == "1"
    assert run("resume", cid).returncode == 0
    assert json.loads(run("state", cid).stdout)["status"] == "running"
    assert json.loads(run("ps", "--format", "json", cid).stdout) == [st["pid"]]
    assert run("kill", cid, "KILL").returncode == 0
    for _ in range(200):
        if json.loads(run("state", cid).stdout)["status"] == "stopped":
            break
        time.sleep(0.05)
    d = run("delete", cid)
    assert d.returncode == 0, d.stderr
    assert not (top / cid).exists()
    assert list((work / "state").iterdir()) == []


def test_without_delegation_the_limits_are_one_warning(work, not_delegated):
    top, shell = not_delegated
    cid = f"rl{uuid.uuid4().hex[:8]}"
    b = _bundle(work, shell, ["echo", "ran"], LIMITS)
    proc = as_user([_runtime(), "--root", work / "state", "run", "--bundle", b, cid], shell)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ran\n"
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "level=warning" in lines[0], proc.stderr
    assert "linux.resources.memory.limit" in lines[0] and "linux.resources.pids.limit" in lines[0]
    assert not (top / cid).exists()
    assert list((work / "state").iterdir()) == []
