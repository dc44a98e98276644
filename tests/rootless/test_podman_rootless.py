"""Rootless podman with the runtime under test: a user of its own with subordinate ids, podman's
rootless storage (vfs) and network (slirp4netns), `run --rm`, `run -d` + `exec` + `stop`,
`run -it`. Podman runs the runtime as root of its user namespace with no --root: the runtime's
state goes under $XDG_RUNTIME_DIR/pyruntime (runc's rule), and nothing of it may be left.

Needs podman, conmon and slirp4netns (scripts/clients-setup.sh installs them); like tests/clients,
PYRUNTIME_SKIP_CLIENTS=1 skips this file and nothing else does."""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

import rlutil
import support

sys.path.insert(0, str(support.REPO / "tests" / "clients"))
from clientutil import PtyClient

pytestmark = pytest.mark.skipif(os.environ.get("PYRUNTIME_SKIP_CLIENTS") == "1", reason="PYRUNTIME_SKIP_CLIENTS=1")
IMAGE = "localhost/busybox"

CONTAINERS_CONF = """[containers]
# within this machine's hard limits (podman asks for nofile=1048576 by default)
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
STORAGE_CONF = """[storage]
driver = "vfs"
graphroot = "{graph}"
runroot = "{run}"
"""


class Podman:
    def __init__(self, user):
        # all of podman's in the user's home: podman chmods the directories above its storage
        self.user = user
        base = Path(user.home)
        self.xdg = rlutil.user_dir(user, base / "xdg")
        store = rlutil.user_dir(user, base / "store")
        self.conf = base / "containers.conf"
        hard_nofile = min(os.sysconf("SC_OPEN_MAX"), 20000)
        self.conf.write_text(CONTAINERS_CONF.format(nofile=hard_nofile, nproc=20000))
        self.storage = base / "storage.conf"
        self.storage.write_text(STORAGE_CONF.format(graph=store / "graph", run=self.xdg / "storage"))
        for f in (self.conf, self.storage):
            os.chmod(f, 0o644)
        self.env = user.env(XDG_RUNTIME_DIR=self.xdg, CONTAINERS_CONF=self.conf,
                            CONTAINERS_STORAGE_CONF=self.storage)

    def __call__(self, *args, timeout=120, check=False):
        proc = self.user.run(["podman", "--runtime", rlutil.RUNTIME, *args], env=self.env, cwd=self.user.home,
                             timeout=timeout)
        if check:
            assert proc.returncode == 0, f"podman {' '.join(map(str, args))}: {proc.returncode}\n{proc.stderr}"
        return proc

    def pause_pid(self):
        """podman's rootless pause process holds its user namespace between commands."""
        try:
            return int((self.xdg / "libpod" / "tmp" / "pause.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def runtime_state(self):
        root = self.xdg / "pyruntime"
        return sorted(p.name for p in root.iterdir()) if root.exists() else []

    def leftovers(self):
        problems = []
        if self.runtime_state():
            problems.append(f"runtime state left: {self.runtime_state()}")
        procs = self.user.processes(exclude={self.pause_pid()})
        if procs:
            problems.append("processes left: " + ", ".join(
                f"{p}:{(Path(f'/proc/{p}/cmdline').read_bytes().replace(bytes(1), b' ')).decode()[:80]}"
                for p in procs))
        return problems


@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    for tool in ("podman", "conmon", "slirp4netns", "newuidmap"):
        if rlutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run scripts/clients-setup.sh")
    base = tmp_path_factory.mktemp("podman-rootless")
    user = rlutil.User.create(subids=True)
    try:
        rlutil.reachable(base)
        pm = Podman(user)
        img = base / "image"
        support.build_busybox_rootfs(img / "rootfs")
        tar = img / "busybox.tar"
        os.chmod(tar, 0o644)
        rlutil.reachable(tar)
        pm("import", "-q", tar, IMAGE, check=True)
        yield pm
        pm("rm", "--all", "--force", "--time", "0")
        pause = pm.pause_pid()
        if pause:
            os.kill(pause, 9)
    finally:
        user.remove()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _nothing_left(podman):
    yield
    deadline = time.monotonic() + 10
    while podman.leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert podman.leftovers() == []


def test_run_rm_is_root_inside_and_the_user_outside(podman):
    proc = podman("run", "--rm", IMAGE, "sh", "-c", "id; cat /proc/self/uid_map; ls /sys/class/net")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "uid=0(root) gid=0(root)"
    (sub, count), = podman.user.subuids()
    assert [line.split() for line in lines[1:3]] == [["0", str(podman.user.uid), "1"], ["1", str(sub), str(count)]]
    assert "tap0" in lines[3:], lines  # podman's own rootless network: slirp4netns


def test_detached_exec_stop(podman):
    name = f"rl-{uuid.uuid4().hex[:8]}"
    proc = podman("run", "-d", "--name", name, IMAGE, "sleep", "1000")
    assert proc.returncode == 0, proc.stderr
    pid = int(podman("inspect", "-f", "{{.State.Pid}}", name, check=True).stdout.strip())
    assert rlutil.status_uid(pid) == podman.user.uid
    ex = podman("exec", name, "sh", "-c", "id -u; cat /proc/1/cmdline | tr '\\0' ' '")
    assert ex.returncode == 0, ex.stderr
    assert ex.stdout.splitlines() == ["0", "sleep 1000 "]
    assert podman.runtime_state() != []  # it is the runtime's default root podman relies on
    stop = podman("stop", "--time", "1", name)
    assert stop.returncode == 0, stop.stderr
    assert podman("inspect", "-f", "{{.State.Status}}", name, check=True).stdout.strip() == "exited"
    podman("rm", name, check=True)
    assert not support.pid_alive(pid)


def test_run_it(podman):
    u = podman.user
    term = PtyClient(["setpriv", f"--reuid={u.uid}", f"--regid={u.gid}", "--clear-groups", "--",
                      "podman", "--runtime", rlutil.RUNTIME, "run", "-it", "--rm", IMAGE, "sh"], env=podman.env)
    try:
        term.expect("# ", timeout=60)
        term.send("id -u; tty; echo marker-$((6*7))\n")
        out = term.expect("marker-42")
        assert "/dev/pts/0" in out, out
        term.send("exit 3\n")
        assert term.wait(timeout=60) == 3, term.output
    finally:
        term.close()
