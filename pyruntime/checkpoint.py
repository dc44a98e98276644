"""checkpoint and restore: runc's commands, through CRIU (pyruntime/criu.py runs the RPC,
pyruntime/criu_plan.py decides the options).

checkpoint: a running (or paused) container's process tree is dumped to --image-path; unless
--leave-running or --pre-dump, CRIU kills it and the container is destroyed as `delete` does
(its cgroup removed, poststop hooks run), so `state` then says it does not exist (runc's way).

restore: the container is made as `create` makes it (the ID claimed, a provisional state, its
cgroups created with their limits, config.json saved), then CRIU brings the tree back into those
cgroups as our child, and the state is written as create writes it: start/state/kill/exec/ps/
delete work on it afterwards. -d returns once it runs; without it, restore waits like `run`.
"""
import os

from . import OCI_VERSION
from .errors import RuntimeFailure, StateError
from .container.container import Container
from .state import check_id, proc_start

CRIU_ROOT = "criu-root"


def _os_error(op, path, e):
    """Go's *PathError wording, which runc prints: "mkdir /x: permission denied"."""
    return RuntimeFailure(f"{op} {path}: {os.strerror(e.errno).lower()}")


def image_paths(image_path, parent_path):
    """runc's prepareImagePaths: the image directory (default ./checkpoint) is made; a parent
    path must be relative to it and name a directory."""
    image = os.path.abspath(image_path or os.path.join(os.getcwd(), "checkpoint"))
    try:
        os.makedirs(image, 0o700, exist_ok=True)
    except OSError as e:
        raise _os_error("mkdir", image, e) from None
    if not parent_path:
        return image, ""
    if os.path.isabs(parent_path):
        raise RuntimeFailure("--parent-path must be relative")
    real = os.path.normpath(os.path.join(image, parent_path))
    try:
        st = os.stat(real)
    except OSError as e:
        raise RuntimeFailure(f"invalid --parent-path: stat {real}: {os.strerror(e.errno).lower()}") from None
    import stat  # noqa: PLC0415
    if not stat.S_ISDIR(st.st_mode):
        raise RuntimeFailure(f"invalid --parent-path: stat {real}: not a directory")
    return image, parent_path


def _open_dir(path, make=True):
    if make:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError as e:
            raise _os_error("mkdir", path, e) from None
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise _os_error("open", path, e) from None


def _check_version(criu, minimum=30000):
    v = criu.version()
    if v < minimum:
        raise RuntimeFailure(f"CRIU version {v} must be {minimum} or higher")
    return v


def _plan(config, bundle, no_pivot=False):
    """The container's Plan, as create builds it (the same host): what CRIU needs of mounts,
    devices and masks is read from it."""
    from .plan import Host, build_plan  # noqa: PLC0415
    terminal = bool((config.get("process") or {}).get("terminal"))
    # relative bind sources are taken from the bundle by build_plan itself, as at create
    return build_plan(config, bundle, Host.read(), no_pivot=no_pivot, console=terminal)


def _read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def _descriptors(pid):
    """What the init's fds 0-2 are (runc's descriptors.json): pipes among them are inherited
    from the restoring caller."""
    out = []
    for fd in range(3):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            out.append("")
    return out


def _warn(log):
    if log is not None:
        return log.warning
    import sys  # noqa: PLC0415
    return lambda msg: sys.stderr.write(f"warning: {msg}\n")


def checkpoint(root, cid, flags, log=None):
    """runc checkpoint. flags: criu_plan's names (image_path, work_path, parent_path,
    leave_running, pre_dump, tcp_established, ...)."""
    from . import criu, criu_plan as cp  # noqa: PLC0415
    from . import fastjson  # noqa: PLC0415
    from .container.lifecycle import _destroy, load  # noqa: PLC0415
    warn = _warn(log)
    if os.geteuid() != 0:
        warn("runc checkpoint is untested with rootless containers")
    c = load(root, cid)
    status = c.status()
    if status in ("created", "stopped", "creating"):
        raise StateError(f"Container cannot be checkpointed in {status} state")
    image, parent = image_paths(flags.get("image_path"), flags.get("parent_path"))
    flags = dict(flags, parent_path=parent)
    cp.cg_mode(flags.get("manage_cgroups_mode"))  # bad values fail before CRIU runs
    cp.empty_ns(flags.get("empty_ns"))
    cp.page_server(flags.get("page_server"))
    c.lock()
    fds = []
    try:
        c.load()
        if not c.alive():
            raise StateError("Container cannot be checkpointed in stopped state")
        with open(os.path.join(c.dir, "config.json"), "rb") as f:
            config = fastjson.loads(f.read())
        plan = _plan(config, c.data.get("bundle") or "/")
        version = _check_version(criu)
        image_fd = _open_dir(image)
        fds.append(image_fd)
        work_fd, log_dir = None, image
        if flags.get("work_path"):
            log_dir = os.path.abspath(flags["work_path"])
            work_fd = _open_dir(log_dir)
            fds.append(work_fd)
        if flags.get("pre_dump"):
            if criu.missing_features({"mem_track": True}):
                raise RuntimeFailure("criu is missing features: [MemTrack]")
        status_fd = flags.get("status_fd", -1)
        if flags.get("lazy_pages"):
            if criu.missing_features({"lazy_pages": True}):
                raise RuntimeFailure("criu is missing features: [LazyPages]")
            if status_fd != -1:
                import fcntl  # noqa: PLC0415
                try:
                    fl = fcntl.fcntl(status_fd, fcntl.F_GETFL)
                except OSError as e:
                    raise RuntimeFailure(f"invalid --status-fd argument {status_fd}: "
                                         f"{os.strerror(e.errno).lower()}") from None
                if not fl & (os.O_WRONLY | os.O_RDWR):
                    raise RuntimeFailure(f"invalid --status-fd argument {status_fd}: not writable")
        pid = c.pid
        joined = cp.joined_namespaces(config)
        externals = cp.dump_externals(joined, lambda p: os.stat(p).st_ino, version)
        ext_mnt = cp.dump_ext_mounts(plan, _read(f"/proc/{pid}/mountinfo"))
        if not flags.get("pre_dump"):
            data = fastjson.dumps(_descriptors(pid)).encode()
            path = os.path.join(image, cp.DESCRIPTORS)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        opts = cp.dump_options(flags, pid=pid, rootfs=plan.rootfs, image_fd=image_fd, work_fd=work_fd,
                               freeze=cp.freeze_cgroup(c.data.get("cgroup")), externals=externals,
                               ext_mnt=ext_mnt, config=cp.config_file(config.get("annotations")))

        def on_notify(script, _pid, _fds):
            if script == "status-ready" and status_fd != -1:
                try:  # the lazy-pages server is ready: a \0 on --status-fd (runc's way for CRIU 3.15+)
                    os.write(status_fd, b"\0")
                    os.close(status_fd)
                except OSError as e:
                    warn(f"can't write \\0 to status fd: {e.strerror.lower()}")

        w = criu.Swrk()
        try:
            w.call("PRE_DUMP" if flags.get("pre_dump") else "DUMP", opts, on_notify=on_notify)
        except BaseException:
            try:
                w.finish(expect_success=False)
            finally:
                criu.log_errors(os.path.join(log_dir, cp.DUMP_LOG), warn)
            raise
        try:
            w.finish(expect_success=not flags.get("pre_dump"))
        except RuntimeFailure:
            criu.log_errors(os.path.join(log_dir, cp.DUMP_LOG), warn)
            raise
        if not flags.get("leave_running") and not flags.get("pre_dump"):
            try:  # CRIU killed the tree: the container goes as `delete` removes it
                _destroy(c)
            except RuntimeFailure as e:
                warn(e.message)
    finally:
        for fd in fds:
            os.close(fd)
        c.unlock()
    return 0


def _send_console(path, master):
    """Hand a pty master to a --console-socket listener (conmon's recvfd: one fd, a name)."""
    import socket  # noqa: PLC0415
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        s.connect(path)
        socket.send_fds(s, [b"/dev/ptmx"], [master])
    except OSError as e:
        raise RuntimeFailure(f"failed to connect to console socket \"{path}\": {e.strerror}") from None
    finally:
        s.close()


def restore(root, cid, flags, *, bundle=None, detach=False, pid_file=None, console_socket=None,
            no_pivot=False, no_subreaper=False, log=None, systemd_cgroup=False):
    """runc restore. Returns the exit status: 0 detached, the container's in the foreground."""
    from . import criu, criu_plan as cp  # noqa: PLC0415
    from . import fastjson, spec  # noqa: PLC0415
    from .cgroups import Manager  # noqa: PLC0415
    from .container.lifecycle import _empty_cgroup, _pidfile, init_state  # noqa: PLC0415
    warn = _warn(log)
    if os.geteuid() != 0:
        warn("runc checkpoint is untested with rootless containers")
    check_id(cid)
    image, _ = image_paths(flags.get("image_path"), None)
    cp.cg_mode(flags.get("manage_cgroups_mode"))
    cp.empty_ns(flags.get("empty_ns"))
    bundle = os.path.abspath(bundle or ".")
    config, raw = spec.load(bundle)
    terminal = bool((config.get("process") or {}).get("terminal"))
    if detach and terminal and not console_socket:
        raise RuntimeFailure("cannot allocate tty if runc will detach without setting console socket")
    if (not detach or not terminal) and console_socket:
        raise RuntimeFailure("cannot use console socket if runc will not detach or allocate tty")
    plan = _plan(config, bundle, no_pivot)
    version = _check_version(criu)
    log_dir = os.path.abspath(flags["work_path"]) if flags.get("work_path") else image
    try:
        with open(os.path.join(image, cp.DESCRIPTORS), "rb") as f:
            descriptors = fastjson.loads(f.read())
    except OSError as e:
        raise _os_error("open", os.path.join(image, cp.DESCRIPTORS), e) from None
    except ValueError:
        raise RuntimeFailure(f"{os.path.join(image, cp.DESCRIPTORS)}: invalid JSON") from None
    inherit_ns, join_ns, ns_files = cp.restore_namespaces(cp.joined_namespaces(config), version)
    if not detach and not no_subreaper:
        from ._native._ext import lib  # noqa: PLC0415
        lib.pyr_set_child_subreaper()  # the restored tree's orphans come to us, as in `run`

    hook_cfg = config.get("hooks") or {}
    cgroup = Manager.for_container(config, cid, systemd_cgroup)
    c = Container(root, cid)
    c.claim()
    me = proc_start(os.getpid())
    provisional = {"ociVersion": config.get("ociVersion", OCI_VERSION), "id": cid, "creating": True,
                   "creator": os.getpid(), "creator_start": me[1] if me else 0, "pid": 0, "bundle": bundle,
                   "rootfs": plan.rootfs, "created": "", "cgroup": cgroup.to_state()}
    fds, mounted, cgroup_made, restored = [], None, False, {"pid": 0, "master": -1}
    state_base = {"ociVersion": config.get("ociVersion", OCI_VERSION), "id": cid, "status": "creating",
                  "pid": 0, "bundle": bundle, "annotations": config.get("annotations") or {}}
    try:
        c.save(provisional)
        cgroup.create()
        cgroup_made = True
        c.save(dict(provisional, cgroup=cgroup.to_state()))
        with open(os.path.join(c.dir, "config.json"), "wb") as f:
            f.write(raw)
        image_fd = _open_dir(image, make=False)
        fds.append(image_fd)
        work_fd = None
        if flags.get("work_path"):
            work_fd = _open_dir(log_dir)
            fds.append(work_fd)
        ns_fds = []
        for path in ns_files:
            try:
                ns_fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                raise RuntimeFailure(f"Requested network namespace {path} does not exist") from None
            fds.append(ns_fds[-1])
        net = [(fd, path) for e, fd, path in zip(inherit_ns, ns_fds, ns_files) if e["key"] == cp.ns_key("network")]
        net_locked = network_locked(*net[0], warn) if net else False
        # CRIU wants the root as a mount point whose parent is not overmounted (runc's way)
        mounted = os.path.join(c.dir, CRIU_ROOT)
        os.mkdir(mounted, 0o755)
        from ._native._ext import lib  # noqa: PLC0415
        err = lib.pyr_bind_mount(plan.rootfs.encode(), mounted.encode())
        if err < 0:
            os.rmdir(mounted)
            mounted = None
            raise RuntimeFailure(f"mount {plan.rootfs}: {os.strerror(-err).lower()}")

        def on_notify(script, pid, got):
            from . import hooks  # noqa: PLC0415
            if script == "setup-namespaces":
                if hook_cfg.get("prestart") or hook_cfg.get("createRuntime"):
                    text = hooks.state_json(dict(state_base, pid=pid), "creating")
                    hooks.run("prestart", hook_cfg, text)
                    hooks.run("createRuntime", hook_cfg, text)
            elif script == "post-restore":
                restored["pid"] = pid
            elif script == "orphan-pts-master" and got:
                if console_socket:
                    _send_console(console_socket, got[0])
                else:
                    restored["master"] = os.dup(got[0])

        w = criu.Swrk(extra_fds=ns_fds, stdio=True)
        try:
            cgroup.add(w.pid)  # CRIU restores into the cgroups it runs in (cg_root below)
            opts = cp.restore_options(flags, root=mounted, image_fd=image_fd, work_fd=work_fd,
                                      config=cp.config_file(config.get("annotations")),
                                      ext_mnt=cp.restore_ext_mounts(plan),
                                      inherit=cp.stdio_inherit(descriptors) + inherit_ns, join=join_ns,
                                      cgroups=cp.cg_roots(_read(f"/proc/{w.pid}/cgroup")), criu_version=version,
                                      net_locked=net_locked)
            resp = w.call("RESTORE", opts, on_notify=on_notify)
            w.finish()
        except BaseException:
            try:
                w.finish(expect_success=False)
            finally:
                criu.log_errors(os.path.join(log_dir, cp.RESTORE_LOG), warn)
            raise
        pid = resp.restore.pid or restored["pid"]
        st = proc_start(pid) if pid else None
        if st is None:
            raise RuntimeFailure("criu failed: the restored process is gone")
        restored["pid"] = pid
        c.save(dict(init_state(config, cid, pid, st[1], bundle, plan.rootfs, hook_cfg, cgroup, ""), restored=True))
        if pid_file:
            _pidfile(pid_file, pid)
    except BaseException:
        if restored["pid"]:
            try:
                os.kill(restored["pid"], 9)
            except ProcessLookupError:
                pass
        if restored["master"] >= 0:
            os.close(restored["master"])
        if cgroup_made:
            if cgroup.owns_leaf():
                _empty_cgroup(cgroup)
            cgroup.destroy()
        _unmount(mounted)
        c.remove()
        raise
    finally:
        for fd in fds:
            os.close(fd)
    _unmount(mounted)
    c.unlock()
    if detach:
        return 0
    return _foreground(root, cid, restored["pid"], restored["master"])


def network_locked(ns_fd, path, warn):
    """Whether the network namespace joined by path (open at ns_fd) still holds CRIU's network
    lock: a dump that ends the container leaves it there (so the namespace's peers see no reset
    until a restore), and CRIU must then not lock it again (criu_plan.restore_empty_ns). Read with
    the iptables CRIU runs; when it cannot be read, CRIU locks again, as with runc."""
    from . import criu, criu_plan as cp  # noqa: PLC0415
    rules, why = criu.iptables_rules(ns_fd)
    if rules is None:
        warn(f"cannot read the iptables rules of network namespace {path} ({why}): "
             "CRIU's network lock may stay in it after the restore")
        return False
    locks = cp.network_locks(rules)
    if locks > 1:
        warn(f"network namespace {path} holds CRIU's network lock {locks} times (left by an earlier "
             f"restore): CRIU's unlock will fail and the namespace's traffic stay dropped; remove the "
             f"jumps to the {cp.LOCK_CHAIN} chain and the chain")
    return locks > 0


def _unmount(path):
    if not path:
        return
    from ._native._ext import lib  # noqa: PLC0415
    lib.pyr_umount_detach(path.encode())
    try:
        os.rmdir(path)
    except OSError:
        pass


def _foreground(root, cid, pid, master):
    """Wait for the restored container like `run` waits (signals forwarded, a terminal relayed),
    then delete it; its exit status is ours."""
    from .container.lifecycle import _forward_signals, _wait_exit, delete  # noqa: PLC0415
    forward = _forward_signals(pid)
    try:
        if master >= 0:
            from .console import relay  # noqa: PLC0415
            relay(master)
        code = _wait_exit(pid)
    finally:
        forward()
    try:
        delete(root, cid, force=True)
    except RuntimeFailure:
        pass
    return code
