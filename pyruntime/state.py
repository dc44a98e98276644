"""<root>/<id>/: state.json, the exec fifo, the saved config, the lock; status from pid + start time.

Layout (compare runc's, clients.md §4.5):
  <root>/               0700
  <root>/<id>/          0711; its existence claims the ID (mkdir is atomic)
  <root>/<id>/state.json  0600, written atomically (tmp + rename) once the init pid is known
  <root>/<id>/config.json 0600, the config the container was created from (hooks, exec defaults)
  <root>/<id>/exec.fifo   present only while "created": `start` opens it, the init then execs
  <root>/<id>/notify/     only with NOTIFY_SOCKET: the container's sd_notify socket
Commands on one container serialise on flock() of the container directory. The handle on one
container (claim, lock, load/save, status) is pyruntime.container.container.Container.
"""
import os
import time

from .errors import RuntimeFailure
from .state_format import FIELDS, fits

INT_FIELDS = tuple(k for k, kind in FIELDS.items() if kind == "int")

FIFO = "exec.fifo"
STATE = "state.json"
CONFIG = "config.json"


def default_root():
    """(root, True) for runc's $XDG_RUNTIME_DIR/<name> (a user; root of a user namespace unless
    USER=root), else ("/run/pyruntime", False). Host root with no XDG_RUNTIME_DIR reads no file."""
    if os.environ.get("XDG_RUNTIME_DIR") and (os.geteuid() != 0 or os.environ.get("USER", "") != "root"):
        from .rootless import xdg_root  # noqa: PLC0415
        xdg = xdg_root()
        if xdg:
            return xdg, True
    return "/run/pyruntime", False


def valid_id(cid):
    """runc's ID rule ^[\\w+-\\.]+$, and never '.', '..' or anything that is not its own clean path."""
    if not cid or cid in (".", ".."):
        return False
    for ch in cid:
        if not (ch.isascii() and (ch.isalnum() or ch in "_+-.")):
            return False
    return True


def check_id(cid):
    if not valid_id(cid):
        raise RuntimeFailure(f"invalid container ID format: {cid}" if cid else "container id cannot be empty")


def rfc3339_now():
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"


def proc_start(pid):
    """(state letter, start time in clock ticks) of a pid, or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2:].split()  # comm may hold spaces and parentheses
    return rest[0].decode(), int(rest[19])


def namespace_pids(pid):
    """The processes of a container without a cgroup to list them (rootless): those in its init's
    pid namespace; only the init when it shares ours, or when we may not look (a rootless caller
    cannot read the namespace of an init that has not exec'd yet: it holds nothing else then)."""
    if not pid:
        return []
    try:
        ns = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return [pid] if proc_start(pid) else []
    if ns == os.readlink("/proc/self/ns/pid"):
        return [pid]
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.readlink(f"/proc/{name}/ns/pid") == ns:
                    pids.append(int(name))
            except OSError:
                pass
    return pids


def _sound(d):
    """The fields status and delete rely on have the types we wrote (state_format.FIELDS, the
    table the C front reads the file by)."""
    if not isinstance(d, dict):
        return False
    for key in INT_FIELDS:
        v = d.get(key, 0)
        if not fits(v, "int"):
            return False
    return isinstance(d.get("cgroup", {}) or {}, dict) and isinstance(d.get("hooks", {}) or {}, dict)


def _running(pid, start):
    if not pid:
        return False
    st = proc_start(pid)
    return st is not None and st[0] not in "ZX" and st[1] == start


def frozen(cg):
    """True when the freezer of a saved cgroup (a driver's to_state()) holds it frozen. Read here
    from the saved paths, without importing the cgroup drivers: every start, state and kill asks."""
    if not isinstance(cg, dict):
        return False
    if cg.get("driver") == "systemd":
        cg = cg.get("fs") or {}
    try:
        if cg.get("driver") == "v2":
            path, want = os.path.join(cg["path"], "cgroup.freeze"), "1"
        else:
            path, want = os.path.join(cg["paths"]["freezer"], "freezer.state"), "FROZEN"
        with open(path) as f:
            return f.read().strip() == want
    except (KeyError, TypeError, OSError):
        return False


def list_ids(root):
    try:
        return sorted(n for n in os.listdir(root) if valid_id(n) and os.path.isdir(os.path.join(root, n)))
    except FileNotFoundError:
        return []


def __getattr__(name):
    """`from pyruntime.state import Container` keeps working for one release (it moved)."""
    if name == "Container":
        from .container.container import Container  # noqa: PLC0415
        return Container
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
