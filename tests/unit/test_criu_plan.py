"""What CRIU is told about a container (pyruntime/criu_plan.py), asserted on data: no CRIU, no root.
The messages themselves are filled with pycriu's classes where Debian's criu package is installed."""
import os

import pytest

from pyruntime import checkpoint as CR
from pyruntime import criu
from pyruntime import criu_plan as cp
from pyruntime import plan as P
from pyruntime.defaults import default_config
from pyruntime.errors import RuntimeFailure

V2_MOUNTINFO = "35 25 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
V1_MOUNTINFO = """\
31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
35 31 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
"""

# /proc/<init>/mountinfo of a container made from default_config() plus one bind mount
CONTAINER_MOUNTINFO = """\
600 500 0:40 /bundle/rootfs / rw,relatime - tmpfs tmpfs rw
601 600 0:41 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
602 600 0:42 / /dev rw,nosuid - tmpfs tmpfs rw,mode=755
610 600 0:40 /data /srv/my\\040data rw - tmpfs tmpfs rw
620 601 0:42 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw,mode=755
621 601 0:43 / /proc/acpi ro,relatime - tmpfs tmpfs ro
622 601 0:42 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,mode=755
"""


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs").mkdir()
    return str(tmp_path)


def container_plan(bundle, host=V2_MOUNTINFO, **linux):
    c = default_config()
    c["process"]["terminal"] = False
    c["mounts"].append({"destination": "/srv/my data/", "type": "bind", "source": "/data", "options": ["rbind"]})
    c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]})
    c["linux"].update(linux)
    return c, P.build_plan(c, bundle, P.Host(host, 40, True))


def test_flags_with_runc_words():
    assert cp.cg_mode("") == "DEFAULT" and cp.cg_mode(None) == "DEFAULT"
    assert [cp.cg_mode(m) for m in ("soft", "full", "strict", "ignore")] == ["SOFT", "FULL", "STRICT", "IGNORE"]
    with pytest.raises(RuntimeFailure, match="^invalid manage-cgroups-mode value$"):
        cp.cg_mode("props")
    assert cp.empty_ns(()) == cp.CLONE_NEWNET == cp.empty_ns(["network"])  # runc always leaves net empty
    with pytest.raises(RuntimeFailure, match='^namespace "pid" is not supported$'):
        cp.empty_ns(["network", "pid"])
    assert cp.page_server("") is None
    assert cp.page_server("10.0.0.1:27277") == {"address": "10.0.0.1", "port": 27277}
    assert cp.page_server("[::1]:1") == {"address": "::1", "port": 1}
    for bad in ("nohost", ":1", "h:"):
        with pytest.raises(RuntimeFailure, match="^Use --page-server ADDRESS:PORT to specify page server$"):
            cp.page_server(bad)
    with pytest.raises(RuntimeFailure, match="^Invalid port number$"):
        cp.page_server("h:x")


def test_config_file_annotation():
    assert cp.config_file({}) == "/etc/criu/runc.conf"
    assert cp.config_file({"org.criu.config": "/etc/my.conf"}) == "/etc/my.conf"
    assert cp.config_file({"org.criu.config": ""}) is None  # the annotation, empty: no file at all


def test_mounts_of_unescapes_and_keeps_the_last():
    m = cp.mounts_of(CONTAINER_MOUNTINFO)
    assert m["/srv/my data"] == "tmpfs" and m["/proc/kcore"] == "tmpfs" and m["/"] == "tmpfs"


def test_dump_ext_mounts(bundle):
    """Host binds are external, keyed by their clean destination (the cgroup v2 hierarchy bound in
    without a cgroup namespace too); masked files (binds of /dev/null) are named /dev/null; a
    masked directory's tmpfs and a masked path that is not mounted are not external."""
    _, plan = container_plan(bundle)
    mountinfo = CONTAINER_MOUNTINFO.replace("/proc/kcore rw,nosuid - tmpfs", "/proc/kcore rw,nosuid - devtmpfs")
    mountinfo = mountinfo.replace("/proc/keys rw,nosuid - tmpfs", "/proc/keys rw,nosuid - devtmpfs")
    got = cp.dump_ext_mounts(plan, mountinfo)
    assert {"key": "/srv/my data", "val": "/srv/my data"} in got
    assert {"key": "/sys/fs/cgroup", "val": "/sys/fs/cgroup"} in got
    assert {"key": "/proc/kcore", "val": "/dev/null"} in got and {"key": "/proc/keys", "val": "/dev/null"} in got
    keys = [e["key"] for e in got]
    assert "/proc/acpi" not in keys and "/proc/timer_list" not in keys and "/proc" not in keys
    assert len(keys) == len(set(keys))


def test_restore_ext_mounts_map_names_back_to_host_paths(bundle):
    _, plan = container_plan(bundle)
    got = cp.restore_ext_mounts(plan)
    assert {"key": "/srv/my data", "val": "/data"} in got
    assert {"key": "/sys/fs/cgroup", "val": "/sys/fs/cgroup"} in got
    assert {"key": "/dev/null", "val": "/dev/null"} in got


def test_cgroup_v1_hierarchies_and_userns_devices_are_external(bundle):
    c = default_config()
    c["process"]["terminal"] = False
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]})
    plan = P.build_plan(c, bundle, P.Host(V1_MOUNTINFO, 40, True))
    got = cp.restore_ext_mounts(plan)
    assert {"key": "/sys/fs/cgroup/memory", "val": "/sys/fs/cgroup/memory"} in got
    assert {"key": "/dev/null", "val": "/dev/null"} in got and {"key": "/dev/tty", "val": "/dev/tty"} in got
    assert all(e["key"] != "/sys/fs/cgroup" for e in got)  # the tmpfs holding them is the container's


def test_namespaces_joined_by_path():
    c = {"linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/a"},
                                  {"type": "ipc", "path": "/proc/9/ns/ipc"}, {"type": "uts"}]}}
    joined = cp.joined_namespaces(c)
    assert joined == [("network", "/run/netns/a"), ("ipc", "/proc/9/ns/ipc")]
    assert cp.dump_externals(joined, lambda p: 4026532000, 31701) == ["net[4026532000]:extRootNetNS"]
    inherit, join, files = cp.restore_namespaces(joined, 31701)
    assert inherit == [{"key": "extRootNetNS", "fd": 4}] and files == ["/run/netns/a"]
    assert join == [{"ns": "ipc", "ns_file": "/proc/9/ns/ipc"}]
    both = [("pid", "/proc/9/ns/pid"), ("network", "/run/netns/a")]
    assert cp.dump_externals(both, lambda p: 7, 31701) == ["net[7]:extRootNetNS", "pid[7]:extRootPidNS"]
    inherit, _, files = cp.restore_namespaces(both, 31701)
    assert inherit == [{"key": "extRootPidNS", "fd": 4}, {"key": "extRootNetNS", "fd": 5}]
    assert files == ["/proc/9/ns/pid", "/run/netns/a"]
    with pytest.raises(RuntimeFailure, match="^Do not know how to handle namespace NEWCGROUP$"):
        cp.restore_namespaces([("cgroup", "/proc/9/ns/cgroup")], 31701)
    with pytest.raises(RuntimeFailure, match="external pid namespace during checkpointing"):
        cp.dump_externals(both, lambda p: 7, 31400)


def test_cg_roots_from_proc_cgroup():
    assert cp.cg_roots("0::/pyrt/c1\n") == [{"path": "/pyrt/c1"}]
    v1 = "12:cpu,cpuacct:/c1\n11:memory:/c1\n1:name=systemd:/c1\n0::/c1\n"
    assert cp.cg_roots(v1) == [{"ctrl": "cpu", "path": "/c1"}, {"ctrl": "cpuacct", "path": "/c1"},
                               {"ctrl": "memory", "path": "/c1"}, {"ctrl": "name=systemd", "path": "/c1"},
                               {"path": "/c1"}]


def test_stdio_pipes_are_inherited():
    assert cp.stdio_inherit(["/dev/null", "pipe:[123]", "pipe:[124]"]) == [
        {"key": "pipe:[123]", "fd": 1}, {"key": "pipe:[124]", "fd": 2}]
    assert cp.stdio_inherit(["/dev/pts/0"] * 3) == [] and cp.stdio_inherit(None) == []


def test_freeze_cgroup_from_saved_driver_state():
    assert cp.freeze_cgroup({"driver": "v2", "path": "/sys/fs/cgroup/c"}) == "/sys/fs/cgroup/c"
    assert cp.freeze_cgroup({"driver": "v1", "paths": {"freezer": "/sys/fs/cgroup/freezer/c"}}) \
        == "/sys/fs/cgroup/freezer/c"
    assert cp.freeze_cgroup({"driver": "systemd", "fs": {"driver": "v2", "path": "/x"}}) == "/x"
    assert cp.freeze_cgroup({}) is None and cp.freeze_cgroup({"driver": "v1", "paths": {}}) is None


def test_dump_options():
    flags = {"leave_running": True, "tcp_established": True, "manage_cgroups_mode": "ignore",
             "parent_path": "../parent"}
    o = cp.dump_options(flags, pid=42, rootfs="/b/rootfs", image_fd=7, freeze="/sys/fs/cgroup/c",
                        externals=["net[1]:extRootNetNS"], ext_mnt=[{"key": "/a", "val": "/a"}],
                        config="/etc/criu/runc.conf")
    assert o["pid"] == 42 and o["root"] == "/b/rootfs" and o["images_dir_fd"] == 7
    assert o["leave_running"] and o["tcp_established"] and not o["shell_job"]
    assert o["manage_cgroups_mode"] == "IGNORE" and o["empty_ns"] == cp.CLONE_NEWNET
    assert o["parent_img"] == "../parent" and o["track_mem"] is True
    assert o["notify_scripts"] and o["orphan_pts_master"] and o["log_file"] == "dump.log"
    assert o["ext_mnt"] == [{"key": "/a", "val": "/a"}] and o["freeze_cgroup"] == "/sys/fs/cgroup/c"
    assert o["work_dir_fd"] is None and o["ps"] is None
    pre = cp.dump_options({"pre_dump": True}, pid=1, rootfs="/r", image_fd=3, ext_mnt=[{"key": "/a", "val": "/a"}])
    assert "ext_mnt" not in pre and "parent_img" not in pre  # a pre-dump only takes memory


def test_restore_options():
    o = cp.restore_options({"file_locks": True, "lsm_profile": "apparmor:p", "lsm_mount_context": "ctx"},
                           root="/run/x/criu-root", image_fd=5, inherit=[{"key": "pipe:[1]", "fd": 1}],
                           cgroups=[{"path": "/c"}], criu_version=31701)
    assert o["rst_sibling"] and o["evasive_devices"] and o["file_locks"] and o["root"] == "/run/x/criu-root"
    assert o["lsm_profile"] == "apparmor:p" and o["lsm_mount_context"] == "ctx"
    assert o["inherit_fd"] == [{"key": "pipe:[1]", "fd": 1}] and o["cg_root"] == [{"path": "/c"}]
    assert o["log_file"] == "restore.log" and o["join_ns"] is None
    with pytest.raises(RuntimeFailure, match="^--lsm-profile requires at least CRIU 3.16$"):
        cp.restore_options({"lsm_profile": "x"}, root="/r", image_fd=5, criu_version=31500)


# `iptables -S` in a namespace joined by path after CRIU 3.17's dump left its network lock there
LOCKED_RULES = """\
-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-N CRIU
-A INPUT -j CRIU
-A INPUT -s 10.0.0.0/8 -j ACCEPT
-A OUTPUT -j CRIU
-A CRIU -m mark --mark 0xc114 -j ACCEPT
-A CRIU -j DROP
"""


def test_network_locks_counts_criu_jumps():
    assert cp.network_locks(LOCKED_RULES) == 1
    twice = LOCKED_RULES.replace("-A INPUT -j CRIU\n", "-A INPUT -j CRIU\n-A INPUT -j CRIU\n")
    assert cp.network_locks(twice) == 2
    assert cp.network_locks("-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n") == 0
    assert cp.network_locks("") == 0 and cp.network_locks(None) == 0
    # a chain of that name without the jumps locks nothing; other rules are not CRIU's jumps
    assert cp.network_locks("-N CRIU\n-A CRIU -j DROP\n-A INPUT -s 1.2.3.4/32 -j CRIU\n") == 0


def test_restore_leaves_a_locked_joined_netns_out_of_empty_ns():
    """CRIU locks again on restore only with the network namespace in empty_ns: a namespace that
    still holds the dump's lock must not be there, a new one (podman's way) must."""
    assert cp.restore_empty_ns(None) == cp.CLONE_NEWNET == cp.restore_empty_ns(["network"], False)
    assert cp.restore_empty_ns(None, True) == 0 and cp.restore_empty_ns(["network"], True) == 0
    with pytest.raises(RuntimeFailure, match='^namespace "pid" is not supported$'):
        cp.restore_empty_ns(["pid"], True)
    assert cp.restore_options({}, root="/r", image_fd=5)["empty_ns"] == cp.CLONE_NEWNET
    assert cp.restore_options({}, root="/r", image_fd=5, net_locked=True)["empty_ns"] == 0


def test_criu_gets_a_path_when_we_have_none():
    """CRIU runs iptables-restore from PATH; without one, execvp's default misses /usr/sbin."""
    assert criu.environment({"A": "1"}) == {"A": "1", "PATH": criu.DEFAULT_PATH}
    assert criu.environment({"PATH": ""})["PATH"] == criu.DEFAULT_PATH
    assert criu.environment({"PATH": "/opt/bin"}) == {"PATH": "/opt/bin"}
    assert "/usr/sbin" in criu.DEFAULT_PATH.split(":")


def test_image_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CR.image_paths(None, None) == (str(tmp_path / "checkpoint"), "")
    assert (tmp_path / "checkpoint").is_dir()  # made, as runc makes it
    (tmp_path / "img" / "parent").mkdir(parents=True)
    (tmp_path / "img" / "file").write_text("")
    assert CR.image_paths("img", "parent") == (str(tmp_path / "img"), "parent")
    with pytest.raises(RuntimeFailure, match="^--parent-path must be relative$"):
        CR.image_paths("img", "/abs")
    with pytest.raises(RuntimeFailure, match=r"^invalid --parent-path: stat .*/img/nope: no such file or directory$"):
        CR.image_paths("img", "nope")
    with pytest.raises(RuntimeFailure, match=r"^invalid --parent-path: stat .*/img/file: not a directory$"):
        CR.image_paths("img", "file")


def test_log_errors_quotes_like_runc(tmp_path):
    log = tmp_path / "dump.log"
    log.write_text("".join(f"line {i}\n" for i in range(1, 11)) + "Error (x.c:1): boom\nafter\n")
    seen = []
    criu.log_errors(str(log), seen.append)
    assert seen[0] == f'--- Quoting "{log}"' and seen[-1] == "---"
    assert seen[1:-1] == [f"{i}:line {i}" for i in range(6, 11)] + ["11:Error (x.c:1): boom"]
    seen.clear()
    criu.log_errors(str(tmp_path / "missing.log"), seen.append)
    assert seen and "no such file or directory" in seen[0]


def test_fill_builds_pycriu_messages():
    """The plain-data options become pycriu's criu_opts: scalars, enum names, repeated strings,
    sub-messages, lists of sub-messages; None stays unset."""
    try:
        rpc = criu.rpc()
    except RuntimeFailure as e:
        pytest.skip(str(e))
    o = cp.dump_options({"page_server": "h:9", "parent_path": "p"}, pid=3, rootfs="/r", image_fd=4,
                        externals=["net[1]:extRootNetNS"], ext_mnt=[{"key": "/a", "val": "/b"}])
    msg = criu.fill(rpc.criu_opts(), o)
    assert msg.pid == 3 and msg.root == "/r" and msg.images_dir_fd == 4
    assert msg.manage_cgroups_mode == rpc.DEFAULT and msg.empty_ns == cp.CLONE_NEWNET
    assert [(e.key, e.val) for e in msg.ext_mnt] == [("/a", "/b")]
    assert list(msg.external) == ["net[1]:extRootNetNS"]
    assert (msg.ps.address, msg.ps.port) == ("h", 9) and msg.track_mem and msg.parent_img == "p"
    assert not msg.HasField("work_dir_fd") and not msg.HasField("freeze_cgroup")
    again = rpc.criu_opts()
    again.ParseFromString(msg.SerializeToString())
    assert again == msg
    assert os.path.basename(rpc.__file__) == "rpc_pb2.py"
