"""podman 4.3 (through conmon) with the runtime under test, by absolute path and by name."""

from __future__ import annotations

import json
import os
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path

import pytest

import clientutil as cu
from clientutil import IMAGE, PODMAN_ROOT, RUNTIME

PODMAN = ["podman", "--runtime", RUNTIME]


def podman(*args, timeout=60, check=False, runtime=None):
    base = ["podman", "--runtime", runtime] if runtime else PODMAN
    return cu.run([*base, *args], timeout=timeout, check=check)


class Containers:
    """Names handed out by a test; at teardown each is force-removed, then checked clean."""

    def __init__(self):
        self.names = []
        self.ids = {}

    def name(self, prefix="pod"):
        n = cu.unique(prefix)
        self.names.append(n)
        return n

    def run_d(self, *args, prefix="pod"):
        """podman run -d --name N *args -> (name, full id)."""
        n = self.name(prefix)
        proc = podman("run", "-d", "--name", n, *args, check=True)
        cid = proc.stdout.strip().splitlines()[-1]
        self.ids[n] = cid
        return n, cid


@pytest.fixture
def ctrs():
    c = Containers()
    yield c
    for n in c.names:
        podman("rm", "-f", "-t", "0", n, timeout=60)
    for n, cid in c.ids.items():
        cu.assert_nothing_left(cid, PODMAN_ROOT)


def inspect(name) -> dict:
    return json.loads(podman("inspect", name, check=True).stdout)[0]


def run_rm(tmp_path, *args, timeout=60):
    """podman run --rm --cidfile F *args -> (CompletedProcess, container id)."""
    cidfile = tmp_path / f"cid-{cu.unique()}"
    proc = podman("run", "--rm", "--cidfile", cidfile, *args, timeout=timeout)
    cid = cidfile.read_text().strip() if cidfile.exists() else None
    return proc, cid


def rm_and_check(proc, cid):
    assert cid, f"podman wrote no container id: {proc.stderr}"
    cu.assert_nothing_left(cid, PODMAN_ROOT)


# --- basics ------------------------------------------------------------------------------------------


def test_run_rm_echo(tmp_path):
    proc, cid = run_rm(tmp_path, IMAGE, "echo", "hi")
    assert (proc.returncode, proc.stdout) == (0, "hi\n"), proc.stderr
    rm_and_check(proc, cid)


def test_run_exit_status_and_stderr(tmp_path):
    proc, cid = run_rm(tmp_path, IMAGE, "sh", "-c", "echo out; echo err >&2; exit 42")
    assert proc.returncode == 42, proc.stderr
    assert proc.stdout == "out\n"
    assert "err" in proc.stderr
    rm_and_check(proc, cid)


def test_missing_command_exits_127(tmp_path):
    proc, cid = run_rm(tmp_path, IMAGE, "/no/such/command")
    assert proc.returncode == 127, (proc.returncode, proc.stderr)
    assert "no such file or directory" in proc.stderr.lower() or "not found" in proc.stderr.lower(), proc.stderr
    if cid:
        cu.assert_nothing_left(cid, PODMAN_ROOT)


def test_detached_logs_stop_rm(ctrs):
    script = 'echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.2; done'
    name, cid = ctrs.run_d(IMAGE, "sh", "-c", script)
    cu.poll(lambda: "started" in podman("logs", name).stdout, what="'started' in podman logs")
    info = inspect(name)
    assert info["State"]["Running"] is True
    pid = info["State"]["Pid"]
    assert cu.support.pid_alive(pid)
    assert (PODMAN_ROOT / cid).is_dir(), f"podman did not use {PODMAN_ROOT} as the runtime root"
    proc = podman("stop", "-t", "10", name, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = inspect(name)
    assert info["State"]["Status"] == "exited"
    assert info["State"]["ExitCode"] == 0
    assert "bye" in podman("logs", name).stdout
    assert not cu.support.pid_alive(pid)
    podman("rm", name, check=True)
    cu.assert_nothing_left(cid, PODMAN_ROOT, pids=[pid])


def test_kill_delivers_signal(ctrs):
    name, cid = ctrs.run_d(IMAGE, "sh", "-c", 'trap "exit 7" USR1; while :; do sleep 0.1; done')
    cu.poll(lambda: inspect(name)["State"]["Running"], what="running")
    time.sleep(0.3)  # let sh install the trap
    podman("kill", "-s", "USR1", name, check=True)
    proc = podman("wait", name, timeout=30)
    assert proc.stdout.strip() == "7", (proc.stdout, proc.stderr)
    # the default signal (KILL)
    name2, cid2 = ctrs.run_d(IMAGE, "sleep", "1000")
    podman("kill", name2, check=True)
    assert podman("wait", name2, timeout=30).stdout.strip() == "137"
    podman("rm", name, name2, check=True)
    cu.assert_nothing_left(cid, PODMAN_ROOT)
    cu.assert_nothing_left(cid2, PODMAN_ROOT)


def test_inspect(ctrs):
    name, cid = ctrs.run_d("--hostname", "insp", IMAGE, "sleep", "1000")
    info = inspect(name)
    assert info["Id"] == cid
    assert info["State"]["Status"] == "running"
    assert info["Config"]["Hostname"] == "insp"
    assert os.path.basename(info["OCIRuntime"]) == cu.RUNTIME_NAME, info["OCIRuntime"]
    state_file = PODMAN_ROOT / cid / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else None
    if state is not None and "pid" in state:
        assert state["pid"] == info["State"]["Pid"]


def test_top(ctrs):
    name, _ = ctrs.run_d(IMAGE, "sleep", "1000")
    proc = podman("top", name, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "sleep 1000" in proc.stdout, proc.stdout


def test_pause_unpause(ctrs):
    name, cid = ctrs.run_d(IMAGE, "sh", "-c", "while :; do date +%s%N > /tmp/tick; sleep 0.05; done")
    pid = inspect(name)["State"]["Pid"]
    proc = podman("pause", name, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert inspect(name)["State"]["Status"] == "paused"
    freezer = cu.cgroup_v1_file(pid, "freezer", "freezer.state")
    assert cid in str(freezer), f"the container is not in a cgroup of its own: {freezer}"
    assert freezer.read_text().strip() == "FROZEN"
    tick = podman("exec", name, "cat", "/tmp/tick", timeout=10)  # exec into a frozen cgroup
    proc = podman("unpause", name, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert inspect(name)["State"]["Status"] == "running"
    assert freezer.read_text().strip() == "THAWED"
    first = podman("exec", name, "cat", "/tmp/tick", check=True).stdout
    # a thawed task can take a moment to run again here (the same with runc: a sleep or a write
    # caught by the v1 freezer on this kernel), so wait for progress; a frozen one never ticks
    deadline = time.monotonic() + 5
    while podman("exec", name, "cat", "/tmp/tick", check=True).stdout == first:
        assert time.monotonic() < deadline, "still frozen"
        time.sleep(0.2)
    del tick


# --- exec --------------------------------------------------------------------------------------------


def test_exec_plain(ctrs):
    name, cid = ctrs.run_d(IMAGE, "sleep", "1000")
    # a marker no other process on the machine carries (sh's $0), to find lingering execs
    marker = f"pyr-exec-{uuid.uuid4().hex}"
    proc = podman("exec", name, "sh", "-c", "echo in-$(hostname); echo e >&2; exit 3", marker)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == f"in-{cid[:12]}\n"
    assert proc.stderr.strip() == "e"
    proc = podman("exec", "--user", "65534", "-w", "/tmp", "-e", "FOO=bar", name, "sh", "-c", 'id -u; pwd; echo $FOO')
    assert proc.stdout.split() == ["65534", "/tmp", "bar"], proc.stderr
    proc = podman("exec", name, "/no/such/command")
    assert proc.returncode == 127, (proc.returncode, proc.stderr)
    # exec'd processes do not linger
    assert cu.processes_mentioning(marker) == []


def test_exec_it(ctrs):
    name, _ = ctrs.run_d(IMAGE, "sleep", "1000")
    term = cu.PtyClient([*PODMAN, "exec", "-it", name, "sh"])
    try:
        term.expect("# ", timeout=30)
        term.send("echo $((6*7))-marker; tty; exit 5\r")
        out = term.expect("-marker", timeout=20)
        status = term.wait(30)
        assert status == 5, term.output
        assert "42-marker" in term.output
        assert "/dev/pts/" in term.output, out
    finally:
        term.close()


def test_run_it(tmp_path):
    cidfile = tmp_path / "cid"
    term = cu.PtyClient([*PODMAN, "run", "-it", "--rm", "--cidfile", cidfile, IMAGE, "sh"])
    try:
        term.expect("# ", timeout=30)
        term.send("stty size; echo $((5*5))-mark; tty\r")
        term.expect("25-mark", timeout=20)
        term.expect("/dev/pts/0", timeout=10)
        term.send("exit 4\r")
        status = term.wait(30)
    finally:
        term.close()
    assert status == 4, term.output
    cu.assert_nothing_left(cidfile.read_text().strip(), PODMAN_ROOT)


# --- options ----------------------------------------------------------------------------------------


def test_hostname(tmp_path):
    proc, cid = run_rm(tmp_path, "--hostname", "pyhost", IMAGE, "hostname")
    assert (proc.returncode, proc.stdout) == (0, "pyhost\n"), proc.stderr
    rm_and_check(proc, cid)


def test_user(tmp_path):
    proc, cid = run_rm(tmp_path, "--user", "65534:65534", IMAGE, "id")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("uid=65534(nobody) gid=65534(nogroup)"), proc.stdout
    rm_and_check(proc, cid)


def test_cap_add_drop(tmp_path):
    proc, cid = run_rm(tmp_path, "--cap-drop", "all", "--cap-add", "NET_ADMIN", IMAGE, "cat", "/proc/self/status")
    assert proc.returncode == 0, proc.stderr
    assert cu.cap_eff(proc.stdout) == 1 << 12, proc.stdout  # CAP_NET_ADMIN only
    rm_and_check(proc, cid)
    proc, cid = run_rm(tmp_path, "--cap-drop", "CHOWN", IMAGE, "cat", "/proc/self/status")
    eff = cu.cap_eff(proc.stdout)
    assert eff & (1 << 0) == 0, hex(eff)  # CAP_CHOWN dropped
    assert eff & (1 << 5) and eff & (1 << 7), hex(eff)  # CAP_KILL, CAP_SETUID kept (podman defaults)
    rm_and_check(proc, cid)


def test_memory_limit(ctrs):
    name, cid = ctrs.run_d("--memory", "64m", IMAGE, "sleep", "1000")
    pid = inspect(name)["State"]["Pid"]
    f = cu.cgroup_v1_file(pid, "memory", "memory.limit_in_bytes")
    assert cid in str(f), f"the container is not in the memory cgroup podman asked for: {f}"
    assert int(f.read_text()) == 64 * 1024 * 1024


def test_update_memory(ctrs):
    name, cid = ctrs.run_d("--memory", "64m", IMAGE, "sleep", "1000")
    proc = podman("update", "--memory", "96m", name, timeout=30)
    assert proc.returncode == 0, proc.stderr
    pid = inspect(name)["State"]["Pid"]
    f = cu.cgroup_v1_file(pid, "memory", "memory.limit_in_bytes")
    assert cid in str(f), f
    assert int(f.read_text()) == 96 * 1024 * 1024


def test_pids_limit(ctrs):
    name, cid = ctrs.run_d("--pids-limit", "50", IMAGE, "sleep", "1000")
    pid = inspect(name)["State"]["Pid"]
    f = cu.cgroup_v1_file(pid, "pids", "pids.max")
    assert cid in str(f), f"the container is not in the pids cgroup podman asked for: {f}"
    assert f.read_text().strip() == "50"


def test_read_only(tmp_path):
    proc, cid = run_rm(tmp_path, "--read-only", IMAGE, "sh", "-c", "touch /x; echo rc=$?; touch /tmp/y && echo tmp-ok")
    assert proc.returncode == 0, proc.stderr
    assert "Read-only file system" in proc.stderr
    assert "rc=1" in proc.stdout and "tmp-ok" in proc.stdout, proc.stdout
    rm_and_check(proc, cid)


def test_tmpfs(tmp_path):
    proc, cid = run_rm(tmp_path, "--tmpfs", "/scratch:rw,size=1m,mode=1770", IMAGE, "sh", "-c",
                       "grep ' /scratch ' /proc/mounts; stat -c %a /scratch; echo x > /scratch/f && cat /scratch/f")
    assert proc.returncode == 0, proc.stderr
    line, mode, content = proc.stdout.splitlines()
    assert line.startswith("tmpfs /scratch tmpfs rw") and "size=1024k" in line, line
    assert mode == "1770"
    assert content == "x"
    rm_and_check(proc, cid)


def test_bind_mount(tmp_path):
    host = tmp_path / "data"
    host.mkdir()
    (host / "in.txt").write_text("from-host\n")
    ro = tmp_path / "ro"
    ro.mkdir()
    proc, cid = run_rm(tmp_path, "-v", f"{host}:/data", "-v", f"{ro}:/ro:ro", IMAGE, "sh", "-c",
                       "cat /data/in.txt; echo from-ctr > /data/out.txt; touch /ro/x 2>/dev/null || echo ro-ok")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["from-host", "ro-ok"]
    assert (host / "out.txt").read_text() == "from-ctr\n"
    assert not (ro / "x").exists()
    rm_and_check(proc, cid)


def test_publish_port_httpd(ctrs):
    script = "mkdir -p /www && echo hello-http > /www/index.html && exec httpd -f -p 80 -h /www"
    name, cid = ctrs.run_d("-p", "127.0.0.1:8080:80", IMAGE, "sh", "-c", script)
    body = None
    last = None
    for _ in range(50):  # bounded: ~10 s
        try:
            with urllib.request.urlopen("http://127.0.0.1:8080/", timeout=2) as r:
                body = r.read().decode()
                break
        except OSError as e:
            last = e
            time.sleep(0.2)
    assert body == "hello-http\n", \
        f"no answer from httpd through -p 8080:80: {last}; logs: {podman('logs', name).stdout}"


# --- registration by name ---------------------------------------------------------------------------


def test_register_by_name(tmp_path):
    conf = Path("/etc/containers/containers.conf")
    script = cu.REPO / "scripts" / "register-podman.sh"
    proc = cu.run(["bash", script, RUNTIME], timeout=30)
    assert proc.returncode == 0, proc.stderr
    text = conf.read_text()
    data = tomllib.loads(text)
    assert data["engine"]["runtimes"][cu.RUNTIME_NAME] == [RUNTIME]
    assert cu.RUNTIME_NAME in data["engine"]["runtime_supports_json"]
    assert data["containers"]["default_ulimits"], "register-podman.sh dropped other settings"
    cu.run(["bash", script, RUNTIME], timeout=30, check=True)
    assert conf.read_text() == text, "register-podman.sh is not idempotent"

    proc = podman("info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}", runtime=cu.RUNTIME_NAME)
    assert proc.stdout.split() == [cu.RUNTIME_NAME, RUNTIME], (proc.stdout, proc.stderr)
    cidfile = tmp_path / "cid"
    proc = podman("run", "--rm", "--cidfile", cidfile, IMAGE, "echo", "by-name", runtime=cu.RUNTIME_NAME)
    assert (proc.returncode, proc.stdout) == (0, "by-name\n"), proc.stderr
    cu.assert_nothing_left(cidfile.read_text().strip(), PODMAN_ROOT)
    # with runtime_supports_json, podman reads errors from the runtime's JSON log
    proc = podman("run", "--rm", IMAGE, "/no/such/command", runtime=cu.RUNTIME_NAME)
    assert proc.returncode == 127, (proc.returncode, proc.stderr)
