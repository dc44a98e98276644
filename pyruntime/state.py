"""<root>/<id>/: state.json, the exec fifo, the saved config, the lock; status from pid + start time.

Layout (compare runc's, clients.md §4.5):
  <root>/               0700
  <root>/<id>/          0711; its existence claims the ID (mkdir is atomic)
  <root>/<id>/state.json  0600, written atomically (tmp + rename) once the init pid is known
  <root>/<id>/config.json 0600, the config the container was created from (hooks, exec defaults)
  <root>/<id>/exec.fifo   present only while "created": `start` opens it, the init then execs
  <root>/<id>/notify/     only with NOTIFY_SOCKET: the container's sd_notify socket
Commands on one container serialise on flock() of the container directory.
"""
import os
import time

from .errors import NotFound, RuntimeFailure
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


class Container:
    """One container's state directory."""

    def __init__(self, root, cid):
        self.root = root
        self.id = cid
        self.dir = os.path.join(root, cid)
        self.data = None
        self.console = None  # our end of the console socket pair, for a foreground terminal
        self._lockfd = -1

    # -- claiming, locking, removing ------------------------------------------------------------
    def claim(self):
        """Create the directory that reserves the ID; fails if the ID is taken."""
        try:
            if not os.path.isdir(self.root):
                os.makedirs(self.root, 0o700, exist_ok=True)
            os.mkdir(self.dir, 0o711)
        except FileExistsError:
            raise RuntimeFailure("container with given ID already exists") from None
        except OSError as e:
            hint = ""
            if e.errno in (1, 13, 30):  # EPERM, EACCES, EROFS
                from .rootless import rootless  # noqa: PLC0415 (this failure only)
                if rootless():
                    hint = " (a rootless caller needs --root, or XDG_RUNTIME_DIR, naming a directory it may write)"
            raise RuntimeFailure(f"cannot create the container's state directory {self.dir}: "
                                 f"{e.strerror.lower()}{hint}") from None
        self.lock()

    def lock(self):
        import fcntl  # noqa: PLC0415 (cheap, builtin)
        self._lockfd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(self._lockfd, fcntl.LOCK_EX)

    def unlock(self):
        if self._lockfd >= 0:
            os.close(self._lockfd)
            self._lockfd = -1

    def remove(self):
        """Remove the state directory (plain files only: nothing in it is a mountpoint or link)."""
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return
        for name in names:
            path = os.path.join(self.dir, name)
            try:
                if name == "notify" and os.path.isdir(path) and not os.path.islink(path):
                    for inner in os.listdir(path):  # the sd_notify socket (pyruntime/notify.py)
                        os.unlink(os.path.join(path, inner))
                    os.rmdir(path)
                else:
                    os.unlink(path)
            except FileNotFoundError:
                pass
        try:
            os.rmdir(self.dir)
        except FileNotFoundError:
            pass
        self.unlock()

    # -- loading and saving ---------------------------------------------------------------------
    def exists(self):
        return os.path.isdir(self.dir)

    def load(self):
        from . import fastjson as json  # noqa: PLC0415
        if not valid_id(self.id) or not os.path.isdir(self.dir):
            raise NotFound()
        try:
            with open(os.path.join(self.dir, STATE), "rb") as f:
                self.data = json.loads(f.read())
        except FileNotFoundError:
            self.data = None  # still being created (or the creator died before it got a pid)
            return self
        except ValueError:
            raise RuntimeFailure(f"container state of {self.id} is damaged: {STATE} is not valid JSON") from None
        if not _sound(self.data):  # what is in the file (JSON null included) must be our object
            raise RuntimeFailure(f"container state of {self.id} is damaged: {STATE} has the wrong shape")
        return self

    def save(self, data):
        from . import fastjson as json  # noqa: PLC0415
        self.write_private(STATE, json.dumps(data).encode())
        self.data = data

    def write_private(self, name, data):
        """<dir>/name, 0600 whatever the umask (runc's are: the config holds the container's env),
        written to a temporary file first and renamed over, so a reader never sees half of it."""
        tmp = os.path.join(self.dir, f".{name}.tmp")
        try:
            try:
                os.unlink(tmp)  # left by a create that died here
            except FileNotFoundError:
                pass
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.rename(tmp, os.path.join(self.dir, name))
        except OSError as e:
            raise RuntimeFailure(f"cannot write the container's state in {self.dir}: {e.strerror.lower()}") from None

    # -- status ---------------------------------------------------------------------------------
    @property
    def pid(self):
        return (self.data or {}).get("pid", 0)

    def alive(self):
        """True while the recorded init runs: same pid, same start time, not a zombie."""
        if not self.data or not self.pid:
            return False
        return _running(self.pid, self.data.get("pid_start"))

    def signal_init(self, sig):
        """Signal the recorded init if it is still that process; False when it is gone. A pidfd
        pins the process before its start time is checked, so a pid reused between the check and
        the signal is never hit (runc 1.1 checks, then signals by pid)."""
        if not self.alive():
            return False
        try:
            fd = os.pidfd_open(self.pid)
        except ProcessLookupError:
            return False
        except OSError:  # no pidfd_open (kernel < 5.3): the check above, then by pid
            try:
                os.kill(self.pid, sig)
                return True
            except ProcessLookupError:
                return False
        try:
            if not self.alive():  # the pid was reused before the pidfd pinned it
                return False
            import _signal  # noqa: PLC0415  (`signal` would import enum: 6 ms)
            _signal.pidfd_send_signal(fd, sig)
            return True
        except ProcessLookupError:
            return False
        finally:
            os.close(fd)

    def creating(self):
        """True while the `create` that wrote a provisional state is still at work."""
        d = self.data or {}
        return bool(d.get("creating")) and _running(d.get("creator", 0), d.get("creator_start"))

    def status(self):
        if self.data is None:
            # no state written yet: a create holds the directory's lock for as long as it runs
            return "creating" if self._lock_held() else "stopped"
        if self.data.get("creating"):
            # a create in progress, or one that died half-way (then there is nothing to run)
            return "creating" if self.creating() else "stopped"
        if not self.alive():
            return "stopped"
        if frozen(self.data.get("cgroup")):
            return "paused"
        if os.path.exists(os.path.join(self.dir, FIFO)) and self._init_waiting():
            return "created"
        return "running"

    def _lock_held(self):
        import fcntl  # noqa: PLC0415
        try:
            fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def _init_waiting(self):
        """Still our init program, not yet the user's: a `start` killed after the init exec'd
        but before it removed the fifo must not leave the container reading "created"."""
        try:
            return os.readlink(f"/proc/{self.pid}/exe").startswith("/memfd:pyruntime-init")
        except OSError:
            return True  # not allowed to look (not root): trust the fifo, as runc does

    def oci_state(self):
        """The runtime-spec state (runc's field set and order)."""
        d = self.data or {}
        status = self.status()
        out = {
            "ociVersion": d.get("ociVersion", ""),
            "id": self.id,
            "pid": self.pid if status in ("created", "running", "paused") else 0,
            "status": status,
            "bundle": d.get("bundle", ""),
            "rootfs": d.get("rootfs", ""),
            "created": d.get("created", ""),
        }
        if d.get("annotations"):
            out["annotations"] = d["annotations"]
        out["owner"] = ""
        return out


def list_ids(root):
    try:
        return sorted(n for n in os.listdir(root) if valid_id(n) and os.path.isdir(os.path.join(root, n)))
    except FileNotFoundError:
        return []
