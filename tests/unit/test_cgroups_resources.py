"""cgroups: linux.resources validation, runc's conversions, the v1 and v2 file lists."""
import pytest

from pyruntime.cgroups import resources as r
from pyruntime.errors import ConfigError


def test_shares_to_weight():
    assert r.shares_to_weight(0) == 0
    assert r.shares_to_weight(2) == 1
    assert r.shares_to_weight(1024) == 39
    assert r.shares_to_weight(262144) == 10000


def test_blkio_weight_to_io_weight():
    assert r.blkio_weight_to_io_weight(0) == 0
    assert r.blkio_weight_to_io_weight(10) == 1
    assert r.blkio_weight_to_io_weight(500) == 1 + 490 * 9999 // 990
    assert r.blkio_weight_to_io_weight(1000) == 10000


@pytest.mark.parametrize("swap,limit,want", [
    (0, 0, 0), (0, -1, -1), (-1, 100, -1), (300, 100, 200), (100, 100, 0), (0, 100, 0),
])
def test_swap_to_v2(swap, limit, want):
    assert r.swap_to_v2(swap, limit) == want


@pytest.mark.parametrize("swap,limit,msg", [
    (100, 0, "without memory limit"), (100, -1, "without memory limit"), (50, 100, ">= memory limit"),
])
def test_swap_to_v2_errors(swap, limit, msg):
    with pytest.raises(ValueError, match=msg):
        r.swap_to_v2(swap, limit)


@pytest.mark.parametrize("text,want", [
    ("1024", 1024), ("1k", 1024), ("1K", 1024), ("512m", 512 << 20), ("1g", 1 << 30), ("1.5g", 3 << 29),
    ("64KiB", 64 << 10), ("2mb", 2 << 20), ("1 g", 1 << 30), ("1t", 1 << 40),
])
def test_parse_ram(text, want):
    assert r.parse_ram(text) == want


@pytest.mark.parametrize("text", ["", "abc", "1x", "-5m", ".5", "1..2m", "m"])
def test_parse_ram_bad(text):
    with pytest.raises(ValueError, match="invalid size"):
        r.parse_ram(text)


FULL = {
    "memory": {"limit": 1 << 30, "reservation": 1 << 29, "swap": 2 << 30, "kernel": 1 << 28, "kernelTCP": 1 << 27,
               "swappiness": 10, "disableOOMKiller": True, "useHierarchy": True},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000, "realtimeRuntime": 950, "realtimePeriod": 1000,
            "cpus": "0-1", "mems": "0", "burst": 1000, "idle": 0},
    "pids": {"limit": 100},
    "blockIO": {"weight": 500, "leafWeight": 300, "weightDevice": [{"major": 8, "minor": 0, "weight": 600,
                                                                      "leafWeight": 200}],
                "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2048}],
                "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
                "throttleWriteIOPSDevice": [{"major": 8, "minor": 0, "rate": 200}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
    "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]},
    "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
}


def test_v1_writes_cover_every_field():
    r.validate(FULL, "v1")
    got = [(c, f, v) for c, f, v, _ in r.v1_writes(FULL)]
    assert got == [
        ("cpuset", "cpuset.cpus", "0-1"), ("cpuset", "cpuset.mems", "0"),
        ("memory", "memory.limit_in_bytes", str(1 << 30)), ("memory", "memory.memsw.limit_in_bytes", str(2 << 30)),
        ("memory", "memory.kmem.limit_in_bytes", str(1 << 28)),
        ("memory", "memory.kmem.tcp.limit_in_bytes", str(1 << 27)),
        ("memory", "memory.soft_limit_in_bytes", str(1 << 29)), ("memory", "memory.oom_control", "1"),
        ("memory", "memory.swappiness", "10"), ("memory", "memory.use_hierarchy", "1"),
        ("cpu", "cpu.rt_period_us", "1000"), ("cpu", "cpu.rt_runtime_us", "950"), ("cpu", "cpu.shares", "512"),
        ("cpu", "cpu.cfs_period_us", "100000"), ("cpu", "cpu.cfs_quota_us", "50000"),
        ("cpu", "cpu.cfs_burst_us", "1000"), ("cpu", "cpu.idle", "0"),
        ("pids", "pids.max", "100"),
        ("blkio", "blkio.weight", "500"), ("blkio", "blkio.leaf_weight", "300"),
        ("blkio", "blkio.weight_device", "8:0 600"), ("blkio", "blkio.leaf_weight_device", "8:0 200"),
        ("blkio", "blkio.throttle.read_bps_device", "8:0 1048576"),
        ("blkio", "blkio.throttle.write_bps_device", "8:0 2048"),
        ("blkio", "blkio.throttle.read_iops_device", "8:0 100"),
        ("blkio", "blkio.throttle.write_iops_device", "8:0 200"),
        ("hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304"),
        ("hugetlb", "hugetlb.2MB.rsvd.limit_in_bytes", "4194304"),
        ("net_cls", "net_cls.classid", "1048577"), ("net_prio", "net_prio.ifpriomap", "eth0 5"),
        ("rdma", "rdma.max", "mlx5_1 hca_handle=3 hca_object=10000"),
    ]


def test_v1_unlimited_memory_means_unlimited_swap_and_pids_max():
    got = [(f, v) for _, f, v, _ in r.v1_writes({"memory": {"limit": -1}, "pids": {"limit": -1}})]
    assert got == [("memory.limit_in_bytes", "-1"), ("memory.memsw.limit_in_bytes", "-1"), ("pids.max", "max")]


def test_v2_writes_convert_like_runc():
    res = {k: v for k, v in FULL.items() if k != "network"}
    res["cpu"] = {k: v for k, v in FULL["cpu"].items() if not k.startswith("realtime")}
    res["unified"] = {"memory.high": "max", "cpu.weight.nice": "5"}
    r.validate(res, "v2")
    got = [(c, f, v) for c, f, v, _ in r.v2_writes(res)]
    assert got == [
        ("cpuset", "cpuset.cpus", "0-1"), ("cpuset", "cpuset.mems", "0"),
        ("cpu", "cpu.weight", str(1 + (510 * 9999) // 262142)), ("cpu", "cpu.max", "50000 100000"),
        ("cpu", "cpu.max.burst", "1000"), ("cpu", "cpu.idle", "0"),
        ("memory", "memory.swap.max", str(1 << 30)), ("memory", "memory.max", str(1 << 30)),
        ("memory", "memory.low", str(1 << 29)),
        ("pids", "pids.max", "100"),
        ("io", "io.weight", str(1 + 490 * 9999 // 990)), ("io", "io.weight", f"8:0 {1 + 590 * 9999 // 990}"),
        ("io", "io.max", "8:0 rbps=1048576"), ("io", "io.max", "8:0 wbps=2048"),
        ("io", "io.max", "8:0 riops=100"), ("io", "io.max", "8:0 wiops=200"),
        ("hugetlb", "hugetlb.2MB.max", "4194304"),
        ("hugetlb", "hugetlb.2MB.rsvd.max", "4194304"),
        ("rdma", "rdma.max", "mlx5_1 hca_handle=3 hca_object=10000"),
        ("memory", "memory.high", "max"), ("cpu", "cpu.weight.nice", "5"),
    ]


def test_v2_bfq_weights_unconverted():
    got = [(f, v) for _, f, v, _ in r.v2_writes({"blockIO": {"weight": 500, "weightDevice": [
        {"major": 8, "minor": 0, "weight": 100}]}}, bfq=True)]
    assert got == [("io.bfq.weight", "500"), ("io.bfq.weight", "8:0 100")]


@pytest.mark.parametrize("mem,want", [
    ({"limit": -1}, [("memory.swap.max", "max"), ("memory.max", "max")]),
    ({"limit": 100, "swap": 100}, [("memory.swap.max", "0"), ("memory.max", "100")]),
    ({"limit": 100, "swap": -1}, [("memory.swap.max", "max"), ("memory.max", "100")]),
    ({"limit": 100}, [("memory.max", "100")]),
])
def test_v2_memory_swap(mem, want):
    assert [(f, v) for _, f, v, _ in r.v2_writes({"memory": mem})] == want


def test_v2_cpu_max_forms():
    assert [v for _, _, v, _ in r.v2_writes({"cpu": {"quota": -1, "period": 1000}})] == ["max 1000"]
    assert [v for _, _, v, _ in r.v2_writes({"cpu": {"quota": 5000}})] == ["5000"]


@pytest.mark.parametrize("res,path", [
    ({"memory": {"limit": "1g"}}, "linux.resources.memory.limit"),
    ({"memory": {"limit": -2}}, "linux.resources.memory.limit"),
    ({"memory": {"swappiness": 101}}, "linux.resources.memory.swappiness"),
    ({"memory": {"limit": 200, "swap": 100}}, "linux.resources.memory.swap"),
    ({"cpu": {"shares": -1}}, "linux.resources.cpu.shares"),
    ({"cpu": {"cpus": "0-x"}}, "linux.resources.cpu.cpus"),
    ({"cpu": {"idle": 3}}, "linux.resources.cpu.idle"),
    ({"pids": {"limit": True}}, "linux.resources.pids.limit"),
    ({"blockIO": {"weight": 5}}, "linux.resources.blockIO.weight"),
    ({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "rate": 1}]}},
     "linux.resources.blockIO.throttleReadBpsDevice[0].minor"),
    ({"hugepageLimits": [{"pageSize": "2XB", "limit": 1}]}, "linux.resources.hugepageLimits[0].pageSize"),
    ({"devices": [{"allow": True, "type": "x"}]}, "linux.resources.devices[0].type"),
    ({"devices": [{"allow": True, "access": 7}]}, "linux.resources.devices[0].access"),
    ({"devices": [{"type": "c"}]}, "linux.resources.devices[0].allow"),
    ({"unified": {"memory.max": "1"}}, "linux.resources.unified"),
    ({"network": {"priorities": [{"name": "a b", "priority": 1}]}}, "linux.resources.network.priorities[0].name"),
])
def test_validate_v1_rejects(res, path):
    with pytest.raises(ConfigError) as e:
        r.validate(res, "v1")
    assert e.value.path == path


def test_validate_unified_on_v1_message():
    with pytest.raises(ConfigError, match="cannot use unified on cgroup v1"):
        r.validate({"unified": {"memory.max": "1"}}, "v1")


@pytest.mark.parametrize("res,path", [
    ({"cpu": {"realtimeRuntime": 100}}, "linux.resources.cpu.realtimeRuntime"),
    ({"memory": {"swap": 100}}, "linux.resources.memory.swap"),
    ({"unified": {"../x": "1"}}, "linux.resources.unified.../x"),
    ({"unified": {"nodot": "1"}}, "linux.resources.unified.nodot"),
    ({"unified": {"memory.max": 5}}, "linux.resources.unified.memory.max"),
])
def test_validate_v2_rejects(res, path):
    with pytest.raises(ConfigError) as e:
        r.validate(res, "v2")
    assert e.value.path == path


def test_validate_accepts_full_and_empty():
    r.validate(FULL, "v1")
    r.validate({}, "v1")
    r.validate(None, "v2")


def test_merge_keeps_other_fields():
    old = {"memory": {"limit": 100, "swap": 200}, "pids": {"limit": 5}}
    assert r.merge(old, {"memory": {"limit": 150}}) == {"memory": {"limit": 150, "swap": 200}, "pids": {"limit": 5}}
    assert old["memory"]["limit"] == 100
