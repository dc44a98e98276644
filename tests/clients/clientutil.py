"""Helpers for the client drop-in tests: running clients with timeouts, driving a pty, and the
"nothing of the runtime is left behind" check."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
import uuid
from pathlib import Path

import support

RUNTIME = support.RUNTIME
RUNTIME_NAME = support.RUNTIME_NAME
REPO = support.REPO
DOCKER = "/usr/bin/docker"  # Debian's docker.io client: another `docker` may come first on PATH
IMAGE = "localhost/busybox"
CTR_IMAGE = "localhost/busybox:latest"

# Where each client makes the runtime keep its state (its --root).
PODMAN_ROOT = Path("/run") / RUNTIME_NAME  # podman passes no --root: the runtime's default
CONTAINERD_ROOT = Path("/run/containerd/runc")  # + /<namespace>
DOCKER_ROOT = Path("/var/run/docker/runtime-runc/moby")


def unique(prefix="t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def run(argv, timeout=60, check=False, input=None, env=None) -> subprocess.CompletedProcess:
    """Run a client command, output captured as text, stdin from /dev/null unless input given."""
    kw = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    proc = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=timeout, env=env, **kw
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, argv))} exited {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
    return proc


def poll(fn, timeout=10.0, interval=0.1, what="condition"):
    """Call fn() until it returns a truthy value; return it, or fail after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


# --- pty -------------------------------------------------------------------------------------------


class PtyClient:
    """A client command run on a new pty as its controlling terminal (pty.fork), like a user at a
    terminal: `expect` reads until a string shows up, `send` types."""

    def __init__(self, argv, env=None):
        self.argv = [str(a) for a in argv]
        self.buf = b""
        pid, fd = pty.fork()
        if pid == 0:  # child: stdin/stdout/stderr are the pty's slave, which is our ctty
            try:
                if env is not None:
                    os.execvpe(self.argv[0], self.argv, env)
                os.execvp(self.argv[0], self.argv)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.status = None

    def _read(self, timeout) -> bool:
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the slave side is closed
            return False
        if not data:
            return False
        self.buf += data
        return True

    def expect(self, text, timeout=30.0) -> str:
        want = text.encode() if isinstance(text, str) else text
        deadline = time.monotonic() + timeout
        while want not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.5)):
                if want in self.buf:
                    break
                raise AssertionError(
                    f"{self.argv}: {text!r} not seen in {timeout}s; output so far: {self.output!r}"
                )
        return self.output

    def send(self, text):
        os.write(self.fd, text.encode())

    @property
    def output(self) -> str:
        return self.buf.decode(errors="replace")

    def wait(self, timeout=30.0) -> int:
        """Drain the pty and return the exit status (a negative signal number if killed)."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"{self.argv} did not exit in {timeout}s; output: {self.output!r}")
            self._read(0.1)
        while self._read(0.05) and select.select([self.fd], [], [], 0)[0]:
            pass
        return self.status

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)

    def close(self):
        self.kill()
        try:
            os.close(self.fd)
        except OSError:
            pass


# --- leftovers --------------------------------------------------------------------------------------

CGROUP_V1 = Path("/sys/fs/cgroup")


def cgroup_dirs_named(cid) -> list[str]:
    """Cgroup directories (any v1 controller, the unified tree, or a pure v2 tree) whose name
    contains cid, searched 5 levels deep."""
    found = []
    for top in CGROUP_V1.iterdir() if CGROUP_V1.is_dir() else ():
        if not top.is_dir() or top.is_symlink():
            continue
        base_depth = len(top.parts)
        for dirpath, dirnames, _ in os.walk(top):
            if len(Path(dirpath).parts) - base_depth >= 5:
                dirnames[:] = []
            for d in dirnames:
                if cid in d:
                    found.append(os.path.join(dirpath, d))
    return found


def processes_mentioning(cid) -> list[str]:
    """Live processes whose command line mentions cid (conmon, shims, runtimes, containers)."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if cid in cmdline and support.pid_alive(int(entry.name)):
                found.append(f"{entry.name}: {cmdline.strip()}")
        except OSError:
            continue
    return found


def leftovers(cid, state_root, pids=()) -> list[str]:
    problems = []
    if (Path(state_root) / cid).exists():
        problems.append(f"state dir {Path(state_root) / cid} still exists")
    mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if cid in line]
    if mounts:
        problems.append(f"mounts: {mounts}")
    cg = cgroup_dirs_named(cid)
    if cg:
        problems.append(f"cgroups: {cg}")
    procs = processes_mentioning(cid)
    if procs:
        problems.append(f"processes: {procs}")
    alive = [p for p in pids if p and support.pid_alive(p)]
    if alive:
        problems.append(f"container pids still alive: {alive}")
    return problems


def assert_nothing_left(cid, state_root, pids=(), timeout=10.0):
    """After the client removed container cid: no state dir under state_root, no mount, cgroup or
    process naming cid, and none of pids alive. Polled briefly (shims exit asynchronously)."""
    assert cid, "no container id"
    deadline = time.monotonic() + timeout
    while True:
        problems = leftovers(cid, state_root, pids)
        if not problems:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"left behind for container {cid}: " + "; ".join(problems))
        time.sleep(0.2)


def cgroup_v1_file(pid, controller, name) -> Path:
    """The host path of `name` in the v1 `controller` cgroup of host pid."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return CGROUP_V1 / controller / path.lstrip("/") / name
    raise AssertionError(f"pid {pid} has no {controller} cgroup: {Path(f'/proc/{pid}/cgroup').read_text()}")


def cap_eff(text) -> int:
    for line in text.splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no CapEff line in {text!r}")
