"""How the init joins its cgroups itself: the fds a driver opens (join_fds) and the T_CGROUP record
that carries their numbers. Plain files in a temporary directory stand in for cgroupfs: no root."""
import os
from struct import unpack

import pytest

from pyruntime import plan as P
from pyruntime._contract import LIMITS
from pyruntime import plan_wire as W
from pyruntime.cgroups import Manager, open_join_fds, saved_join_pairs
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


def _opened(join):
    cg2, tasks = join
    try:
        return (os.readlink(f"/proc/self/fd/{cg2}") if cg2 >= 0 else None,
                sorted(os.readlink(f"/proc/self/fd/{fd}") for fd in tasks))
    finally:
        for fd in tasks + ([cg2] if cg2 >= 0 else []):
            os.close(fd)


def test_exec_joins_from_the_saved_state_as_each_driver_would(tmp_path):
    """exec opens the join fds from state.json without importing a driver (saved_join_pairs): the
    same files, once each, as the driver's own join_fds() on the same saved state."""
    v1 = _tree(tmp_path / "v1", ["memory", "pids", "unified"])
    v1["cpuacct"] = v1["memory"]
    v2 = tmp_path / "v2"
    v2.mkdir()
    states = [V1Manager.restore({"id": "c", "paths": v1}).to_state(),
              V2Manager.restore({"id": "c", "path": str(v2)}).to_state()]
    states.append({"driver": "systemd", "id": "c", "slice": "s", "unit": "u", "started": True, "fs": states[0]})
    for saved in states:
        ours = _opened(open_join_fds(saved_join_pairs(saved)))
        assert ours == _opened(Manager.from_state(saved).join_fds()), saved
        assert ours[0] is not None or saved["driver"] == "v2"
    assert _opened(open_join_fds(saved_join_pairs(states[1]))) == (str(v2), [])


def test_exec_leaves_to_the_driver_what_the_saved_state_does_not_settle():
    # systemd before its unit started places the process over D-Bus; a state of another shape: the driver's
    assert saved_join_pairs({"driver": "systemd", "started": False, "fs": {"driver": "v1", "paths": {}}}) is None
    assert saved_join_pairs({"driver": "v1"}) is None
    assert saved_join_pairs({"driver": "other", "paths": {}}) is None
