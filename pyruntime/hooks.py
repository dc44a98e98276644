"""OCI hooks run by the parent: prestart, createRuntime (during create), poststart (after start),
poststop (on delete). createContainer and startContainer run inside the container, from the C init
(pyruntime/_native/hooks.c), with the state the parent hands it.

Each hook: execve(path, args, env) with args[0] as argv[0] (Docker's libnetwork-setkey relies on
it), the container state JSON on stdin, killed after `timeout` seconds. The state is a sealed memfd
the hook reads as its stdin: nothing is written to the hook, so no state, however large, can hold
anything up before the timeout runs (docs/security.md §1.27), and no hook can change what the next reads.
"""
import fcntl
import os
import time

from . import fastjson
from .errors import RuntimeFailure

FAILING_STOPS = ("prestart", "createRuntime", "createContainer", "startContainer")


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


def _read_all(fd):
    chunks = []
    while True:
        try:
            b = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def run_hook(kind, index, hook, state_text):
    """Run one hook; raise RuntimeFailure naming it when it fails or times out."""
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
    try:
        pid = os.posix_spawn(path, args, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, rin, 0), (os.POSIX_SPAWN_DUP2, wout, 1), (os.POSIX_SPAWN_DUP2, wout, 2)],
            setsigdef=[s for s in range(1, 65) if s not in (32, 33)], setsigmask=())
    except OSError as e:
        for fd in (rin, rout, wout):
            os.close(fd)
        raise RuntimeFailure(f"error running {kind} hook #{index}: {path}: {e.strerror.lower()}") from None
    os.close(rin)
    os.close(wout)
    os.set_blocking(rout, False)
    out = b""
    timeout = hook.get("timeout")
    deadline = time.monotonic() + timeout if timeout else None
    status = None
    while status is None:
        got, st = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            status = st
            break
        out += _read_all(rout)
        if deadline and time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(rout)
            raise RuntimeFailure(f"error running {kind} hook #{index}: {path}: timed out after {timeout}s")
        time.sleep(0.001)
    out += _read_all(rout)
    os.close(rout)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return
    why = (f"exit status {os.WEXITSTATUS(status)}" if os.WIFEXITED(status)
           else f"killed by signal {os.WTERMSIG(status)}")
    text = out.decode(errors="replace").strip().replace("\n", " ")
    raise RuntimeFailure(f"error running {kind} hook #{index}: {path}: {why}" + (f", output: {text}" if text else ""))


def run(kind, hooks, state_text, warn=None):
    """Run every hook of one kind in order. With `warn`, failures are warnings (poststart, poststop)."""
    for i, hook in enumerate(hooks.get(kind) or ()):
        try:
            run_hook(kind, i, hook, state_text)
        except RuntimeFailure as e:
            if warn is None:
                raise
            warn(e.message)
