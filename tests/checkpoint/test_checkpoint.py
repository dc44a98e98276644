"""checkpoint and restore through CRIU, for real: run inside the 6.1 VM by run-in-vm.sh (Debian's
criu 3.17 cannot run on the host's newer kernel). Skipped where `criu check` fails.

Covers: a counting process is checkpointed, is gone, restores under the same ID and counts on from
where it stopped (and exec, state, kill, delete work on it); --leave-running; pre-dump then dump
(--parent-path); an established TCP connection with --tcp-established (and refused without);
a container with a terminal (console socket, the shell's memory kept); cgroup limits restored;
restore under a new ID from the same images; a foreground restore waits and returns the exit
status; podman container checkpoint/restore with --runtime pointing at pyruntime.

State, bundles and images live on a tmpfs (run-in-vm.sh passes --basetemp under /run): the VM's
shared directories are 9p, where fifos do not open and CRIU cannot work.
"""
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import support

MB = 1 << 20
RT = support.RUNTIME


def _criu_check():
    """None when this kernel suits CRIU (`criu check` passes), else why not."""
    if os.geteuid() != 0:
        return "needs root"
    if not shutil.which("criu"):
        return "criu is not installed"
    # --no-default-config: runc's checkpoint.bats leaves an /etc/criu/default.conf naming a log file in the cwd
    proc = subprocess.run(["criu", "check", "--no-default-config"], capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        return "`criu check` fails on this kernel (run by tests/checkpoint/run-in-vm.sh): " + \
            (proc.stderr.strip().splitlines() or [""])[-1]
    return None


CRIU_PROBLEM = _criu_check()
pytestmark = pytest.mark.skipif(CRIU_PROBLEM is not None, reason=CRIU_PROBLEM or "")


class Stdio:
    """Pipes for a container's stdin/stdout/stderr, kept open by the test (runc's checkpoint.bats
    does the same): CRIU can dump a pipe, not a host file outside the container's mounts."""

    def __init__(self):
        self.in_r, self.in_w = os.pipe()
        self.out_r, self.out_w = os.pipe()
        self.err_r, self.err_w = os.pipe()
        for fd in (self.out_r, self.err_r):
            os.set_blocking(fd, False)

    def fds(self):
        return {"stdin": self.in_r, "stdout": self.out_w, "stderr": self.err_w}

    def read_err(self):
        try:
            return os.read(self.err_r, 65536).decode(errors="replace")
        except BlockingIOError:
            return ""

    def close(self):
        for fd in (self.in_r, self.in_w, self.out_r, self.out_w, self.err_r, self.err_w):
            try:
                os.close(fd)
            except OSError:
                pass


def rt(root, *args, stdio=None, timeout=120):
    """The runtime with --root; its stdio (and so a detached container's) is `stdio`'s pipes."""
    argv = [RT, "--root", str(root), *(os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args)]
    if stdio is None:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    proc = subprocess.run(argv, timeout=timeout, **stdio.fds())
    return subprocess.CompletedProcess(argv, proc.returncode, "", stdio.read_err())


def ok(proc):
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}: {proc.stdout} {proc.stderr}"
    return proc


def status(root, cid):
    proc = rt(root, "state", cid)
    if proc.returncode != 0:
        return None, proc.stderr
    return json.loads(proc.stdout), ""


def wait_for(cond, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def numbers(path):
    try:
        return [int(x) for x in Path(path).read_text().split()]
    except (FileNotFoundError, ValueError):
        return []


def counting_bundle(make_bundle, tmp_path, limit=None, code=0):
    """A container appending 1, 2, 3, ... to /out/log (a bind mount of a host directory, so an
    external mount for CRIU), one number every 0.1 s; with `limit`, it exits `code` after it."""
    out = tmp_path / f"out-{uuid.uuid4().hex[:6]}"
    out.mkdir()
    b = make_bundle(f"bundle-{uuid.uuid4().hex[:6]}")
    cond = f"[ $i -lt {limit} ]" if limit else "true"
    b.set_args("sh", "-c", f"i=0; while {cond}; do i=$((i+1)); echo $i >> /out/log; sleep 0.1; done; exit {code}")
    b.config["mounts"].append({"destination": "/out", "type": "bind", "source": str(out), "options": ["rbind", "rw"]})
    b.write()
    return b, out / "log"


def assert_counts_on(log, before, after_at_least):
    """The log is 1..N without a restart (a second 1) and reached past the checkpoint's count."""
    got = numbers(log)
    assert got == list(range(1, len(got) + 1)), f"the count restarted or skipped: {got}"
    assert len(got) >= after_at_least > before, (len(got), before)


def test_checkpoint_restore_same_id_counts_on(make_bundle, tmp_path, root, container_id):
    """A counting container is checkpointed: it is gone (no state, no process, no cgroup); restored
    under the same ID it runs again, counts on from where it stopped, and state/exec/kill/delete
    work on it. Twice, as runc's checkpoint.bats does."""
    b, log = counting_bundle(make_bundle, tmp_path)
    cid = container_id("cr")
    b.config["linux"]["cgroupsPath"] = f"/pyrt-cr-{cid}"
    b.write()
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        for round_ in range(2):
            wait_for(lambda: len(numbers(log)) >= 5 * (round_ + 1), what="counting")
            st, _ = status(root, cid)
            pid = st["pid"]
            images = tmp_path / f"images{round_}"
            ok(rt(root, "checkpoint", "--image-path", images, "--work-path", tmp_path / f"work{round_}", cid))
            st, err = status(root, cid)
            assert st is None and "does not exist" in err
            assert not support.pid_alive(pid)
            assert not os.path.exists(f"/sys/fs/cgroup/pyrt-cr-{cid}")
            stopped_at = len(numbers(log))
            time.sleep(0.5)
            assert len(numbers(log)) == stopped_at, "the container still counts after its checkpoint"
            pidfile = tmp_path / f"pid{round_}"
            ok(rt(root, "restore", "-d", "--image-path", images, "--work-path", tmp_path / f"work{round_}",
                  "--pid-file", pidfile, "--bundle", b, cid, stdio=io))
            st, err = status(root, cid)
            assert st and st["status"] == "running", err
            assert pidfile.read_text() == str(st["pid"])
            assert f"0::/pyrt-cr-{cid}" in Path(f"/proc/{st['pid']}/cgroup").read_text()
            wait_for(lambda: len(numbers(log)) >= stopped_at + 5, what="counting after restore")
            assert_counts_on(log, stopped_at, stopped_at + 5)
            proc = ok(rt(root, "exec", cid, "sh", "-c", "echo ok; cat /proc/1/cmdline | tr '\\0' ' '"))
            assert proc.stdout.startswith("ok\nsh -c i=0"), proc.stdout
        ok(rt(root, "kill", cid, "KILL"))
        wait_for(lambda: (status(root, cid)[0] or {}).get("status") == "stopped", what="stopped")
        ok(rt(root, "delete", cid))
        assert not os.path.exists(f"/sys/fs/cgroup/pyrt-cr-{cid}")
    finally:
        io.close()


def test_leave_running(make_bundle, tmp_path, root, container_id):
    """--leave-running: the images are written and the container goes on counting, still running."""
    b, log = counting_bundle(make_bundle, tmp_path)
    cid = container_id("lr")
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= 3, what="counting")
        pid = status(root, cid)[0]["pid"]
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--leave-running", "--image-path", images, cid))
        assert (images / "inventory.img").exists() and (images / "descriptors.json").exists()
        st, _ = status(root, cid)
        assert st["status"] == "running" and st["pid"] == pid
        at = len(numbers(log))
        wait_for(lambda: len(numbers(log)) >= at + 3, what="counting after --leave-running")
    finally:
        io.close()


def test_pre_dump_then_dump(make_bundle, tmp_path, root, container_id):
    """--pre-dump leaves it running; the dump with --parent-path links the pre-dump (image/parent)
    and the restore counts on."""
    b, log = counting_bundle(make_bundle, tmp_path)
    cid = container_id("pd")
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= 3, what="counting")
        parent, images = tmp_path / "parent-dir", tmp_path / "image-dir"
        parent.mkdir()
        ok(rt(root, "checkpoint", "--pre-dump", "--image-path", parent, cid))
        assert status(root, cid)[0]["status"] == "running"
        assert any(p.name.startswith("pages-") for p in parent.iterdir()), sorted(os.listdir(parent))
        bad = rt(root, "checkpoint", "--parent-path", parent, "--image-path", images, cid)
        assert bad.returncode == 1 and "--parent-path must be relative" in bad.stderr
        ok(rt(root, "checkpoint", "--parent-path", "../parent-dir", "--image-path", images, cid))
        assert os.readlink(images / "parent") == "../parent-dir"
        assert status(root, cid)[0] is None
        stopped_at = len(numbers(log))
        ok(rt(root, "restore", "-d", "--image-path", images, "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= stopped_at + 3, what="counting after restore")
        assert_counts_on(log, stopped_at, stopped_at + 3)
    finally:
        io.close()


@pytest.fixture
def netns():
    """A network namespace with lo up, joined by path (as podman gives one): CRIU leaves it
    in place over a checkpoint (an external namespace) and restore joins it again."""
    name = f"pyrt-cr-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    yield f"/run/netns/{name}"
    subprocess.run(["ip", "netns", "del", name], check=False)


def test_tcp_established(make_bundle, tmp_path, root, container_id, netns):
    """A TCP connection inside the container (nc server and client over 127.0.0.1) survives
    checkpoint/restore with --tcp-established: the server goes on receiving the client's count.
    Without the flag CRIU refuses the established connection and the container keeps running."""
    out = tmp_path / "out"
    out.mkdir()
    b = make_bundle("tcp")
    b.set_args("sh", "-c", "nc -l -p 5000 > /out/log & sleep 0.5; "
                           "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done | nc 127.0.0.1 5000")
    b.config["mounts"].append({"destination": "/out", "type": "bind", "source": str(out), "options": ["rbind", "rw"]})
    for ns in b.config["linux"]["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = netns
    b.write()
    log = out / "log"
    cid = container_id("tcp")
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= 3, what="numbers over TCP")
        refused = rt(root, "checkpoint", "--image-path", tmp_path / "refused", cid)
        assert refused.returncode == 1, refused
        assert "criu failed" in refused.stderr, refused.stderr
        assert status(root, cid)[0]["status"] == "running"
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--tcp-established", "--image-path", images, cid))
        assert status(root, cid)[0] is None
        stopped_at = len(numbers(log))
        ok(rt(root, "restore", "-d", "--tcp-established", "--image-path", images, "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= stopped_at + 5, what="numbers over the restored connection")
        assert_counts_on(log, stopped_at, stopped_at + 5)
        pid = status(root, cid)[0]["pid"]
        assert os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(netns).st_ino  # the same namespace again
    finally:
        io.close()


class ConsoleSocket:
    """A --console-socket listener: accept() gets the pty master the runtime sends."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(120)

    def master(self):
        conn, _ = self.sock.accept()
        with conn:
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        assert len(fds) == 1
        return fds[0]

    def close(self):
        self.sock.close()


def talk(master, line, expect, timeout=60):
    """Type `line` into the terminal, read until `expect` shows up."""
    os.write(master, line.encode() + b"\n")
    buf = b""
    deadline = time.monotonic() + timeout
    os.set_blocking(master, False)
    while expect.encode() not in buf:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {expect!r} from the terminal; got {buf!r}")
        try:
            buf += os.read(master, 4096)
        except BlockingIOError:
            time.sleep(0.05)
    return buf.decode(errors="replace")


def test_terminal(make_bundle, tmp_path, root, container_id):
    """A shell on a terminal (--console-socket): restore sends a new pty master to the console
    socket, and the same shell answers on it, with the variable it was given before."""
    b = make_bundle("tty")
    b.set_args("sh")
    b.config["process"]["terminal"] = True
    b.write()
    cid = container_id("tty")
    cs = ConsoleSocket(tmp_path / "console1.sock")
    cs2 = ConsoleSocket(tmp_path / "console2.sock")
    masters = []
    try:
        ok(rt(root, "run", "-d", "--console-socket", cs.path, "--bundle", b, cid))
        masters.append(cs.master())
        talk(masters[0], "X=4$((1+1)); echo marker-$X", "marker-42")
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--image-path", images, cid))
        assert status(root, cid)[0] is None
        bad = rt(root, "restore", "-d", "--image-path", images, "--bundle", b, cid)
        assert bad.returncode == 1 and "cannot allocate tty if runc will detach without setting console socket" \
            in bad.stderr, bad
        ok(rt(root, "restore", "-d", "--console-socket", cs2.path, "--image-path", images, "--bundle", b, cid))
        masters.append(cs2.master())
        assert status(root, cid)[0]["status"] == "running"
        talk(masters[1], "echo again-$X", "again-42")
    finally:
        for m in masters:
            os.close(m)
        cs.close()
        cs2.close()


def test_cgroup_limits_restored(make_bundle, tmp_path, root, container_id):
    """The restored tree lands in the container's cgroup, made again with the config's limits."""
    b, log = counting_bundle(make_bundle, tmp_path)
    cid = container_id("cg")
    path = f"/sys/fs/cgroup/pyrt-cr-{cid}"
    b.config["linux"]["cgroupsPath"] = f"/pyrt-cr-{cid}"
    b.config["linux"]["resources"] = {"memory": {"limit": 96 * MB}, "pids": {"limit": 40},
                                      "cpu": {"quota": 50000, "period": 100000}}
    b.write()
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= 3, what="counting")
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--image-path", images, cid))
        assert not os.path.exists(path)
        ok(rt(root, "restore", "-d", "--image-path", images, "--bundle", b, cid, stdio=io))
        pid = status(root, cid)[0]["pid"]
        assert Path(f"/proc/{pid}/cgroup").read_text().strip() == f"0::/pyrt-cr-{cid}"
        assert str(pid) in Path(path, "cgroup.procs").read_text().split()
        assert Path(path, "memory.max").read_text().strip() == str(96 * MB)
        assert Path(path, "pids.max").read_text().strip() == "40"
        assert Path(path, "cpu.max").read_text().strip() == "50000 100000"
    finally:
        io.close()


def test_restore_under_new_id_from_same_images(make_bundle, tmp_path, root, container_id):
    """The same images restore twice: under the old ID, then (that one deleted) under a new ID,
    which counts on from the checkpoint again; the new ID has its own state and cgroup."""
    b, log = counting_bundle(make_bundle, tmp_path)
    b.config["linux"].pop("cgroupsPath", None)
    b.write()
    first, second = container_id("old"), container_id("new")
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, first, stdio=io))
        wait_for(lambda: len(numbers(log)) >= 4, what="counting")
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--image-path", images, first))
        stopped_at = len(numbers(log))
        ok(rt(root, "restore", "-d", "--image-path", images, "--bundle", b, first, stdio=io))
        wait_for(lambda: len(numbers(log)) >= stopped_at + 2, what="counting (first restore)")
        ok(rt(root, "delete", "--force", first))
        Path(log).write_text("".join(f"{i}\n" for i in range(1, stopped_at + 1)))  # back to the checkpoint
        ok(rt(root, "restore", "-d", "--image-path", images, "--bundle", b, second, stdio=io))
        st, _ = status(root, second)
        assert st["id"] == second and st["status"] == "running"
        assert status(root, first)[0] is None
        assert second in Path(f"/proc/{st['pid']}/cgroup").read_text()
        wait_for(lambda: len(numbers(log)) >= stopped_at + 3, what="counting (second restore)")
        assert_counts_on(log, stopped_at, stopped_at + 3)
    finally:
        io.close()


def test_foreground_restore_waits_and_returns_the_exit_status(make_bundle, tmp_path, root, container_id):
    """restore without -d waits like run: it returns once the restored process exits, with its
    status, and removes the container."""
    b, log = counting_bundle(make_bundle, tmp_path, limit=40, code=3)
    cid = container_id("fg")
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        wait_for(lambda: len(numbers(log)) >= 5, what="counting")
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--image-path", images, cid))
        stopped_at = len(numbers(log))
        assert stopped_at < 40
        proc = rt(root, "restore", "--image-path", images, "--bundle", b, cid, stdio=io, timeout=300)
        assert proc.returncode == 3, proc
        assert numbers(log) == list(range(1, 41))
        assert status(root, cid)[0] is None
    finally:
        io.close()


# -- podman, end to end ------------------------------------------------------------------------
@pytest.fixture
def podman(tmp_path):
    """podman with its storage on this tmpfs (--root/--runroot), the busybox image imported from
    a tar, cgroupfs and no network: `podman --runtime <pyruntime>` is all the test adds."""
    if not shutil.which("podman") or not shutil.which("conmon"):
        pytest.skip("podman and conmon are not installed (scripts/clients-setup.sh installs them)")
    base = tmp_path / "podman"
    conf = base / "containers.conf"
    base.mkdir()
    conf.write_text('[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n'
                    'events_logger = "none"\n')
    env = dict(os.environ, CONTAINERS_CONF=str(conf), TMPDIR=str(base))
    cmd = ["podman", "--root", str(base / "storage"), "--runroot", str(base / "run"), "--storage-driver", "vfs",
           "--runtime", RT, "--cgroup-manager", "cgroupfs", "--events-backend", "none"]
    rootfs = support.build_busybox_rootfs(base / "rootfs")
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(base / "busybox.tar"), "."], check=True)

    def run(*args, timeout=180):
        return subprocess.run(cmd + list(args), env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
    ok(run("import", str(base / "busybox.tar"), "localhost/busybox"))
    yield run
    run("rm", "--all", "--force")


def test_podman_checkpoint_restore(podman):
    """podman container checkpoint / restore through conmon with --runtime pyruntime: the
    container's counter goes on from where it stopped, under the same container."""
    name = f"cr{uuid.uuid4().hex[:6]}"
    # a random tag picked once, in the shell's memory, and a count: both must survive
    ok(podman("run", "-d", "--name", name, "--network", "none", "localhost/busybox", "sh", "-c",
              "r=$RANDOM$RANDOM; i=0; while true; do i=$((i+1)); echo $r $i > /count; sleep 0.1; done"))

    def count():
        proc = podman("exec", name, "cat", "/count")
        parts = proc.stdout.split()
        return (parts[0], int(parts[1])) if proc.returncode == 0 and len(parts) == 2 else ("", 0)
    wait_for(lambda: count()[1] >= 5, what="podman container counting")
    tag, before = count()
    ok(podman("container", "checkpoint", name))
    state = json.loads(ok(podman("inspect", name)).stdout)[0]["State"]
    assert state["Status"] == "exited" and state["Checkpointed"], state
    ok(podman("container", "restore", name))
    assert json.loads(ok(podman("inspect", name)).stdout)[0]["State"]["Status"] == "running"
    again, after = count()
    assert again == tag and after >= before, (tag, before, again, after)  # a restart has a new tag
    wait_for(lambda: count()[1] >= after + 5, what="counting after podman restore")
