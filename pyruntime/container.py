"""The lifecycle: create, start, state, kill, delete, run, list.

Each function is one CLI command; it raises pyruntime.errors.RuntimeFailure with runc's wording
(clients match on it) and leaves nothing half-made behind on failure.
"""
import os
import time

from . import OCI_VERSION
from .errors import NotFound, RuntimeFailure, StateError
from .state import FIFO, Container, check_id, list_ids, rfc3339_now


def _pidfile(path, pid):
    """Digits only, no newline (containerd's Atoi), written atomically (runc's way)."""
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, str(pid).encode())
    finally:
        os.close(fd)
    os.rename(tmp, path)


def _connect_console(path):
    import _socket  # noqa: PLC0415
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    try:
        s.connect(path)
    except OSError as e:
        s.close()
        raise RuntimeFailure(f"failed to connect to console socket \"{path}\": {e.strerror}") from None
    return s.detach()


def _wait_gone(c, timeout=10.0):
    deadline = time.monotonic() + timeout
    while c.alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def create(root, cid, bundle, *, pid_file=None, console_socket=None, no_pivot=False,
           preserve_fds=0, detached=True, log=None):
    from . import spec  # noqa: PLC0415
    from .launch import Launch, write_id_maps  # noqa: PLC0415
    from .plan import Host, build_plan  # noqa: PLC0415
    from .plan_wire import encode  # noqa: PLC0415

    check_id(cid)
    bundle = os.path.abspath(bundle or ".")
    config, raw = spec.load(bundle)
    # relative bind sources and hook paths are relative to the bundle, as in runc
    os.chdir(bundle)
    warn = log.warning if log else (lambda msg: None)
    plan = build_plan(config, bundle, Host.read(), no_pivot=no_pivot, console=bool(console_socket),
                      preserve_fds=preserve_fds, detached=detached, warn=warn)
    c = Container(root, cid)
    c.claim()
    launch = None
    try:
        with open(os.path.join(c.dir, "config.json"), "wb") as f:
            f.write(raw)
        fifo = os.path.join(c.dir, FIFO)
        os.mkfifo(fifo, 0o622)
        os.chmod(fifo, 0o622)
        console_fd = _connect_console(console_socket) if console_socket else -1
        statedir_fd = os.open(c.dir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        launch = Launch(lambda cons, sdir: encode(plan, console_fd=cons, statedir_fd=sdir,
                                                  preserve_fds=preserve_fds),
                        preserve_fds, console_fd, statedir_fd)
        pid = launch.run(on_maps=lambda p: write_id_maps(p, plan.uid_mappings, plan.gid_mappings))
        from .state import proc_start  # noqa: PLC0415
        st = proc_start(pid)
        if st is None:
            raise RuntimeFailure("unable to start container process: container init exited unexpectedly")
        c.save({
            "ociVersion": config.get("ociVersion", OCI_VERSION),
            "id": cid,
            "pid": pid,
            "pid_start": st[1],
            "bundle": bundle,
            "rootfs": plan.rootfs,
            "created": rfc3339_now(),
            "annotations": config.get("annotations") or {},
        })
        if pid_file:
            _pidfile(pid_file, pid)
    except BaseException:
        if launch:
            launch.abort()
        c.remove()
        raise
    c.unlock()
    return c


def load(root, cid):
    c = Container(root, cid)
    return c.load()


def start(root, cid):
    c = load(root, cid)
    c.lock()
    try:
        c.load()
        status = c.status()
        if status == "running":
            raise StateError("cannot start an already running container")
        if status == "stopped":
            raise StateError("cannot start a container that has stopped")
        if status != "created":
            raise StateError(f"cannot start a container in the {status} state")
        _release(c)
    finally:
        c.unlock()
    return c


def _release(c):
    """Open the exec fifo: the init, blocked opening it for writing, writes one byte and execs."""
    import select  # noqa: PLC0415
    fifo = os.path.join(c.dir, FIFO)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            if poller.poll(100) and os.read(fd, 1):
                break
            if not c.alive():
                raise StateError("cannot start a container that has stopped")
    finally:
        os.close(fd)
        os.unlink(fifo)


def state(root, cid):
    return load(root, cid).oci_state()


def _signal_all(c, sig):
    """Signal every process of the container: those sharing its init's pid namespace."""
    try:
        ns = os.readlink(f"/proc/{c.pid}/ns/pid")
    except OSError:
        return
    if ns == os.readlink("/proc/self/ns/pid"):
        pids = [c.pid]  # no pid namespace of its own: only what we know is the container's
    else:
        pids = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.readlink(f"/proc/{name}/ns/pid") == ns:
                        pids.append(int(name))
                except OSError:
                    pass
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def kill(root, cid, signal_text="SIGTERM", all_processes=False):
    from .signals import parse_signal  # noqa: PLC0415
    sig = parse_signal(signal_text)
    c = load(root, cid)
    status = c.status()
    if status not in ("created", "running", "paused"):
        if all_processes and status == "stopped":
            return  # runc: --all on a stopped container succeeds
        raise StateError("container not running")
    if all_processes:
        _signal_all(c, sig)
        return
    try:
        os.kill(c.pid, sig)
    except ProcessLookupError:
        raise StateError("container not running") from None


def _destroy(c):
    if c.alive():
        _signal_all(c, 9)
        os.kill(c.pid, 9)
        if not _wait_gone(c):
            raise RuntimeFailure("container init still running")
    c.remove()


def delete(root, cid, force=False):
    c = Container(root, cid)
    try:
        c.load()
    except NotFound:
        if force:
            return
        raise
    c.lock()
    c.load()
    status = c.status()
    if status in ("running", "paused") and not force:
        c.unlock()
        raise StateError(f"cannot delete container {cid} that is not stopped: {status}")
    _destroy(c)


def run(root, cid, bundle, *, detach=False, keep=False, no_subreaper=False, log=None, **create_opts):
    if detach:
        create(root, cid, bundle, log=log, **create_opts)
        start(root, cid)
        return 0
    if not no_subreaper:
        from ._native._ext import lib  # noqa: PLC0415
        lib.pyr_set_child_subreaper()
    c = create(root, cid, bundle, detached=False, log=log, **create_opts)
    pid = c.pid
    forward = _forward_signals(pid)
    try:
        start(root, cid)
        code = _wait_exit(pid)
    finally:
        forward()
    if not keep:
        try:
            delete(root, cid, force=True)
        except RuntimeFailure:
            pass
    return code


def _forward_signals(pid):
    """Forward the signals a foreground `run` receives to the container's init (runc does)."""
    import _signal  # noqa: PLC0415  (`signal` would import enum: 6 ms)
    skip = {_signal.SIGKILL, _signal.SIGSTOP, _signal.SIGCHLD}
    old = {}

    def handler(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    for s in range(1, _signal.NSIG):
        if s in skip or 32 <= s < 35:  # glibc's private real-time signals
            continue
        try:
            old[s] = _signal.signal(s, handler)
        except (OSError, ValueError):
            pass

    def restore():
        for s, h in old.items():
            try:
                _signal.signal(s, h)
            except (OSError, ValueError, TypeError):
                pass
    return restore


def _wait_exit(pid):
    """Reap children (we are their subreaper) until the init exits; its shell-style status."""
    while True:
        try:
            got, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return 255
        if got == pid:
            if os.WIFEXITED(status):
                return os.WEXITSTATUS(status)
            if os.WIFSIGNALED(status):
                return 128 + os.WTERMSIG(status)


def list_containers(root):
    out = []
    for cid in list_ids(root):
        try:
            c = load(root, cid)
        except RuntimeFailure:
            continue
        st = c.oci_state()
        st["owner"] = _owner(c.dir)
        out.append(st)
    return out


def _owner(path):
    import pwd  # noqa: PLC0415 (list is not on the hot path)
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"
