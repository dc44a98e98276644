"""Terminals: the console-socket protocol (SCM_RIGHTS) and the relay of a foreground `run -t`/`exec -t`.

With --console-socket the init sends the pty master to the caller (conmon, containerd). Without
one, a foreground run or exec is itself the other end: it receives the master over an internal
socket pair and relays the caller's terminal to it, in raw mode, forwarding window-size changes.
"""
import os

import _socket


def internal_socket():
    """(our end, the fd to hand the init as its console socket)."""
    ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    return ours, theirs.detach()


def caller_size():
    """(rows, cols) of the caller's terminal, or None when stdin/stdout is not a terminal."""
    import fcntl  # noqa: PLC0415
    import termios  # noqa: PLC0415
    for fd in (0, 1):
        try:
            raw = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        except OSError:
            continue
        rows, cols = int.from_bytes(raw[0:2], "little"), int.from_bytes(raw[2:4], "little")
        if rows or cols:
            return rows, cols
    return None


def receive_master(sock):
    """The pty master the init sent (exactly one fd in one SCM_RIGHTS message). The init turned
    ONLCR off on it (plan flag F_RELAY) before the process could write, as runc's ClearONLCR."""
    space = _socket.CMSG_SPACE(4)
    _, ancdata, _, _ = sock.recvmsg(4096, space)
    sock.close()
    for level, kind, data in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS and len(data) >= 4:
            return int.from_bytes(data[:4], "little")
    raise OSError("the container init sent no terminal")


def relay(master):
    """Copy stdin -> master and master -> stdout until the container side closes."""
    import fcntl  # noqa: PLC0415
    import select  # noqa: PLC0415
    import termios  # noqa: PLC0415
    import _signal  # noqa: PLC0415
    stdin_tty = os.isatty(0)
    saved = None
    if stdin_tty:
        saved = termios.tcgetattr(0)
        raw = termios.tcgetattr(0)
        raw[0] &= ~(termios.BRKINT | termios.ICRNL | termios.INPCK | termios.ISTRIP | termios.IXON)
        raw[1] &= ~termios.OPOST
        raw[2] |= termios.CS8
        raw[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG)
        termios.tcsetattr(0, termios.TCSAFLUSH, raw)

        def resize(*_):
            try:
                fcntl.ioctl(master, termios.TIOCSWINSZ, fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))
            except OSError:
                pass
        resize()
        _signal.signal(_signal.SIGWINCH, resize)
    poller = select.poll()
    poller.register(master, select.POLLIN)
    stdin_open = True
    poller.register(0, select.POLLIN)
    try:
        while True:
            for fd, ev in poller.poll():
                if fd == master:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: every slave fd is closed, the container is gone
                        return
                    if not data:
                        return
                    os.write(1, data)
                elif stdin_open:
                    data = os.read(0, 65536) if ev & (select.POLLIN | select.POLLHUP) else b""
                    if data:
                        os.write(master, data)
                    else:
                        poller.unregister(0)
                        stdin_open = False
    finally:
        if saved is not None:
            termios.tcsetattr(0, termios.TCSAFLUSH, saved)
        os.close(master)
