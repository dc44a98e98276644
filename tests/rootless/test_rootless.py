"""The runtime run by an unprivileged user, from its own `spec --rootless`: foreground and detached
lifecycles, exec, kill, ps, list, delete; several id ranges through newuidmap; limits it may not
apply on this cgroup v1 host skipped with one warning; sysfs and mqueue bound from the host when
the namespace they need is not the container's; nothing left behind."""

from __future__ import annotations

import json
import os
import stat
import time
import uuid

import pytest

import rlutil
import support
from pyruntime.cgroups import layout

V1_HOST = layout() != "v2"


def cid(prefix="rl"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_spec_rootless_then_run_in_the_foreground(rl_user, rl_xdg, rl_bundle):
    """`spec --rootless` maps the caller to root; `run` with no --root keeps its state under
    $XDG_RUNTIME_DIR/pyruntime (made 0700 and sticky, as runc does) and leaves it empty; the
    container is root inside, the user outside, and its device nodes are the host's, bound."""
    b = rl_bundle()
    c = rlutil.load(b)
    lx = c["linux"]
    assert lx["uidMappings"] == [{"containerID": 0, "hostID": rl_user.uid, "size": 1}]
    assert lx["gidMappings"] == [{"containerID": 0, "hostID": rl_user.gid, "size": 1}]
    assert "network" not in [n["type"] for n in lx["namespaces"]] and "resources" not in lx
    c["process"]["args"] = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map; stat -c %t:%T:%F /dev/null; "
                            "echo x >/dev/null && echo null-ok; ls /sys/fs/cgroup | grep -c .; hostname"]
    rlutil.save(b, c)
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.split("\n")
    assert lines[:2] == ["0", "0"]
    assert lines[2].split() == ["0", str(rl_user.uid), "1"]
    assert lines[3] == "1:3:character special file" and lines[4] == "null-ok"
    assert int(lines[5]) > 0  # the cgroup mount: the host's hierarchies, bound read-only
    assert lines[6] == "pyruntime"
    root = rl_xdg / "pyruntime"
    st = os.stat(root)
    assert st.st_uid == rl_user.uid and stat.S_IMODE(st.st_mode) == 0o1700
    assert list(root.iterdir()) == []


def test_detached_lifecycle(rl_user, rl_xdg, rl_bundle, tmp_path):
    """run -d, state, list, ps, exec, kill, delete as the user: the init runs as the user's uid on
    the host; afterwards no state, no process."""
    b = rl_bundle(("sleep", "1000"))
    env = rl_user.env(XDG_RUNTIME_DIR=rl_xdg)
    out = rlutil.user_dir(rl_user, tmp_path / "out")
    name = cid()
    proc = rlutil.rt_detached(rl_user, out, "run", "-d", "--bundle", b, name, env=env)
    assert proc.returncode == 0, proc.stderr
    st = json.loads(rlutil.rt(rl_user, "state", name, env=env).stdout)
    assert st["status"] == "running" and st["pid"] > 0
    pid = st["pid"]
    assert rlutil.status_uid(pid) == rl_user.uid  # root inside is the user outside
    listed = rlutil.rt(rl_user, "list", env=env).stdout.splitlines()
    assert any(line.split()[0] == name and line.split()[-1] == rl_user.name for line in listed[1:]), listed
    ps = rlutil.rt(rl_user, "ps", "--format", "json", name, env=env)
    assert ps.returncode == 0, ps.stderr
    assert json.loads(ps.stdout) == [pid]
    ex = rlutil.rt(rl_user, "exec", name, "sh", "-c", "id -u; cat /proc/1/cmdline | tr '\\0' ' '", env=env)
    assert ex.returncode == 0, ex.stderr
    assert ex.stdout.split("\n")[:2] == ["0", "sleep 1000 "]
    ps = rlutil.rt(rl_user, "ps", name, env=env)
    assert ps.returncode == 0 and str(pid) in ps.stdout, ps.stderr
    k = rlutil.rt(rl_user, "kill", name, "KILL", env=env)
    assert k.returncode == 0, k.stderr
    wait_stopped(rl_user, name, env)
    d = rlutil.rt(rl_user, "delete", name, env=env)
    assert d.returncode == 0, d.stderr
    assert list((rl_xdg / "pyruntime").iterdir()) == []
    assert not support.pid_alive(pid)


def wait_stopped(user, name, env, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        st = json.loads(rlutil.rt(user, "state", name, env=env).stdout)
        if st["status"] == "stopped":
            return
        assert time.monotonic() < deadline, st
        time.sleep(0.05)


def test_several_ranges_through_newuidmap(rl_user, rl_xdg, rl_bundle):
    """The user's own id plus its /etc/subuid and /etc/subgid ranges: the maps are written by
    newuidmap/newgidmap; a chown to 5:6 in the container lands on the subordinate ids on the host."""
    (subuid, nuid), (subgid, ngid) = rl_user.subuids()[0], rl_user.subgids()[0]
    b = rl_bundle()
    c = rlutil.load(b)
    c["root"]["readonly"] = False
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": rl_user.uid, "size": 1},
                                 {"containerID": 1, "hostID": subuid, "size": nuid}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": rl_user.gid, "size": 1},
                                 {"containerID": 1, "hostID": subgid, "size": ngid}]
    caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"]
    c["process"]["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
    c["process"]["args"] = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/f; chown 5:6 /tmp/f"]
    rlutil.save(b, c)
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    assert proc.returncode == 0, proc.stderr
    maps = [line.split() for line in proc.stdout.splitlines()]
    assert maps == [["0", str(rl_user.uid), "1"], ["1", str(subuid), str(nuid)],
                    ["0", str(rl_user.gid), "1"], ["1", str(subgid), str(ngid)]]
    st = os.stat(b / "rootfs" / "tmp" / "f")
    assert (st.st_uid, st.st_gid) == (subuid + 4, subgid + 5)


@pytest.mark.skipif(not V1_HOST, reason="the cgroup v2 case runs in the VM (tests/cgroupv2)")
def test_limits_it_cannot_apply_are_one_warning(rl_user, rl_xdg, rl_bundle):
    """cgroup v1 gives a user nothing to write: the container runs without a cgroup, and the
    limits it asked for are named in one warning (devices rules are dropped silently, as runc)."""
    b = rl_bundle(("sh", "-c", "echo ran"))
    c = rlutil.load(b)
    c["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 50},
                               "devices": [{"allow": False, "access": "rwm"}]}
    rlutil.save(b, c)
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ran\n"
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "level=warning" in lines[0], proc.stderr
    assert "linux.resources.memory.limit" in lines[0] and "linux.resources.pids.limit" in lines[0]
    assert "devices" not in lines[0]


def test_sysfs_is_bound_when_the_network_namespace_is_the_hosts(rl_user, rl_xdg, rl_bundle):
    """A sysfs mount needs a network namespace of the container's own: without one the host's
    /sys is bound instead, read-only, its cgroup tree masked (a fresh sysfs shows none there)."""
    b = rl_bundle(("sh", "-c", "awk '$5 == \"/sys\" {print $6}' /proc/self/mountinfo | cut -d, -f1; "
                   "ls /sys/fs/cgroup | wc -l; "
                   "test -d /sys/class/net && echo has-class-net; touch /sys/x 2>/dev/null || echo ro"))
    c = rlutil.load(b)
    c["mounts"] = [m for m in c["mounts"] if not m["destination"].startswith("/sys")]
    c["mounts"].append({"destination": "/sys", "type": "sysfs", "source": "sysfs",
                        "options": ["nosuid", "noexec", "nodev", "ro"]})
    assert "network" not in [n["type"] for n in c["linux"]["namespaces"]]
    rlutil.save(b, c)
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ro", "0", "has-class-net", "ro"], proc.stdout


A_DEV_WITH_MQUEUE = r"""
d=$(mktemp -d /tmp/pyrl-dev.XXXXXX)
mount -t tmpfs -o mode=755 pyrl-dev "$d"
for n in null zero full random urandom tty; do touch "$d/$n"; mount --bind "/dev/$n" "$d/$n"; done
mkdir "$d/pts" "$d/mqueue" "$d/shm"
mount --bind /dev/pts "$d/pts"
mount -t mqueue mqueue "$d/mqueue"
mount --move "$d" /dev
rmdir "$d"
"""


def test_mqueue_is_bound_when_the_ipc_namespace_is_the_hosts(rl_user, rl_xdg, rl_bundle):
    """An mqueue mount needs an ipc namespace of the container's own: without one the host's
    /dev/mqueue is bound (the queues the container shares anyway). This machine has no
    /dev/mqueue, so the user runs in a mount namespace whose /dev has one."""
    b = rl_bundle(("sh", "-c", "grep ' /dev/mqueue ' /proc/self/mountinfo | grep -o ' - mqueue '"))
    c = rlutil.load(b)
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "ipc"]
    rlutil.save(b, c)
    env = rl_user.env(XDG_RUNTIME_DIR=rl_xdg)
    proc = rlutil.run_in_own_mounts(rl_user, A_DEV_WITH_MQUEUE, [rlutil.RUNTIME, "run", "--bundle", b, cid()], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == " - mqueue \n"


def test_additional_gids_need_more_than_one_gid(rl_user, rl_xdg, rl_bundle):
    """One mapped gid means setgroups is denied in the namespace: additionalGids are refused in
    one line that says so (runc: "cannot set any additional groups in a rootless container")."""
    b = rl_bundle(("true",))
    c = rlutil.load(b)
    c["process"]["user"]["additionalGids"] = [0]
    rlutil.save(b, c)
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "additionalGids" in lines[0] and "setgroups" in lines[0], proc.stderr
    assert list((rl_xdg / "pyruntime").iterdir()) == []


NO_ID_HELPERS = "for t in newuidmap newgidmap; do p=$(command -v $t) && mount --bind /dev/null $p; done"


def test_one_mapping_needs_no_helper(rl_user, rl_xdg, rl_bundle):
    """The user's own uid and gid, one mapping each: written by the runtime itself, so a host
    without newuidmap/newgidmap runs it; more ranges there are one clear line naming the package."""
    b = rl_bundle(("sh", "-c", "cat /proc/self/uid_map /proc/self/setgroups"))
    env = rl_user.env(XDG_RUNTIME_DIR=rl_xdg)
    proc = rlutil.run_in_own_mounts(rl_user, NO_ID_HELPERS, [rlutil.RUNTIME, "run", "--bundle", b, cid()], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", str(rl_user.uid), "1", "deny"]
    c = rlutil.load(b)
    (subuid, n), = rl_user.subuids()
    c["linux"]["uidMappings"].append({"containerID": 1, "hostID": subuid, "size": n})
    rlutil.save(b, c)
    proc = rlutil.run_in_own_mounts(rl_user, NO_ID_HELPERS, [rlutil.RUNTIME, "run", "--bundle", b, cid()], env)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "linux.uidMappings: mapping more than the caller's own id" in lines[0], proc.stderr
    assert "needs newuidmap, which is not installed" in lines[0]
    assert list((rl_xdg / "pyruntime").iterdir()) == []
