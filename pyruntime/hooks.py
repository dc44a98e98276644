"""OCI hooks run by the parent: prestart, createRuntime (during create), poststart (after start),
poststop (on delete). createContainer and startContainer run inside the container, from the C init
(pyruntime/_native/hooks.c), with the state the parent hands it.

Each hook: execve(path, args, env) with args[0] as argv[0] (Docker's libnetwork-setkey relies on
it), the container state JSON on stdin, killed after `timeout` seconds; its stdout and stderr are
captured and quoted in the error when it fails, as runc does. The state is a sealed memfd
the hook reads as its stdin: nothing is written to the hook, so no state, however large, can hold
anything up before the timeout runs (docs/security.md §1.27), and no hook can change what the next reads.
"""
import fcntl
import os
import time

from . import fastjson
from .errors import RuntimeFailure


def state_json(state, status):
    s = dict(state)
    s["status"] = status
    if status == "stopped":
        s["pid"] = 0
    return fastjson.dumps(s)


def state_fd(text):
    """A sealed memfd holding `text`, at offset 0: a hook's stdin (here, or in the init)."""
    fd = os.memfd_create("pyruntime-state", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        view = memoryview(text.encode())
        while view:
            view = view[os.write(fd, view):]
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS,
                    fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


OUTPUT_MAX = 4096  # kept of each stream for the error message; the rest is read and dropped

# How a hook ended, in Go's words (os.ProcessState.String and its signal names), as runc says it
SIGNAL_NAMES = (None, "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted",
                "bus error", "floating point exception", "killed", "user defined signal 1", "segmentation fault",
                "user defined signal 2", "broken pipe", "alarm clock", "terminated", "stack fault", "child exited",
                "continued", "stopped (signal)", "stopped", "stopped (tty input)", "stopped (tty output)",
                "urgent I/O condition", "CPU time limit exceeded", "file size limit exceeded",
                "virtual timer expired", "profiling timer expired", "window changed", "I/O possible",
                "power failure", "bad system call")


def describe(status):
    """A wait status as Go prints it: "exit status 1", "signal: killed (core dumped)"."""
    if os.WIFEXITED(status):
        return f"exit status {os.WEXITSTATUS(status)}"
    sig = os.WTERMSIG(status)
    name = SIGNAL_NAMES[sig] if 0 < sig < len(SIGNAL_NAMES) else f"signal {sig}"
    return f"signal: {name}" + (" (core dumped)" if os.WCOREDUMP(status) else "")


class _Capture:
    """One output stream of a hook: read as it comes (a full pipe would block the hook), the
    first OUTPUT_MAX bytes kept."""

    def __init__(self, fd):
        self.fd = fd
        self.data = bytearray()
        self.cut = False
        os.set_blocking(fd, False)

    def drain(self):
        while self.fd is not None:
            try:
                b = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            if not b:
                self.close()
                return
            room = OUTPUT_MAX - len(self.data)
            self.data += b[:room]
            self.cut = self.cut or len(b) > room

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def text(self):
        return self.data.decode(errors="replace") + ("..." if self.cut else "")


def run_hook(kind, index, hook, state_text):
    """Run one hook; raise RuntimeFailure naming it when it fails or times out, in runc's words
    ("error running prestart hook #1: exit status 1, stdout: ..., stderr: ...")."""
    import select  # noqa: PLC0415 (hooks only)
    path = hook["path"]
    args = list(hook.get("args") or ()) or [path]
    if hook.get("env") is None:
        env = os.environ  # runc: a hook without env inherits the runtime's (Go's nil Cmd.Env)
    else:
        env = {}
        for e in hook["env"]:
            k, _, v = e.partition("=")
            env[k] = v
    rin = state_fd(state_text)
    rout, wout = os.pipe()
    rerr, werr = os.pipe()
    try:
        pid = os.posix_spawn(path, args, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, rin, 0), (os.POSIX_SPAWN_DUP2, wout, 1), (os.POSIX_SPAWN_DUP2, werr, 2)],
            setsigdef=[s for s in range(1, 65) if s not in (32, 33)], setsigmask=())
    except OSError as e:
        for fd in (rin, rout, wout, rerr, werr):
            os.close(fd)
        raise RuntimeFailure(f"error running {kind} hook #{index}: fork/exec {path}: "
                             f"{os.strerror(e.errno).lower()}") from None
    for fd in (rin, wout, werr):
        os.close(fd)
    streams = (_Capture(rout), _Capture(rerr))
    timeout = hook.get("timeout")
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while True:
            got, status = os.waitpid(pid, os.WNOHANG)
            if got == pid:
                break
            if deadline and time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                raise RuntimeFailure(f"error running {kind} hook #{index}: "
                                     f"hook ran past specified timeout of {float(timeout):.1f}s")
            # read while it runs; once both streams ended only its exit is awaited (a grandchild
            # holding them open is not waited for)
            open_fds = [s.fd for s in streams if s.fd is not None]
            if open_fds:
                select.select(open_fds, [], [], 0.01)
                for s in streams:
                    s.drain()
            else:
                time.sleep(0.001)
        for s in streams:
            s.drain()
    finally:
        for s in streams:
            s.close()
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return
    raise RuntimeFailure(f"error running {kind} hook #{index}: {describe(status)}, "
                         f"stdout: {streams[0].text()}, stderr: {streams[1].text()}")


def run(kind, hooks, state_text, warn=None):
    """Run every hook of one kind in order. With `warn`, failures are warnings (poststart, poststop)."""
    for i, hook in enumerate(hooks.get(kind) or ()):
        try:
            run_hook(kind, i, hook, state_text)
        except RuntimeFailure as e:
            if warn is None:
                raise
            warn(e.message)
