"""The lifecycle: create, start, state, kill, delete, run, exec, list.

Each function is one CLI command; it raises pyruntime.errors.RuntimeFailure with runc's wording
(clients match on it) and leaves nothing half-made behind on failure.
"""
import os
import time

from .. import OCI_VERSION
from ..errors import NotFound, RuntimeFailure, StateError
from ..state import FIFO, check_id, list_ids, namespace_pids, proc_start, rfc3339_now
from .container import Container


def _pidfile(path, pid):
    """Digits only, no newline (containerd's Atoi), written atomically (runc's way): the temporary
    file is made exclusively, never through whatever is at its name (docs/security.md §1.25)."""
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise RuntimeFailure(f"open {tmp}: {os.strerror(e.errno).lower()}") from None
    try:
        os.write(fd, str(pid).encode())
    finally:
        os.close(fd)
    os.rename(tmp, path)


def _write_pidfile(path, pid):
    """_pidfile() with runc's one-line error (the Go PathError) instead of a traceback."""
    try:
        _pidfile(path, pid)
    except OSError as e:
        where = e.filename or path
        raise RuntimeFailure(f"open {where}: {os.strerror(e.errno).lower()}") from None


def _bind_whole_hierarchies(plan, planned, made):
    """A rootless create that could not make its cgroup in some hierarchies binds those whole at
    /sys/fs/cgroup (the container's own directory of them, which the plan named, does not exist)."""
    missing = {d: mountpoint for mountpoint, d in planned.items() if made.get(mountpoint) != d}
    for m in plan.mounts:
        if m.source in missing:
            m.source = missing[m.source]


def init_state(config, cid, pid, pid_start, bundle, rootfs, hook_cfg, cgroup, notify):
    """state.json of a container whose init is up (create, restore): one spelling for both."""
    namespaces = (config.get("linux") or {}).get("namespaces") or ()
    return {
        "ociVersion": config.get("ociVersion", OCI_VERSION),
        "id": cid,
        "pid": pid,
        "pid_start": pid_start,
        "bundle": bundle,
        "rootfs": rootfs,
        "created": rfc3339_now(),
        "annotations": config.get("annotations") or {},
        "hooks": {k: v for k, v in hook_cfg.items() if k in ("poststart", "poststop") and v},
        "namespaces": [n["type"] for n in namespaces],
        # no pid namespace of its own (none, or one joined by path): kill KILL empties the cgroup
        "shared_pid": not any(n.get("type") == "pid" and not n.get("path") for n in namespaces),
        "cgroup": cgroup.to_state(),
        "notify": notify,
    }


def _listener(plan, state):
    """The callback that hands a seccomp notify fd to linux.seccomp.listenerPath."""
    listener = plan.parent.seccomp_listener
    if not listener:
        return None

    def send(fd, pid):
        from ..launch import send_seccomp_listener  # noqa: PLC0415
        st = dict(state, pid=pid, status="creating")
        send_seccomp_listener(listener, fd, pid, st)
    return send


def _cache_seccomp(plan):
    """A filter build_plan compiled afresh goes to the host's cache (build_plan writes nothing)."""
    if plan.parent.seccomp_filter is not None:
        from ..seccomp import store  # noqa: PLC0415
        store(plan.parent.seccomp_filter)


def _connect_console(path, what="console socket"):
    import _socket  # noqa: PLC0415
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    try:
        s.connect(path)
    except OSError as e:
        s.close()
        raise RuntimeFailure(f"failed to connect to {what} \"{path}\": {e.strerror}") from None
    return s.detach()


def _send_pidfd(sock_fd, pid, kind):
    """--pidfd-socket: a pidfd of the container's process, in one SCM_RIGHTS message whose data is
    runc's init type ("standard" for the init, "setns" for an exec)."""
    import _socket  # noqa: PLC0415
    s = _socket.socket(fileno=sock_fd)
    try:
        fd = os.pidfd_open(pid)
        try:
            s.sendmsg([kind.encode()], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fd.to_bytes(4, "little"))])
        finally:
            os.close(fd)
    except OSError as e:
        raise RuntimeFailure(f"unable to start container process: failed to send pidfd on socket: "
                             f"{os.strerror(e.errno).lower()}") from None
    finally:
        s.close()


def _wait_gone(c, timeout=10.0):
    deadline = time.monotonic() + timeout
    while c.alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def create(root, cid, bundle, *, pid_file=None, console_socket=None, no_pivot=False,
           preserve_fds=0, detached=True, log=None, systemd_cgroup=False, pidfd_socket=None,
           no_new_keyring=False):
    from .. import spec  # noqa: PLC0415
    from ..launch import Launch, write_id_maps  # noqa: PLC0415
    from ..plan import Host, build_plan  # noqa: PLC0415
    from ..plan_wire import encode  # noqa: PLC0415

    from ..trace import step  # noqa: PLC0415
    check_id(cid)
    bundle = os.path.abspath(bundle or ".")
    warn = log.warning if log else (lambda msg: None)
    config, raw = spec.load(bundle, warn)
    step("validated")
    # hook paths are relative to the bundle, as in runc
    os.chdir(bundle)
    from ..cgroups import Manager  # noqa: PLC0415
    cgroup = Manager.for_container(config, cid, systemd_cgroup)
    c = Container(root, cid)
    cgroup_dirs = cgroup.host_dirs()
    plan = build_plan(config, bundle, Host.read(), cid=cid, no_pivot=no_pivot, console=bool(console_socket),
                      preserve_fds=preserve_fds, detached=detached, warn=warn, cgroup_dirs=cgroup_dirs,
                      no_new_keyring=no_new_keyring, state_dir=c.dir)
    preserve_fds = plan.preserve_fds
    step("planned")
    _cache_seccomp(plan)
    if log:
        for note in plan.parent.notes:
            log.debug(note)
    hook_cfg = config.get("hooks") or {}
    state_base = {"ociVersion": config.get("ociVersion", OCI_VERSION), "id": cid, "status": "creating",
                  "pid": 0, "bundle": bundle, "annotations": config.get("annotations") or {}}

    def on_hooks(pid):
        """Run the parent's hooks; the states of the init's hooks as sealed memfds (any size)."""
        from .. import hooks  # noqa: PLC0415
        step("hooks")
        state_base["pid"] = pid
        text = hooks.state_json(state_base, "creating")
        hooks.run("prestart", hook_cfg, text)
        hooks.run("createRuntime", hook_cfg, text)
        first = hooks.state_fd(text)
        try:
            return [first, hooks.state_fd(hooks.state_json(state_base, "created"))]
        except BaseException:
            os.close(first)
            raise
    c.claim()
    step("claimed")
    launch = None
    internal_console = None
    cgroup_made = False
    # a provisional state first: if this process dies from here on, `state` reads "stopped" and
    # `delete --force` finds the cgroup and the init to remove
    me = proc_start(os.getpid())
    provisional = {"ociVersion": config.get("ociVersion", OCI_VERSION), "id": cid, "creating": True,
                   "creator": os.getpid(), "creator_start": me[1] if me else 0, "pid": 0, "bundle": bundle,
                   "rootfs": plan.rootfs, "created": "", "cgroup": cgroup.to_state()}
    try:
        c.save(provisional)
        cgroup.check_new()
        cgroup.create()
        cgroup_made = True
        if cgroup.skipped:  # rootless without a cgroup it may write: go on, say so once
            warn(cgroup.skipped_warning())
        _bind_whole_hierarchies(plan, cgroup_dirs, cgroup.host_dirs())
        c.save(dict(provisional, cgroup=cgroup.to_state()))
        step("cgroup")
        c.write_private("config.json", raw)
        notify_host = plan.parent.notify_socket
        if notify_host:
            from .. import notify  # noqa: PLC0415
            notify.make_dir(c.dir)  # the container's own sd_notify socket, bound in by the Plan
        fifo = os.path.join(c.dir, FIFO)
        try:
            os.mkfifo(fifo, 0o622)
            os.chmod(fifo, 0o622)
        except OSError as e:  # e.g. a --root on a filesystem without fifos (9p)
            raise RuntimeFailure(f"cannot make the exec fifo {fifo}: {os.strerror(e.errno).lower()}") from None
        console_fd = -1
        if console_socket:
            console_fd = _connect_console(console_socket)
        elif plan.parent.relay:
            # a foreground run with a terminal: we are the console socket's other end and relay it
            from ..console import internal_socket  # noqa: PLC0415
            internal_console, console_fd = internal_socket()
        pidfd_sock = _connect_console(pidfd_socket, "pidfd socket") if pidfd_socket else -1
        statedir_fd = os.open(c.dir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        join = cgroup.join_fds()
        launch = Launch(lambda cons, sdir, cgs: encode(plan, console_fd=cons, statedir_fd=sdir, cgroup_fds=cgs),
                        preserve_fds, console_fd, statedir_fd, join, mounts=plan.mounts, init=True)
        step("spawned")

        def on_spawned(pid):
            if join is None:
                cgroup.add(pid)
            step("placed")  # in its cgroups, or holding the fds to join them itself after GO

        def on_child(pid):
            st = proc_start(pid)
            c.save(dict(provisional, cgroup=cgroup.to_state(), pid=pid, pid_start=st[1] if st else 0))

        def on_maps(pid):
            write_id_maps(pid, plan.parent.uid_mappings, plan.parent.gid_mappings)
            step("mapped")
        pid = launch.run(on_maps=on_maps, on_hooks=on_hooks, on_seccomp=_listener(plan, state_base),
                         on_spawned=on_spawned, on_child=on_child)
        step("ready")
        if pidfd_sock >= 0:
            _send_pidfd(pidfd_sock, pid, "standard")
            pidfd_sock = -1
        st = proc_start(pid)
        if st is None:
            raise RuntimeFailure("unable to start container process: container init exited unexpectedly")
        c.save(init_state(config, cid, pid, st[1], bundle, plan.rootfs, hook_cfg, cgroup, notify_host or ""))
        step("saved")
        if pid_file:
            _write_pidfile(pid_file, pid)
            step("pidfile")
    except BaseException:
        if launch:
            launch.abort()
        if cgroup_made:
            if cgroup.owns_leaf():
                _empty_cgroup(cgroup)
            cgroup.destroy()
        c.remove()
        raise
    c.unlock()
    c.console = internal_console
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
            try:
                os.unlink(os.path.join(c.dir, FIFO))  # left by a start that was killed midway
            except FileNotFoundError:
                pass
            raise StateError("cannot start an already running container")
        if status == "stopped":
            raise StateError("cannot start a container that has stopped")
        if status == "paused":
            raise StateError("cannot start a paused container")
        if status != "created":
            raise StateError(f"cannot start a container in the {status} state")
        sock = None
        host = None
        if c.data.get("notify"):
            from .. import notify  # noqa: PLC0415
            host = notify.host_socket() or c.data["notify"]
            sock = notify.bind(c.dir)  # listening before the process can say READY=1
        error = _release(c)
        if error:
            _destroy(c)
            raise RuntimeFailure(error)
        if sock is not None:
            try:
                notify.forward_ready(sock, host, c.pid, c.alive)
            finally:
                sock.close()
    finally:
        c.unlock()
    if c.data.get("hooks", {}).get("poststart"):
        from .. import hooks  # noqa: PLC0415
        hooks.run("poststart", c.data["hooks"], hooks.state_json(c.oci_state(), "running"), warn=_warn)
    return c


def start_failed(root, cid, error):
    """The rest of a start the C front began (pyruntime/_native/front.c): the init reported
    `error` through the exec fifo, which the front has removed; destroy the container as start
    does, and report the error."""
    c = load(root, cid)
    c.lock()
    try:
        c.load()
        _destroy(c)
    finally:
        c.unlock()
    raise RuntimeFailure(error)


def _warn(msg):
    import sys  # noqa: PLC0415
    sys.stderr.write(f"warning: {msg}\n")


def _release(c):
    """Open the exec fifo: the init, blocked opening it for writing, runs the startContainer hooks
    and writes "0" before it execs, or "!" and the error. Returns the error text or None."""
    import select  # noqa: PLC0415
    fifo = os.path.join(c.dir, FIFO)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            if poller.poll(100):
                data = os.read(fd, 8192)
                if data[:1] == b"0":
                    return None
                if data[:1] == b"!":
                    time.sleep(0.01)
                    try:
                        data += os.read(fd, 8192)
                    except BlockingIOError:
                        pass
                    return data[1:].decode(errors="replace")
            if not c.alive():
                raise StateError("cannot start a container that has stopped")
    finally:
        os.close(fd)
        os.unlink(fifo)


def state(root, cid):
    return load(root, cid).oci_state()


def _signal_all(c, sig):
    """Signal every process of the container: those sharing its init's pid namespace."""
    for pid in namespace_pids(c.pid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _shared_pid(c):
    d = c.data or {}
    if "shared_pid" in d:
        return bool(d["shared_pid"])
    return "pid" not in (d.get("namespaces") or ())  # a state written before the flag


def kill(root, cid, signal_text="SIGTERM", all_processes=False):
    from ..signals import parse_signal  # noqa: PLC0415
    sig = parse_signal(signal_text)
    c = load(root, cid)
    status = c.status()
    m = _cgroup(c)
    if sig == 9 and m is not None and _shared_pid(c) and status != "creating":
        # runc: without a pid namespace of its own the init is not special, and killing it takes
        # nothing else with it: SIGKILL goes to the whole cgroup, also once the init is gone
        pids = m.pids()
        if pids or status in ("created", "running", "paused"):
            m.signal_all(9)
            return
        if all_processes:
            return
        raise StateError("container not running")
    if status not in ("created", "running", "paused"):
        if all_processes and status == "stopped":
            return  # runc: --all on a stopped container succeeds
        raise StateError("container not running")
    if all_processes:
        if m is not None:
            m.signal_all(sig)
        else:
            _signal_all(c, sig)
        return
    if not c.signal_init(sig):
        raise StateError("container not running")
    if status == "paused" and sig == 9 and m is not None:
        m.thaw()  # a frozen process cannot die


def _cgroup(c):
    d = (c.data or {}).get("cgroup")
    if not d:
        return None
    from ..cgroups import Manager  # noqa: PLC0415
    return Manager.from_state(d)


def _empty_cgroup(m, timeout=10.0):
    """SIGKILL everything in the cgroup (thawed) and wait until it is empty."""
    deadline = time.monotonic() + timeout
    try:
        while m.pids():
            m.signal_all(9)
            try:
                if m.frozen():
                    m.thaw()
            except (RuntimeFailure, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeFailure("container processes still running after SIGKILL")
            time.sleep(0.005)
    except FileNotFoundError:
        pass


def _force_damaged(c):
    """delete --force of a container whose state.json is damaged: every process in the cgroup its
    saved config.json names is killed and that cgroup removed (never a parent of it), then the
    state directory. The init always lives in that cgroup, so it goes too."""
    from .. import fastjson  # noqa: PLC0415
    from ..cgroups import Manager, read_pids, rmdir_tree  # noqa: PLC0415
    try:
        with open(os.path.join(c.dir, "config.json"), "rb") as f:
            config = fastjson.loads(f.read())
        m = Manager.for_container(config, c.id)
        leaves = list((getattr(m, "paths", None) or {}).values()) or [getattr(m, "path", None)]
    except (OSError, ValueError, RuntimeFailure, AttributeError, TypeError):
        leaves = []
    leaves = [p for p in leaves if p and os.path.isdir(p)]
    deadline = time.monotonic() + 10
    while any(read_pids(p) for p in leaves) and time.monotonic() < deadline:
        for p in leaves:
            for pid in read_pids(p):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
        time.sleep(0.005)
    for p in set(leaves):
        try:
            rmdir_tree(p)
        except (OSError, RuntimeFailure):
            pass
    c.remove()


def _destroy(c):
    m = _cgroup(c)
    if c.alive():
        if m is None:
            _signal_all(c, 9)  # no cgroup to list them: the init's pid namespace
        c.signal_init(9)
        if m is not None:
            try:
                m.thaw()
            except (RuntimeFailure, OSError):
                pass
        if not _wait_gone(c, 1.0) and m is not None:
            # frozen where SIGKILL cannot reach it: moved into a frozen v1 freezer cgroup that is
            # not the container's (crun's suite does that). Back in its own thawed cgroups it thaws
            # and dies; left there it outlives the delete, with its cgroups
            try:
                m.add(c.pid)
                m.thaw()
            except (RuntimeFailure, OSError):
                pass
        if not _wait_gone(c):
            raise RuntimeFailure("container init still running")
    if m is not None:
        if m.owns_leaf():  # a cgroup another container made (same cgroupsPath) keeps its processes
            _empty_cgroup(m)
        m.destroy()
    if c.data and c.data.get("hooks", {}).get("poststop"):
        from .. import hooks  # noqa: PLC0415
        hooks.run("poststop", c.data["hooks"], hooks.state_json(c.oci_state(), "stopped"), warn=_warn)
    c.remove()


def delete(root, cid, force=False):
    c = Container(root, cid)
    try:
        c.load()
    except NotFound:
        if force:
            return
        raise
    except RuntimeFailure:
        if not force:
            raise
        _force_damaged(c)  # state.json unreadable: clean up from the saved config instead
        return
    c.lock()
    c.load()
    status = c.status()
    if status in ("running", "paused") and not force:
        c.unlock()
        raise StateError(f"cannot delete container {cid} that is not stopped: {status}")
    _destroy(c)


def run(root, cid, bundle, *, detach=False, keep=False, no_subreaper=False, log=None, subreaper_set=False,
        **create_opts):
    """subreaper_set: the caller (the C front) already made this process a child subreaper."""
    if detach:
        create(root, cid, bundle, log=log, **create_opts)
        start(root, cid)
        return 0
    # the init is orphaned by stage 1: it must be reparented to us, or we cannot wait for it
    if not subreaper_set:
        from .._native._ext import lib  # noqa: PLC0415
        lib.pyr_set_child_subreaper()
    c = create(root, cid, bundle, detached=False, log=log, **create_opts)
    if no_subreaper:
        # runc's init is its own child; ours is now too: what orphans later is not ours to reap
        from .._native._ext import lib  # noqa: PLC0415
        lib.pyr_clear_child_subreaper()
    pid = c.pid
    master = -1
    if c.console is not None:
        from .. import console as con  # noqa: PLC0415
        master = con.receive_master(c.console)
    from ..trace import step  # noqa: PLC0415
    forward = _forward_signals(pid)

    def remove():
        try:
            delete(root, cid, force=True)
        except RuntimeFailure:
            pass
    try:
        start(root, cid)
        step("started")
        if master >= 0:
            con.relay(master)
        try:
            code = _wait_exit(pid)
        except RuntimeFailure:
            if not keep:  # the init goes on without us: nothing of a failed run is left
                remove()
            raise
        step("exited")
    finally:
        forward()
    if not keep:
        remove()
        step("deleted")
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
            # only without the subreaper (a caller that said it made one and did not): say so
            raise RuntimeFailure(f"cannot wait for process {pid}: it is not this process's child "
                                 "(no child subreaper)") from None
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
        try:
            st = c.oci_state()
            st["owner"] = _owner(c.dir)
        except (OSError, RuntimeFailure):
            continue  # deleted (or damaged) while we listed: `list` itself never fails for it
        out.append(st)
    return out


def _owner(path):
    import pwd  # noqa: PLC0415 (list is not on the hot path)
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"


def _exec_process(config, process_file, args, *, cwd=None, env=(), tty=False, user=None, groups=(),
                  caps=(), no_new_privs=False, apparmor=None, process_label=None):
    """The OCI process to exec: a --process file as is, else config.json's with runc's overrides
    (a process without an AppArmor profile or SELinux label gets the container's: plan.py)."""
    from .. import fastjson  # noqa: PLC0415
    from ..errors import ConfigError  # noqa: PLC0415
    if process_file:
        from ..spec import validate_process  # noqa: PLC0415
        try:
            with open(process_file, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise RuntimeFailure(f"open {process_file}: {e.strerror.lower()}") from None
        try:
            process = fastjson.loads(raw)
        except ValueError as e:
            raise ConfigError("", f"invalid JSON: {e}", source="process.json") from None
        validate_process(process, raw)  # as `create` validates config.json's process
        return process
    base = dict(config.get("process") or {})
    if not args:
        raise RuntimeFailure("exec args cannot be empty")
    base["args"] = list(args)
    base["terminal"] = bool(tty)
    if cwd:
        base["cwd"] = cwd
    for kv in env:  # runc's prepareEnv wording
        if "=" not in kv:
            raise RuntimeFailure("invalid environment variable: missing '='")
        if kv.startswith("="):
            raise RuntimeFailure("invalid environment variable: name cannot be empty")
    if env:
        base["env"] = list(base.get("env") or ()) + list(env)
    if user:
        u = dict(base.get("user") or {})
        uid, colon, gid = user.partition(":")
        u["uid"] = _id_number(uid, user)
        if colon:
            u["gid"] = _id_number(gid, user)
        base["user"] = u
    if groups:
        u = dict(base.get("user") or {})
        u["additionalGids"] = [_id_number(g, g) for g in groups]
        base["user"] = u
    if caps:
        c = {k: list(v) for k, v in (base.get("capabilities") or {}).items()}
        for cap in caps:
            name = cap.upper() if cap.upper().startswith("CAP_") else "CAP_" + cap.upper()
            # never inheritable (CVE-2022-29162); ambient only when the config has an inheritable
            # set (runc), and then raised only if inheritable there too (plan._capabilities)
            for k in ("bounding", "effective", "permitted") + (("ambient",) if "inheritable" in c else ()):
                if name not in c.setdefault(k, []):
                    c[k].append(name)
        base["capabilities"] = c
    if no_new_privs:
        base["noNewPrivileges"] = True
    if apparmor:
        base["apparmorProfile"] = apparmor
    if process_label:
        base["selinuxLabel"] = process_label
    return base


def _kill_exec(pid, reap):
    """SIGKILL an exec'd process; reap it when we are its subreaper (a foreground exec)."""
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        return
    if not reap:
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _id_number(text, whole):
    """A uid/gid exactly as written: decimal digits only, in range (CVE-2026-30892's class)."""
    if not text.isascii() or not text.isdigit() or int(text) > 0xFFFFFFFE:
        raise RuntimeFailure(f"invalid --user \"{whole}\": expected UID[:GID] with decimal numbers")
    return int(text)


def exec_(root, cid, args=(), *, process_file=None, console_socket=None, detach=False, pid_file=None,
          preserve_fds=0, ignore_paused=False, log=None, pidfd_socket=None, cgroups=(), subreaper_set=False,
          **overrides):
    """Run a new process in a container's namespaces. Exit status: the process's (foreground).
    subreaper_set: the caller (the C front) already made this process a child subreaper."""
    from .. import fastjson  # noqa: PLC0415
    from ..launch import Launch  # noqa: PLC0415
    from ..plan import Host, build_exec_plan  # noqa: PLC0415
    from ..plan_wire import encode  # noqa: PLC0415
    from ..trace import step  # noqa: PLC0415
    c = load(root, cid)
    status = c.status()
    if status in ("stopped", "creating"):
        raise StateError("cannot exec in a stopped container")
    if status == "paused" and not ignore_paused:
        raise StateError("cannot exec in a paused container (use --ignore-paused to override)")
    with open(os.path.join(c.dir, "config.json"), "rb") as f:
        config = fastjson.loads(f.read())
    process = _exec_process(config, process_file, args, **overrides)
    terminal = bool(process.get("terminal"))
    if terminal and detach and not console_socket:
        raise RuntimeFailure("cannot allocate tty if runc will detach without setting console socket")
    if console_socket and not terminal:
        raise RuntimeFailure("cannot use console socket if runc will not detach or allocate tty")
    warn = log.warning if log else (lambda msg: None)
    plan = build_exec_plan(process, config, c.pid, Host.read(), console=bool(console_socket),
                           preserve_fds=preserve_fds, detached=detach, warn=warn)
    preserve_fds = plan.preserve_fds  # with any socket-activation fds
    step("exec planned")
    _cache_seccomp(plan)
    if not detach and not subreaper_set:
        from .._native._ext import lib  # noqa: PLC0415
        lib.pyr_set_child_subreaper()
    internal = None
    console_fd = -1
    if console_socket:
        console_fd = _connect_console(console_socket)
    elif plan.parent.relay:
        from ..console import internal_socket  # noqa: PLC0415
        internal, console_fd = internal_socket()
    saved = (c.data or {}).get("cgroup")
    pairs = None
    if saved and not cgroups:
        from ..cgroups.fs import open_join_fds, saved_join_pairs  # noqa: PLC0415
        pairs = saved_join_pairs(saved)
    if pairs is not None:  # the common case: the saved paths, no driver imported
        m, join = None, open_join_fds(pairs)
    else:
        m = _cgroup(c)
        if cgroups:
            from ..cgroups import parse_sub_cgroups  # noqa: PLC0415
            sub = parse_sub_cgroups(cgroups)
            if m is None:
                raise RuntimeFailure("exec --cgroup: the container has no cgroup")
            join = m.exec_join_fds(sub)
        else:
            join = m.join_fds() if m is not None else None
    pidfd_sock = _connect_console(pidfd_socket, "pidfd socket") if pidfd_socket else -1
    launch = Launch(lambda cons, _sdir, cgs: encode(plan, console_fd=cons, cgroup_fds=cgs),
                    preserve_fds, console_fd, -1, join)
    state = {"ociVersion": config.get("ociVersion", OCI_VERSION), "id": cid, "status": status,
             "pid": c.pid, "bundle": c.data.get("bundle", ""), "annotations": c.data.get("annotations") or {}}
    step("exec spawned")
    try:
        pid = launch.run(on_seccomp=_listener(plan, state),
                         on_spawned=m.add if m is not None and join is None else None)
        step(f"exec ready: process {pid} joined the namespaces of {c.pid} and is about to exec")
        from .. import trace  # noqa: PLC0415
        if trace.debugging():  # runc's nsexec line: what it ran on until its cgroup was joined
            start = plan.affinity[0]
            cpus = int.from_bytes(start, "little") if start else sum(1 << n for n in os.sched_getaffinity(0))
            trace.debug(f"nsexec[{pid}]: affinity: {cpus:#x} (the CPU affinity it started with)")
    except BaseException:
        launch.abort()
        if pidfd_sock >= 0:
            os.close(pidfd_sock)
        raise
    try:
        if pidfd_sock >= 0:
            _send_pidfd(pidfd_sock, pid, "setns")
        if pid_file:
            _write_pidfile(pid_file, pid)
    except BaseException:
        _kill_exec(pid, not detach)  # runc terminates the process it could not report
        raise
    if detach:
        return 0
    forward = _forward_signals(pid)
    try:
        if internal is not None:
            from ..console import receive_master, relay  # noqa: PLC0415
            relay(receive_master(internal))
        return _wait_exit(pid)
    finally:
        forward()
