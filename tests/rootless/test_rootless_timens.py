"""linux.timeOffsets in a rootless container: run by a real user, the container gets a time
namespace of its own and its processes (the init and an exec'd one) see the offsets: /proc/uptime
is CLOCK_BOOTTIME with the boottime offset added, /proc/self/timens_offsets names both. The init
writes the offsets itself through a file it opened before it was made non-dumpable (ns.c): the
parent, a user, cannot open a non-dumpable init's /proc files. An offset the kernel refuses is
one line naming linux.timeOffsets, exit status 1, nothing left."""

from __future__ import annotations

import json
import os
import uuid

import pytest

import rlutil

DAY = 86400
BOOT, MONO, MONO_NS = 1000 * DAY, 500 * DAY, 2718281


@pytest.fixture(autouse=True)
def _timens_kernel():
    if not os.path.exists("/proc/self/ns/time"):
        pytest.fail("this kernel has no time namespaces (CONFIG_TIME_NS): the rootless timens tests need one")


def cid():
    return f"rlt-{uuid.uuid4().hex[:8]}"


def host_uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def with_offsets(bundle, boottime=BOOT, args=None, uid_mappings=None, gid_mappings=None):
    c = rlutil.load(bundle)
    c["linux"]["namespaces"].append({"type": "time"})
    c["linux"]["timeOffsets"] = {"boottime": {"secs": boottime, "nanosecs": 0},
                                 "monotonic": {"secs": MONO, "nanosecs": MONO_NS}}
    if args:
        c["process"]["args"] = args
    if uid_mappings:
        c["linux"]["uidMappings"], c["linux"]["gidMappings"] = uid_mappings, gid_mappings
    rlutil.save(bundle, c)
    return bundle


def assert_sees_offsets(out, before, after):
    """`cat /proc/uptime /proc/self/timens_offsets` run inside, between host uptimes before and after."""
    lines = out.splitlines()
    up = float(lines[0].split()[0])
    assert before + BOOT - 0.01 <= up <= after + BOOT + 0.01, (up, before, after)
    assert [line.split() for line in lines[1:]] == [["monotonic", str(MONO), str(MONO_NS)],
                                                    ["boottime", str(BOOT), "0"]], out


def test_run_sees_the_offsets(rl_user, rl_xdg, rl_bundle):
    """`spec --rootless` (the user is root inside) plus a time namespace and both offsets."""
    b = with_offsets(rl_bundle(("sh", "-c", "cat /proc/uptime /proc/self/timens_offsets")))
    before = host_uptime()
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    after = host_uptime()
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert_sees_offsets(proc.stdout, before, after)
    assert list((rl_xdg / "pyruntime").iterdir()) == []


def test_exec_sees_the_offsets_with_a_subordinate_root(rl_user, rl_xdg, rl_bundle, tmp_path):
    """Root inside is a subordinate uid (maps through newuidmap), so the init is not the user's
    own uid even while it is dumpable: a detached container, then `exec` joins its time namespace
    and sees the same offsets; its time namespace is not the host's."""
    (subuid, _), (subgid, _) = rl_user.subuids()[0], rl_user.subgids()[0]
    b = with_offsets(rl_bundle(("sleep", "1000")),
                     uid_mappings=[{"containerID": 0, "hostID": subuid, "size": 1000},
                                   {"containerID": 1000, "hostID": rl_user.uid, "size": 1}],
                     gid_mappings=[{"containerID": 0, "hostID": subgid, "size": 1000},
                                   {"containerID": 1000, "hostID": rl_user.gid, "size": 1}])
    env = rl_user.env(XDG_RUNTIME_DIR=rl_xdg)
    out = rlutil.user_dir(rl_user, tmp_path / "out")
    name = cid()
    proc = rlutil.rt_detached(rl_user, out, "run", "-d", "--bundle", b, name, env=env)
    assert proc.returncode == 0, proc.stderr
    try:
        pid = json.loads(rlutil.rt(rl_user, "state", name, env=env).stdout)["pid"]
        assert rlutil.status_uid(pid) == subuid
        assert os.readlink(f"/proc/{pid}/ns/time") != os.readlink("/proc/self/ns/time")
        before = host_uptime()
        ex = rlutil.rt(rl_user, "exec", name, "cat", "/proc/uptime", "/proc/self/timens_offsets", env=env)
        after = host_uptime()
        assert ex.returncode == 0, ex.stderr
        assert_sees_offsets(ex.stdout, before, after)
    finally:
        rlutil.rt(rl_user, "delete", "--force", name, env=env)
    assert list((rl_xdg / "pyruntime").iterdir()) == []


def test_a_joined_user_namespace_with_a_new_time_namespace(rl_user, rl_xdg, rl_bundle, tmp_path):
    """A second container joins the first one's user namespace (by path, the user owns it) and
    makes a time namespace of its own there, with the offsets."""
    env = rl_user.env(XDG_RUNTIME_DIR=rl_xdg)
    out = rlutil.user_dir(rl_user, tmp_path / "out")
    first = cid()
    proc = rlutil.rt_detached(rl_user, out, "run", "-d", "--bundle", rl_bundle(("sleep", "1000")), first, env=env)
    assert proc.returncode == 0, proc.stderr
    try:
        pid = json.loads(rlutil.rt(rl_user, "state", first, env=env).stdout)["pid"]
        b = with_offsets(rl_bundle(("sh", "-c", "cat /proc/uptime /proc/self/timens_offsets")))
        c = rlutil.load(b)
        for ns in c["linux"]["namespaces"]:
            if ns["type"] == "user":
                ns["path"] = f"/proc/{pid}/ns/user"
        del c["linux"]["uidMappings"], c["linux"]["gidMappings"]
        rlutil.save(b, c)
        before = host_uptime()
        proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=env)
        after = host_uptime()
        assert proc.returncode == 0, proc.stderr
        assert_sees_offsets(proc.stdout, before, after)
    finally:
        rlutil.rt(rl_user, "delete", "--force", first, env=env)
    assert list((rl_xdg / "pyruntime").iterdir()) == []


def test_an_offset_the_kernel_refuses_is_one_line(rl_user, rl_xdg, rl_bundle):
    """A boottime offset that would put the container's boot before 0 (ERANGE from the kernel)."""
    b = with_offsets(rl_bundle(("true",)), boottime=-(int(host_uptime()) + 10 * DAY))
    proc = rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg))
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "level=error" in lines[0], proc.stderr
    assert "linux.timeOffsets" in lines[0] and "numerical result out of range" in lines[0], lines[0]
    assert "internal error" not in lines[0]
    assert list((rl_xdg / "pyruntime").iterdir()) == []
