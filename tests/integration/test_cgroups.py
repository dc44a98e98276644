"""cgroups on this machine (v1 / hybrid), for real: limits in the files, processes placed, freeze,
update, OOM, pids, devices (v1 lists, and the v2 eBPF program on the hybrid cgroup2 tree), clean-up.

Needs root. Every cgroup is under /pyrt-test-<random> (absolute) or relative to our own cgroup, and
is removed by the test; nothing else is touched.
"""
import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import support

from pyruntime import container
from pyruntime.container import cgroup_commands as cgroup_ops
from pyruntime.cgroups import Manager, devices, layout
from pyruntime.errors import ConfigError, RuntimeFailure
from pyruntime.container.container import Container
from pyruntime.state import proc_start

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "cgroupv2"))
from bpf_ctypes import CtypesBackend

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
    pytest.mark.skipif(os.geteuid() == 0 and layout() == "v2", reason="v1/hybrid host tests (v2: tests/cgroupv2)"),
]
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
MB = 1 << 20


@pytest.fixture
def made():
    """Managers to destroy at teardown (after killing what they hold)."""
    ms = []
    yield ms
    for m in ms:
        try:
            for pid in m.pids():
                os.kill(pid, 9)
        except Exception:  # noqa: BLE001 (best-effort cleanup: the cgroup may be gone already)
            pass
        time.sleep(0.05)
        m.destroy()


def mgr(made, resources=None, path=None, cid=None, **linux):
    cid = cid or f"t{uuid.uuid4().hex[:8]}"
    linux = dict(linux)
    linux["cgroupsPath"] = path if path is not None else f"/pyrt-test-{cid}"
    linux["resources"] = resources or {}
    m = Manager.for_container({"linux": linux}, cid)
    made.append(m)
    return m


def waiting(code):
    """A python child that runs `code` once it reads a line (after we placed it in the cgroup)."""
    return subprocess.Popen([PY, "-c", "import sys; sys.stdin.readline()\n" + code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def go(p, timeout=30):
    out, err = p.communicate("go\n", timeout=timeout)
    return p.returncode, out, err


def cat(path):
    return Path(path).read_text().strip()


def test_layout_is_hybrid_here():
    assert layout() in ("v1", "hybrid")


def test_create_limits_add_destroy(made):
    m = mgr(made, {"memory": {"limit": 64 * MB, "reservation": 32 * MB}, "pids": {"limit": 20},
                   "cpu": {"quota": 25000, "period": 100000, "shares": 512}})
    m.create()
    p = m.paths
    assert cat(f"{p['memory']}/memory.limit_in_bytes") == str(64 * MB)
    assert cat(f"{p['memory']}/memory.soft_limit_in_bytes") == str(32 * MB)
    assert cat(f"{p['pids']}/pids.max") == "20"
    assert cat(f"{p['cpu']}/cpu.cfs_quota_us") == "25000"
    assert cat(f"{p['cpu']}/cpu.cfs_period_us") == "100000"
    assert cat(f"{p['cpu']}/cpu.shares") == "512"
    assert cat(f"{p['devices']}/devices.list").splitlines()[:3] == ["c *:* m", "b *:* m", "c 1:3 rwm"]
    s = subprocess.Popen(["sleep", "30"])
    try:
        m.add(s.pid)
        assert m.pids() == [s.pid]
        for key, path in p.items():
            assert str(s.pid) in cat(f"{path}/cgroup.procs").split(), key
        own = Path(f"/proc/{s.pid}/cgroup").read_text()
        assert f"memory:{m.inner}" in own
    finally:
        s.kill()
        s.wait()
    created = list(m.created)
    assert created
    m.destroy()
    assert not [d for d in created if os.path.exists(d)]
    m.destroy()  # again: already gone is fine


def test_relative_path_is_under_our_own_cgroup(made):
    cid = f"t{uuid.uuid4().hex[:8]}"
    m = Manager.for_container({"linux": {}}, cid)  # empty cgroupsPath: "<id>" relative
    made.append(m)
    own = {l.split(":")[1]: l.split(":")[2] for l in Path("/proc/self/cgroup").read_text().splitlines()}
    assert m.paths["memory"] == "/sys/fs/cgroup/memory" + own["memory"].rstrip("/") + "/" + cid
    m.create()
    assert os.path.isdir(m.paths["memory"])
    m.destroy()
    assert not os.path.exists(m.paths["memory"])
    assert os.path.isdir("/sys/fs/cgroup/memory" + own["memory"])


def test_a_parent_we_did_not_create_survives(made):
    cid = f"t{uuid.uuid4().hex[:8]}"
    parent = f"/sys/fs/cgroup/memory/pyrt-test-parent-{cid}"
    os.mkdir(parent)
    try:
        m = mgr(made, {"memory": {"limit": 64 * MB}}, path=f"/pyrt-test-parent-{cid}/a/b", cid=cid)
        m.create()
        assert os.path.isdir(f"{parent}/a/b")
        assert f"{parent}/a" in m.created and parent not in m.created
        m.destroy()
        assert os.path.isdir(parent) and not os.path.exists(f"{parent}/a")
        # an existing cgroup used as the container's is never removed either
        m2 = mgr(made, {}, path=f"/pyrt-test-parent-{cid}", cid=cid + "x")
        m2.create()
        assert not [d for d in m2.created if d.startswith(parent + "/") or d == parent]
        m2.destroy()
        assert os.path.isdir(parent)
    finally:
        for h in os.listdir("/sys/fs/cgroup"):
            d = f"/sys/fs/cgroup/{h}/pyrt-test-parent-{cid}"
            for sub in (f"{d}/a/b", f"{d}/a", d):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass


def test_failed_create_removes_what_it_made(made):
    m = mgr(made, {"cpu": {"cpus": "0-4095"}})
    with pytest.raises(RuntimeFailure, match="cpuset.cpus"):
        m.create()
    assert m.created == []
    assert not os.path.exists(f"/sys/fs/cgroup/cpuset{m.inner}")
    assert not os.path.exists(f"/sys/fs/cgroup/memory{m.inner}")


def test_missing_controller_is_named_before_anything_is_made(made):
    h = set(os.listdir("/sys/fs/cgroup"))
    if "rdma" in h:
        pytest.skip("this host has rdma")
    m = mgr(made, {"rdma": {"mlx5_0": {"hcaHandles": 1}}})
    with pytest.raises(RuntimeFailure, match="rdma"):
        m.create()
    assert m.created == []


def test_unified_rejected_on_v1():
    with pytest.raises(ConfigError, match="unified"):
        Manager.for_container({"linux": {"resources": {"unified": {"memory.max": "1"}}}}, "x")


def _utime(pid):
    data = Path(f"/proc/{pid}/stat").read_text()
    return int(data[data.rindex(")") + 2:].split()[11])


def test_freeze_stops_a_busy_loop_and_thaw_restarts_it(made):
    m = mgr(made)
    m.create()
    s = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    try:
        m.add(s.pid)
        time.sleep(0.2)
        m.freeze()
        assert m.frozen()
        t0 = _utime(s.pid)
        time.sleep(0.5)
        assert _utime(s.pid) == t0
        m.thaw()
        assert not m.frozen()
        time.sleep(0.5)
        assert _utime(s.pid) > t0
    finally:
        s.kill()
        s.wait()


def test_update_a_live_limit(made):
    m = mgr(made, {"memory": {"limit": 64 * MB}, "pids": {"limit": 10}})
    m.create()
    s = subprocess.Popen(["sleep", "30"])
    try:
        m.add(s.pid)
        m.update({"memory": {"limit": 128 * MB, "swap": 256 * MB}, "pids": {"limit": 50},
                  "cpu": {"quota": 10000}})
        assert cat(f"{m.paths['memory']}/memory.limit_in_bytes") == str(128 * MB)
        assert cat(f"{m.paths['memory']}/memory.memsw.limit_in_bytes") == str(256 * MB)
        assert cat(f"{m.paths['pids']}/pids.max") == "50"
        assert cat(f"{m.paths['cpu']}/cpu.cfs_quota_us") == "10000"
        # lowering both below the current memsw needs limit-then-swap order
        m.update({"memory": {"limit": 32 * MB, "swap": 32 * MB}})
        assert cat(f"{m.paths['memory']}/memory.memsw.limit_in_bytes") == str(32 * MB)
        assert m.resources["memory"] == {"limit": 32 * MB, "swap": 32 * MB}
        assert m.resources["pids"] == {"limit": 50}
        with pytest.raises(ConfigError):
            m.update({"memory": {"swappiness": 500}})
    finally:
        s.kill()
        s.wait()


def test_memory_limit_is_enforced_by_the_oom_killer(made):
    m = mgr(made, {"memory": {"limit": 32 * MB, "swap": 32 * MB}})
    m.create()
    assert m.oom_events() == 0
    p = waiting("b = b'x' * (200 << 20)\nprint('survived')")
    m.add(p.pid)
    rc, out, _ = go(p)
    assert rc == -signal.SIGKILL and "survived" not in out
    assert m.oom_events() >= 1
    st = m.stats()
    assert st["memory"]["usage"]["limit"] == 32 * MB


def test_pids_limit_makes_fork_fail(made):
    m = mgr(made, {"pids": {"limit": 4}})
    m.create()
    p = waiting("import os, time\nfails = 0\nfor i in range(8):\n"
                "    try:\n        pid = os.fork()\n    except BlockingIOError:\n        fails += 1; continue\n"
                "    if pid == 0:\n        time.sleep(1); os._exit(0)\n"
                "print(fails)")
    m.add(p.pid)
    rc, out, err = go(p)
    assert rc == 0, err
    assert int(out.strip()) == 5  # 1 + 3 children fit in 4


def test_v1_devices_deny_and_allow(made, tmp_path):
    m = mgr(made, {"devices": [{"allow": False, "access": "rwm"},
                               {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
                               {"allow": False, "type": "c", "major": 1, "minor": 9, "access": "m"}]})
    m.create()
    lst = cat(f"{m.paths['devices']}/devices.list").splitlines()
    assert "c 1:5 rwm" not in lst and "c 1:3 rwm" in lst
    p = waiting(f"""
import os
def tryit(f):
    try:
        f(); return 'ok'
    except OSError as e:
        return 'EPERM' if e.errno == 1 else str(e)
print(tryit(lambda: open('/dev/null', 'rb').close()))
print(tryit(lambda: open('/dev/zero', 'rb').close()))
print(tryit(lambda: os.mknod('{tmp_path}/n1', 0o20600, os.makedev(1, 3))))
print(tryit(lambda: os.mknod('{tmp_path}/n2', 0o20600, os.makedev(1, 9))))
print(tryit(lambda: open('/dev/urandom', 'rb').close()))
""")
    m.add(p.pid)
    rc, out, err = go(p)
    assert rc == 0, err
    # the deny of "m" on 1:9 cannot punch a hole in the "c *:* m" exception (the v1 kernel's rule)
    assert out.split() == ["ok", "EPERM", "ok", "ok", "ok"]


def test_stats_document_shape(made):
    m = mgr(made, {"memory": {"limit": 64 * MB}, "pids": {"limit": 7}})
    m.create()
    s = subprocess.Popen(["sleep", "30"])
    try:
        m.add(s.pid)
        st = m.stats()
    finally:
        s.kill()
        s.wait()
    assert list(st) == ["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"]
    assert st["pids"] == {"current": 1, "limit": 7}
    assert set(st["cpu"]["usage"]) >= {"kernel", "user"}
    assert "raw" in st["memory"] and "limit" in st["memory"]["swap"]
    # runc's CPUSetStats, read from the container's cpuset (it was all zeros)
    host_cpus = cat("/sys/fs/cgroup/cpuset/cpuset.cpus")
    assert st["cpuset"]["cpus"] == list(range(int(host_cpus.split("-")[0]), int(host_cpus.split("-")[-1]) + 1))
    assert st["cpuset"]["mems"] == [0]
    assert list(st["cpuset"]) == ["cpus", "cpu_exclusive", "mems", "mem_hardwall", "mem_exclusive",
                                  "memory_migrate", "memory_spread_page", "memory_spread_slab", "memory_pressure",
                                  "sched_load_balance", "sched_relax_domain_level"]
    assert st["cpuset"]["sched_load_balance"] == int(cat(f"{m.paths['cpuset']}/cpuset.sched_load_balance"))


def test_state_round_trip(made):
    m = mgr(made, {"pids": {"limit": 3}})
    m.create()
    from pyruntime import fastjson
    d = fastjson.loads(fastjson.dumps(m.to_state()))
    m2 = Manager.from_state(d)
    assert m2.paths == m.paths and m2.created == m.created and m2.resources == m.resources
    m2.destroy()
    assert not os.path.exists(m.paths["pids"])


# -- v2 eBPF device filter, on this hybrid host's cgroup2 tree --------------------------------
@pytest.fixture
def unified_cgroup():
    if layout() != "hybrid":
        pytest.skip("no cgroup2 tree here")
    d = f"/sys/fs/cgroup/unified/pyrt-test-bpf-{uuid.uuid4().hex[:8]}"
    os.mkdir(d)
    old = devices._backend
    devices._backend = CtypesBackend()
    yield d
    devices._backend = old
    for pid in Path(f"{d}/cgroup.procs").read_text().split():
        try:
            os.kill(int(pid), 9)
        except ProcessLookupError:
            pass
    for _ in range(100):
        try:
            os.rmdir(d)
            break
        except OSError:
            time.sleep(0.02)


def test_ebpf_device_program_on_a_real_cgroup2(unified_cgroup, tmp_path):
    rules = devices.effective_rules([], [{"allow": False, "access": "rwm"},
                                         {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
                                         {"allow": False, "type": "c", "major": 1, "minor": 9, "access": "w"},
                                         {"allow": False, "type": "b", "access": "m"}])
    try:
        devices.apply_v2(unified_cgroup, rules)
    except RuntimeFailure as e:
        pytest.skip(f"bpf not permitted here: {e}")
    fd = os.open(unified_cgroup, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert len(devices.query(fd)) == 1
    finally:
        os.close(fd)
    p = waiting(f"""
import os
def tryit(f):
    try:
        f(); return 'ok'
    except OSError as e:
        return 'EPERM' if e.errno == 1 else str(e)
print(tryit(lambda: open('/dev/null', 'r+b').close()))
print(tryit(lambda: open('/dev/zero', 'rb').close()))
print(tryit(lambda: open('/dev/urandom', 'rb').close()))
print(tryit(lambda: open('/dev/urandom', 'r+b').close()))
print(tryit(lambda: os.mknod('{tmp_path}/n1', 0o20600, os.makedev(1, 5))))
print(tryit(lambda: os.mknod('{tmp_path}/n2', 0o20600, os.makedev(1, 1))))
print(tryit(lambda: open('{tmp_path}/n2', 'rb').close()))
print(tryit(lambda: open('/dev/tty0', 'rb').close()) if os.path.exists('/dev/tty0') else 'EPERM')
print(tryit(lambda: os.mknod('{tmp_path}/b1', 0o60600, os.makedev(7, 0))))
""")
    Path(f"{unified_cgroup}/cgroup.procs").write_text(str(p.pid))
    rc, out, err = go(p)
    assert rc == 0, err
    # null rw; zero denied; urandom r but not w; mknod c 1:5 still allowed by "c *:* m" (a deny does
    # not punch holes in a wildcard, as on v1); 1:1 mknod ok but not opened; tty0 denied; b mknod denied
    assert out.split() == ["ok", "EPERM", "ok", "EPERM", "ok", "ok", "EPERM", "EPERM", "EPERM"]
    # replacing the program (update) keeps exactly one attached
    devices.apply_v2(unified_cgroup, devices.effective_rules([], [{"allow": True, "access": "rwm"}]))
    fd = os.open(unified_cgroup, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert len(devices.query(fd)) == 1
    finally:
        os.close(fd)
    p = waiting("open('/dev/zero', 'rb').close(); print('ok')")
    Path(f"{unified_cgroup}/cgroup.procs").write_text(str(p.pid))
    assert go(p)[1].strip() == "ok"


# -- the commands, on a fake container whose init is a host process ---------------------------
@pytest.fixture
def fake_container(made, tmp_path):
    def make(resources=None, argv=("sleep", "60"), waiting_code=None):
        m = mgr(made, resources or {})
        m.create()
        proc = waiting(waiting_code) if waiting_code else subprocess.Popen(list(argv))
        m.add(proc.pid)
        root = str(tmp_path / "state")
        c = Container(root, m.cid)
        c.claim()
        c.save({"id": m.cid, "pid": proc.pid, "pid_start": proc_start(proc.pid)[1], "bundle": "/", "rootfs": "/",
                "created": "", "cgroup": m.to_state()})
        c.unlock()
        return root, m, proc
    procs = []
    yield lambda *a, **k: procs.append(make(*a, **k)) or procs[-1]
    for _, _, p in procs:
        p.kill()
        p.wait()


def test_ops_pause_resume_ps_update_events(fake_container):
    root, m, proc = fake_container({"memory": {"limit": 64 * MB}})
    cid = m.cid
    assert cgroup_ops.ps(root, cid, "json") == f"[{proc.pid}]\n"
    table = cgroup_ops.ps(root, cid, "table", ["-ef"]).splitlines()
    assert "PID" in table[0].split() and len(table) == 2 and str(proc.pid) in table[1].split()
    cgroup_ops.pause(root, cid)
    c = Container(root, cid).load()
    assert c.status() == "paused"
    with pytest.raises(RuntimeFailure, match="container not running"):
        cgroup_ops.pause(root, cid)
    cgroup_ops.resume(root, cid)
    assert Container(root, cid).load().status() == "running"
    with pytest.raises(RuntimeFailure, match="container not paused"):
        cgroup_ops.resume(root, cid)
    cgroup_ops.update_from_flags(root, cid, {"memory": "96m", "pids-limit": "33", "cpu-quota": "20000"})
    assert cat(f"{m.paths['memory']}/memory.limit_in_bytes") == str(96 * MB)
    assert cat(f"{m.paths['pids']}/pids.max") == "33"
    saved = Container(root, cid).load().data["cgroup"]["resources"]
    assert saved["memory"]["limit"] == 96 * MB and saved["pids"]["limit"] == 33
    cgroup_ops.update(root, cid, {"memory": {"limit": 80 * MB}})
    assert cat(f"{m.paths['memory']}/memory.limit_in_bytes") == str(80 * MB)
    out = io.StringIO()
    cgroup_ops.events(root, cid, stats=True, out=out)
    import json
    ev = json.loads(out.getvalue())
    assert ev["type"] == "stats" and ev["id"] == cid and ev["data"]["memory"]["usage"]["limit"] == 80 * MB
    assert out.getvalue().startswith('{"type":"stats","id":')
    container.kill(root, cid, "KILL", all_processes=True)  # `kill --all`: through the cgroup
    proc.wait(timeout=5)
    with pytest.raises(RuntimeFailure, match=f"container with id {cid} is not running"):
        cgroup_ops.events(root, cid, stats=True, out=io.StringIO())
    container.kill(root, cid, "KILL", all_processes=True)  # stopped: still a success
    assert cgroup_ops.ps(root, cid, "json") == "null\n"  # runc (Go's encoding of its empty list)


def test_events_stream_reports_oom_and_stops(fake_container):
    root, m, proc = fake_container({"memory": {"limit": 32 * MB, "swap": 32 * MB}},
                                   waiting_code="b = b'x' * (200 << 20)")
    out = io.StringIO()
    t = threading.Thread(target=cgroup_ops.events, args=(root, m.cid), kwargs={"interval": 0.2, "out": out})
    t.start()
    time.sleep(0.5)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    proc.wait(timeout=30)
    t.join(timeout=10)
    assert not t.is_alive()
    import json
    evs = [json.loads(l) for l in out.getvalue().splitlines()]
    assert {"type": "oom", "id": m.cid} in evs
    assert any(e["type"] == "stats" for e in evs)


def test_init_joins_every_hierarchy_itself_and_nothing_else_enters(bundle, root, container_id):
    """The init joins its cgroups itself (v1 `tasks` "0", CLONE_INTO_CGROUP on cgroup2): the created
    init is in the container's cgroup in every hierarchy (the hybrid cgroup2 node too), and the
    cgroups hold the init only (no stage of the launcher left in them). Then an exec'd process
    lands in the same cgroups."""
    cid = container_id()
    bundle.config["linux"]["cgroupsPath"] = f"/pyrt-test-{cid}"
    bundle.set_args("sleep", "1000")
    res, _ = support.rt_create(bundle, cid, root)
    assert res.returncode == 0, res.stderr
    try:
        pid = support.state(cid, root)["pid"]
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        by_ctrl = {line.split(":", 2)[1]: line.split(":", 2)[2] for line in lines}
        assert by_ctrl.get("") == f"/pyrt-test-{cid}", lines  # the cgroup2 node, born into it
        mounted = {line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
                   if " - cgroup" in line}
        for ctrls, path in by_ctrl.items():
            name = {"": "unified", "name=systemd": "systemd"}.get(ctrls, ctrls.split(",")[0])
            if f"/sys/fs/cgroup/{name}" in mounted:  # a hierarchy left unmounted has nothing to join
                assert path == f"/pyrt-test-{cid}", (ctrls, lines)
        for d in ("memory", "pids", "devices", "freezer", "unified"):
            assert cat(f"/sys/fs/cgroup/{d}/pyrt-test-{cid}/cgroup.procs").split() == [str(pid)], d
        r = support.rt("exec", cid, "sh", "-c", "cat /proc/self/cgroup", root=root)
        assert r.returncode == 0, r.stderr
        assert sorted(r.stdout.split()) == sorted(lines), r.stdout
    finally:
        support.rt("delete", "--force", cid, root=root)
    assert not os.path.exists(f"/sys/fs/cgroup/memory/pyrt-test-{cid}")
    assert not os.path.exists(f"/sys/fs/cgroup/unified/pyrt-test-{cid}")


def test_a_cgroup_that_holds_processes_is_refused_and_left_alone(make_bundle, root, container_id):
    """Two containers name the same cgroupsPath: the second is refused with runc's error (runc 1.2+:
    they would share limits, freezing and kills), and neither its refusal nor anything else of it
    touches the first container or its cgroup."""
    first, second = container_id(), container_id()
    path = f"/pyrt-test-shared-{first}"
    bundles = {}
    for cid in (first, second):
        b = make_bundle(cid)
        b.config["linux"]["cgroupsPath"] = path
        b.set_args("sleep", "1000")
        bundles[cid] = b
    res, _ = support.rt_create(bundles[first], first, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    try:
        init = support.state(first, root)["pid"]
        for command in (("run", "-d"), ("create",)):
            res, _ = support.rt_create(bundles[second], second, root, command=command)
            assert res.returncode == 1, res.stderr
            assert "container's cgroup is not empty: 1 process(es) found" in res.stderr, res.stderr
            assert not os.path.exists(os.path.join(root, second))
        assert support.pid_alive(init) and support.state(first, root)["status"] == "running"
        assert cat(f"/sys/fs/cgroup/pids{path}/cgroup.procs").split() == [str(init)]
    finally:
        for cid in (second, first):
            support.rt("delete", "--force", cid, root=root)
    assert not os.path.exists(f"/sys/fs/cgroup/memory{path}")


@pytest.mark.parametrize("fails", [False, True])
def test_an_empty_cgroup_made_by_someone_else_goes_with_the_container(make_bundle, root, container_id, fails):
    """A leaf cgroup that exists before the container (made by hand, empty) is the container's once
    it is claimed: a failed create or a delete removes it, as runc does (runc's suite counts on
    it); the parents above it, someone else's, stay."""
    cid = container_id()
    top = f"/pyrt-test-premade-{cid}"
    hier = ("memory", "pids", "devices", "freezer")
    for h in hier:
        os.makedirs(f"/sys/fs/cgroup/{h}{top}/ct")
    try:
        b = make_bundle(cid)
        b.config["linux"]["cgroupsPath"] = f"{top}/ct"
        b.set_args("no-such-command" if fails else "sleep", "1000")
        res, _ = support.rt_create(b, cid, root)
        if fails:
            assert res.returncode != 0 and "no-such-command" in res.stderr, res.stderr
        else:
            assert res.returncode == 0, res.stderr
            assert support.rt("delete", "--force", cid, root=root).returncode == 0
        for h in hier:
            assert not os.path.exists(f"/sys/fs/cgroup/{h}{top}/ct"), h
            assert os.path.isdir(f"/sys/fs/cgroup/{h}{top}"), h
    finally:
        support.rt("delete", "--force", cid, root=root)
        for h in hier:
            _rmdirs(f"/sys/fs/cgroup/{h}{top}/ct", f"/sys/fs/cgroup/{h}{top}")


@pytest.mark.parametrize("command", [("run", "-d"), ("create",)])
def test_a_frozen_cgroup_is_refused_never_joined(make_bundle, root, container_id, command):
    """A pre-existing frozen cgroup: runc's error and exit 1 at once. Joining it would stop the
    init in D state, where nothing (not even the caller's timeout) can kill it."""
    cid = container_id()
    path = f"/pyrt-test-frozen-{cid}"
    freezer = f"/sys/fs/cgroup/freezer{path}"
    os.mkdir(freezer)
    try:
        Path(freezer, "freezer.state").write_text("FROZEN")
        b = make_bundle(cid)
        b.config["linux"]["cgroupsPath"] = path
        b.set_args("true")
        res, _ = support.rt_create(b, cid, root, command=command, timeout=30)
        assert res.returncode == 1, res.stderr
        assert "container's cgroup unexpectedly frozen" in res.stderr, res.stderr
        assert not os.path.exists(os.path.join(root, cid))
        assert not os.path.exists(f"/sys/fs/cgroup/memory{path}")  # nothing made for it
    finally:
        Path(freezer, "freezer.state").write_text("THAWED")
        support.rt("delete", "--force", cid, root=root)
        os.rmdir(freezer)


@pytest.mark.parametrize("allow", [False, True])
def test_a_linux_devices_node_is_usable_only_where_resources_devices_allow_it(bundle, root, container_id, allow):
    """linux.devices makes the node; linux.resources.devices decides access (runc). With a deny-all
    and no allow, /dev/kmsg is refused by the devices cgroup, also after an update; with an allow
    it opens (CAP_SYSLOG is given, so only the cgroup can refuse)."""
    cid = container_id()
    rules = [{"allow": False, "access": "rwm"}]
    if allow:
        rules.append({"allow": True, "type": "c", "major": 1, "minor": 11, "access": "rw"})
    bundle.config["linux"]["resources"] = {"devices": rules}
    bundle.config["linux"]["devices"] = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}]
    for k in ("bounding", "effective", "permitted"):
        bundle.config["process"]["capabilities"][k].append("CAP_SYSLOG")
    bundle.set_args("sleep", "1000")
    res, _ = support.rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    try:
        for step in ("created", "updated"):
            r = support.rt("exec", cid, "sh", "-c", "head -c 1 /dev/kmsg >/dev/null && echo opened", root=root)
            if allow:
                assert r.returncode == 0 and r.stdout == "opened\n", (step, r.stderr)
            else:
                assert r.returncode == 1 and "Operation not permitted" in r.stderr, (step, r.stdout, r.stderr)
            assert support.rt("update", "--pids-limit", "42", cid, root=root).returncode == 0
    finally:
        support.rt("delete", "--force", cid, root=root)


def _run_in(bundle, root, cid, path, resources=None):
    bundle.config["linux"]["cgroupsPath"] = path
    if resources:
        bundle.config["linux"]["resources"] = resources
    bundle.set_args("sleep", "1000")
    res, _ = support.rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr


def _rmdirs(*dirs):
    for d in dirs:
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)


def test_a_pod_cpuset_with_empty_cpus_and_mems_is_filled(bundle, root, container_id):
    """A parent cgroup made by someone else (a pod) has empty cpuset.cpus/mems: every level from the
    mount down is filled from its parent (runc), or joining fails with ENOSPC."""
    cid = container_id()
    pod = f"/sys/fs/cgroup/cpuset/pyrt-test-pod-{cid}"
    os.mkdir(pod)
    try:
        assert cat(f"{pod}/cpuset.cpus") == ""
        _run_in(bundle, root, cid, f"/pyrt-test-pod-{cid}/ct")
        assert cat(f"{pod}/cpuset.cpus") == cat("/sys/fs/cgroup/cpuset/cpuset.cpus")
        assert cat(f"{pod}/ct/cpuset.mems") == cat("/sys/fs/cgroup/cpuset/cpuset.mems")
    finally:
        support.rt("delete", "--force", cid, root=root)
        _rmdirs(f"{pod}/ct", pod)


def test_update_rt_period_and_runtime_both_down(bundle, root, container_id):
    """cpu.rt_period_us and cpu.rt_runtime_us depend on each other: a period the kernel refuses
    first (below the current runtime) is written again after the runtime (runc's order)."""
    cid = container_id()
    base = "/sys/fs/cgroup/cpu"
    parent = f"{base}/pyrt-test-rt-{cid}"
    # the rt time left at the top (other cgroups there may hold some): the container's starts well
    # above the 10000 us period it is updated to, so that period is refused before its runtime
    taken = sum(int(cat(f"{e.path}/cpu.rt_runtime_us")) for e in os.scandir(base) if e.is_dir())
    free = int(cat(f"{base}/cpu.rt_runtime_us")) - taken
    if free < 100000:
        pytest.skip(f"only {free} us of rt runtime left at the top of the cpu hierarchy")
    os.mkdir(parent)
    try:
        Path(parent, "cpu.rt_runtime_us").write_text(str(free))
        _run_in(bundle, root, cid, f"/pyrt-test-rt-{cid}/ct",
                {"cpu": {"realtimePeriod": 900001, "realtimeRuntime": min(600001, free)}})
        for period, runtime in (("10000", "3000"), ("100000", "20000")):
            r = support.rt("update", cid, "--cpu-rt-period", period, "--cpu-rt-runtime", runtime, root=root)
            assert r.returncode == 0, r.stderr
            assert (cat(f"{parent}/ct/cpu.rt_period_us"), cat(f"{parent}/ct/cpu.rt_runtime_us")) == (period, runtime)
    finally:
        support.rt("delete", "--force", cid, root=root)
        _rmdirs(f"{parent}/ct", parent)


def test_update_cpu_burst_and_idle_flags(bundle, root, container_id):
    cid = container_id()
    path = f"/pyrt-test-{cid}"
    _run_in(bundle, root, cid, path)
    cpu = f"/sys/fs/cgroup/cpu{path}"
    try:
        for argv, f, want in ((("--cpu-period", "900000", "--cpu-burst", "500000"), "cpu.cfs_burst_us", "500000"),
                              (("--memory", "100M"), "cpu.cfs_burst_us", "500000"),
                              (("--cpu-burst", "0"), "cpu.cfs_burst_us", "0"),
                              (("--cpu-idle", "1"), "cpu.idle", "1"),
                              (("--cpu-idle", "0"), "cpu.idle", "0")):
            r = support.rt("update", cid, *argv, root=root)
            assert r.returncode == 0, (argv, r.stderr)
            assert cat(f"{cpu}/{f}") == want, argv
        r = support.rt("update", cid, "--cpu-idle", "x", root=root)
        assert r.returncode == 1 and 'invalid value for cpu-idle: strconv.ParseInt: parsing \\"x\\": invalid syntax' \
            in r.stderr, r.stderr
    finally:
        support.rt("delete", "--force", cid, root=root)


def test_update_of_a_stopped_container_and_without_intel_rdt(bundle, root, container_id):
    cid = container_id()
    _run_in(bundle, root, cid, f"/pyrt-test-{cid}")
    try:
        for flag, want in (("--l3-cache-schema", "Intel RDT/CAT: l3 cache schema is not enabled"),
                           ("--mem-bw-schema", "Intel RDT/MBA: memory bandwidth schema is not enabled")):
            r = support.rt("update", cid, flag, "L3:0=f", root=root)
            assert r.returncode == 1 and want in r.stderr, r.stderr
        assert support.rt("kill", cid, "KILL", root=root).returncode == 0
        support.wait_status(cid, "stopped", root)
        r = support.rt("update", cid, "--pids-limit", "10", root=root)
        assert r.returncode == 1 and "container not running" in r.stderr, r.stderr
    finally:
        support.rt("delete", "--force", cid, root=root)


def test_without_a_cgroup_namespace_the_container_sees_its_own_cgroups(bundle, root, container_id):
    """A `cgroup` mount without a cgroup namespace binds the container's own directory of each
    hierarchy (runc), not the host's whole tree: its limit is at the top, and (writable mount)
    a sub-cgroup made inside lands below the container's, where exec --cgroup finds it."""
    cid = container_id()
    path = f"/pyrt-test-{cid}"
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"] if n["type"] != "cgroup"]
    bundle.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                                    "options": ["nosuid", "noexec", "nodev", "relatime"]})
    _run_in(bundle, root, cid, path, {"memory": {"limit": 48 * MB}})
    try:
        r = support.rt("exec", cid, "sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
                       "mkdir /sys/fs/cgroup/memory/sub && ls /sys/fs/cgroup/pids/ | grep -c pyrt-test", root=root)
        assert r.returncode == 0 or r.stdout.splitlines()[-1:] == ["0"], r.stderr
        assert r.stdout.splitlines()[0] == str(48 * MB), r.stdout
        assert os.path.isdir(f"/sys/fs/cgroup/memory{path}/sub")
        r = support.rt("exec", "--cgroup", "memory:sub", cid, "cat", "/proc/self/cgroup", root=root)
        assert r.returncode == 0 and f":memory:{path}/sub\n" in r.stdout, (r.stdout, r.stderr)
    finally:
        support.rt("delete", "--force", cid, root=root)
        _rmdirs(f"/sys/fs/cgroup/memory{path}/sub")


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/hugetlb"), reason="no v1 hugetlb hierarchy")
def test_hugepage_limits_as_runc_takes_and_writes_them(bundle, root, container_id):
    """`pagesize` (Go reads JSON field names in any case) is taken; the limit goes to
    limit_in_bytes and, where the kernel has it, to the reservation limit too (runc)."""
    cid = container_id()
    path = f"/pyrt-test-{cid}"
    _run_in(bundle, root, cid, path, {"hugepageLimits": [{"pagesize": "2MB", "limit": 2 * MB}]})
    try:
        h = f"/sys/fs/cgroup/hugetlb{path}"
        assert cat(f"{h}/hugetlb.2MB.limit_in_bytes") == str(2 * MB)
        if os.path.exists(f"{h}/hugetlb.2MB.rsvd.limit_in_bytes"):
            assert cat(f"{h}/hugetlb.2MB.rsvd.limit_in_bytes") == str(2 * MB)
    finally:
        support.rt("delete", "--force", cid, root=root)
