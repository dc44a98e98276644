"""kill as runc 1.3 does it: SIGKILL of a container without its own pid namespace empties its cgroup
(also once the init is gone); SIGKILL of a paused container thaws it, so it ends stopped."""
import os
import subprocess
import time

import pytest

import support
from support import rt, rt_create, state, wait_status

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def procs(pid):
    """The pids of the cgroup (pids hierarchy) the process `pid` is in."""
    for line in open(f"/proc/{pid}/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if "pids" in ctrls.split(","):
            return f"/sys/fs/cgroup/pids{path}/cgroup.procs"
    raise AssertionError("no pids cgroup")


def gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while any(support.pid_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("kill_init_first", [False, True])
def test_kill_KILL_without_a_pid_namespace_kills_the_whole_cgroup(bundle, root, container_id, kill_init_first):
    cid = container_id()
    ns = bundle.config["linux"]["namespaces"]
    ns[:] = [n for n in ns if n["type"] != "pid"]
    bundle.set_args("sleep", "1000")
    res, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    try:
        init = state(cid, root)["pid"]
        procs_file = procs(init)
        for _ in range(3):
            # never a pipe: the detached process would hold it open
            r = subprocess.run([support.RUNTIME, "--root", str(root), "exec", "-d", cid, "sleep", "1000"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=30)
            assert r.returncode == 0
        if kill_init_first:
            os.kill(init, 9)
            assert gone([init])
            assert state(cid, root)["status"] == "stopped"
        pids = [int(p) for p in open(procs_file).read().split()]
        assert len(pids) == (3 if kill_init_first else 4), pids
        r = rt("kill", cid, "KILL", root=root)
        assert r.returncode == 0, r.stderr
        assert gone(pids), [p for p in pids if support.pid_alive(p)]
        assert open(procs_file).read().split() == []
        assert state(cid, root)["status"] == "stopped"
        r = rt("kill", cid, "KILL", root=root)  # nothing left: runc's error
        assert r.returncode == 1 and "container not running" in r.stderr, r.stderr
    finally:
        rt("delete", "--force", cid, root=root)


@pytest.mark.parametrize("all_flag", [(), ("--all",)])
def test_kill_KILL_of_a_paused_container_leaves_it_stopped(bundle, root, container_id, all_flag):
    cid = container_id()
    bundle.set_args("sleep", "1000")
    res, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    try:
        assert rt("pause", cid, root=root).returncode == 0
        assert state(cid, root)["status"] == "paused"
        r = rt("kill", *all_flag, cid, "KILL", root=root)
        assert r.returncode == 0, r.stderr
        wait_status(cid, "stopped", root)
    finally:
        rt("delete", "--force", cid, root=root)


@pytest.mark.parametrize("sig", ["TERM", "INT", "HUP"])
def test_a_created_container_dies_of_TERM_INT_HUP(bundle, root, container_id, sig):
    """runc's init (Go) dies of these while it waits for `start`; ours is PID 1 of its pid namespace,
    where the default action would ignore them."""
    cid = container_id()
    bundle.set_args("sleep", "1000")
    res, _ = rt_create(bundle, cid, root)
    assert res.returncode == 0, res.stderr
    try:
        assert state(cid, root)["status"] == "created"
        r = rt("kill", cid, sig, root=root)
        assert r.returncode == 0, r.stderr
        wait_status(cid, "stopped", root)
    finally:
        rt("delete", "--force", cid, root=root)


def test_a_started_process_keeps_the_default_actions(bundle, root, container_id):
    """The handlers are the init's while it waits only: the container's process (PID 1 of its pid
    namespace, no handler of its own) still ignores TERM, as under runc."""
    cid = container_id()
    bundle.set_args("sleep", "1000")
    res, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    try:
        assert rt("kill", cid, "TERM", root=root).returncode == 0
        time.sleep(0.5)
        assert state(cid, root)["status"] == "running"
    finally:
        rt("delete", "--force", cid, root=root)


def test_delete_force_of_an_init_frozen_in_a_foreign_freezer_cgroup(bundle, root, container_id):
    """crun's suite moves a container's init into a frozen v1 freezer cgroup of its own, then runs
    `delete -f`: SIGKILL cannot reach a frozen task, and the init outlived the delete (with its
    cgroups, reparented to PID 1 once the freezer thawed). Back in its own thawed cgroup it dies."""
    if not os.path.isdir("/sys/fs/cgroup/freezer") or os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        pytest.skip("a v1 freezer hierarchy is needed")
    cid = container_id()
    frozen = f"/sys/fs/cgroup/freezer/pyrt-test-frozen-{cid}"
    bundle.set_args("sleep", "1000")
    res, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    init = state(cid, root)["pid"]
    os.mkdir(frozen)
    try:
        with open(f"{frozen}/tasks", "w") as f:
            f.write(str(init))
        with open(f"{frozen}/freezer.state", "w") as f:
            f.write("FROZEN")
        r = rt("delete", "-f", cid, root=root)
        assert r.returncode == 0, r.stderr
        assert gone([init], timeout=5)
        assert not (root / cid).exists()
    finally:
        with open(f"{frozen}/freezer.state", "w") as f:
            f.write("THAWED")
        rt("delete", "-f", cid, root=root)
        for _ in range(100):
            try:
                os.rmdir(frozen)
                break
            except OSError:
                time.sleep(0.05)
