"""Compiled seccomp programs loaded into real processes, and seccomp in real containers.

Part 1 loads Filter.bpf into a forked child (prctl(PR_SET_NO_NEW_PRIVS) + seccomp(2) through
ctypes, the way the C init does) and checks what the kernel does: each action, each argument
operator, the flags, podman's default profile, and a user-notification listener answering calls.

Part 2 runs containers through the runtime under test (RUNTIME=runc works too). It is skipped only
while `<runtime> features` does not report linux.seccomp.enabled, so it runs as soon as seccomp is
wired into the runtime.
"""

import ctypes
import errno
import fcntl
import json
import os
import signal
import socket
import struct
import threading
import time
import traceback
from pathlib import Path

import pytest

import support
from pyruntime import seccomp as sc

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="syscall numbers are x86_64's")

PODMAN = Path(__file__).resolve().parents[1] / "unit" / "data" / "seccomp-podman-default.json"
SYS_seccomp, SECCOMP_SET_MODE_FILTER, PR_SET_NO_NEW_PRIVS = 317, 1, 38
NR = {"mkdir": 83, "umask": 95, "getppid": 110, "kexec_load": 246, "quotactl_fd": 443, "socket": 41}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load(filt, extra_flags=0):
    """What the C init does last before execve. Returns seccomp()'s result (a listener fd with
    SECCOMP_FILTER_FLAG_NEW_LISTENER)."""
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    buf = ctypes.create_string_buffer(filt.bpf, len(filt.bpf))
    prog = SockFprog(len(filt.bpf) // 8, ctypes.addressof(buf))
    ret = libc.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, ctypes.c_ulong(filt.flags | extra_flags),
                       ctypes.byref(prog))
    if ret < 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER)")
    return ret


def raw(nr, *args):
    """syscall(nr, args...) -> (return value, errno)."""
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a) for a in args])
    return ret, (ctypes.get_errno() if ret == -1 else 0)


def in_child(filt, body, extra_flags=0):
    """Fork; the child loads `filt` and runs body() (exit status 0 when it returns normally).
    Returns the wait status."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            load(filt, extra_flags)
            body()
        except BaseException:  # noqa: BLE001 (a forked child: any failure goes back through the pipe)
            os.write(w, traceback.format_exc().encode())
            code = 99
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        err = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert not err, err
    return status


def compile_(*syscalls, default="SCMP_ACT_ALLOW", **extra):
    p = {"defaultAction": default, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": list(syscalls)}
    p.update(extra)
    return sc.compile_profile(p, cache_dir=None)


def rule(names, action, *args, **extra):
    r = {"names": [names] if isinstance(names, str) else list(names), "action": action}
    if args:
        r["args"] = [dict(zip(("index", "op", "value", "valueTwo"), a)) for a in args]
    r.update(extra)
    return r


def exited_ok(status):
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def killed_by(status, sig):
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == sig


# --- actions -------------------------------------------------------------------------------------

def test_errno_on_mkdir_returns_the_errno(tmp_path):
    f = compile_(rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=errno.ENOMEDIUM))

    def body():
        assert raw(NR["mkdir"], id(b"x"))[1] == errno.ENOMEDIUM  # pointer is never read
        try:
            os.mkdir(tmp_path / "d")
        except OSError as e:
            assert e.errno == errno.ENOMEDIUM, e
        else:
            raise AssertionError("mkdir succeeded")
    assert exited_ok(in_child(f, body))
    assert not (tmp_path / "d").exists()


def test_errno_defaults_to_eperm(tmp_path):
    f = compile_(rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO"))

    def body():
        try:
            os.mkdir(tmp_path / "d")
        except PermissionError as e:
            assert e.errno == errno.EPERM
        else:
            raise AssertionError("mkdir succeeded")
    assert exited_ok(in_child(f, body))


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD"])
def test_kill_dies_with_sigsys(action):
    f = compile_(rule("getppid", action))
    assert killed_by(in_child(f, lambda: raw(NR["getppid"])), signal.SIGSYS)


def test_kill_process_takes_every_thread():
    f = compile_(rule("getppid", "SCMP_ACT_KILL_PROCESS"))

    def body():
        t = threading.Thread(target=raw, args=(NR["getppid"],))
        t.start()
        t.join(5)
        threading.Event().wait(5)  # not reached: the whole thread group is killed
    assert killed_by(in_child(f, body), signal.SIGSYS)


def test_trap_delivers_sigsys(tmp_path):
    f = compile_(rule("mkdir", "SCMP_ACT_TRAP"))
    assert killed_by(in_child(f, lambda: raw(NR["mkdir"], 0)), signal.SIGSYS)

    def body():
        caught = []
        signal.signal(signal.SIGSYS, lambda s, frame: caught.append(s))
        path = str(tmp_path / "d").encode()
        raw(NR["mkdir"], ctypes.cast(ctypes.c_char_p(path), ctypes.c_void_p).value, 0o755)
        for _ in range(100):
            if caught:
                break
        assert caught == [signal.SIGSYS]
        assert not os.path.exists(path)  # the call was not made
    assert exited_ok(in_child(f, body))


@pytest.mark.parametrize("action", ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"])
def test_allow_and_log_let_calls_through(tmp_path, action):
    f = compile_(rule(["mkdir", "mkdirat"], action), rule("umask", "SCMP_ACT_ERRNO"),
                 default="SCMP_ACT_LOG" if action == "SCMP_ACT_ALLOW" else "SCMP_ACT_ALLOW")

    def body():
        os.mkdir(tmp_path / "d")
        assert raw(NR["umask"], 0o22)[1] == errno.EPERM  # the filter is on
    assert exited_ok(in_child(f, body))
    assert (tmp_path / "d").is_dir()


# --- arguments -----------------------------------------------------------------------------------

def check_umask(f, blocked, allowed):
    def body():
        for v in blocked:
            assert raw(NR["umask"], v) == (-1, errno.EPERM), oct(v)
        for v in allowed:
            ret, err = raw(NR["umask"], v)
            assert err == 0 and ret >= 0, oct(v)
    assert exited_ok(in_child(f, body))


def test_eq_blocks_only_that_value():
    check_umask(compile_(rule("umask", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 0o22, 0))),
                blocked=[0o22], allowed=[0o21, 0o77, 0])


def test_eq_compares_all_64_bits():
    # the kernel truncates umask's argument, the filter sees the whole register
    check_umask(compile_(rule("umask", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 0x1_0000_0012, 0))),
                blocked=[0x1_0000_0012], allowed=[0x12, 0x2_0000_0012])


def test_masked_eq():
    check_umask(compile_(rule("umask", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_MASKED_EQ", 0o700, 0o700))),
                blocked=[0o700, 0o755, 0o777], allowed=[0o055, 0o600, 0o077])


@pytest.mark.parametrize("op, value, blocked, allowed", [
    ("SCMP_CMP_NE", 0o22, [0o21, 0o77], [0o22]),
    ("SCMP_CMP_LT", 0o10, [0, 0o7], [0o10, 0o77]),
    ("SCMP_CMP_LE", 0o10, [0o10], [0o11]),
    ("SCMP_CMP_GT", 0o70, [0o71, 0o777], [0o70, 0]),
    ("SCMP_CMP_GE", 0o70, [0o70], [0o67]),
])
def test_ordering_operators(op, value, blocked, allowed):
    check_umask(compile_(rule("umask", "SCMP_ACT_ERRNO", (0, op, value, 0))), blocked, allowed)


def test_two_conditions_on_one_argument_are_separate_rules():
    check_umask(compile_(rule("umask", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_GT", 0o700, 0),
                              (0, "SCMP_CMP_LT", 0o10, 0))),
                blocked=[0o777, 0o5], allowed=[0o22, 0o77])


# --- flags and podman's profile ------------------------------------------------------------------

@pytest.mark.parametrize("flags", [[], ["SECCOMP_FILTER_FLAG_LOG"], ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                                   ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                                   None])
def test_kernel_takes_the_flags(flags):
    extra = {} if flags is None else {"flags": flags}
    f = compile_(rule("umask", "SCMP_ACT_ERRNO"), **extra)
    check_umask(f, blocked=[0o22], allowed=[])


def test_podman_default_profile_in_a_process(tmp_path):
    f = sc.compile_profile(json.loads(PODMAN.read_text()), cache_dir=None)

    def body():
        os.mkdir(tmp_path / "d")                                    # allowed
        assert raw(NR["kexec_load"], 0, 0, 0, 0)[1] == errno.EPERM  # denied with errnoRet 1
        assert raw(NR["quotactl_fd"], 0, 0, 0, 0)[1] == errno.ENOSYS  # not listed: defaultErrnoRet
        assert raw(NR["socket"], 16, 3, 9)[1] == errno.EINVAL       # netlink audit
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)       # other sockets work
        s.close()
        pid = os.fork()                                             # clone is allowed
        if pid == 0:
            os._exit(7)
        assert os.WEXITSTATUS(os.waitpid(pid, 0)[1]) == 7
    assert exited_ok(in_child(f, body))


# --- user notification ---------------------------------------------------------------------------

SECCOMP_FILTER_FLAG_NEW_LISTENER = 8
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1
NOTIF_SIZE, RESP_SIZE = 80, 24                # struct seccomp_notif, struct seccomp_notif_resp
SECCOMP_IOCTL_NOTIF_RECV = 0xC0000000 | (NOTIF_SIZE << 16) | (ord("!") << 8) | 0
SECCOMP_IOCTL_NOTIF_SEND = 0xC0000000 | (RESP_SIZE << 16) | (ord("!") << 8) | 1


def notif_recv(fd):
    buf = bytearray(NOTIF_SIZE)
    fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
    nid, pid, _flags, nr, _arch = struct.unpack_from("=QIIiI", buf)
    return nid, pid, nr


def notif_send(fd, nid, error=0, val=0, flags=0):
    fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, bytearray(struct.pack("=QqiI", nid, val, error, flags)), True)


@pytest.mark.parametrize("wait_killable", [False, True])
def test_notify_listener_answers(tmp_path, wait_killable):
    extra = {"flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]} if wait_killable else {}
    f = compile_(rule(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY"), listenerPath="/unused", **extra)
    assert f.notify
    assert bool(f.flags & sc.FLAG_WAIT_KILLABLE_RECV) == wait_killable
    parent, child = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            parent.close()
            listener = load(f, SECCOMP_FILTER_FLAG_NEW_LISTENER)
            socket.send_fds(child, [b"L"], [listener])  # sendmsg: not a notified call
            os.close(listener)
            try:
                os.mkdir(tmp_path / "refused")
                code = 10
            except OSError as e:
                code = 0 if e.errno == errno.EXDEV else 11
            if code == 0:
                os.mkdir(tmp_path / "continued")
        except BaseException:  # noqa: BLE001 (a forked child: any failure becomes its exit status)
            traceback.print_exc()
            code = 99
        os._exit(code)
    child.close()
    try:
        _, fds, _, _ = socket.recv_fds(parent, 16, 1)
        [fd] = fds
        nid, npid, nr = notif_recv(fd)
        assert npid == pid and nr in (83, 258)
        notif_send(fd, nid, error=-errno.EXDEV)
        nid, npid, nr = notif_recv(fd)
        notif_send(fd, nid, flags=SECCOMP_USER_NOTIF_FLAG_CONTINUE)
        os.close(fd)
    finally:
        _, status = os.waitpid(pid, 0)
    assert exited_ok(status), status
    assert not (tmp_path / "refused").exists() and (tmp_path / "continued").is_dir()


# --- in containers (the runtime under test) --------------------------------------------------------

def _runtime_seccomp_enabled():
    proc = support.rt("features", root="/tmp")
    if proc.returncode != 0:
        return None, f"`{support.RUNTIME_NAME} features` failed: {proc.stderr.strip()}"
    seccomp = json.loads(proc.stdout).get("linux", {}).get("seccomp", {})
    return bool(seccomp.get("enabled")), ""


@pytest.fixture(scope="module")
def seccomp_runtime():
    enabled, problem = _runtime_seccomp_enabled()
    if enabled is None:
        pytest.fail(problem)
    if not enabled:
        pytest.skip(f"{support.RUNTIME_NAME} features: linux.seccomp.enabled is false (not wired yet)")


def run_in(bundle, root, cid, script, seccomp):
    bundle.config["linux"]["seccomp"] = seccomp
    bundle.set_args("sh", "-c", script)
    return support.rt_run(bundle, cid, root)


def test_container_errno(seccomp_runtime, bundle, root, container_id):
    p = run_in(bundle, root, container_id(), "mkdir /tmp/a; echo status=$?",
               {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=errno.ENOMEDIUM)]})
    assert p.returncode == 0, p.stderr
    assert "No medium found" in p.stdout + p.stderr and "status=1" in p.stdout
    assert not (bundle.rootfs / "tmp" / "a").exists()


def test_container_kill_process(seccomp_runtime, bundle, root, container_id):
    p = run_in(bundle, root, container_id(), "mkdir /tmp/a",
               {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [rule(["mkdir", "mkdirat"], "SCMP_ACT_KILL_PROCESS")]})
    assert p.returncode == 128 + signal.SIGSYS, (p.returncode, p.stderr)


def test_container_argument_rule(seccomp_runtime, bundle, root, container_id):
    # kill(pid, 0) refused, kill(pid, SIGCONT) allowed
    p = run_in(bundle, root, container_id(), "kill -0 $$; echo zero=$?; kill -CONT $$; echo cont=$?",
               {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [rule("kill", "SCMP_ACT_ERRNO", (1, "SCMP_CMP_EQ", 0, 0),
                                  errnoRet=errno.ENOMEDIUM)]})
    assert p.returncode == 0, p.stderr
    assert "zero=1" in p.stdout and "cont=0" in p.stdout


def test_container_podman_default_profile(seccomp_runtime, bundle, root, container_id):
    p = run_in(bundle, root, container_id(), "mkdir /tmp/a && echo ok; grep ^Seccomp: /proc/self/status",
               json.loads(PODMAN.read_text()))
    assert p.returncode == 0, p.stderr
    assert "ok" in p.stdout and "Seccomp:\t2" in p.stdout


def test_container_notify_listener(seccomp_runtime, bundle, root, container_id, tmp_path):
    """listenerPath receives the notify fd with the container process state; the agent answers."""
    path = str(tmp_path / "agent.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(20)
    got = {}

    def agent():
        try:
            conn, _ = server.accept()
            msg, fds, _, _ = socket.recv_fds(conn, 1 << 16, 4)
            got["state"] = json.loads(msg)
            got["nfds"] = len(fds)
            fd = fds[0]
            nid, _, nr = notif_recv(fd)
            got["nr"] = nr
            notif_send(fd, nid, error=-errno.EXDEV)
            for extra in fds:
                os.close(extra)
            conn.close()
        except BaseException as e:  # noqa: BLE001 (reported by the assertions below)
            got["error"] = repr(e)

    t = threading.Thread(target=agent, daemon=True)
    t.start()
    p = run_in(bundle, root, container_id(), "mkdir /tmp/a; echo status=$?",
               {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path, "listenerMetadata": "meta-42",
                "syscalls": [rule(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY")]})
    t.join(20)
    server.close()
    assert "error" not in got, got
    assert p.returncode == 0, p.stderr
    assert "status=1" in p.stdout and "Invalid cross-device link" in p.stdout + p.stderr
    state = got["state"]
    assert state["metadata"] == "meta-42"
    assert state["fds"] == ["seccompFd"] and got["nfds"] == 1
    assert state["pid"] > 0 and state["state"]["id"]
    assert got["nr"] in (83, 258)


# --- profiles that refuse what is newer than them (runc's -ENOSYS rule) ----------------------------

PROBE_SRC = Path(__file__).parent / "data" / "syscall-probe.c"


def install_probe(bundle):
    """The static syscall-probe (data/syscall-probe.c) as /bin/syscall-probe of the bundle."""
    out = bundle.rootfs / "bin" / "syscall-probe"
    if not out.exists():
        import subprocess
        subprocess.run(["gcc", "-static", "-O2", "-o", str(out), str(PROBE_SRC)], check=True)
    return "/bin/syscall-probe"


def allowlist_below(limit):
    """podman's default profile with default ERRNO(EPERM) (no defaultErrnoRet) and every name whose
    x86_64 number is >= limit taken out: the profile of an older engine on a newer kernel."""
    import pyseccomp
    p = json.loads(PODMAN.read_text())
    del p["defaultErrnoRet"]
    rules = []
    for r in p["syscalls"]:
        names = [n for n in r["names"] if pyseccomp.resolve_syscall(pyseccomp.Arch.X86_64, n) < limit]
        if names:
            rules.append(dict(r, names=names))
    p["syscalls"] = rules
    return p


@pytest.mark.parametrize("nnp", [False, True])
def test_container_newer_syscalls_get_enosys(seccomp_runtime, bundle, root, container_id, nnp):
    """close_range (436), faccessat2 (439) and anything above the profile's highest name (423 here)
    answer ENOSYS, so libc falls back; an older name the profile leaves out answers the default
    (kexec_load, 246: EPERM). The init itself runs under that filter to the execve."""
    probe = install_probe(bundle)
    bundle.config["process"]["noNewPrivileges"] = nnp
    p = run_in(bundle, root, container_id(), f"{probe} 436 439 1000 246; echo done", allowlist_below(424))
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["436=ENOSYS", "439=ENOSYS", "1000=ENOSYS", "246=EPERM", "done"], p.stdout + p.stderr


@pytest.mark.parametrize("refused", [["faccessat2"], ["close_range", "faccessat2", "openat2", "clone3"]])
@pytest.mark.parametrize("nnp", [False, True])
def test_init_needs_nothing_a_profile_refuses(seccomp_runtime, bundle, root, container_id, nnp, refused):
    """A profile refusing close_range, faccessat2, openat2 and clone3 with EPERM (no -ENOSYS to fall
    back on) still starts the container and execs into it: the init does not depend on them (the
    exec lookup's X_OK check falls back to the mode bits, as glibc does only on ENOSYS)."""
    cid = container_id()
    bundle.config["process"]["noNewPrivileges"] = nnp
    bundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [rule(refused, "SCMP_ACT_ERRNO", errnoRet=errno.EPERM)]}
    bundle.set_args("sh", "-c", "echo started; sleep 60")
    proc, out = support.rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    e = support.rt("exec", cid, "sh", "-c", "echo exec-ok", root=root)
    assert e.returncode == 0 and e.stdout.strip() == "exec-ok", e.stderr
    support.wait_status(cid, "running", root)
    for _ in range(500):
        if "started" in out.read_text():
            break
        time.sleep(0.01)
    assert out.read_text().strip() == "started"


def test_notify_without_an_agent_fails_with_runcs_words(seccomp_runtime, bundle, root, container_id, tmp_path):
    p = run_in(bundle, root, container_id(), "true",
               {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": str(tmp_path / "nobody.sock"),
                "syscalls": [rule("mkdir", "SCMP_ACT_NOTIFY")]})
    assert p.returncode != 0
    assert ("failed to connect with seccomp agent specified in the seccomp profile: dial unix "
            f"{tmp_path / 'nobody.sock'}: connect: no such file or directory") in p.stderr, p.stderr


@pytest.mark.parametrize("flags, expected", [(None, 4), ([], 0), (["SECCOMP_FILTER_FLAG_LOG"], 2),
                                             (["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], 4)])
def test_debug_names_the_filter_flags(seccomp_runtime, bundle, root, container_id, flags, expected):
    """--debug says which SECCOMP_FILTER_FLAG_* bits go to seccomp(2) (runc's debug line, which
    its suite checks): SPEC_ALLOW when `flags` is absent, TSYNC accepted and ignored."""
    profile = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule("mkdir", "SCMP_ACT_ERRNO")]}
    if flags is not None:
        profile["flags"] = flags
    bundle.config["linux"]["seccomp"] = profile
    bundle.set_args("true")
    bundle.write()
    p = support.rt("--debug", "run", "--bundle", bundle.path, container_id(), root=root)
    assert p.returncode == 0, p.stderr
    assert f'"seccomp filter flags: {expected}"' in p.stderr, p.stderr
