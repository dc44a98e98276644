"""checkpoint and restore through CRIU, for real: run inside the 6.1 VM by run-in-vm.sh (Debian's
criu 3.17 cannot run on the host's newer kernel). Skipped where `criu check` fails.

Covers: a counting process is checkpointed, is gone, restores under the same ID and counts on from
where it stopped (and exec, state, kill, delete work on it); --leave-running; pre-dump then dump
(--parent-path); an established TCP connection with --tcp-established (and refused without), in a
network namespace joined by path, kept or made again between checkpoint and restore;
a container with a terminal (console socket, the shell's memory kept); cgroup limits restored;
restore under a new ID from the same images; a foreground restore waits and returns the exit
status; podman container checkpoint/restore with --runtime pointing at pyruntime.

State, bundles and images live on a tmpfs (conftest.py puts tmp_path and the rootfs under /run):
the VM's shared directories are 9p, where fifos do not open and CRIU cannot work.
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
# in the VM (PYRUNTIME_VM=1) a kernel that does not suit CRIU is a failure, never a skip
pytestmark = pytest.mark.skipif(CRIU_PROBLEM is not None and os.environ.get("PYRUNTIME_VM") != "1",
                                reason=CRIU_PROBLEM or "")


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


def rt(root, *args, stdio=None, timeout=120, env=None):
    """The runtime with --root; its stdio (and so a detached container's) is `stdio`'s pipes."""
    argv = [RT, "--root", str(root), *(os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args)]
    if stdio is None:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                              env=env)
    proc = subprocess.run(argv, timeout=timeout, env=env, **stdio.fds())
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


def counting_bundle(make_bundle, tmp_path):
    """A container appending 1, 2, 3, ... to /out/log (a bind mount of a host directory: an
    external mount for CRIU), one number every 0.1 s, until /out/stop exists; then it exits 3."""
    out = tmp_path / "out"
    out.mkdir()
    b = make_bundle("bundle")
    b.set_args("sh", "-c", "i=0; while [ ! -e /out/stop ]; do i=$((i+1)); echo $i >> /out/log; sleep 0.1; done; exit 3")
    b.config["mounts"].append({"destination": "/out", "type": "bind", "source": str(out), "options": ["rbind", "rw"]})
    b.config["linux"]["resources"] = {"memory": {"limit": 96 * MB}, "pids": {"limit": 40},
                                      "cpu": {"quota": 50000, "period": 100000}}
    b.write()
    return b, out / "log"


def assert_counts_on(log, before, after_at_least):
    """The log is 1..N without a restart (a second 1) and went on past the checkpoint's count."""
    got = numbers(log)
    assert got == list(range(1, len(got) + 1)), f"the count restarted or skipped: {got}"
    assert len(got) >= after_at_least > before, (len(got), before)


def counts_past(log, n):
    return lambda: len(numbers(log)) >= n


def assert_limits(cid, pid):
    """The process is in the container's cgroup (relative cgroupsPath: <VM root>/<id>), made again
    with the config's limits."""
    path = f"/sys/fs/cgroup/{cid}"
    assert Path(f"/proc/{pid}/cgroup").read_text().strip() == f"0::/{cid}"
    assert Path(path, "memory.max").read_text().strip() == str(96 * MB)
    assert Path(path, "pids.max").read_text().strip() == "40"
    assert Path(path, "cpu.max").read_text().strip() == "50000 100000"


def test_counter_checkpoint_restore(make_bundle, tmp_path, root, container_id):
    """One counting container through every dump kind, then restored twice from the same images:
      --leave-running: images written, it goes on counting;
      --pre-dump then a dump with --parent-path: it is gone (no state, no process, no cgroup, no
        more counting); image/parent links the pre-dump;
      restore -d under the same ID: running, --pid-file, its cgroup made again with the limits, it
        counts on from where it stopped, exec/state/kill/delete work on it;
      restore under a new ID from the same images, in the foreground: it counts on from the
        checkpoint again and restore returns its exit status when it ends."""
    b, log = counting_bundle(make_bundle, tmp_path)
    cid, new_id = container_id("cr"), container_id("crnew")
    io = Stdio()
    try:
        ok(rt(root, "run", "-d", "--bundle", b, cid, stdio=io))
        wait_for(counts_past(log, 3), what="counting")
        pid = status(root, cid)[0]["pid"]
        assert_limits(cid, pid)

        running = tmp_path / "running"
        ok(rt(root, "checkpoint", "--leave-running", "--image-path", running, cid))
        assert (running / "inventory.img").exists() and (running / "descriptors.json").exists()
        assert status(root, cid)[0]["status"] == "running" and status(root, cid)[0]["pid"] == pid
        at = len(numbers(log))
        wait_for(counts_past(log, at + 3), what="counting after --leave-running")

        parent, images = tmp_path / "parent-dir", tmp_path / "image-dir"
        parent.mkdir()
        ok(rt(root, "checkpoint", "--pre-dump", "--image-path", parent, cid))
        assert status(root, cid)[0]["status"] == "running"
        assert any(p.name.startswith("pages-") for p in parent.iterdir()), sorted(os.listdir(parent))
        bad = rt(root, "checkpoint", "--parent-path", parent, "--image-path", images, cid)
        assert bad.returncode == 1 and "--parent-path must be relative" in bad.stderr, bad
        ok(rt(root, "checkpoint", "--parent-path", "../parent-dir", "--image-path", images,
              "--work-path", tmp_path / "work", cid))
        assert os.readlink(images / "parent") == "../parent-dir"
        assert (tmp_path / "work" / "dump.log").exists()
        st, err = status(root, cid)
        assert st is None and "does not exist" in err
        assert not support.pid_alive(pid)
        assert not os.path.exists(f"/sys/fs/cgroup/{cid}")
        stopped_at = len(numbers(log))
        time.sleep(0.5)
        assert len(numbers(log)) == stopped_at, "the container still counts after its checkpoint"

        pidfile = tmp_path / "pid"
        ok(rt(root, "restore", "-d", "--image-path", images, "--pid-file", pidfile, "--bundle", b, cid, stdio=io))
        st, err = status(root, cid)
        assert st and st["status"] == "running", err
        assert pidfile.read_text() == str(st["pid"])
        assert_limits(cid, st["pid"])
        wait_for(counts_past(log, stopped_at + 3), what="counting after restore")
        assert_counts_on(log, stopped_at, stopped_at + 3)
        proc = ok(rt(root, "exec", cid, "sh", "-c", "echo ok; tr '\\0' ' ' < /proc/1/cmdline"))
        assert proc.stdout.startswith("ok\nsh -c i=0"), proc.stdout
        ok(rt(root, "kill", cid, "KILL"))
        wait_for(lambda: (status(root, cid)[0] or {}).get("status") == "stopped", what="stopped")
        ok(rt(root, "delete", cid))
        assert not os.path.exists(f"/sys/fs/cgroup/{cid}")

        # the same images again, under a new ID, in the foreground
        Path(log).write_text("".join(f"{i}\n" for i in range(1, stopped_at + 1)))
        argv = [RT, "--root", str(root), "restore", "--image-path", str(images), "--bundle", os.fspath(b), new_id]
        fg = subprocess.Popen(argv, **io.fds())
        try:
            try:
                wait_for(lambda: fg.poll() is not None or (status(root, new_id)[0] or {}).get("status") == "running",
                         timeout=180, what="restored under a new ID")
            except AssertionError as e:
                raise AssertionError(f"{e}; restore: {io.read_err()}") from None
            assert fg.poll() is None, f"restore exited {fg.returncode}: {io.read_err()}"
            st = status(root, new_id)[0]
            assert st["id"] == new_id and status(root, cid)[0] is None
            assert_limits(new_id, st["pid"])
            wait_for(counts_past(log, stopped_at + 3), what="counting under the new ID")
            (tmp_path / "out" / "stop").touch()
            assert fg.wait(timeout=120) == 3, io.read_err()
        finally:
            if fg.poll() is None:
                fg.kill()
        assert_counts_on(log, stopped_at, stopped_at + 3)
        assert status(root, new_id)[0] is None  # a foreground restore deletes the container at the end
    finally:
        io.close()


def netns_rules(name, tools=("iptables", "ip6tables")):
    """`iptables -S` (and ip6tables') inside a named network namespace: CRIU locks with both."""
    out = ""
    for tool in tools:
        proc = subprocess.run(["ip", "netns", "exec", name, tool, "-w", "-S"], capture_output=True, text=True)
        assert proc.returncode == 0, proc
        out += f"{tool}:\n{proc.stdout}"
    return out


def add_netns(name):
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)


@pytest.fixture
def netns():
    """A network namespace with lo up, joined by path (as podman gives one): CRIU leaves it
    in place over a checkpoint (an external namespace) and restore joins it again."""
    name = f"pyrt-cr-{uuid.uuid4().hex[:6]}"
    add_netns(name)
    yield f"/run/netns/{name}"
    subprocess.run(["ip", "netns", "del", name], check=False)


NO_PATH = {k: v for k, v in os.environ.items() if k != "PATH"}


@pytest.mark.parametrize("case", ["same-netns", "new-netns-no-path"])
def test_tcp_established(make_bundle, tmp_path, root, container_id, netns, case):
    """A TCP connection inside the container (nc server and client over 127.0.0.1) survives
    checkpoint/restore with --tcp-established: the server goes on receiving the client's count,
    and CRIU's network lock (an iptables chain CRIU that drops all but CRIU's own packets) is gone
    from the namespace afterwards. Without the flag CRIU refuses the established connection and the
    container keeps running.
      same-netns: the namespace joined by path lives on between checkpoint and restore, with the
        lock the dump left in it: restore must not have CRIU lock it again (its unlock removes one
        lock only: over two, the namespace dropped every packet for good, the connection stalled).
      new-netns-no-path: the namespace is deleted after the checkpoint and a new one made at the
        same path (podman's way), so CRIU locks it during the restore; and checkpoint and restore
        run with no PATH (as a caller may run the runtime): CRIU still finds iptables-restore."""
    name = os.path.basename(netns)
    env = NO_PATH if case == "new-netns-no-path" else None
    out = tmp_path / "out"
    out.mkdir()
    b = make_bundle("tcp")
    # the server's stdin never ends (busybox nc closes the connection at its stdin's EOF)
    b.set_args("sh", "-c", "sleep 100000 | nc -l -p 5000 > /out/log & sleep 2; "
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
        assert "CRIU" not in netns_rules(name)  # a failed dump unlocks
        images = tmp_path / "images"
        ok(rt(root, "checkpoint", "--tcp-established", "--image-path", images, cid, env=env))
        assert status(root, cid)[0] is None
        stopped_at = len(numbers(log))
        assert netns_rules(name, ["iptables"]).count("-A INPUT -j CRIU") == 1  # the dump left its lock
        if case == "new-netns-no-path":
            subprocess.run(["ip", "netns", "del", name], check=True)
            add_netns(name)
        ok(rt(root, "restore", "-d", "--tcp-established", "--image-path", images, "--bundle", b, cid, stdio=io,
              env=env))
        pid = status(root, cid)[0]["pid"]
        assert os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(netns).st_ino  # the namespace at that path
        rules = netns_rules(name)
        assert "CRIU" not in rules, f"CRIU's network lock stayed after the restore: {rules}"
        wait_for(lambda: len(numbers(log)) >= stopped_at + 5, what="numbers over the restored connection")
        assert_counts_on(log, stopped_at, stopped_at + 5)
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


# -- podman, end to end ------------------------------------------------------------------------
@pytest.fixture
def podman():
    """podman with its storage on this tmpfs (--root/--runroot), the busybox image imported from
    a tar, cgroupfs and no network: `podman --runtime <pyruntime>` is all the test adds."""
    if not shutil.which("podman") or not shutil.which("conmon"):
        pytest.skip("podman and conmon are not installed (scripts/clients-setup.sh installs them)")
    # podman refuses a runroot longer than 50 characters: short paths of our own on /run
    base = Path(f"/run/pyrt-pm-{uuid.uuid4().hex[:6]}")
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
    try:
        ok(run("import", str(base / "busybox.tar"), "localhost/busybox"))
        yield run
    finally:
        run("rm", "--all", "--force")
        subprocess.run(["umount", "-R", str(base / "storage")], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_podman_checkpoint_restore(podman):
    """podman container checkpoint / restore through conmon with --runtime pyruntime: the
    container's counter goes on from where it stopped, under the same container."""
    name = f"cr{uuid.uuid4().hex[:6]}"
    # a random tag picked once, in the shell's memory, and a count: both must survive
    # run-in-vm.sh boots with apparmor=0: podman would otherwise put a profile in config.json
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
