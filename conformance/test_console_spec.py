"""The console cases (runtime-agnostic): process.terminal, consoleSize and /dev/console.

The runtime under test hands the pty master to a console socket (the runc-compatible
--console-socket protocol every client uses); the case drives the container through it."""
import os
import socket
import threading

import pytest

from cutil import create_ok, start_ok


class ConsoleSocket:
    """A listening unix socket that receives one pty master (SCM_RIGHTS) and reads everything."""

    def __init__(self, path):
        self.path = str(path)
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(1)
        self.output = b""
        self.got_fd = threading.Event()
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.srv.accept()
        _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        conn.close()
        self.got_fd.set()
        with os.fdopen(fds[0], "rb", buffering=0) as master:
            try:
                while chunk := master.read(4096):
                    self.output += chunk
            except OSError:
                pass  # EIO once every slave fd is closed
        self.done.set()

    def text(self, timeout=20):
        assert self.done.wait(timeout), f"no EOF on the console; so far: {self.output!r}"
        return self.output.decode(errors="replace").replace("\r\n", "\n")


@pytest.fixture
def console(tmp_path):
    return ConsoleSocket(tmp_path / "console.sock")


def _run_on_console(bundle, root, cid, console, script, size=None):
    bundle.config["process"]["terminal"] = True
    if size:
        bundle.config["process"]["consoleSize"] = {"height": size[0], "width": size[1]}
    bundle.set_args("sh", "-c", script)
    create_ok(bundle, cid, root, extra=("--console-socket", console.path))
    assert console.got_fd.wait(5), "create returned without handing over the console"
    start_ok(cid, root)
    return console.text()


def test_terminal_is_stdio_and_controlling_tty(bundle, root, container_id, console):
    """config.md#process: terminal (bool) specifies whether a terminal is attached to the process;
    the process's stdio and controlling terminal are that terminal."""
    out = _run_on_console(bundle, root, container_id(), console,
                          'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-is-tty; '
                          'stat -L -c "%t %T" /proc/self/fd/0; cut -d" " -f7 /proc/self/stat')
    lines = out.split()
    assert lines[0].startswith("/dev/"), out
    assert "stdio-is-tty" in lines, out
    major, minor, tty_nr = int(lines[-3], 16), int(lines[-2], 16), int(lines[-1])
    # /proc/<pid>/stat tty_nr: the controlling terminal, (minor & 0xff) | major << 8 | (minor >> 8) << 20
    assert tty_nr == (minor & 0xFF) | (major << 8) | ((minor >> 8) << 20), f"not the controlling tty: {out}"


def test_dev_console_is_the_pty(bundle, root, container_id, console):
    """config-linux.md#devcontainer-dev-console (/dev/console): if process.terminal is true, the
    runtime MUST set up /dev/console by bind mounting the pseudoterminal pty to /dev/console."""
    out = _run_on_console(bundle, root, container_id(), console,
                          'stat -c "%F %t" /dev/console; stat -L -c "%t:%T" /dev/console /proc/self/fd/0; '
                          'grep -c " /dev/console " /proc/self/mountinfo')
    lines = out.strip().splitlines()
    assert lines[0] == "character special file 88", out  # a devpts pty (major 136 = 0x88)
    assert lines[1] == lines[2], f"/dev/console is not the process's terminal: {out}"
    assert int(lines[3]) >= 1, f"/dev/console is not a bind mount: {out}"


def test_console_size(bundle, root, container_id, console):
    """config.md#process: consoleSize (object, OPTIONAL) specifies the console size in characters
    of the terminal: height and width."""
    out = _run_on_console(bundle, root, container_id(), console, "stty size", size=(33, 101))
    assert out.split() == ["33", "101"], out
