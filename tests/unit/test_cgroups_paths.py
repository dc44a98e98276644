"""cgroups: layout detection, mountinfo / /proc/self/cgroup parsing, cgroupsPath resolution."""
import pytest

from pyruntime.cgroups import (clean_path, hierarchies, inner_path, layout_of, parse_mountinfo, parse_proc_cgroup,
                               parse_systemd_path, resolve)
from pyruntime.errors import ConfigError

HYBRID = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
99 35 0:32 /other /mnt/memory-bind rw,relatime - cgroup cgroup rw,memory
"""
V2 = "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
V1 = "\n".join(l for l in HYBRID.splitlines() if "cgroup2" not in l)
NS = "35 31 0:32 /ctr /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"


def test_layouts():
    assert layout_of(hierarchies(parse_mountinfo(HYBRID))) == "hybrid"
    assert layout_of(hierarchies(parse_mountinfo(V1))) == "v1"
    assert layout_of(hierarchies(parse_mountinfo(V2))) == "v2"


def test_hierarchies_split_comounts_and_first_mount_wins():
    h = hierarchies(parse_mountinfo(HYBRID))
    assert h["cpu"] == h["cpuacct"] == ("/sys/fs/cgroup/cpu,cpuacct", "/")
    assert h["memory"] == ("/sys/fs/cgroup/memory", "/")
    assert h["name=systemd"][0] == "/sys/fs/cgroup/systemd"
    assert h[""] == ("/sys/fs/cgroup/unified", "/")
    assert "xattr" not in h and "rw" not in h


def test_proc_cgroup():
    own = parse_proc_cgroup("4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/user.slice\n9:name=systemd:/s\n")
    assert own == {"memory": "/process_api/abc", "cpu": "/", "cpuacct": "/", "": "/user.slice",
                   "name=systemd": "/s"}


@pytest.mark.parametrize("raw,want", [
    ("/a/b", "/a/b"), ("a/b", "a/b"), ("/a//./b/", "/a/b"), ("/a/../b", "/b"), ("a/b/../c", "a/c"), ("/", "/"),
])
def test_clean_path(raw, want):
    assert clean_path(raw) == want


@pytest.mark.parametrize("raw", ["/..", "/a/../../b", "..", "a/../../x", "../sibling"])
def test_clean_path_rejects_escapes(raw):
    with pytest.raises(ConfigError) as e:
        clean_path(raw)
    assert e.value.path == "linux.cgroupsPath"


def test_inner_path_defaults_to_id_relative():
    assert inner_path({}, "c1") == "c1"
    assert inner_path({"linux": {"cgroupsPath": ""}}, "c1") == "c1"
    assert inner_path({"linux": {"cgroupsPath": "/x/y"}}, "c1") == "/x/y"
    assert inner_path({"linux": {"cgroupsPath": "x/y"}}, "c1") == "x/y"


def test_resolve_absolute_relative_and_unmounted():
    h = hierarchies(parse_mountinfo(HYBRID))
    own = {"memory": "/process_api/abc", "cpu": "/", "": "/"}
    assert resolve("/pod/c1", "memory", h, own) == "/sys/fs/cgroup/memory/pod/c1"
    assert resolve("c1", "memory", h, own) == "/sys/fs/cgroup/memory/process_api/abc/c1"
    assert resolve("c1", "cpu", h, own) == "/sys/fs/cgroup/cpu,cpuacct/c1"
    assert resolve("c1", "devices", h, own) == "/sys/fs/cgroup/devices/c1"  # not in own: root
    assert resolve("c1", "", h, own) == "/sys/fs/cgroup/unified/c1"
    assert resolve("c1", "pids", h, own) is None
    assert resolve("/", "memory", h, own) == "/sys/fs/cgroup/memory"


def test_resolve_relative_inside_a_cgroup_namespace_mount():
    h = hierarchies(parse_mountinfo(NS))
    assert resolve("c1", "memory", h, {"memory": "/ctr/sub"}) == "/sys/fs/cgroup/memory/sub/c1"


def test_systemd_path():
    assert parse_systemd_path("", "c1") == ("system.slice", "pyruntime", "c1")
    assert parse_systemd_path("machine.slice:libpod:abc", "c1") == ("machine.slice", "libpod", "abc")
    with pytest.raises(ConfigError) as e:
        parse_systemd_path("/a/b", "c1")
    assert "slice:prefix:name" in e.value.reason
    with pytest.raises(ConfigError):
        parse_systemd_path("a.slice:../x:y", "c1")
