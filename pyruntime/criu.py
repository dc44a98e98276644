"""CRIU through its RPC interface: `criu swrk <fd>` on a SEQPACKET socket pair, one protobuf
message per packet, with the message classes of CRIU's own Python bindings (pycriu.rpc_pb2,
Debian's criu package).

Why not pycriu's `criu` class: it execs criu with fds 0-2 closed (restore hands the caller's
stdio to the restored process through them, as inherit-fd), it cannot pass further fds (an
external network namespace), it cannot place criu in the container's cgroup before the request,
and it has no loop for CRIU's notifications (setup-namespaces, post-restore, orphan-pts-master).
So the transport is this module's; every byte on the wire is encoded and decoded by pycriu's
generated messages.

The virtual environment is made from Debian's python3 without its dist-packages; pycriu and the
python3-protobuf it needs live there, so they are appended to sys.path (at the end: nothing the
venv has is shadowed) when checkpoint or restore first need them.
"""
import os
import sys

from .errors import RuntimeFailure

DIST_PACKAGES = "/usr/lib/python3/dist-packages"
# runc's callers may run us without PATH (conmon, shims); criu and what criu runs are found here then
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_rpc = []


def rpc():
    """pycriu's rpc_pb2 module, or a one-line error saying what is missing. Loaded on its own from
    the pycriu package's directory: the package's __init__ imports every image message too
    (~180 ms here, tens of seconds in the emulated test VM), and only rpc.proto's are needed."""
    if _rpc:
        return _rpc[0]
    import importlib.util  # noqa: PLC0415
    try:
        where = importlib.util.find_spec("pycriu")  # locates the package, runs none of it
    except ImportError:
        where = None
    if where is None:
        if DIST_PACKAGES not in sys.path:
            sys.path.append(DIST_PACKAGES)
        where = importlib.util.find_spec("pycriu")
    try:
        if where is None or not where.submodule_search_locations:
            raise ImportError("No module named 'pycriu'")
        path = os.path.join(list(where.submodule_search_locations)[0], "rpc_pb2.py")
        spec = importlib.util.spec_from_file_location("pyruntime._criu_rpc_pb2", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, OSError) as e:
        raise RuntimeFailure(f"checkpoint/restore needs CRIU's Python bindings (pycriu, from Debian's criu "
                             f"package): {e}") from None
    _rpc.append(module)
    return module


def environment(env=None):
    """criu's environment: ours, with DEFAULT_PATH when we were given no PATH. CRIU runs
    iptables-restore from PATH for its network lock (every dump of a process tree in another
    network namespace, every restore into one); execvp's own default (/bin:/usr/bin) misses
    /usr/sbin, where Debian and others install it."""
    env = dict(os.environ if env is None else env)
    if not env.get("PATH"):
        env["PATH"] = DEFAULT_PATH
    return env


def binary():
    """The criu binary from PATH (runc's rule; --criu is ignored as in runc 1.2+)."""
    import shutil  # noqa: PLC0415
    path = shutil.which("criu", path=environment()["PATH"])
    if not path:
        raise RuntimeFailure('CRIU version check failed: exec: "criu": executable file not found in $PATH')
    return path


def iptables_rules(ns_fd):
    """`iptables -S` inside the network namespace open at ns_fd, run as CRIU runs its lock: the
    iptables on criu's PATH, so the same backend (nft or legacy) CRIU will use. Entered with
    nsenter (util-linux), the namespace passed as our fd. Returns (rules, None) or (None, why not)."""
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    env = environment()
    nsenter = shutil.which("nsenter", path=env["PATH"])
    if not nsenter:
        return None, 'exec: "nsenter": executable file not found in $PATH'
    try:
        proc = subprocess.run([nsenter, f"--net=/proc/self/fd/{ns_fd}", "--", "iptables", "-w", "-S"],
                              pass_fds=(ns_fd,), env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return None, str(e)
    if proc.returncode != 0:
        return None, (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return proc.stdout, None


def available():
    """True when checkpoint/restore can be attempted here: criu on PATH and pycriu importable.
    (Whether this kernel suits CRIU is CRIU's own question: `criu check`.)"""
    try:
        binary()
        rpc()
    except RuntimeFailure:
        return False
    return True


def fill(msg, values):
    """Set a protobuf message's fields from plain data: scalars, lists of scalars, dicts for
    sub-messages and lists of dicts for repeated sub-messages, enum values by name. None leaves a
    field unset."""
    fields = msg.DESCRIPTOR.fields_by_name
    for name, value in values.items():
        if value is None:
            continue
        enum = fields[name].enum_type
        if enum is not None and isinstance(value, str):
            value = enum.values_by_name[value].number  # e.g. manage_cgroups_mode "SOFT"
        if isinstance(value, dict):
            fill(getattr(msg, name), value)
        elif isinstance(value, list):
            field = getattr(msg, name)
            for item in value:
                if isinstance(item, dict):
                    fill(field.add(), item)
                else:
                    field.append(item)
        else:
            setattr(msg, name, value)
    return msg


class Swrk:
    """One `criu swrk` process and our end of its socket. extra_fds become criu's fds 4, 5, ...;
    with stdio, criu's 0-2 are ours (restore: the restored process's stdio comes from them),
    otherwise /dev/null (runc's way for a dump: CRIU's own messages go to its log file)."""

    def __init__(self, extra_fds=(), stdio=False):
        import _socket  # noqa: PLC0415
        import fcntl  # noqa: PLC0415
        self.rpc = rpc()
        path = binary()
        ours, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET | _socket.SOCK_CLOEXEC)
        self.sock = ours
        # sources above any target number first, so no dup2 below overwrites a later source
        high = [fcntl.fcntl(theirs.fileno(), fcntl.F_DUPFD_CLOEXEC, 100)]
        high += [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in extra_fds]
        theirs.close()
        actions = [(os.POSIX_SPAWN_DUP2, fd, 3 + i) for i, fd in enumerate(high)]
        if not stdio:
            actions += [(os.POSIX_SPAWN_OPEN, n, "/dev/null", os.O_RDWR, 0) for n in range(3)]
        try:
            self.pid = os.posix_spawn(path, [path, "swrk", "3"], environment(), file_actions=actions)
        except OSError as e:
            ours.close()
            raise RuntimeFailure(f"cannot start criu: {e.strerror.lower()}") from None
        finally:
            for fd in high:
                os.close(fd)
        self.status = None

    def call(self, req_type, opts=None, features=None, on_notify=None):
        """Send one request; answer CRIU's notifications with on_notify(script, pid, fds) (its
        exception aborts the request); return the final response. runc's wording on failure."""
        r = self.rpc
        req = r.criu_req()
        req.type = r.criu_req_type.Value(req_type)
        if opts is not None:
            fill(req.opts, opts)
        if features is not None:
            fill(req.features, features)
        self.sock.send(req.SerializeToString())
        while True:
            resp, fds = self._receive()
            name = r.criu_req_type.Name(resp.type)
            if not resp.success:
                for fd in fds:
                    os.close(fd)
                msg = f"criu failed: type {name} errno {resp.cr_errno}"
                if resp.cr_errmsg:
                    msg += f": {resp.cr_errmsg}"
                raise RuntimeFailure(msg)
            if resp.type != r.NOTIFY:
                return resp
            try:
                if on_notify is not None:
                    on_notify(resp.notify.script, resp.notify.pid, fds)
            finally:
                for fd in fds:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            ack = r.criu_req()
            ack.type = r.NOTIFY
            ack.notify_success = True
            self.sock.send(ack.SerializeToString())

    def _receive(self):
        import _socket  # noqa: PLC0415
        while True:
            try:
                data, anc, flags, _ = self.sock.recvmsg(1 << 16, _socket.CMSG_SPACE(4 * 8))
                break
            except InterruptedError:
                continue
        fds = []
        for level, kind, blob in anc:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds += [int.from_bytes(blob[i:i + 4], sys.byteorder) for i in range(0, len(blob) - len(blob) % 4, 4)]
        if not data:
            raise RuntimeFailure("criu failed: unexpected EOF")
        if flags & _socket.MSG_TRUNC:
            raise RuntimeFailure("criu failed: buffer is too small")
        resp = self.rpc.criu_resp()
        resp.ParseFromString(data)
        return resp, fds

    def finish(self, expect_success=True):
        """Close our end and reap criu; its failure is an error unless told otherwise (a
        pre-dump's criu waits for a final dump that never comes and exits non-zero)."""
        try:
            self.sock.close()
        except OSError:
            pass
        if self.status is None:
            while True:
                try:
                    _, self.status = os.waitpid(self.pid, 0)
                    break
                except InterruptedError:
                    continue
                except ChildProcessError:
                    self.status = 0
                    break
        if expect_success and self.status != 0:
            if os.WIFSIGNALED(self.status):
                raise RuntimeFailure(f"criu failed: signal: {os.WTERMSIG(self.status)}")
            raise RuntimeFailure(f"criu failed: exit status {os.WEXITSTATUS(self.status)}")


def version():
    """CRIU's version as runc counts it: major * 10000 + minor * 100 + sublevel."""
    w = Swrk()
    try:
        v = w.call("VERSION").version
    except RuntimeFailure as e:
        raise RuntimeFailure(f"CRIU version check failed: {e.message}") from None
    finally:
        w.finish(expect_success=False)
    return v.major_number * 10000 + v.minor_number * 100 + v.sublevel


def missing_features(wanted):
    """The names of CRIU features among `wanted` (e.g. {"mem_track": True}) this CRIU and kernel
    lack, by CRIU's FEATURE_CHECK."""
    w = Swrk()
    try:
        got = w.call("FEATURE_CHECK", features=wanted).features
    except RuntimeFailure as e:
        raise RuntimeFailure(f"CRIU feature check failed: {e.message}") from None
    finally:
        w.finish(expect_success=False)
    return [name for name, want in wanted.items() if want and got.HasField(name) and not getattr(got, name)]


def log_errors(path, warn):
    """runc's logCriuErrors: each line holding "Error", with the five before it, as warnings."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        warn(f"open {path}: {e.strerror.lower()}")
        return
    printed = 0
    for n, line in enumerate(lines, 1):
        if "Error" not in line:
            continue
        if printed == 0:
            warn(f'--- Quoting "{path}"')
        elif n - 6 > printed:
            warn("...")
        for k in range(max(printed + 1, n - 5), n + 1):
            warn(f"{k}:{lines[k - 1]}")
        printed = n
    if printed:
        warn("---")
