"""--systemd-cgroup against a live systemd (issue 3): this machine's PID 1 is not systemd, so the
test starts one, Debian's /lib/systemd/systemd, as PID 1 of its own pid, mount, UTS, IPC and
network namespaces with a private /run. It loads only our units: a target that starts dbus-daemon
as the system bus. pyruntime then runs inside those pid and mount namespaces (nsenter), where
/run/systemd/system and /run/dbus/system_bus_socket are the live systemd's.

systemd must not change the host. It gets its own /sys/fs/cgroup tmpfs (it remounts that read-only)
holding binds of the host's hierarchies, and a placeholder tmpfs where each unbound v1 controller
would go (mounting those would move hugetlb off cgroup2). At the end it is killed with its pid
namespace, and the slices it made in the host's hierarchies are removed.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import support

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")

SYSTEMD = "/lib/systemd/systemd"
CG = Path("/sys/fs/cgroup")
OURS = ("init.scope", "system.slice")  # what systemd makes in the hierarchies it shares with us

UNITS = {
    "minimal.target": "[Unit]\nDescription=pyruntime test: systemd with only a system bus\n"
                      "Wants=dbus.socket dbus.service\n",
    "dbus.socket": "[Socket]\nListenStream=/run/dbus/system_bus_socket\n",
    "dbus.service": "[Unit]\nRequires=dbus.socket\n[Service]\nExecStart=/usr/bin/dbus-daemon --system "
                    "--address=systemd: --nofork --nopidfile --systemd-activation --syslog-only\n",
}

SETUP = r"""
set -e
mkdir -p "$HOSTCG"
mount --rbind /sys/fs/cgroup "$HOSTCG"
mount -t tmpfs -o mode=755 cgroup-root /sys/fs/cgroup
for d in "$HOSTCG"/*; do
    n=$(basename "$d")
    if [ -L "$d" ]; then ln -s "$(readlink "$d")" "/sys/fs/cgroup/$n"; continue; fi
    mkdir "/sys/fs/cgroup/$n"
    if mountpoint -q "$d"; then mount --bind "$d" "/sys/fs/cgroup/$n"; fi
done
for c in $(awk '!/^#/ && $2 == 0 && $4 == 1 {print $1}' /proc/cgroups) cpu,cpuacct net_cls,net_prio; do
    [ -e "/sys/fs/cgroup/$c" ] && continue
    mkdir "/sys/fs/cgroup/$c"
    mount -t tmpfs -o ro,size=4k placeholder "/sys/fs/cgroup/$c"
done
umount -l "$HOSTCG"
mount -t tmpfs -o mode=755 run /run
mkdir -p /run/dbus
mount -t proc proc /proc
exec env -i container=pyruntime-test SYSTEMD_UNIT_PATH="/run/systemd/transient:$UNITS" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    "$SYSTEMD" --system --unit=minimal.target --log-target=console --log-level=warning
"""


def _host_hierarchies():
    return [p for p in CG.iterdir() if p.is_dir() and not p.is_symlink() and os.path.ismount(p)]


def _remove_tree(path):
    for dirpath, _, _ in sorted(os.walk(path), key=lambda t: -t[0].count("/")):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


@pytest.fixture(scope="module")
def live_systemd(tmp_path_factory):
    for tool in (SYSTEMD, "/usr/bin/dbus-daemon", shutil.which("nsenter"), shutil.which("unshare")):
        assert tool and os.access(tool, os.X_OK), f"{tool} is required (scripts/setup.sh installs it)"
    pytest.importorskip("jeepney")  # a dependency of pyruntime: always there when it is installed
    work = tmp_path_factory.mktemp("systemd")
    units = work / "units"
    units.mkdir()
    for name, text in UNITS.items():
        (units / name).write_text(text)
    before = {h: [u for u in OURS if (h / u).exists()] for h in _host_hierarchies()}
    assert not any(before.values()), f"a systemd slice is already in the host's cgroups: {before}"
    env = dict(os.environ, HOSTCG=str(work / "hostcg"), UNITS=str(units), SYSTEMD=SYSTEMD)
    log = open(work / "systemd.log", "wb")
    outer = subprocess.Popen(["unshare", "--pid", "--mount", "--uts", "--ipc", "--net", "--fork",
                              "--propagation", "private", "sh", "-c", SETUP],
                             env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    pid = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert outer.poll() is None, f"systemd did not start: {(work / 'systemd.log').read_text()[-2000:]}"
            kids = Path(f"/proc/{outer.pid}/task/{outer.pid}/children").read_text().split()
            if kids and os.path.exists(f"/proc/{kids[0]}/root/run/dbus/system_bus_socket") and \
                    _in_ns(int(kids[0]), "systemctl", "is-system-running").stdout.strip() in ("running", "degraded"):
                pid = int(kids[0])
                break
            time.sleep(0.2)
        assert pid, f"systemd did not come up in 60 s: {(work / 'systemd.log').read_text()[-2000:]}"
        yield pid
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)  # PID 1 of its namespace: everything in it goes too
        outer.kill()
        outer.wait(30)
        log.close()
        time.sleep(0.2)
        for h in _host_hierarchies():
            for u in OURS:
                if (h / u).exists():
                    _remove_tree(h / u)
        left = [str(h / u) for h in _host_hierarchies() for u in OURS if (h / u).exists()]
        assert not left, f"systemd's cgroups left behind: {left}"


def _in_ns(pid, *argv, timeout=60):
    """argv inside systemd's pid and mount namespaces. Output through files, not pipes: a container
    started by `run -d` inherits them and would hold a pipe open."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.run(["nsenter", "-t", str(pid), "-m", "-p", *argv], stdout=out, stderr=err,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(p.args, p.returncode, out.read().decode(errors="replace"),
                                           err.read().decode(errors="replace"))


def _rt(pid, root, *args):
    return _in_ns(pid, support.RUNTIME, "--root", str(root), *map(str, args))


def _show(pid, unit, *props):
    out = _in_ns(pid, "systemctl", "show", unit, *(f"--property={p}" for p in props)).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def _bundle(bundle, unit_name, **resources):
    bundle.set_args("sleep", "1000")
    bundle.config["linux"]["cgroupsPath"] = f"system.slice:pyrt:{unit_name}"
    bundle.config["linux"]["resources"] = resources
    bundle.write()
    return bundle


def test_scope_holds_the_container_with_its_limits(live_systemd, bundle, root, container_id):
    cid = container_id()
    unit = f"pyrt-{cid}.scope"
    _bundle(bundle, cid, memory={"limit": 64 << 20}, pids={"limit": 50}, cpu={"shares": 512})
    r = _rt(live_systemd, root, "--systemd-cgroup", "run", "-d", "--bundle", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    try:
        props = _show(live_systemd, unit, "ActiveState", "ControlGroup", "TasksMax", "MemoryLimit", "CPUShares",
                      "Delegate")
        assert props == {"ActiveState": "active", "ControlGroup": f"/system.slice/{unit}", "TasksMax": "50",
                         "MemoryLimit": str(64 << 20), "CPUShares": "512", "Delegate": "yes"}, props
        scope = f"system.slice/{unit}"
        assert (CG / "memory" / scope / "memory.limit_in_bytes").read_text().strip() == str(64 << 20)
        assert (CG / "pids" / scope / "pids.max").read_text().strip() == "50"
        assert (CG / "cpu" / scope / "cpu.shares").read_text().strip() == "512"
        procs = (CG / "systemd" / scope / "cgroup.procs").read_text().split()
        assert [Path(f"/proc/{p}/comm").read_text().strip() for p in procs] == ["sleep"]
        # every hierarchy, not only those systemd manages for the unit: the devices rules are ours
        assert "c 1:3 rwm" in (CG / "devices" / scope / "devices.list").read_text()
        ex = _rt(live_systemd, root, "exec", cid, "cat", "/proc/self/cgroup")
        assert ex.returncode == 0, ex.stderr
        assert re.search(rf"^\d+:memory:/system\.slice/{re.escape(unit)}$", ex.stdout, re.M), ex.stdout
        # update: the cgroup files and the unit (so a reload does not put the old limits back)
        up = _rt(live_systemd, root, "update", "--memory", 100 << 20, "--pids-limit", 60, cid)
        assert up.returncode == 0, up.stderr
        assert _show(live_systemd, unit, "MemoryLimit", "TasksMax") == {"MemoryLimit": str(100 << 20),
                                                                         "TasksMax": "60"}
        assert _in_ns(live_systemd, "systemctl", "daemon-reload").returncode == 0
        assert (CG / "memory" / scope / "memory.limit_in_bytes").read_text().strip() == str(100 << 20)
        assert (CG / "pids" / scope / "pids.max").read_text().strip() == "60"
        assert _rt(live_systemd, root, "pause", cid).returncode == 0
        assert json.loads(_rt(live_systemd, root, "state", cid).stdout)["status"] == "paused"
        assert _rt(live_systemd, root, "resume", cid).returncode == 0
    finally:
        d = _rt(live_systemd, root, "delete", "--force", cid)
    assert d.returncode == 0, d.stderr
    assert _show(live_systemd, unit, "LoadState")["LoadState"] == "not-found"
    assert not [h for h in _host_hierarchies() if (h / "system.slice" / unit).exists()]


def test_unit_already_taken_fails_cleanly(live_systemd, make_bundle, root, container_id):
    """A second container for the same unit: refused before systemd is asked (the unit's cgroup
    holds the first's init: runc's check and wording), one line, and nothing of the second
    container left (the first one keeps running in its scope)."""
    first, second = container_id(), container_id()
    name = f"shared-{first}"
    unit = f"pyrt-{name}.scope"
    a = _bundle(make_bundle("a"), name)
    b = _bundle(make_bundle("b"), name)
    r = _rt(live_systemd, root, "--systemd-cgroup", "run", "-d", "--bundle", a.path, first)
    assert r.returncode == 0, r.stderr
    try:
        r = _rt(live_systemd, root, "--systemd-cgroup", "create", "--bundle", b.path, second)
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "container's cgroup is not empty: 1 process(es) found" in lines[0], r.stderr
        assert not (root / second).exists()
        assert _rt(live_systemd, root, "state", second).returncode != 0
        st = json.loads(_rt(live_systemd, root, "state", first).stdout)
        assert st["status"] == "running"
        assert _show(live_systemd, unit, "ActiveState")["ActiveState"] == "active"
    finally:
        _rt(live_systemd, root, "delete", "--force", first)
        _rt(live_systemd, root, "delete", "--force", second)
