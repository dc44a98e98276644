"""How the init joins its cgroups itself: the fds a driver opens (join_fds) and the T_CGROUP record
that carries their numbers. Plain files in a temporary directory stand in for cgroupfs: no root."""
import os
from struct import unpack

import pytest

from pyruntime import plan as P
from pyruntime._contract import LIMITS
from pyruntime import plan_wire as W
from pyruntime.cgroups import open_join_fds
from pyruntime.cgroups.systemd import SystemdManager
from pyruntime.cgroups.v1 import CONTROLLERS, V1Manager
from pyruntime.cgroups.v2 import V2Manager
from pyruntime.defaults import default_config
from pyruntime.errors import RuntimeFailure


def _records(data):
    off, out = 8, []
    while off < len(data):
        tag, n = unpack("<II", data[off:off + 8])
        out.append((tag, data[off + 8:off + 8 + n]))
        off += 8 + n
    return out


def _tree(tmp_path, names):
    paths = {}
    for name in names:
        d = tmp_path / name / "ctr"
        d.mkdir(parents=True)
        (d / "tasks").write_text("")
        paths[name] = str(d)
    return paths


def _kind(fd):
    return "dir" if os.path.isdir(f"/proc/self/fd/{fd}") else os.readlink(f"/proc/self/fd/{fd}")


def test_v1_opens_each_tasks_file_once_and_the_unified_node_as_a_directory(tmp_path):
    m = V1Manager("c", {})
    m.paths = _tree(tmp_path, ["memory", "pids", "unified"])
    m.paths["cpuacct"] = m.paths["memory"]  # co-mounted controllers share one directory: joined once
    cg2, tasks = m.join_fds()
    try:
        assert _kind(cg2) == "dir" and os.readlink(f"/proc/self/fd/{cg2}") == m.paths["unified"]
        assert sorted(os.readlink(f"/proc/self/fd/{fd}") for fd in tasks) == sorted(
            os.path.join(m.paths[k], "tasks") for k in ("memory", "pids"))
        assert all(os.get_inheritable(fd) is False for fd in tasks + [cg2])
    finally:
        for fd in tasks + [cg2]:
            os.close(fd)


def test_v2_passes_only_its_directory(tmp_path):
    m = V2Manager("c", {})
    m.path = str(tmp_path)
    cg2, tasks = m.join_fds()
    os.close(cg2)
    assert tasks == [] and cg2 >= 0


def test_a_missing_hierarchy_is_named_and_nothing_stays_open(tmp_path):
    paths = _tree(tmp_path, ["memory"])
    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(RuntimeFailure, match=r"cannot join cgroup: open .*/gone/tasks: no such file"):
        open_join_fds([("memory", paths["memory"]), ("pids", str(tmp_path / "gone"))])
    assert set(os.listdir("/proc/self/fd")) == before


def test_systemd_leaves_the_first_process_to_its_transient_unit(tmp_path):
    m = SystemdManager("c", {})
    m.started = False
    assert m.join_fds() is None  # StartTransientUnit's PIDs places the init


def test_the_wire_record_carries_the_fd_numbers(tmp_path):
    (tmp_path / "rootfs").mkdir()
    plan = P.build_plan(dict(default_config(), process=dict(default_config()["process"], terminal=False)),
                        str(tmp_path), P.Host("", 40, True))
    data = W.encode(plan, cgroup_fds=(9, [10, 11, 12]))
    (payload,) = [p for tag, p in _records(data) if tag == W.T_CGROUP]
    assert unpack("<iI3i", payload) == (9, 3, 10, 11, 12)
    assert not any(tag == W.T_CGROUP for tag, _ in _records(W.encode(plan)))  # systemd: parent places


def test_every_v1_hierarchy_fits_the_inits_tasks_table():
    """The init holds one `tasks` fd per v1 hierarchy (LIMIT_CGROUP_TASKS): a controller added to
    CONTROLLERS past it would make every create on such a host fail in the init's plan decoder."""
    assert len(CONTROLLERS) <= LIMITS["CGROUP_TASKS"]
