"""Start pyruntime-init for a Plan and drive the sync protocol until the container is ready.

The init runs from a sealed memfd copy of the program (CVE-2019-5736: /proc/<pid>/exe of a
container process never names a writable file of the host), gets the Plan on an inherited memfd
and talks to this parent over a SOCK_SEQPACKET pair (messages in pyruntime/_native/init.h).
"""
import fcntl
import os
from struct import pack, unpack

import _socket

from ._contract import (  # the protocol's numbers, shared with the init (_native/contract.py)
    ERROR_MAX, MS_SOURCE_PLAIN, MS_SOURCE_TREE, MSG_CHILD_PID, MSG_ERROR, MSG_GO, MSG_HOOKS, MSG_HOOKS_DONE,
    MSG_MAPS_DONE, MSG_MOUNT_FD, MSG_MOUNT_PLEASE, MSG_NEED_MAPS, MSG_READY, MSG_SECCOMP_FD, STEP_NAMES, STEP_ROOTFS,
    SYNC_MAX_FDS)
from .errors import InitError, RuntimeFailure
from .mounts import MS_REC

SOURCE_PLAIN, SOURCE_TREE = MS_SOURCE_PLAIN, MS_SOURCE_TREE
# an init message is at most an error (4 + ERROR_MAX bytes); a larger buffer tells a cut one apart
MAX_MESSAGE, MAX_FDS = 65536, SYNC_MAX_FDS
assert MAX_MESSAGE > 4 + ERROR_MAX

INIT_PROGRAM = os.environ.get("PYRUNTIME_INIT") or os.path.join(os.path.dirname(__file__), "_native", "pyruntime-init")
ALL_SIGNALS = [s for s in range(1, 65) if s not in (32, 33)]  # 32, 33: glibc-private


def sealed_init():
    """A memfd holding the init program, sealed against every change."""
    with open(INIT_PROGRAM, "rb") as f:
        data = f.read()
    fd = os.memfd_create("pyruntime-init", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS,
                fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
    return fd


def _high(fd, base):
    """Move an fd the child needs to >= base (above the preserved fds) and make it inheritable."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, base)
    os.close(fd)
    os.set_inheritable(new, True)
    return new


class Launch:
    """One run of the init program: spawn, then step through the messages."""

    def __init__(self, plan_bytes_fn, preserve_fds=0, console_fd=-1, statedir_fd=-1, cgroup_fds=None,
                 mounts=(), init=False):
        """plan_bytes_fn(console fd, state dir fd, cgroup fds) -> the Plan's bytes, given the fd
        numbers the init will see. Every fd passed in is consumed (closed here). `mounts` are the
        Plan's: the init asks for the sources it cannot open itself (MSG_MOUNT_PLEASE). `init`: a
        container's init (create), whose errors runc words "error during container init: ..."."""
        self.stage1 = 0
        self.pid = 0
        self.sock = None
        self.fds = []
        self.mounts = mounts
        self.during = "error during container init: " if init else ""
        self._prepare(plan_bytes_fn, preserve_fds, console_fd, statedir_fd, cgroup_fds)

    def _prepare(self, plan_bytes_fn, preserve_fds, console_fd, statedir_fd, cgroup_fds):
        base = 3 + preserve_fds
        parent, child = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET | _socket.SOCK_CLOEXEC)
        self.sock = parent
        child_fd = _high(child.detach(), base)
        console = _high(console_fd, base) if console_fd >= 0 else -1
        statedir = _high(statedir_fd, base) if statedir_fd >= 0 else -1
        cgroups, extra = None, []
        if cgroup_fds:
            cg2 = _high(cgroup_fds[0], base) if cgroup_fds[0] >= 0 else -1
            cgroups = (cg2, [_high(fd, base) for fd in cgroup_fds[1]])
            extra = cgroups[1] + ([cg2] if cg2 >= 0 else [])
        plan_fd = os.memfd_create("pyruntime-plan", os.MFD_CLOEXEC)
        os.write(plan_fd, plan_bytes_fn(console, statedir, cgroups))
        plan_fd = _high(plan_fd, base)
        exe = sealed_init()
        try:
            self.stage1 = os.posix_spawn(
                f"/proc/self/fd/{exe}", ["pyruntime-init", str(child_fd), str(plan_fd)], {},
                setsigdef=ALL_SIGNALS, setsigmask=(),
            )
        except OSError as e:
            raise RuntimeFailure(f"unable to start container process: start init: {e.strerror}") from None
        finally:
            for fd in (exe, child_fd, plan_fd, console, statedir, *extra):
                if fd >= 0:
                    os.close(fd)

    def send(self, msg, payload=b"", fds=()):
        data = pack("<I", msg) + payload
        if fds:
            self.sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, pack(f"{len(fds)}i", *fds))])
        else:
            self.sock.send(data)

    def recv(self):
        """(type, payload) of the init's next message, (None, b"") at its end. The fds it carried
        land in self.fds; a message cut by the buffer is an error, never read as another one."""
        data, anc, flags, _ = self.sock.recvmsg(MAX_MESSAGE, _socket.CMSG_SPACE(4 * MAX_FDS))
        self.fds = parse_fds(anc)
        if flags & (_socket.MSG_TRUNC | _socket.MSG_CTRUNC):
            self.close_fds()
            raise RuntimeFailure("unable to start container process: sync: message from the init too large")
        if not data:
            return None, b""
        if len(data) < 4:
            self.close_fds()
            raise RuntimeFailure("unable to start container process: sync: short message from the init")
        return unpack("<I", data[:4])[0], data[4:]

    def close_fds(self):
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def error(self, payload):
        return init_error(payload, self.during)

    def reap_stage1(self):
        """Wait for the init's first process; its wait status (None if there was none to reap)."""
        status = None
        if self.stage1:
            try:
                status = os.waitpid(self.stage1, 0)[1]
            except ChildProcessError:
                pass
            self.stage1 = 0
        return status

    def run(self, on_maps=None, on_hooks=None, on_spawned=None, on_seccomp=None, on_child=None):
        """Step the protocol until MSG_READY; returns the container init's host pid.

        on_spawned(stage1 pid) runs before the child does anything: it is where the child joins the
        container's cgroup, so its namespaces (cgroup ns included) are made from inside it; with
        cgroup_fds the init joins by itself after MSG_GO and on_spawned is not needed."""
        if on_spawned:
            on_spawned(self.stage1)
        self.send(MSG_GO)
        while True:
            msg, payload = self.recv()
            if msg != MSG_SECCOMP_FD:
                self.close_fds()  # only the listener comes with an fd
            if msg is None:
                status = self.reap_stage1()
                how = ""
                if status is not None and os.WIFSIGNALED(status):
                    how = f" (killed by signal {os.WTERMSIG(status)})"
                elif status is not None and os.WEXITSTATUS(status):
                    # stage 0 passes on stage 1's status, 128+N for a signal
                    how = f" (exit status {os.WEXITSTATUS(status)})"
                raise RuntimeFailure(f"unable to start container process: container init exited unexpectedly{how}")
            if msg == MSG_ERROR:
                self.reap_stage1()
                raise self.error(payload)
            if msg in (MSG_HOOKS, MSG_SECCOMP_FD, MSG_READY) and not self.pid:
                # stage 1 queues MSG_CHILD_PID before it lets stage 2 go on (main.c)
                self.reap_stage1()
                raise RuntimeFailure(f"unable to start container process: init sent message {msg} before its pid")
            if msg in (MSG_NEED_MAPS, MSG_CHILD_PID) and len(payload) != 4:
                self.reap_stage1()
                raise RuntimeFailure(f"unable to start container process: sync: message {msg} of {len(payload)} bytes")
            if msg == MSG_NEED_MAPS:
                on_maps(unpack("<I", payload)[0])
                self.send(MSG_MAPS_DONE)
            elif msg == MSG_CHILD_PID:
                self.pid = unpack("<I", payload)[0]
                self.reap_stage1()
                if on_child:
                    on_child(self.pid)
            elif msg == MSG_SECCOMP_FD:
                fds, self.fds = self.fds, []
                for fd in fds:
                    try:
                        if on_seccomp:
                            on_seccomp(fd, self.pid)
                    finally:
                        os.close(fd)
            elif msg == MSG_HOOKS:
                # the states of the init's own hooks go as sealed memfds: any size, no copy
                states = on_hooks(self.pid) if on_hooks else []
                try:
                    self.send(MSG_HOOKS_DONE, fds=states)
                finally:
                    for fd in states:
                        os.close(fd)
            elif msg == MSG_MOUNT_PLEASE:
                index = unpack("<I", payload[:4])[0]
                if index >= len(self.mounts):
                    raise RuntimeFailure(f"unable to start container process: init asked for mount {index}")
                kind, fd = mount_source(self.mounts[index], self.pid, self.during)
                try:
                    self.send(MSG_MOUNT_FD, pack("<I", kind), fds=[fd])
                finally:
                    os.close(fd)
            elif msg == MSG_READY:
                self.close()
                return self.pid

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def abort(self):
        """Kill whatever was started; the container's mounts die with its mount namespace."""
        for pid in (self.pid, self.stage1):
            if pid:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
        self.reap_stage1()
        self.close()


def init_error(payload, during=""):
    """The InitError of a MSG_ERROR payload: u32 errno, u32 step (contract.h enum init_step), text."""
    if len(payload) < 8:
        return InitError("unable to start container process: sync: short error message from the init")
    err, step = unpack("<II", payload[:8])
    text = payload[8:].decode(errors="replace")
    return InitError(f"unable to start container process: {during}{text}", err,
                     STEP_NAMES.get(step, f"step {step}"))


def parse_fds(anc):
    """The fds of SCM_RIGHTS control messages (whole ints only; other messages ignored)."""
    fds = []
    for level, kind, data in anc:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            n = len(data) // 4
            fds.extend(unpack(f"{n}i", data[:4 * n]))
    return fds


def mount_source(m, pid, during=""):
    """(kind, fd) of the source of Plan mount `m` for the init `pid` (pyruntime/_native/ext.c says
    why the runtime opens it): looked up in the init's mount namespace as it stands now, with the
    runtime's credentials; an idmapped bind gets a detached tree with its mapping attached."""
    from ._native._ext import ffi, lib  # noqa: PLC0415 (only when the init asks)

    def failed(what, err):
        return InitError(f"unable to start container process: {during}error mounting \"{m.source}\" to rootfs at "
                         f"\"{m.destination}\": {what}: {os.strerror(err).lower()}", err, STEP_NAMES[STEP_ROOTFS])
    try:
        ns = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise failed("open the container's mount namespace", e.errno) from None
    step = ffi.new("const char **")
    src, root = m.source.encode(), ffi.NULL
    if m.in_root is not None:  # inside the rootfs: resolved in it (plan.M_SRC_IN_ROOT)
        src = m.in_root.encode()
        root = ((m.source[:-len(m.in_root)] if m.in_root != "/" else m.source) or "/").encode()
    try:
        fd = lib.pyr_mount_source(ns, src, root, int(bool(m.idmap)), int(bool(m.flags & MS_REC)), step)
    finally:
        os.close(ns)
    if fd < 0:
        raise failed(("idmapped mount: " if m.idmap else "") + ffi.string(step[0]).decode(), -fd)
    if not m.idmap:
        return SOURCE_PLAIN, fd
    uids, gids, recursive, userns_path = m.idmap
    userns = -1
    try:
        if userns_path:
            try:
                userns = os.open(userns_path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as e:
                raise failed(f"idmapped mount: open user namespace {userns_path}", e.errno) from None
        r = lib.pyr_set_idmap(fd, int(recursive), _map_text(uids), _map_text(gids), userns, step)
        if r < 0:
            raise failed(f"idmapped mount: {ffi.string(step[0]).decode()}", -r)
    except BaseException:
        os.close(fd)
        raise
    finally:
        if userns >= 0:
            os.close(userns)
    return SOURCE_TREE, fd


def _map_text(maps):
    """uid_map/gid_map text: one "inside outside count" line per mapping."""
    return "".join(f"{inside} {outside} {count}\n" for inside, outside, count in maps).encode()


def write_id_maps(pid, uid_mappings, gid_mappings):
    """Host root writes the maps itself; a rootless caller (a user, or root of a user namespace
    the maps do not fit in) goes through pyruntime.rootless (own id directly, else newuidmap)."""
    privileged = os.geteuid() == 0
    for name, maps in (("uid_map", uid_mappings), ("gid_map", gid_mappings)):
        if privileged:
            try:
                fd = os.open(f"/proc/{pid}/{name}", os.O_WRONLY | os.O_CLOEXEC)
                try:
                    os.write(fd, _map_text(maps))
                finally:
                    os.close(fd)
                continue
            except PermissionError:
                pass  # uid 0 of a user namespace, mapping ids outside it: the rootless way
            except OSError as e:
                raise RuntimeFailure(f"unable to start container process: write {name}: {e.strerror}") from None
        from .rootless import write_maps  # noqa: PLC0415
        write_maps(pid, name, maps)


def send_seccomp_listener(listener, fd, pid, state):
    """Give the notify fd to listenerPath with the runtime-spec "containerProcessState" message."""
    from . import fastjson  # noqa: PLC0415
    path, metadata = listener
    msg = {"ociVersion": state.get("ociVersion", ""), "fds": ["seccompFd"], "pid": pid,
           "metadata": metadata or "", "state": state}
    s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    try:
        try:
            s.connect(path)
        except OSError as e:  # runc's words (and Go's for the dial)
            raise RuntimeFailure("unable to start container process: failed to connect with seccomp agent "
                                 f"specified in the seccomp profile: dial unix {path}: connect: "
                                 f"{os.strerror(e.errno).lower()}") from None
        try:
            s.sendmsg([fastjson.dumps(msg).encode()],
                      [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fd.to_bytes(4, "little"))])
        except OSError as e:
            raise RuntimeFailure(f"unable to start container process: cannot send seccomp fd to {path}: "
                                 f"{os.strerror(e.errno).lower()}") from None
    finally:
        s.close()
