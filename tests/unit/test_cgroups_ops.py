"""container/cgroup_commands.py: runc update flags -> LinuxResources, errors in runc's words."""
import pytest

from pyruntime.container import cgroup_commands as ops
from pyruntime.errors import RuntimeFailure


def test_flags_to_resources():
    got = ops.resources_from_flags({
        "memory": "512m", "memory-swap": "-1", "memory-reservation": "1g", "kernel-memory": "64k",
        "cpu-shares": "512", "cpu-quota": "-1", "cpu-period": "100000", "cpu-rt-runtime": "950",
        "cpu-rt-period": "1000", "cpuset-cpus": "0-1", "cpuset-mems": "0", "pids-limit": "20",
        "blkio-weight": "300", "kernel-memory-tcp": None,
    })
    assert got == {
        "memory": {"limit": 512 << 20, "swap": -1, "reservation": 1 << 30, "kernel": 64 << 10},
        "cpu": {"shares": 512, "quota": -1, "period": 100000, "realtimeRuntime": 950, "realtimePeriod": 1000,
                "cpus": "0-1", "mems": "0"},
        "pids": {"limit": 20},
        "blockIO": {"weight": 300},
    }


def test_flags_empty():
    assert ops.resources_from_flags({"memory": None, "cpu-shares": ""}) == {}


@pytest.mark.parametrize("flags,msg", [
    ({"cpu-shares": "abc"}, 'invalid value for cpu-shares: strconv.ParseUint: parsing "abc": invalid syntax'),
    ({"cpu-period": "-5"}, "invalid value for cpu-period"),
    ({"memory": "lots"}, "invalid value for memory: invalid size: 'lots'"),
    ({"blkio-weight": "70000"}, "value out of range"),
    ({"no-such": "1"}, "flag provided but not defined"),
])
def test_flag_errors(flags, msg):
    with pytest.raises(RuntimeFailure) as e:
        ops.resources_from_flags(flags)
    assert msg in str(e.value)


def test_ps_bad_format(tmp_path):
    with pytest.raises(RuntimeFailure, match="invalid format option"):
        ops.ps(str(tmp_path), "x", "yaml")


def test_parse_cpu_list():
    from pyruntime.cgroups import parse_cpu_list
    assert parse_cpu_list("0-3,5,7-8\n") == [0, 1, 2, 3, 5, 7, 8]
    assert parse_cpu_list("\n") == []
