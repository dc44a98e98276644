"""Test harness shared by tests/ and conformance/ (fixtures live in the repo-root conftest.py).

Everything here is runtime-agnostic: the runtime under test is RUNTIME (or PYRUNTIME) from the
environment -- a path, or a name such as "runc" looked up on PATH -- and <repo>/.venv/bin/pyruntime
otherwise.  Bundles are built from a pure-Python config (base_config), never from `<runtime> spec`.

Pitfall this module exists to avoid: never capture the output of `create` or `run -d` through pipes.
The container inherits the pipes, and communicate() then blocks until the container exits.  Use
rt_create(), which sends the stdio of the runtime (and of the container) to files.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD_ROOTFS = REPO / "scripts" / "build-busybox-rootfs.sh"


def _resolve_runtime() -> str:
    value = os.environ.get("RUNTIME") or os.environ.get("PYRUNTIME")
    if not value:
        return str(REPO / ".venv" / "bin" / "pyruntime")
    if os.sep not in value:
        found = shutil.which(value)
        if found is None:
            raise RuntimeError(f"RUNTIME={value!r}: not found on PATH")
        return found
    return os.path.abspath(value)


RUNTIME: str = _resolve_runtime()


def runtime_interpreter():
    """The interpreter behind RUNTIME: its shebang's, or for pyruntime's C front (an ELF program,
    pyruntime/_native/front.c, which execs its venv's interpreter) the python3 beside it."""
    with open(RUNTIME, "rb") as f:
        first = f.read(4)
        if first.startswith(b"#!"):
            return (first + f.readline())[2:].split()[0].decode()
    beside = os.path.join(os.path.dirname(RUNTIME), "python3")
    if first == b"\x7fELF" and os.access(beside, os.X_OK):
        return beside
    return None


RUNTIME_NAME: str = os.path.basename(RUNTIME)
IS_RUNC: bool = RUNTIME_NAME == "runc"
IS_CRUN: bool = RUNTIME_NAME == "crun"

DEFAULT_CAPS = [
    "CAP_AUDIT_WRITE",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_SETUID",
    "CAP_SETGID",
]


def base_config(args=("sh",)) -> dict:
    """A config.json like `runc spec` writes (without the cgroup mount and device rules),
    for a busybox rootfs at bundle/rootfs, not terminal, writable root."""
    caps = list(DEFAULT_CAPS)
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {
                "bounding": list(caps),
                "effective": list(caps),
                "permitted": list(caps),
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "conformance",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {
                "destination": "/dev",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
            },
            {
                "destination": "/dev/pts",
                "type": "devpts",
                "source": "devpts",
                "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
            },
            {
                "destination": "/dev/shm",
                "type": "tmpfs",
                "source": "shm",
                "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            },
            {
                "destination": "/dev/mqueue",
                "type": "mqueue",
                "source": "mqueue",
                "options": ["nosuid", "noexec", "nodev"],
            },
            {
                "destination": "/sys",
                "type": "sysfs",
                "source": "sysfs",
                "options": ["nosuid", "noexec", "nodev", "ro"],
            },
        ],
        "linux": {
            "namespaces": [
                {"type": "pid"},
                {"type": "network"},
                {"type": "ipc"},
                {"type": "uts"},
                {"type": "mount"},
            ],
            "maskedPaths": [
                "/proc/acpi",
                "/proc/asound",
                "/proc/kcore",
                "/proc/keys",
                "/proc/latency_stats",
                "/proc/timer_list",
                "/proc/timer_stats",
                "/proc/sched_debug",
                "/sys/firmware",
                "/proc/scsi",
            ],
            "readonlyPaths": [
                "/proc/bus",
                "/proc/fs",
                "/proc/irq",
                "/proc/sys",
                "/proc/sysrq-trigger",
            ],
        },
    }


def build_busybox_rootfs(directory) -> Path:
    """Build a busybox rootfs at `directory` with scripts/build-busybox-rootfs.sh; fail loudly."""
    directory = Path(directory)
    proc = subprocess.run(
        ["bash", str(BUILD_ROOTFS), str(directory)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"building the busybox rootfs failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return directory


def copy_rootfs(src, dst) -> Path:
    """cp -a of a busybox rootfs; the busybox binary itself is hard-linked to save time."""
    src, dst = Path(src), Path(dst)
    busybox = src / "bin" / "busybox"

    def copy(s, d):
        if os.path.samefile(s, busybox):
            try:
                os.link(s, d)
                return d
            except OSError:
                pass
        return shutil.copy2(s, d)

    shutil.copytree(src, dst, symlinks=True, copy_function=copy)
    return dst


class Bundle:
    """An OCI bundle: <path>/config.json and <path>/rootfs.

    Edit .config (a dict) and call .write(); rt_create()/rt_run() write it for you."""

    def __init__(self, path, rootfs_source, args=("sh",)):
        self.path = Path(path)
        self.path.mkdir(parents=True)
        self.rootfs = copy_rootfs(rootfs_source, self.path / "rootfs")
        self.config = base_config(args)
        self.write()

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    def write(self) -> Path:
        tmp = self.path / "config.json.tmp"
        tmp.write_text(json.dumps(self.config, indent=2))
        os.replace(tmp, self.config_path)
        return self.config_path

    def set_args(self, *args) -> "Bundle":
        self.config["process"]["args"] = list(args)
        return self

    def clone_config(self) -> dict:
        return copy.deepcopy(self.config)

    def __fspath__(self):
        return str(self.path)

    def __repr__(self):
        return f"Bundle({str(self.path)!r})"


def reachable_by_mapped_root(bundle) -> None:
    """Give "other" search permission on every directory above the bundle's rootfs: a container's
    mapped root is "other" to the host, and pytest's basetemp is 0700, so without it the rootfs
    bind mount fails with EACCES (runc's too)."""
    d = Path(bundle.rootfs).parent
    while d != d.parent:
        mode = os.stat(d).st_mode
        if not mode & 0o001:
            os.chmod(d, (mode & 0o7777) | 0o001)
        d = d.parent


def _check_runtime():
    if not os.path.exists(RUNTIME):
        raise RuntimeError(
            f"runtime {RUNTIME} does not exist: run scripts/setup.sh, or set RUNTIME=runc|crun|/path"
        )


def rt(*args, root, timeout=30, **kw) -> subprocess.CompletedProcess:
    """Run `RUNTIME --root ROOT *args`, capturing stdout/stderr as text. Not for create / run -d."""
    _check_runtime()
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run([RUNTIME, "--root", str(root), *map(str, args)], timeout=timeout, **kw)


_outputs = itertools.count()


def rt_create(bundle, cid, root, extra=(), timeout=30, command=("create",)):
    """`RUNTIME --root ROOT create [extra] --bundle BUNDLE CID` with stdio sent to files.

    Returns (CompletedProcess, output_path): the CompletedProcess carries the runtime's stdout and
    stderr as read when it returned; output_path is the file the container's stdout keeps writing
    to (its stderr goes to output_path + ".err").  command=("run", "-d") runs detached instead."""
    _check_runtime()
    if isinstance(bundle, Bundle):
        bundle.write()
        base = bundle.path.parent
    else:
        base = Path(bundle).parent
    n = next(_outputs)
    out = base / f"{cid}.{n}.out"
    err = base / f"{cid}.{n}.out.err"
    argv = [RUNTIME, "--root", str(root), *command, *map(str, extra), "--bundle", os.fspath(bundle), cid]
    with open(out, "wb") as fout, open(err, "wb") as ferr:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=fout, stderr=ferr, timeout=timeout)
    result = subprocess.CompletedProcess(
        argv, proc.returncode, stdout=out.read_text(errors="replace"), stderr=err.read_text(errors="replace")
    )
    return result, out


def rt_run(bundle, cid, root, extra=(), timeout=30) -> subprocess.CompletedProcess:
    """Foreground `RUNTIME --root ROOT run [extra] --bundle BUNDLE CID`, output captured.
    Its exit status is the container process's."""
    if isinstance(bundle, Bundle):
        bundle.write()
    return rt("run", *extra, "--bundle", os.fspath(bundle), cid, root=root, timeout=timeout)


def state(cid, root) -> dict:
    """`state CID` parsed; fails the test if the runtime reports an error."""
    proc = rt("state", cid, root=root)
    assert proc.returncode == 0, f"state {cid} failed ({proc.returncode}): {proc.stderr.strip()}"
    return json.loads(proc.stdout)


def wait_status(cid, status, root, timeout=10.0, interval=0.02) -> dict:
    """Poll `state CID` until its status is `status`; return that state or fail the test."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        proc = rt("state", cid, root=root)
        if proc.returncode == 0:
            last = json.loads(proc.stdout)
            if last.get("status") == status:
                return last
        else:
            last = f"state failed ({proc.returncode}): {proc.stderr.strip()}"
        if time.monotonic() > deadline:
            raise AssertionError(f"container {cid} did not reach {status!r} in {timeout}s; last: {last}")
        time.sleep(interval)


def wait_for_path(path, timeout=10.0, interval=0.02) -> Path:
    """Wait until `path` exists (e.g. a marker a container writes into its rootfs)."""
    path = Path(path)
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear in {timeout}s")
        time.sleep(interval)
    return path


def pid_alive(pid) -> bool:
    """True if host pid `pid` exists and is not a zombie (an orphaned container init may stay a
    zombie for a while until whoever adopted it reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
