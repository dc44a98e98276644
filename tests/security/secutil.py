"""Helpers for the security suite (the harness of docs/security.md §0.3)."""

import ctypes
import hashlib
import multiprocessing
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest

import support

RUNTIME = support.RUNTIME


def snapshot(d):
    out = {}
    for p in sorted(pathlib.Path(d).rglob("*")):
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            content = os.readlink(p)
        elif stat.S_ISREG(st.st_mode):
            content = p.read_bytes()
        else:
            content = None
        out[str(p)] = (stat.S_IFMT(st.st_mode), st.st_mode & 0o7777, st.st_uid, st.st_gid, st.st_rdev, content)
    return out


def mount_table():
    rows = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            rows.add((line.split()[4], line.split(" - ")[1].split()[0]))
    return sorted(rows)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


interpreter = support.runtime_interpreter


def runtime_files():
    """The on-disk components of the runtime under test: the entry point, the interpreter named by
    its shebang, and the init program (every file of the installed pyruntime package)."""
    files = [os.path.realpath(RUNTIME)]
    interp = interpreter()
    if interp:
        files.append(os.path.realpath(interp))
        proc = subprocess.run([interp, "-c", "import pyruntime, os; print(os.path.dirname(pyruntime.__file__))"],
                              capture_output=True, text=True)
        if proc.returncode == 0:
            pkg = proc.stdout.strip()
            for dirpath, _, names in os.walk(pkg):
                for n in names:
                    if not n.endswith(".pyc"):
                        files.append(os.path.join(dirpath, n))
    return sorted(set(files))


def init_program():
    for f in runtime_files():
        if f.endswith("/_native/pyruntime-init"):
            return f
    return None


# -- running containers --------------------------------------------------------------------------

def run(bundle, cid, root, args=None, extra=(), timeout=30):
    """Foreground run with captured output (the container's exit status is the runtime's)."""
    if args is not None:
        bundle.set_args(*args)
    return support.rt_run(bundle, cid, root, extra=extra, timeout=timeout)


def sh(bundle, cid, root, script, extra=()):
    return run(bundle, cid, root, ["sh", "-c", script], extra=extra)


def create(bundle, cid, root, args=None, extra=()):
    if args is not None:
        bundle.set_args(*args)
    return support.rt_create(bundle, cid, root, extra=extra)


def start_and_wait(cid, root, timeout=20):
    """start, then wait for the container to stop. False if start failed (the race tests count
    that as failing closed: the container never ran)."""
    proc = support.rt("start", cid, root=root)
    if proc.returncode != 0:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = support.rt("state", cid, root=root)
        if st.returncode or '"stopped"' in st.stdout:
            return True
        time.sleep(0.02)
    raise AssertionError(f"{cid} did not stop in {timeout}s")


def drop_mount(bundle, dest):
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != dest]


def add_mount(bundle, destination, type_, source, options=(), index=None):
    m = {"destination": destination, "type": type_, "source": str(source)}
    if options:
        m["options"] = list(options)
    if index is None:
        bundle.config["mounts"].append(m)
    else:
        bundle.config["mounts"].insert(index, m)
    return m


def read_host(path):
    with open(path) as f:
        return f.read()


# -- symlink-exchange racer ----------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
SYS_renameat2 = {"x86_64": 316, "aarch64": 276}.get(os.uname().machine, 316)
RENAME_EXCHANGE, AT_FDCWD = 2, -100


def exchange(a, b):
    return _libc.syscall(SYS_renameat2, AT_FDCWD, str(a).encode(), AT_FDCWD, str(b).encode(), RENAME_EXCHANGE)


class Racer:
    """Swap a and b as fast as possible in a child process; on exit both names are restored."""

    def __init__(self, a, b):
        self.a, self.b, self.stop = a, b, multiprocessing.get_context("fork").Event()

    def _loop(self):
        n = 0
        while not self.stop.is_set():
            for _ in range(64):
                n += exchange(self.a, self.b) == 0
        if n % 2:
            exchange(self.a, self.b)

    def __enter__(self):
        self.p = multiprocessing.get_context("fork").Process(target=self._loop)
        self.p.start()
        return self

    def __exit__(self, *e):
        self.stop.set()
        self.p.join()


# -- console socket ------------------------------------------------------------------------------

class ConsoleSocket:
    """A --console-socket server: receives the pty master and collects what the container writes."""

    def __init__(self, tmp):
        self.path = str(pathlib.Path(tmp) / f"console-{os.getpid()}-{time.monotonic_ns()}.sock")
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(1)
        self.output = b""
        self.done = threading.Event()
        self.t = threading.Thread(target=self._serve, daemon=True)
        self.t.start()

    def _serve(self):
        try:
            self.srv.settimeout(30)
            conn, _ = self.srv.accept()
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
            conn.close()
            if not fds:
                return  # the runtime connected, then failed before sending a pty (a refused create)
            with os.fdopen(fds[0], "rb", buffering=0) as master:
                try:
                    while chunk := master.read(4096):
                        self.output += chunk
                except OSError:
                    pass  # EIO when the pty slave closes
        except OSError:
            pass
        finally:
            self.done.set()

    def wait(self, timeout=20):
        self.done.wait(timeout)
        return self.output.decode(errors="replace").replace("\r\n", "\n")

    def close(self):
        self.srv.close()


def build_static(src, out, extra=()):
    """Compile a static probe; skip the test if gcc/static libc are missing."""
    if not shutil.which("gcc"):
        pytest.skip("gcc needed")
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    d = pathlib.Path(tempfile.mkdtemp(prefix="pyrt-src-"))
    c = d / (out.name + ".c")
    c.write_text(src)
    proc = subprocess.run(["gcc", "-static", "-O2", *extra, "-o", str(out), str(c)], capture_output=True, text=True)
    shutil.rmtree(d)
    if proc.returncode:
        pytest.skip(f"static libc needed: {proc.stderr[-300:]}")
    return out
