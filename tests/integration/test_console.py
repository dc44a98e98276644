"""process.terminal with --console-socket: the pty master travels over SCM_RIGHTS."""

import array
import errno
import fcntl
import os
import select
import socket
import threading
import time

import pytest

from support import rt, rt_create, wait_status

TIOCGPTN = 0x80045430


class ConsoleServer:
    """A unix socket that accepts one connection and collects what arrives with SCM_RIGHTS."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(15)
        self.fds, self.data, self.error = [], b"", None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(15)
                while True:
                    data, fds, _flags, _addr = socket.recv_fds(conn, 4096, 16)
                    self.fds += fds
                    self.data += data
                    if not data and not fds:
                        break
        except Exception as e:  # noqa: BLE001 (reported by wait())
            self.error = e
        finally:
            self.done.set()

    def wait(self, timeout=15):
        assert self.done.wait(timeout), "console socket got nothing"
        assert self.error is None, self.error
        return self.fds

    def close(self):
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.sock.close()


@pytest.fixture
def console(tmp_path):
    server = ConsoleServer(tmp_path / "console.sock")
    yield server
    server.close()


def read_all(fd, timeout=10.0):
    """Read a pty master until the other side is gone (EIO) or the timeout."""
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError as e:
            if e.errno == errno.EIO:
                break
            raise
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")


def start_with_console(bundle, cid, root, console, script):
    bundle.config["process"]["terminal"] = True
    bundle.set_args("sh", "-c", script)
    proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", console.path))
    assert proc.returncode == 0, proc.stderr
    fds = console.wait()
    assert len(fds) == 1, fds
    return fds[0]


def test_console_socket_gets_one_pty_master(bundle, root, container_id, console):
    cid = container_id()
    master = start_with_console(bundle, cid, root, console, "echo hello-from-tty; sleep 0.2")
    assert console.data, "the fd came without data"
    # a pty master: TIOCGPTN answers with the peer's number
    n = array.array("i", [0])
    fcntl.ioctl(master, TIOCGPTN, n)
    assert n[0] >= 0
    assert os.readlink(f"/proc/self/fd/{master}") in ("/dev/ptmx", "/dev/pts/ptmx")
    assert rt("start", cid, root=root).returncode == 0
    out = read_all(master)
    assert "hello-from-tty" in out
    wait_status(cid, "stopped", root)


def test_tty_inside(bundle, root, container_id, console):
    cid = container_id()
    master = start_with_console(bundle, cid, root, console,
                                "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; sleep 0.2")
    assert rt("start", cid, root=root).returncode == 0
    lines = [l.strip() for l in read_all(master).splitlines()]
    assert lines[0] in ("/dev/pts/0", "/dev/console"), lines
    assert "all-tty" in lines


def test_console_size(bundle, root, container_id, console):
    cid = container_id()
    bundle.config["process"]["consoleSize"] = {"height": 33, "width": 101}
    master = start_with_console(bundle, cid, root, console, "stty size; sleep 0.2")
    assert rt("start", cid, root=root).returncode == 0
    assert read_all(master).split()[:2] == ["33", "101"]


def test_console_input(bundle, root, container_id, console):
    cid = container_id()
    master = start_with_console(bundle, cid, root, console, "read line; echo got:$line; sleep 0.2")
    assert rt("start", cid, root=root).returncode == 0
    os.write(master, b"typed-in\n")
    assert "got:typed-in" in read_all(master)


def test_controlling_terminal(bundle, root, container_id, console):
    cid = container_id()
    master = start_with_console(bundle, cid, root, console,
                                "cat /proc/self/stat | cut -d' ' -f7; ls -l /proc/self/fd/0 | sed 's/.*-> //'; "
                                "sleep 0.2")
    assert rt("start", cid, root=root).returncode == 0
    lines = [l.strip() for l in read_all(master).splitlines()]
    assert lines[0] != "0", lines  # tty_nr: the pty is the controlling terminal
    assert lines[1] in ("/dev/pts/0", "/dev/console"), lines


def test_terminal_without_console_socket(bundle, root, container_id):
    bundle.config["process"]["terminal"] = True
    bundle.set_args("true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode != 0
    assert "cannot allocate tty if runc will detach without setting console socket" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (root / cid).exists()


def test_console_socket_without_terminal(tmp_path, bundle, root, container_id, console):
    bundle.set_args("true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", console.path))
    assert proc.returncode != 0
    assert "console socket" in proc.stderr
    assert not (root / cid).exists()


def test_console_socket_missing_path(tmp_path, bundle, root, container_id):
    bundle.config["process"]["terminal"] = True
    bundle.set_args("true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", tmp_path / "no-such.sock"))
    assert proc.returncode != 0
    assert "no-such.sock" in proc.stderr
    assert not (root / cid).exists()
