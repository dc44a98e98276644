"""systemd driver: unit naming, slice paths, the StartTransientUnit properties and D-Bus message.

Not run against a live systemd (none on this project's machines): these check what it would send."""

import pytest

from pyruntime.cgroups import systemd as sd
from pyruntime.errors import RuntimeFailure


def test_expand_slice():
    assert sd.expand_slice("system.slice") == "/system.slice"
    assert sd.expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice"
    assert sd.expand_slice("-.slice") == ""
    for bad in ("a", "a--b.slice", "-a.slice", "a/b.slice"):
        with pytest.raises(RuntimeFailure):
            sd.expand_slice(bad)


def test_unit_name():
    assert sd.unit_name("libpod", "abc") == "libpod-abc.scope"
    assert sd.unit_name("", "abc") == "abc.scope"
    assert sd.unit_name("x", "my.slice") == "my.slice"


def test_quota_rounding():
    assert sd._cpu_quota_per_sec(50000, 100000) == 500000
    assert sd._cpu_quota_per_sec(12345, 100000) == 130000
    assert sd._cpu_quota_per_sec(-1, 100000) == 0xFFFFFFFFFFFFFFFF


def test_cpuset_bits():
    assert sd._cpuset_bits("0-2,9") == bytes([0b111, 0b10])
    assert sd._cpuset_bits("0") == b"\x01"


RES = {"memory": {"limit": 1 << 30, "swap": 2 << 30, "reservation": 1 << 29}, "cpu": {"shares": 1024, "quota": 50000,
       "period": 100000, "cpus": "0-1"}, "pids": {"limit": 100}, "blockIO": {"weight": 500}}


def test_properties_v2():
    props = dict(sd.unit_properties("c1", "machine.slice", 1234, RES, v2=True))
    assert props["PIDs"] == ("au", [1234])
    assert props["Delegate"] == ("b", True)
    assert props["Slice"] == ("s", "machine.slice")
    assert props["MemoryMax"] == ("t", 1 << 30)
    assert props["MemorySwapMax"] == ("t", 1 << 30)
    assert props["MemoryLow"] == ("t", 1 << 29)
    assert props["CPUWeight"] == ("t", 39)
    assert props["CPUQuotaPerSecUSec"] == ("t", 500000)
    assert props["CPUQuotaPeriodUSec"] == ("t", 100000)
    assert props["AllowedCPUs"] == ("ay", b"\x03")
    assert props["TasksMax"] == ("t", 100)
    assert props["IOWeight"] == ("t", 1 + 490 * 9999 // 990)


def test_properties_v1():
    props = dict(sd.unit_properties("c1", "system.slice", 1, RES, v2=False))
    assert props["MemoryLimit"] == ("t", 1 << 30)
    assert props["CPUShares"] == ("t", 1024)
    assert props["BlockIOWeight"] == ("t", 500)
    assert "MemorySwapMax" not in props and "AllowedCPUs" not in props


def test_start_transient_unit_message():
    pytest.importorskip("jeepney")
    msg = sd.start_transient_unit_message("pyruntime-c1.scope",
                                          sd.unit_properties("c1", "system.slice", 42, RES, v2=True))
    from jeepney import HeaderFields
    h = msg.header.fields
    assert h[HeaderFields.member] == "StartTransientUnit"
    assert h[HeaderFields.destination] == "org.freedesktop.systemd1"
    assert h[HeaderFields.path] == "/org/freedesktop/systemd1"
    assert h[HeaderFields.signature] == "ssa(sv)a(sa(sv))"
    data = msg.serialise(serial=1)
    assert b"pyruntime-c1.scope" in data and b"TasksMax" in data and b"Delegate" in data
    # and it decodes back to the same body
    from jeepney.low_level import Parser
    p = Parser()
    p.add_data(data)
    back = p.get_next_message()
    assert back.body[0] == "pyruntime-c1.scope" and back.body[1] == "replace"
    assert ("PIDs", ("au", [42])) in back.body[2]


def test_update_sets_only_resource_properties():
    """`update` sends SetUnitProperties (runtime) with the resource properties only: no PIDs, Slice
    or Delegate, which a started unit cannot change."""
    pytest.importorskip("jeepney")
    props = sd.resource_properties(RES, v2=False)
    names = {k for k, _ in props}
    assert {"MemoryLimit", "TasksMax", "CPUShares"} <= names
    assert not names & {"PIDs", "Slice", "Delegate", "Description", "DefaultDependencies"}
    assert sd.unit_properties("c1", "system.slice", 42, RES, v2=False)[-len(props):] == props
    msg = sd.set_unit_properties_message("pyrt-c1.scope", props)
    from jeepney import HeaderFields
    from jeepney.low_level import Parser
    assert msg.header.fields[HeaderFields.member] == "SetUnitProperties"
    assert msg.header.fields[HeaderFields.signature] == "sba(sv)"
    p = Parser()
    p.add_data(msg.serialise(serial=1))
    back = p.get_next_message()
    assert back.body[0] == "pyrt-c1.scope" and back.body[1] is True
    assert ("TasksMax", ("t", RES["pids"]["limit"])) in back.body[2]


def test_job_wait_messages():
    """start_unit_and_wait listens for JobRemoved of systemd's Manager and subscribes first."""
    pytest.importorskip("jeepney")
    from jeepney import HeaderFields
    rule = sd.job_removed_rule().serialise()
    assert "member='JobRemoved'" in rule and "interface='org.freedesktop.systemd1.Manager'" in rule
    assert sd.subscribe_message().header.fields[HeaderFields.member] == "Subscribe"


def test_for_container_systemd_paths_and_not_running(monkeypatch):
    from pyruntime.cgroups import Manager
    m = Manager.for_container({"linux": {"cgroupsPath": "machine.slice:libpod:abc"}}, "abc", systemd=True)
    assert m.unit == "libpod-abc.scope" and m.slice == "machine.slice"
    assert m.fs.inner == "/machine.slice/libpod-abc.scope"
    d = Manager.for_container({"linux": {}}, "c9", systemd=True)
    assert d.unit == "pyruntime-c9.scope" and d.slice == "system.slice"
    monkeypatch.setattr(sd, "SYSTEMD_RUNNING", "/nonexistent/systemd")
    with pytest.raises(RuntimeFailure, match="systemd not running on this host"):
        m.create()
    with pytest.raises(RuntimeFailure, match="slice:prefix:name"):
        Manager.for_container({"linux": {"cgroupsPath": "/a/b"}}, "x", systemd=True)
    back = Manager.from_state(m.to_state())
    assert back.unit == m.unit and back.fs.inner == m.fs.inner
