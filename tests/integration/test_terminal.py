"""Terminals: the pty master handed over --console-socket (create, run -d, exec -d), consoleSize,
and a foreground `run`/`exec` with a terminal relaying a real pty (Python's pty module): raw mode,
input, output, window-size changes, exit status."""

import fcntl
import json
import os
import pty
import re
import select
import signal
import socket
import struct
import termios
import time

import pytest

import support
from support import rt, rt_create, state, wait_status

TTY_RE = re.compile(rb"^/dev/(console|pts/\d+)$")


# -- helpers -------------------------------------------------------------------------------------

def console_server(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(4)
    return s


def receive_pty(server, timeout=10):
    """Accept the runtime's connection and take the one fd it sends (SCM_RIGHTS)."""
    server.settimeout(timeout)
    conn, _ = server.accept()
    try:
        conn.settimeout(timeout)
        msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    finally:
        conn.close()
    assert len(fds) == 1, f"expected exactly one fd over the console socket, got {fds} ({msg!r})"
    return fds[0]


def read_until(fd, until=None, timeout=10):
    """Read a pty master until `until` (bytes or compiled regex) shows up, EOF/EIO, or timeout."""
    buf = b""
    deadline = time.monotonic() + timeout
    while True:
        if until is not None and (until.search(buf) if hasattr(until, "search") else until in buf):
            return buf
        left = deadline - time.monotonic()
        if left <= 0:
            if until is None:
                return buf
            raise AssertionError(f"timed out waiting for {until!r}; got {buf!r}")
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if not r:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the other side is all closed
            data = b""
        if not data:
            if until is not None and not (until.search(buf) if hasattr(until, "search") else until in buf):
                raise AssertionError(f"EOF before {until!r}; got {buf!r}")
            return buf
        buf += data


def set_winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def get_winsize(fd):
    return struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))[:2]


def lines(buf):
    return buf.replace(b"\r\n", b"\n").split(b"\n")


def spawn_in_pty(argv, rows=33, cols=101):
    """fork with a new pty as the child's controlling terminal; the child sets the window size
    on its side (no race with the runtime reading it), then execs argv."""
    pid, master = pty.fork()
    if pid == 0:  # child
        try:
            set_winsize(0, rows, cols)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    return pid, master


def wait_child(pid, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        got, status = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"process {pid} did not exit in {timeout}s")
        time.sleep(0.02)


def kill_child(pid):
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def terminal_bundle(bundle, script, rows=None, cols=None):
    bundle.set_args("sh", "-c", script)
    bundle.config["process"]["terminal"] = True
    if rows is not None:
        bundle.config["process"]["consoleSize"] = {"height": rows, "width": cols}
    return bundle


# -- create / run -d / exec -d with --console-socket ----------------------------------------------

def test_create_console_socket(bundle, root, container_id, tmp_path):
    terminal_bundle(bundle, "tty; stty size; echo done", rows=27, cols=93)
    sock = tmp_path / "console.sock"
    server = console_server(sock)
    cid = container_id()
    try:
        proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", sock))
        assert proc.returncode == 0, proc.stderr
        master = receive_pty(server)
    finally:
        server.close()
    try:
        assert os.isatty(master)
        # the size is applied before the process starts
        assert get_winsize(master) == (27, 93)
        assert rt("start", cid, root=root).returncode == 0
        out = read_until(master, b"done")
    finally:
        os.close(master)
    ls = lines(out)
    assert TTY_RE.match(ls[0]), out
    assert ls[1] == b"27 93", out
    assert b"\r\n" in out  # through a terminal's line discipline (ONLCR)


def test_console_is_stdio_and_controlling_tty(bundle, root, container_id, tmp_path):
    terminal_bundle(bundle, 'for f in 0 1 2; do readlink /proc/self/fd/$f; done; '
                            'cut -d" " -f7 /proc/self/stat; echo done', rows=24, cols=80)
    sock = tmp_path / "console.sock"
    server = console_server(sock)
    cid = container_id()
    try:
        proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", sock))
        assert proc.returncode == 0, proc.stderr
        master = receive_pty(server)
    finally:
        server.close()
    try:
        assert rt("start", cid, root=root).returncode == 0
        out = read_until(master, b"done")
    finally:
        os.close(master)
    ls = lines(out)
    assert ls[0] == ls[1] == ls[2], out  # stdin, stdout, stderr: the same terminal
    assert TTY_RE.match(ls[0]), out
    assert int(ls[3]) != 0, f"no controlling terminal (tty_nr 0): {out!r}"


def test_console_input(bundle, root, container_id, tmp_path):
    terminal_bundle(bundle, "read x; echo got:$x; exit 0", rows=24, cols=80)
    sock = tmp_path / "console.sock"
    server = console_server(sock)
    cid = container_id()
    try:
        proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", sock))
        assert proc.returncode == 0, proc.stderr
        master = receive_pty(server)
    finally:
        server.close()
    try:
        assert rt("start", cid, root=root).returncode == 0
        os.write(master, b"typed\n")
        out = read_until(master, b"got:typed")
    finally:
        os.close(master)
    assert b"got:typed" in out


def test_run_detached_console_socket(bundle, root, container_id, tmp_path):
    terminal_bundle(bundle, "tty; stty size; echo done", rows=40, cols=132)
    sock = tmp_path / "console.sock"
    server = console_server(sock)
    cid = container_id()
    try:
        proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", sock), command=("run", "-d"))
        assert proc.returncode == 0, proc.stderr
        master = receive_pty(server)
    finally:
        server.close()
    try:
        out = read_until(master, b"done")
    finally:
        os.close(master)
    ls = lines(out)
    assert TTY_RE.match(ls[0]), out
    assert ls[1] == b"40 132", out


def test_terminal_without_console_socket_fails_create(bundle, root, container_id):
    terminal_bundle(bundle, "true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode != 0
    assert "console socket" in proc.stderr or "console-socket" in proc.stderr, proc.stderr
    assert not any(root.iterdir())


def test_console_socket_without_terminal_fails(bundle, root, container_id, tmp_path):
    bundle.set_args("true")
    sock = tmp_path / "console.sock"
    server = console_server(sock)
    try:
        cid = container_id()
        proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", sock))
    finally:
        server.close()
    assert proc.returncode != 0
    assert "console socket" in proc.stderr, proc.stderr


def test_console_socket_missing_fails(bundle, root, container_id, tmp_path):
    terminal_bundle(bundle, "true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", tmp_path / "nothing.sock"))
    assert proc.returncode != 0
    assert "nothing.sock" in proc.stderr, proc.stderr
    assert not any(root.iterdir())


@pytest.fixture
def running(bundle, root, container_id):
    """A started, non-terminal container running `sleep 1000`; yields its id."""
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    wait_status(cid, "running", root)
    return cid


def _exec_detached_console(root, cid, sock, tmp_path, *args):
    out = tmp_path / "exec.out"
    with open(out, "wb") as f:
        # never pipes for a detached process's stdio
        proc = rt("exec", "-d", "--console-socket", sock, *args, root=root, stdout=f, stderr=f,
                  capture_output=False)
    return proc.returncode, out.read_text(errors="replace")


def test_exec_detached_console_socket_process_file(running, root, tmp_path):
    process = {
        "terminal": True,
        "consoleSize": {"height": 21, "width": 77},
        "user": {"uid": 0, "gid": 0},
        "args": ["sh", "-c", "tty; stty size; read x; echo got:$x"],
        "env": ["PATH=/bin:/usr/bin"],
        "cwd": "/",
    }
    pfile = tmp_path / "process.json"
    pfile.write_text(json.dumps(process))
    sock = tmp_path / "exec.sock"
    server = console_server(sock)
    try:
        rc, err = _exec_detached_console(root, running, sock, tmp_path, "--process", pfile, running)
        assert rc == 0, err
        master = receive_pty(server)
    finally:
        server.close()
    try:
        out = read_until(master, b"21 77")
        os.write(master, b"abc\n")
        out += read_until(master, b"got:abc")
    finally:
        os.close(master)
    ls = lines(out)
    assert re.match(rb"^/dev/pts/\d+$", ls[0]), out
    assert ls[1] == b"21 77", out


def test_exec_tty_detached_console_socket(running, root, tmp_path):
    sock = tmp_path / "exec.sock"
    server = console_server(sock)
    try:
        rc, err = _exec_detached_console(root, running, sock, tmp_path, "-t", running,
                                         "sh", "-c", "tty; echo done")
        assert rc == 0, err
        master = receive_pty(server)
    finally:
        server.close()
    try:
        out = read_until(master, b"done")
    finally:
        os.close(master)
    assert re.match(rb"^/dev/pts/\d+$", lines(out)[0]), out


def test_exec_console_socket_without_tty_fails(running, root, tmp_path):
    sock = tmp_path / "exec.sock"
    server = console_server(sock)
    try:
        rc, err = _exec_detached_console(root, running, sock, tmp_path, running, "true")
    finally:
        server.close()
    assert rc == 255
    assert "console socket" in err, err


# -- foreground run / exec through a real pty ----------------------------------------------------

# (waits out the size race that the *_window_size_in_place_at_start tests below pin down)
# (busybox's `stty size` on a 0x0 terminal prints "stty: standard input" and still exits 0)
WAIT_SIZE = 'until stty size 2>&1 | grep -q "^[1-9]"; do sleep 0.05; done; '
SCRIPT = "tty; " + WAIT_SIZE + "stty size; read x; echo got:$x; exit 5"


def test_foreground_run_with_terminal(bundle, root, container_id):
    terminal_bundle(bundle, SCRIPT)
    bundle.write()
    cid = container_id()
    pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), cid],
                               rows=33, cols=101)
    try:
        out = read_until(master, b"33 101\n")
        os.write(master, b"hello\n")
        out += read_until(master)
        code = wait_child(pid)
    finally:
        kill_child(pid)
        os.close(master)
    assert re.match(rb"^/dev/pts/\d+\n33 101\nhello\ngot:hello\n$", out), out  # ONLCR off, as runc
    assert code == 5
    # the container is gone after a foreground run
    assert not any(root.iterdir())


def test_foreground_run_restores_the_terminal(bundle, root, container_id):
    terminal_bundle(bundle, "echo inside; exit 3")
    bundle.write()
    cid = container_id()
    # a shell on the outer pty runs the runtime, then reports its status and the terminal's mode
    script = '"$@"; rc=$?; echo; echo "rc=$rc"; stty -a'
    pid, master = spawn_in_pty(["/bin/sh", "-c", script, "sh", support.RUNTIME, "--root", str(root), "run",
                                "--bundle", str(bundle.path), cid], rows=30, cols=90)
    try:
        out = read_until(master)
        wait_child(pid)
    finally:
        kill_child(pid)
        os.close(master)
    assert b"inside" in out, out
    assert b"rc=3" in out, out
    modes = out.split(b"rc=3", 1)[1].split()
    # raw mode undone: canonical input, echo, signals and output processing back on
    for flag in (b"icanon", b"echo", b"isig", b"opost", b"icrnl"):
        assert flag in modes and b"-" + flag not in modes, (flag, out)


def test_foreground_run_window_size_change(bundle, root, container_id):
    terminal_bundle(bundle, "while true; do stty size; sleep 0.1; done")
    bundle.write()
    cid = container_id()
    pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), cid],
                               rows=33, cols=101)
    try:
        read_until(master, b"33 101\n")
        set_winsize(master, 44, 123)  # the kernel signals the pty's foreground group...
        deadline = time.monotonic() + 10
        out = b""
        while b"44 123" not in out:
            assert time.monotonic() < deadline, f"new size never reached the container: {out[-200:]!r}"
            os.kill(pid, signal.SIGWINCH)  # ...and we do, too, in case the relay was not yet listening
            try:
                out += read_until(master, b"44 123", timeout=0.5)
            except AssertionError:
                pass
        assert rt("kill", cid, "KILL", root=root).returncode == 0
        read_until(master, timeout=5)
        code = wait_child(pid)
    finally:
        kill_child(pid)
        os.close(master)
    assert code == 128 + 9


def test_foreground_exec_with_terminal(running, root):
    pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "exec", "-t", running,
                                "sh", "-c", SCRIPT], rows=33, cols=101)
    try:
        out = read_until(master, b"33 101\n")
        os.write(master, b"hello\n")
        out += read_until(master)
        code = wait_child(pid)
    finally:
        kill_child(pid)
        os.close(master)
    assert re.match(rb"^/dev/pts/\d+\n33 101\nhello\ngot:hello\n$", out), out  # ONLCR off, as runc
    assert code == 5
    assert state(running, root)["status"] == "running"


def test_foreground_exec_window_size_change(running, root):
    pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "exec", "-t", running,
                                "sh", "-c", "i=0; while [ $i -lt 200 ]; do stty size; sleep 0.1; i=$((i+1)); done"],
                               rows=33, cols=101)
    try:
        read_until(master, b"33 101\n")
        set_winsize(master, 50, 160)
        deadline = time.monotonic() + 10
        out = b""
        while b"50 160" not in out:
            assert time.monotonic() < deadline, f"new size never reached the exec'd process: {out[-200:]!r}"
            os.kill(pid, signal.SIGWINCH)
            try:
                out += read_until(master, b"50 160", timeout=0.5)
            except AssertionError:
                pass
    finally:
        kill_child(pid)
        os.close(master)


def test_foreground_exec_ctrl_c_reaches_the_container(running, root):
    """Raw mode: ^C is not turned into a SIGINT for the runtime, it goes through to the container's
    terminal, whose line discipline signals the process there."""
    pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "exec", "-t", running,
                                "sh", "-c", 'trap "echo caught-int; exit 9" INT; echo ready; '
                                            'while :; do sleep 0.1; done'])
    try:
        read_until(master, b"ready\n")
        os.write(master, b"\x03")
        out = read_until(master)
        code = wait_child(pid)
    finally:
        kill_child(pid)
        os.close(master)
    assert b"caught-int" in out, out
    assert code == 9
    assert state(running, root)["status"] == "running"  # only the exec'd process got it


def test_foreground_run_terminal_with_stdin_not_a_tty(bundle, root, container_id):
    """`run` with terminal true but no terminal on our side (stdin /dev/null, stdout a pipe): the
    container still gets a pty and its output is relayed."""
    terminal_bundle(bundle, "tty; stty size; exit 4", rows=12, cols=34)
    cid = container_id()
    proc = support.rt_run(bundle, cid, root, timeout=30)
    assert proc.returncode == 4, proc.stderr
    assert "\r" not in proc.stdout, proc.stdout  # ONLCR off on a relayed terminal (runc)
    ls = proc.stdout.splitlines()
    assert re.match(r"^/dev/(console|pts/\d+)$", ls[0]), proc.stdout
    assert ls[1] == "12 34", proc.stdout


def test_foreground_exec_tty_with_stdin_not_a_tty(running, root):
    proc = rt("exec", "-t", running, "sh", "-c", "tty; exit 2", root=root)
    assert proc.returncode == 2, proc.stderr
    assert re.match(r"^/dev/pts/\d+\n$", proc.stdout), proc.stdout


# The caller's window size must be on the container's terminal before its process runs: a process
# that asks first thing (`stty size`) must not see 0x0 (busybox: "stty: standard input").  runc has
# the same race (it resizes after start); each test tries a few times to catch it.

def test_foreground_run_window_size_in_place_at_start(bundle, root, container_id):
    terminal_bundle(bundle, "stty size")
    bundle.write()
    for i in range(3):
        cid = container_id()
        pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), cid],
                                   rows=31, cols=97)
        try:
            out = read_until(master)
            wait_child(pid)
        finally:
            kill_child(pid)
            os.close(master)
        assert out == b"31 97\n", f"try {i}: {out!r}"


def test_foreground_exec_window_size_in_place_at_start(running, root):
    for i in range(5):
        pid, master = spawn_in_pty([support.RUNTIME, "--root", str(root), "exec", "-t", running, "stty", "size"],
                                   rows=31, cols=97)
        try:
            out = read_until(master)
            code = wait_child(pid)
        finally:
            kill_child(pid)
            os.close(master)
        assert out == b"31 97\n", f"try {i}: {out!r}"
        assert code == 0


# -- the terminal belongs to the process's user (runc's fixStdioPermissions) ------------------------

def test_terminal_is_owned_by_the_process_user(bundle, root, container_id, tmp_path):
    """uid 1000: the pty is chowned to it (its group stays devpts' gid=5), so the user can use
    its console; the same for an exec with another user."""
    terminal_bundle(bundle, "stat -c %u:%g $(tty); echo done", rows=24, cols=80)
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 100}
    sock = tmp_path / "console.sock"
    server = console_server(sock)
    cid = container_id()
    try:
        proc, _ = rt_create(bundle, cid, root, extra=("--console-socket", sock))
        assert proc.returncode == 0, proc.stderr
        master = receive_pty(server)
    finally:
        server.close()
    try:
        assert rt("start", cid, root=root).returncode == 0
        out = read_until(master, b"done")
    finally:
        os.close(master)
    assert lines(out)[0] == b"1000:5", out


def test_exec_terminal_is_owned_by_the_exec_user(running, root, tmp_path):
    sock = tmp_path / "exec.sock"
    server = console_server(sock)
    try:
        rc, err = _exec_detached_console(root, running, sock, tmp_path, "-t", "--user", "1234:100", running,
                                         "sh", "-c", "stat -c %u:%g $(tty); echo done")
        assert rc == 0, err
        master = receive_pty(server)
    finally:
        server.close()
    try:
        out = read_until(master, b"done")
    finally:
        os.close(master)
    assert lines(out)[0] == b"1234:5", out
