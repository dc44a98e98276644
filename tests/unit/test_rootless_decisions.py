"""Rootless decisions on data: the default state root (runc's XDG rule), which maps are written
directly and which go to newuidmap, the one-line refusals from /etc/subuid, and the cgroup drivers
going on without a cgroup a rootless caller may not make (real runs: tests/rootless)."""
import os
import subprocess
import sys

import pytest

from pyruntime import rootless
from pyruntime import state
from pyruntime.cgroups import CgroupDenied, v1, v2
from pyruntime.errors import ConfigError, RuntimeFailure

HYBRID = {"memory": ("/sys/fs/cgroup/memory", "/"), "pids": ("/sys/fs/cgroup/pids", "/"),
          "devices": ("/sys/fs/cgroup/devices", "/"), "": ("/sys/fs/cgroup/unified", "/")}


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(rootless, "_cache", {})


def test_xdg_root_for_a_user(fresh, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert rootless.xdg_root() == "/run/user/1000/pyruntime"
    assert state.default_root() == ("/run/user/1000/pyruntime", True)
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert rootless.xdg_root() is None
    assert state.default_root() == ("/run/pyruntime", False)  # runc: /run/runc, which fails later


@pytest.mark.parametrize("in_userns,user,want", [
    (False, "alice", None),                        # host root: /run/<name> whatever XDG says
    (True, "alice", "/x/pyruntime"),               # root of a user namespace (rootless podman)
    (True, None, "/x/pyruntime"),                  # ... with no USER at all
    (True, "root", None),                          # ... unless USER says root (runc's rule)
])
def test_xdg_root_for_root(fresh, monkeypatch, in_userns, user, want):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/x")
    if user is None:
        monkeypatch.delenv("USER", raising=False)
    else:
        monkeypatch.setenv("USER", user)
    monkeypatch.setattr(rootless, "in_user_namespace", lambda: in_userns)
    assert rootless.xdg_root() == want
    assert state.default_root() == ((want, True) if want else ("/run/pyruntime", False))


def test_host_root_pays_nothing_for_the_default_root(tmp_path):
    """Host root (USER=root) with XDG_RUNTIME_DIR set: /run/pyruntime, without importing the
    rootless module or reading /proc/self/uid_map."""
    if os.geteuid() != 0:
        pytest.skip("host root's rule: run as root")
    code = ("import sys; from pyruntime.state import default_root; print(default_root()); "
            "print('pyruntime.rootless' in sys.modules)")
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), USER="root")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["('/run/pyruntime', False)", "False"]


def test_own_id_is_written_directly_gid_after_setgroups_deny(monkeypatch):
    writes = []
    monkeypatch.setattr(rootless, "_write", lambda path, data: writes.append((path, data)))
    monkeypatch.setattr(rootless, "_helper", lambda *a: pytest.fail("no helper for the caller's own id"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "getegid", lambda: 1001)
    rootless.write_maps(42, "uid_map", [(0, 1000, 1)])
    rootless.write_maps(42, "gid_map", [(0, 1001, 1)])
    assert writes == [("/proc/42/uid_map", b"0 1000 1\n"), ("/proc/42/setgroups", b"deny"),
                      ("/proc/42/gid_map", b"0 1001 1\n")]


@pytest.mark.parametrize("maps", [[(0, 1000, 1), (1, 100000, 65536)], [(0, 100000, 1)], [(0, 1000, 2)]])
def test_anything_else_goes_to_the_helper(monkeypatch, maps):
    called = []
    monkeypatch.setattr(rootless, "_write", lambda *a: pytest.fail("not directly"))
    monkeypatch.setattr(rootless, "_helper", lambda pid, name, m: called.append((pid, name, m)))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    rootless.write_maps(7, "uid_map", maps)
    assert called == [(7, "uid_map", maps)]


@pytest.fixture
def subid(tmp_path, monkeypatch):
    uid = os.getuid()
    import pwd
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    files = {"uid_map": tmp_path / "subuid", "gid_map": tmp_path / "subgid"}
    monkeypatch.setattr(rootless, "_SUBID", {k: str(v) for k, v in files.items()})
    monkeypatch.setattr(os, "geteuid", lambda: uid)

    def write(text):
        files["uid_map"].write_text(text.format(name=name))
    return name, uid, write


def test_refusal_without_a_range(subid):
    name, uid, write = subid
    write("someoneelse:100000:65536\n")
    e = rootless.explain_refusal("uid_map", [(0, uid, 1), (1, 100000, 65536)], "newuidmap: not allowed")
    assert isinstance(e, ConfigError)
    assert str(e) == (f"config.json: linux.uidMappings: user \"{name}\" has no subordinate uid range in "
                      f"{rootless._SUBID['uid_map']}: a rootless container can map only uid {uid} "
                      f"(newuidmap: newuidmap: not allowed)")


def test_refusal_names_the_mapping_outside_the_ranges(subid):
    name, uid, write = subid
    write("{name}:100000:65536\n" + f"{uid}:300000:10\n")
    e = rootless.explain_refusal("uid_map", [(0, uid, 1), (1, 100000, 65536), (70000, 300000, 11)])
    assert e.path == "linux.uidMappings[2]"
    assert "host uids 300000-300010 may not be used" in e.reason
    assert "gives it 100000-165535, 300000-300009 and its own uid is" in e.reason


def test_refusal_when_the_ranges_fit(subid):
    """The files allow it, the helper still said no: its own words, in one line."""
    _, uid, write = subid
    write("{name}:100000:65536\n")
    e = rootless.explain_refusal("uid_map", [(0, uid, 1), (1, 100000, 65536)], "newuidmap: could not open")
    assert type(e) is RuntimeFailure
    assert "newuidmap refused the mapping (newuidmap: newuidmap: could not open)" in str(e)


def test_missing_helper_is_named(monkeypatch):
    monkeypatch.setattr(rootless, "_find_tool", lambda tool: None)
    with pytest.raises(ConfigError) as e:
        rootless._helper(1, "gid_map", [(0, 5, 10)])
    assert e.value.path == "linux.gidMappings" and "needs newgidmap" in e.value.reason
    assert "uidmap package" in e.value.reason


# -- cgroups a rootless caller may not make ------------------------------------------------------
def _denied(*a, **k):
    raise CgroupDenied("unable to create cgroup path /sys/fs/cgroup/x: permission denied")


def _v1(monkeypatch, rootless_caller, resources):
    monkeypatch.setattr(v1, "hierarchies", lambda: HYBRID)
    monkeypatch.setattr(v1, "own_cgroups", lambda: {})
    monkeypatch.setattr(v1, "mkdirs", _denied)
    monkeypatch.setattr(v1, "rootless_caller", lambda: rootless_caller)
    monkeypatch.setattr(v1, "write_file", lambda *a: pytest.fail("nothing to write without a cgroup"))
    return v1.V1Manager.new({"linux": {"resources": resources}}, "c1", resources)


def test_v1_rootless_goes_on_without_a_cgroup(monkeypatch):
    m = _v1(monkeypatch, True, {"memory": {"limit": 1 << 26}, "pids": {"limit": 5},
                                "devices": [{"allow": False, "access": "rwm"}]})
    m.create()
    assert m.paths == {} and m.to_state() == {}
    assert m.join_fds() == (-1, [])
    assert m.skipped == ["linux.resources.memory.limit", "linux.resources.pids.limit"]
    w = m.skipped_warning()
    assert "\n" not in w and w.endswith("linux.resources.memory.limit, linux.resources.pids.limit")


def test_v1_rootless_without_limits_says_nothing(monkeypatch):
    m = _v1(monkeypatch, True, {"devices": [{"allow": False, "access": "rwm"}]})
    m.create()
    assert m.skipped == [] and m.skipped_warning() is None


def test_v1_root_still_fails(monkeypatch):
    m = _v1(monkeypatch, False, {})
    with pytest.raises(CgroupDenied):
        m.create()


def test_v2_rootless_goes_on_without_a_cgroup(monkeypatch):
    monkeypatch.setattr(v2, "hierarchies", lambda: {"": ("/sys/fs/cgroup", "/")})
    monkeypatch.setattr(v2, "own_cgroups", lambda: {"": "/user.slice/user-1000.slice/session-1.scope"})
    monkeypatch.setattr(v2, "mkdirs", _denied)
    monkeypatch.setattr(v2, "rootless_caller", lambda: True)
    monkeypatch.setattr(v2.V2Manager, "_available", lambda self: {"memory", "pids"})
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    r = {"pids": {"limit": 5}}
    m = v2.V2Manager.new({"linux": {"resources": r}}, "c1", r)
    # runc's fs2 rule for a user: the parent of its own cgroup, which holds its processes
    assert m.path == "/sys/fs/cgroup/user.slice/user-1000.slice/c1"
    m.create()
    assert m.path is None and m.to_state() == {} and m.join_fds() == (-1, [])
    assert m.skipped == ["linux.resources.pids.limit"]


def test_v2_root_keeps_its_own_cgroup_as_the_parent(monkeypatch):
    monkeypatch.setattr(v2, "hierarchies", lambda: {"": ("/sys/fs/cgroup", "/")})
    monkeypatch.setattr(v2, "own_cgroups", lambda: {"": "/a/b"})
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert v2.V2Manager.new({}, "c1", {}).path == "/sys/fs/cgroup/a/b/c1"
