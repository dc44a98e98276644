"""NOTIFY_SOCKET (sd_notify) as runc does it.

When the runtime is started with NOTIFY_SOCKET set (systemd, or podman --sdnotify=container),
`create` gives the container its own socket: <state>/notify/ is bind-mounted read-only at
/run/notify and the process gets NOTIFY_SOCKET=/run/notify/notify.sock. `start` (and `run`)
listen there and, when the container sends READY=1, forward it with MAINPID=<host pid of the
init> to the caller's socket, then return: so the caller learns readiness from the container.
"""
import os

import _socket

from .errors import RuntimeFailure

IN_CONTAINER_DIR = "/run/notify"
IN_CONTAINER = IN_CONTAINER_DIR + "/notify.sock"


def host_socket():
    """The caller's NOTIFY_SOCKET, or None."""
    path = os.environ.get("NOTIFY_SOCKET")
    return path or None


def _address(path):
    """sd_notify's "@name" is the abstract socket "\\0name"."""
    return "\0" + path[1:] if path.startswith("@") else path


def make_dir(state_dir):
    """<state>/notify, the directory the Plan binds at /run/notify (plan._notify)."""
    notify_dir = os.path.join(state_dir, "notify")
    os.makedirs(notify_dir, 0o755, exist_ok=True)
    return notify_dir


def bind(state_dir):
    """The container's end: a datagram socket at <state>/notify/notify.sock, writable by anyone
    in the container (the file is on a read-only mount, which a socket connect does not mind)."""
    path = os.path.join(state_dir, "notify", "notify.sock")
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC)
    s.bind(path)
    os.chmod(path, 0o777)
    return s


def forward_ready(sock, host, pid, alive):
    """Wait for READY=1 from the container and pass it on to `host` with MAINPID. Returns when
    it was forwarded, or when the container stopped first (alive() false)."""
    import select  # noqa: PLC0415
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    while True:
        if poller.poll(100):
            data = sock.recv(65536)
            if b"READY=1" in data.split(b"\n"):
                out = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC)
                try:
                    out.sendto(data.rstrip(b"\n") + f"\nMAINPID={pid}\n".encode(), _address(host))
                except OSError as e:
                    raise RuntimeFailure(f"forward READY=1 to NOTIFY_SOCKET {host}: {e.strerror}") from None
                finally:
                    out.close()
                return True
        elif not alive():
            return False
