"""cgroup v2 driver, for real, on a pure cgroup v2 kernel: run inside a VM by run-in-vm.sh
(software emulation is slow: keep this set small). Skipped on any other host.

Covers: conversions land in the files, unified keys, a missing key/page size is named, devices by
eBPF (denied device cannot be opened or created, allowed one can), cgroup.freeze stops a busy loop,
OOM kill counted, pids limit makes fork fail, live update, nothing left behind; and one whole
container through the CLI (the init cloned into its cgroup, limits converted, eBPF devices).
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from pyruntime.cgroups import Manager, devices, layout
from pyruntime.cgroups import resources as res
from pyruntime.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bpf_ctypes import CtypesBackend

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or layout() != "v2", reason="needs root on a cgroup v2 host")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
MB = 1 << 20
CG = "/sys/fs/cgroup"


@pytest.fixture(autouse=True)
def bpf_backend():
    old = devices._backend
    try:
        devices.CffiBackend()
    except Exception:  # noqa: BLE001 (the native extension has no pyr_bpf yet: use ctypes)
        devices._backend = CtypesBackend()
    yield
    devices._backend = old


@pytest.fixture
def made():
    ms = []
    yield ms
    for m in ms:
        for pid in m.pids():
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
        m.destroy()
        assert not os.path.exists(m.path)


def mgr(made, resources=None, devs=None):
    cid = f"v{uuid.uuid4().hex[:8]}"
    m = Manager.for_container({"linux": {"cgroupsPath": f"/pyrt-v2-{cid}", "resources": resources or {},
                                         "devices": devs or []}}, cid)
    made.append(m)
    return m


def waiting(code):
    return subprocess.Popen([PY, "-c", "import sys; sys.stdin.readline()\n" + code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def go(p, timeout=120):
    out, err = p.communicate("go\n", timeout=timeout)
    return p.returncode, out, err


def cat(path):
    return Path(path).read_text().strip()


def test_layout():
    assert layout() == "v2"


def test_limits_conversions_unified_and_cleanup(made):
    m = mgr(made, {"memory": {"limit": 64 * MB, "swap": 96 * MB, "reservation": 16 * MB},
                   "cpu": {"shares": 1024, "quota": 20000, "period": 100000},
                   "pids": {"limit": 30}, "unified": {"memory.high": str(60 * MB)}})
    m.create()
    p = m.path
    assert cat(f"{p}/memory.max") == str(64 * MB)
    assert cat(f"{p}/memory.swap.max") == str(32 * MB)
    assert cat(f"{p}/memory.low") == str(16 * MB)
    assert cat(f"{p}/memory.high") == str(60 * MB)
    assert cat(f"{p}/cpu.weight") == str(res.shares_to_weight(1024))
    assert cat(f"{p}/cpu.max") == "20000 100000"
    assert cat(f"{p}/pids.max") == "30"
    s = subprocess.Popen(["sleep", "60"])
    try:
        m.add(s.pid)
        assert m.pids() == [s.pid]
        assert cat(f"/proc/{s.pid}/cgroup") == f"0::{m.inner}"
        st = m.stats()
        assert st["pids"] == {"current": 1, "limit": 30}
        assert st["memory"]["usage"]["limit"] == 64 * MB
    finally:
        s.kill()
        s.wait()


def test_unknown_unified_key_and_page_size_are_named(made):
    m = mgr(made, {"unified": {"memory.nosuchfile": "1"}})
    with pytest.raises(ConfigError, match="memory.nosuchfile"):
        m.create()
    assert not os.path.exists(m.path)
    m = mgr(made, {"unified": {"nosuchctl.max": "1"}})
    with pytest.raises(ConfigError, match='controller "nosuchctl" not available'):
        m.create()
    m = mgr(made, {"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]})
    with pytest.raises(ConfigError, match="3MB"):
        m.create()
    assert not os.path.exists(m.path)


@pytest.mark.parametrize("key", ["../cpu.weight", "/cpu.weight", "cpu.weight/../../cpu.weight", ""])
def test_unified_keys_cannot_leave_the_cgroup(made, key):
    """docs/security.md: a `unified` key is a file name in the container's own cgroup, never a path
    (the v2 counterpart of tests/security's traversal case, which needs a v2 host)."""
    parent = Path(f"{CG}/cpu.weight")
    before = parent.read_text() if parent.exists() else None
    with pytest.raises(ConfigError, match="unified"):
        mgr(made, {"unified": {key: "1"}}).create()
    assert (parent.read_text() if parent.exists() else None) == before


def test_devices_ebpf(made, tmp_path):
    m = mgr(made, {"devices": [{"allow": False, "access": "rwm"},
                               {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
                               {"allow": False, "type": "c", "access": "m"}]})
    m.create()
    p = waiting(f"""
import os
def tryit(f):
    try:
        f(); return 'ok'
    except OSError as e:
        return 'EPERM' if e.errno == 1 else 'ok'  # e.g. ENXIO: mknod on 9p, after the device check
print(tryit(lambda: open('/dev/null', 'r+b').close()))
print(tryit(lambda: open('/dev/zero', 'rb').close()))
print(tryit(lambda: os.mknod('{tmp_path}/z', 0o20600, os.makedev(1, 5))))
print(tryit(lambda: os.mknod('{tmp_path}/n', 0o20600, os.makedev(1, 3))))
""")
    m.add(p.pid)
    rc, out, err = go(p)
    assert rc == 0, err
    assert out.split() == ["ok", "EPERM", "EPERM", "ok"]


def _utime(pid):
    data = Path(f"/proc/{pid}/stat").read_text()
    return int(data[data.rindex(")") + 2:].split()[11])


def test_freeze_thaw(made):
    m = mgr(made)
    m.create()
    s = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    try:
        m.add(s.pid)
        time.sleep(0.5)
        m.freeze()
        assert m.frozen()
        t0 = _utime(s.pid)
        time.sleep(1)
        assert _utime(s.pid) == t0
        m.thaw()
        assert not m.frozen()
        time.sleep(1)
        assert _utime(s.pid) > t0
    finally:
        s.kill()
        s.wait()


def test_oom_and_pids_and_update(made):
    m = mgr(made, {"memory": {"limit": 32 * MB, "swap": 32 * MB}, "pids": {"limit": 4}})
    m.create()
    p = waiting("import os, time\nfails = 0\nfor i in range(6):\n"
                "    try:\n        pid = os.fork()\n    except BlockingIOError:\n        fails += 1; continue\n"
                "    if pid == 0:\n        time.sleep(1); os._exit(0)\n"
                "print(fails, flush=True)\nb = b'x' * (200 << 20)\nprint('survived')")
    m.add(p.pid)
    rc, out, _ = go(p)
    assert out.split()[0] == "3" and "survived" not in out and rc == -signal.SIGKILL
    assert m.oom_events() >= 1
    m.update({"memory": {"limit": 128 * MB}, "pids": {"limit": -1}})
    assert cat(f"{m.path}/memory.max") == str(128 * MB)
    assert cat(f"{m.path}/pids.max") == "max"


@pytest.fixture
def run_root():
    """--root on /run (a tmpfs in the VM): the VM's shared TMPDIR (9p) cannot hold the exec fifo."""
    path = Path(f"/run/pyrt-v2-state-{uuid.uuid4().hex[:8]}")
    path.mkdir()
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=False)


def test_whole_container_through_the_cli(bundle, run_root):
    """A whole container on pure cgroup v2, through the CLI: the init is cloned straight into its
    cgroup (CLONE_INTO_CGROUP), the v1-style limits arrive converted, the eBPF device filter
    denies a rule's device, the cgroup namespace's root is the container's cgroup, and `run`
    removes the cgroup when the container exits."""
    import support
    cid = f"v2cli{uuid.uuid4().hex[:8]}"
    path = f"/pyrt-v2-{cid}"
    c = bundle.config
    c["linux"]["cgroupsPath"] = path
    c["linux"]["namespaces"].append({"type": "cgroup"})
    c["linux"]["resources"] = {"memory": {"limit": 64 * MB}, "pids": {"limit": 32}, "cpu": {"shares": 512},
                               "devices": [{"allow": False, "type": "c", "major": 1, "minor": 9, "access": "rwm"}]}
    c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                        "options": ["nosuid", "noexec", "nodev", "ro"]})
    bundle.set_args("sh", "-c", "cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max "
                    "/sys/fs/cgroup/cpu.weight; head -c1 /dev/urandom >/dev/null 2>&1 && echo urandom-open "
                    "|| echo urandom-denied; head -c1 /dev/zero | wc -c")
    proc = support.rt_run(bundle, cid, run_root, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # shares 512 -> weight 1 + (512 - 2) * 9999 // 262142 = 20 (runc's conversion)
    assert proc.stdout.split() == ["0::/", str(64 * MB), "32", "20", "urandom-denied", "1"], proc.stdout
    assert not os.path.exists(CG + path)


def test_a_root_without_fifos_is_a_clean_error(bundle, tmp_path):
    """create with --root on a filesystem that cannot hold the exec fifo (the VM's 9p TMPDIR): one
    line naming the fifo, and no state directory, cgroup or process left."""
    import support
    try:
        os.mkfifo(tmp_path / "probe")
    except OSError:
        pass
    else:
        pytest.skip("this TMPDIR holds fifos: run by run-in-vm.sh, where it is 9p")
    state_root = tmp_path / "state"
    state_root.mkdir()
    cid = f"v2fifo{uuid.uuid4().hex[:8]}"
    bundle.config["linux"]["cgroupsPath"] = f"/pyrt-v2-{cid}"
    proc, _ = support.rt_create(bundle, cid, state_root)
    assert proc.returncode == 1, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot make the exec fifo" in lines[0], proc.stderr
    assert list(state_root.iterdir()) == []
    assert not os.path.exists(f"{CG}/pyrt-v2-{cid}")
