"""exec: a new process in a running (or created) container -- its namespaces, identity, caps,
env, cwd, the --process file, detaching, preserved fds, exit status and the errors."""

import json
import os
import re
import select
import signal
import subprocess
import time

import pytest

import support
from support import rt, rt_create, state, wait_status

HOSTNAME = "exec-host"
NS = ("pid", "mnt", "uts", "ipc", "net")


def _status_fields(text):
    return dict((k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in text.splitlines()))


def _gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while support.pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def running(bundle, root, container_id):
    """A started container (`sleep 1000`) with its own hostname and an extra tmpfs mount; yields
    (cid, init pid)."""
    bundle.set_args("sleep", "1000")
    bundle.config["hostname"] = HOSTNAME
    bundle.config["mounts"].append(
        {"destination": "/mnt/extra", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700"]})
    (bundle.rootfs / "mnt" / "extra").mkdir(parents=True, exist_ok=True)
    (bundle.rootfs / "home" / "u").mkdir(parents=True, exist_ok=True)
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    st = wait_status(cid, "running", root)
    yield cid, st["pid"]


def exec_ok(root, cid, *command, flags=()):
    proc = rt("exec", *flags, cid, *command, root=root)
    assert proc.returncode == 0, f"exec failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout


# -- namespaces, hostname, mounts ----------------------------------------------------------------

def test_exec_joins_the_pid_namespace(running, root):
    cid, pid = running
    out = exec_ok(root, cid, "sh", "-c", 'echo $$; tr "\\0" " " < /proc/1/cmdline; echo; ls /proc')
    lines = out.splitlines()
    assert lines[0].isdigit() and lines[0] != "1"
    assert lines[1].strip() == "sleep 1000"  # PID 1 is the container's init
    pids = {int(w) for w in " ".join(lines[2:]).split() if w.isdigit()}
    assert 1 in pids
    assert len(pids) < 10, f"exec sees the host's processes: {sorted(pids)[:20]}"


def test_exec_joins_every_namespace_of_the_init(running, root):
    cid, pid = running
    out = exec_ok(root, cid, "sh", "-c", " ".join(f"readlink /proc/self/ns/{n};" for n in NS))
    want = [os.readlink(f"/proc/{pid}/ns/{n}") for n in NS]
    assert out.split() == want
    mine = [os.readlink(f"/proc/self/ns/{n}") for n in NS]
    assert not set(out.split()) & set(mine)


def test_exec_sees_hostname_and_mounts(running, root):
    cid, pid = running
    out = exec_ok(root, cid, "sh", "-c", "hostname; grep ' /mnt/extra ' /proc/self/mounts; touch /mnt/extra/f")
    lines = out.splitlines()
    assert lines[0] == HOSTNAME
    assert len(lines) == 2 and lines[1].split()[2] == "tmpfs", out
    # and it is the init's tmpfs (the same mount), not a new one
    assert os.path.exists(f"/proc/{pid}/root/mnt/extra/f")


def test_exec_sees_the_container_root(running, root, bundle):
    cid, _ = running
    (bundle.rootfs / "marker-in-rootfs").write_text("yes\n")
    assert exec_ok(root, cid, "cat", "/marker-in-rootfs") == "yes\n"


# -- exit status ---------------------------------------------------------------------------------

def test_exec_exit_status(running, root):
    cid, _ = running
    assert rt("exec", cid, "sh", "-c", "exit 3", root=root).returncode == 3
    assert rt("exec", cid, "true", root=root).returncode == 0


def test_exec_killed_by_signal_status(running, root):
    cid, _ = running
    assert rt("exec", cid, "sh", "-c", "kill -9 $$", root=root).returncode == 128 + 9


def test_exec_stdio(running, root):
    cid, _ = running
    proc = subprocess.run([support.RUNTIME, "--root", str(root), "exec", cid, "sh", "-c", "cat; echo err >&2"],
                          input="from stdin\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "from stdin\n"
    assert "err" in proc.stderr


# -- process overrides ---------------------------------------------------------------------------

def test_exec_env(running, root):
    cid, _ = running
    out = exec_ok(root, cid, "sh", "-c", 'echo "$FOO"; echo "$BAR"; echo "$PATH"',
                  flags=("--env", "FOO=bar baz", "--env", "BAR=2"))
    assert out.splitlines() == ["bar baz", "2", "/usr/sbin:/usr/bin:/sbin:/bin"]


def test_exec_env_overrides_config(running, root):
    cid, _ = running
    out = exec_ok(root, cid, "sh", "-c", 'echo "$TERM"', flags=("--env", "TERM=dumb"))
    assert out.strip() == "dumb"


def test_exec_short_flag_forms(running, root):
    cid, _ = running
    # (runc refuses a mix of -e and --env in one command line: one form per flag here)
    out = exec_ok(root, cid, "sh", "-c", 'echo "$A$B"; id -G',
                  flags=("-e", "A=1", "-e", "B=2", "-u", "7:7", "-g", "11"))
    assert out.splitlines()[0] == "12"
    assert set(out.splitlines()[1].split()) == {"7", "11"}


def test_exec_cwd(running, root):
    cid, _ = running
    assert exec_ok(root, cid, "pwd", flags=("--cwd", "/tmp")).strip() == "/tmp"
    assert exec_ok(root, cid, "pwd").strip() == "/"


def test_exec_user(running, root):
    cid, _ = running
    out = exec_ok(root, cid, "sh", "-c", "id -u; id -g", flags=("--user", "1000:1000"))
    assert out.split() == ["1000", "1000"]
    out = exec_ok(root, cid, "id", "-u", flags=("-u", "1234"))
    assert out.strip() == "1234"


def test_exec_additional_gids(running, root):
    cid, _ = running
    out = exec_ok(root, cid, "id", "-G",
                  flags=("--user", "1000:1000", "--additional-gids", "10", "--additional-gids", "20"))
    assert set(out.split()) == {"1000", "10", "20"}


def _caps(text):
    f = _status_fields(text)
    return {k: int(f[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


CAP_SYS_ADMIN, CAP_NET_RAW = 21, 13


def test_exec_cap_adds_to_effective_never_inheritable(running, root):
    cid, _ = running
    before = _caps(exec_ok(root, cid, "cat", "/proc/self/status"))
    assert not before["CapEff"] & (1 << CAP_SYS_ADMIN)
    after = _caps(exec_ok(root, cid, "cat", "/proc/self/status", flags=("--cap", "CAP_SYS_ADMIN", "--cap", "NET_RAW")))
    for bit in (CAP_SYS_ADMIN, CAP_NET_RAW):
        assert after["CapEff"] & (1 << bit)
        assert after["CapPrm"] & (1 << bit)
        assert after["CapBnd"] & (1 << bit)
        assert not after["CapInh"] & (1 << bit)  # CVE-2022-29162
        assert not after["CapAmb"] & (1 << bit)
    assert after["CapInh"] == 0 and after["CapAmb"] == 0


def test_exec_cap_raises_ambient_when_the_config_has_inheritable(bundle, root, container_id):
    """runc: with an inheritable set in config.json, `exec --cap X` adds X to ambient too; the
    kernel raises it only when X is inheritable (CAP_SYSLOG here), so inheritable never grows."""
    CAP_CHOWN, CAP_KILL, CAP_SYSLOG = 0, 5, 34
    bundle.config["process"]["capabilities"] = {
        "inheritable": ["CAP_SYSLOG", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
        "effective": ["CAP_KILL", "CAP_CHOWN"], "bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG"],
        "ambient": ["CAP_CHOWN"]}
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    base = _caps(exec_ok(root, cid, "cat", "/proc/self/status"))
    assert base["CapAmb"] == 1 << CAP_CHOWN
    got = _caps(exec_ok(root, cid, "cat", "/proc/self/status", flags=("--cap", "CAP_SYSLOG")))
    assert got["CapAmb"] == 1 << CAP_CHOWN | 1 << CAP_SYSLOG
    assert got["CapInh"] == 1 << CAP_CHOWN | 1 << CAP_SYSLOG
    assert got["CapEff"] == 1 << CAP_CHOWN | 1 << CAP_KILL | 1 << CAP_SYSLOG


def test_ambient_not_inheritable_warns_and_is_left_out(bundle, root, container_id):
    bundle.config["process"]["capabilities"] = {
        "inheritable": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL"],
        "bounding": ["CAP_KILL", "CAP_CHOWN"], "ambient": ["CAP_KILL", "CAP_CHOWN"]}
    bundle.set_args("cat", "/proc/self/status")
    proc = support.rt_run(bundle, container_id(), root)
    assert proc.returncode == 0, proc.stderr
    assert "can't raise ambient capability CAP_CHOWN: " in proc.stderr, proc.stderr
    assert _caps(proc.stdout)["CapAmb"] == 1 << 5


def test_exec_caps_default_to_the_config(running, root):
    cid, pid = running
    with open(f"/proc/{pid}/status") as f:
        init = _caps(f.read())
    got = _caps(exec_ok(root, cid, "cat", "/proc/self/status"))
    assert got == init


def test_exec_no_new_privs(bundle, root, container_id):
    bundle.config["process"]["noNewPrivileges"] = False
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    assert _status_fields(exec_ok(root, cid, "cat", "/proc/self/status"))["NoNewPrivs"] == "0"
    out = exec_ok(root, cid, "cat", "/proc/self/status", flags=("--no-new-privs",))
    assert _status_fields(out)["NoNewPrivs"] == "1"


def test_exec_process_file(running, root, tmp_path):
    cid, _ = running
    process = {
        "terminal": False,
        "user": {"uid": 1000, "gid": 1000},
        "args": ["sh", "-c", 'echo "$ONLY_HERE"; pwd; id -u; echo "[$TERM]"; exit 6'],
        "env": ["PATH=/bin:/usr/bin", "ONLY_HERE=from-process-json"],
        "cwd": "/home/u",
    }
    pfile = tmp_path / "process.json"
    pfile.write_text(json.dumps(process))
    proc = rt("exec", "--process", pfile, cid, root=root)
    assert proc.returncode == 6, proc.stderr
    # the process file replaces config.json's process entirely: TERM from config.json is gone
    assert proc.stdout.splitlines() == ["from-process-json", "/home/u", "1000", "[]"]
    proc = rt("exec", "-p", pfile, cid, root=root)
    assert proc.returncode == 6, proc.stderr


def test_exec_process_file_missing(running, root, tmp_path):
    cid, _ = running
    proc = rt("exec", "--process", tmp_path / "nope.json", cid, root=root)
    assert proc.returncode == 255
    assert "nope.json" in proc.stderr


# -- detach, pid file ----------------------------------------------------------------------------

def test_exec_detach_pid_file(running, root, tmp_path):
    cid, init = running
    pid_file = tmp_path / "exec.pid"
    t0 = time.monotonic()
    # never a pipe for a detached process's stdio: it keeps it open
    err = tmp_path / "exec.err"
    with open(err, "wb") as ferr:
        proc = rt("exec", "-d", "--pid-file", pid_file, cid, "sleep", "77", root=root,
                  stdout=subprocess.DEVNULL, stderr=ferr, capture_output=False)
    assert proc.returncode == 0, err.read_text()
    assert time.monotonic() - t0 < 5
    text = pid_file.read_text()
    assert text.isdigit(), repr(text)
    pid = int(text)
    assert support.pid_alive(pid)
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert f.read() == b"sleep\x0077\x00"
    for n in NS:
        assert os.readlink(f"/proc/{pid}/ns/{n}") == os.readlink(f"/proc/{init}/ns/{n}"), n
    # the same cgroup as the init
    with open(f"/proc/{pid}/cgroup") as a, open(f"/proc/{init}/cgroup") as b:
        assert a.read() == b.read()
    # and it dies with the container
    proc = rt("delete", "--force", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert _gone(pid)


def _read_to_eof(fds, timeout=10.0):
    """Read each pipe until EOF (every writer gone); {fd: bytes}, or fail on timeout."""
    out, open_fds = {fd: b"" for fd in fds}, set(fds)
    deadline = time.monotonic() + timeout
    while open_fds:
        assert time.monotonic() < deadline, f"no EOF: a writer is still open ({out})"
        ready, _, _ = select.select(list(open_fds), [], [], 1)
        for fd in ready:
            data = os.read(fd, 4096)
            if data:
                out[fd] += data
            else:
                open_fds.discard(fd)
    return out


def test_exec_detach_output_in_pipes_as_containerd_shim(running, root, tmp_path):
    """containerd's shim runs `exec --detach --pid-file` with pipes' write ends as stdio, closes
    its copies when the runtime returns and only then starts reading: the process's output must
    be in the pipes, stdout and stderr apart, and EOF must come once it has exited (no runtime
    process keeps a write end). Repeated: a race between the runtime and the process shows."""
    cid, _ = running
    for n in range(20):
        r_out, w_out = os.pipe2(os.O_CLOEXEC)
        r_err, w_err = os.pipe2(os.O_CLOEXEC)
        pid_file = tmp_path / f"e{n}.pid"
        try:
            proc = subprocess.Popen(
                [support.RUNTIME, "--root", str(root), "exec", "--detach", "--pid-file", str(pid_file), cid,
                 "sh", "-c", "echo in-exec; echo e >&2; exit 3"],
                stdin=subprocess.DEVNULL, stdout=w_out, stderr=w_err)
            os.close(w_out)
            os.close(w_err)
            assert proc.wait(30) == 0
            assert pid_file.read_text().isdigit()
            got = _read_to_eof([r_out, r_err])
            assert (got[r_out], got[r_err]) == (b"in-exec\n", b"e\n"), f"run {n}"
        finally:
            for fd in (r_out, r_err):
                os.close(fd)


def test_exec_tty_detach_without_console_socket_fails(running, root):
    cid, _ = running
    proc = rt("exec", "-t", "-d", cid, "true", root=root)
    assert proc.returncode == 255
    assert "console socket" in proc.stderr


# -- errors --------------------------------------------------------------------------------------

def test_exec_into_stopped_container_fails(bundle, root, container_id):
    bundle.set_args("true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    wait_status(cid, "stopped", root)
    proc = rt("exec", cid, "true", root=root)
    assert proc.returncode == 255
    assert "cannot exec in a stopped container" in proc.stderr


def test_exec_missing_container_fails(root):
    proc = rt("exec", "no-such-container", "true", root=root)
    assert proc.returncode == 255
    assert "does not exist" in proc.stderr or "not exist" in proc.stderr


def test_exec_command_not_found(running, root):
    cid, pid = running
    before = _ns_pids(pid)
    proc = rt("exec", cid, "no-such-command", root=root)
    assert proc.returncode == 255
    # runc: exec failed: unable to start container process: exec: "no-such-command": executable file ...
    assert "exec failed" in proc.stderr, proc.stderr
    assert 'exec: \\"no-such-command\\": executable file not found in $PATH' in proc.stderr or \
        'exec: "no-such-command": executable file not found in $PATH' in proc.stderr, proc.stderr
    proc = rt("exec", cid, "/no/such/path", root=root)
    assert proc.returncode == 255
    assert "/no/such/path" in proc.stderr
    time.sleep(0.1)
    assert _ns_pids(pid) == before  # nothing left running in the container


def test_exec_execve_error_is_runcs_line(running, root, bundle):
    """The lookup finds /run.sh, execve() then fails (its interpreter is missing): with no runtime
    left to tell, the process prints runc's one line and exits 255, as runc's init does."""
    cid, _ = running
    script = bundle.rootfs / "run.sh"
    script.write_text("#!/no/such/interpreter foo\nsh\n")
    script.chmod(0o755)
    proc = rt("exec", cid, "/run.sh", root=root)
    assert proc.returncode == 255, proc
    assert proc.stderr.splitlines() == ["exec /run.sh: no such file or directory"], proc.stderr


def test_exec_requires_a_command(running, root):
    cid, _ = running
    proc = rt("exec", cid, root=root)
    assert proc.returncode != 0


def _ns_pids(init):
    ns = os.readlink(f"/proc/{init}/ns/pid")
    out = set()
    for n in os.listdir("/proc"):
        if n.isdigit():
            try:
                if os.readlink(f"/proc/{n}/ns/pid") == ns and support.pid_alive(int(n)):
                    out.add(int(n))
            except OSError:
                pass
    return out


# -- fds -----------------------------------------------------------------------------------------

# the shell's own fds: with a second command the shell forks ls instead of exec'ing it (then ls
# would list its own directory fd too)
FDS_OF_SHELL = "ls /proc/$$/fd; true"


def _exec_with_fd3(root, cid, path, *args):
    """`RUNTIME exec ARGS` with fd 3 open on `path`."""
    return subprocess.run(
        ["/bin/sh", "-c", 'exec "$0" "$@" 3<"$FD3"', support.RUNTIME, "--root", str(root), "exec", *args],
        env={**os.environ, "FD3": str(path)}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=30)


def test_exec_preserve_fds(running, root, tmp_path):
    cid, _ = running
    src = tmp_path / "fd3.txt"
    src.write_text("through fd 3\n")
    proc = _exec_with_fd3(root, cid, src, "--preserve-fds", "1", cid, "sh", "-c", "cat <&3; " + FDS_OF_SHELL)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "through fd 3"
    assert sorted(lines[1:]) == ["0", "1", "2", "3"], f"fds of the exec'd process: {lines[1:]}"


def test_exec_no_stray_fds(running, root, tmp_path):
    cid, _ = running
    src = tmp_path / "fd3.txt"
    src.write_text("x\n")
    proc = _exec_with_fd3(root, cid, src, cid, "sh", "-c", FDS_OF_SHELL)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()) == ["0", "1", "2"]


# -- a created, not started container -----------------------------------------------------------

def test_exec_into_created_container(bundle, root, container_id):
    bundle.set_args("sleep", "1000")
    bundle.config["hostname"] = HOSTNAME
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    out = exec_ok(root, cid, "sh", "-c", "hostname; echo $$; readlink /proc/self/ns/pid")
    lines = out.splitlines()
    assert lines[0] == HOSTNAME
    assert lines[1] != "1"
    assert lines[2] == os.readlink(f"/proc/{pid}/ns/pid")
    # exec does not start it
    assert state(cid, root)["status"] == "created"
    assert rt("start", cid, root=root).returncode == 0
    assert state(cid, root)["status"] == "running"


# -- HOME, user namespace, seccomp, bad cwd --------------------------------------------------------

def test_exec_home_from_the_containers_passwd(running, root, bundle):
    cid, _ = running
    # config.json's env has no HOME: exec takes it from the container's /etc/passwd, as create does
    with open(bundle.rootfs / "etc" / "passwd", "a") as f:
        f.write("u:x:1000:1000:u:/home/u:/bin/sh\n")
    assert exec_ok(root, cid, "sh", "-c", 'echo "$HOME"').strip() == "/root"
    assert exec_ok(root, cid, "sh", "-c", 'echo "$HOME"', flags=("--user", "1000:1000")).strip() == "/home/u"


def test_exec_joins_a_user_namespace(bundle, root, container_id):
    bundle.set_args("sleep", "1000")
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    bundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    support.reachable_by_mapped_root(bundle)
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    pid = state(cid, root)["pid"]
    out = exec_ok(root, cid, "sh", "-c", "id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user; echo $$")
    lines = out.splitlines()
    assert lines[0] == "0"
    assert lines[1].split() == ["0", "100000", "65536"]
    assert lines[2] == os.readlink(f"/proc/{pid}/ns/user")
    assert lines[3] != "1"


def test_exec_applies_the_containers_seccomp(bundle, root, container_id):
    bundle.set_args("sleep", "1000")
    bundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    proc = rt("exec", cid, "mkdir", "/tmp/blocked", root=root)
    assert proc.returncode != 0
    assert not (bundle.rootfs / "tmp" / "blocked").exists()
    assert _status_fields(exec_ok(root, cid, "cat", "/proc/self/status"))["Seccomp"] == "2"


@pytest.mark.parametrize("flag,value", [("--apparmor", "pyrt-no-such-profile"),
                                        ("--process-label", "pyrt_u:pyrt_r:pyrt_t:s0")])
def test_exec_with_a_label_that_cannot_apply_fails(running, root, flag, value):
    """No such LSM on this host (or no such profile loaded): the exec fails, one line, and nothing
    runs in the container (runc's rules; tests/lsm/ applies the labels in a VM)."""
    cid, pid = running
    before = _ns_pids(pid)
    proc = rt("exec", flag, value, cid, "true", root=root)
    assert proc.returncode == 255
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    if not support.IS_RUNC:
        assert ("apparmorProfile" if flag == "--apparmor" else "selinuxLabel") in proc.stderr or value in proc.stderr
    time.sleep(0.1)
    assert _ns_pids(pid) == before
    assert state(cid, root)["status"] == "running"


def test_exec_cwd_missing_fails(running, root):
    cid, _ = running
    proc = rt("exec", "--cwd", "/no/such/dir", cid, "true", root=root)
    assert proc.returncode == 255
    assert "/no/such/dir" in proc.stderr


def test_foreground_exec_forwards_signals(running, root, tmp_path):
    cid, _ = running
    out = tmp_path / "exec.out"
    with open(out, "wb") as f:
        p = subprocess.Popen([support.RUNTIME, "--root", str(root), "exec", cid, "sh", "-c",
                              'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        try:
            support.wait_for_path(out)
            deadline = time.monotonic() + 10
            while b"ready" not in out.read_bytes():
                assert time.monotonic() < deadline, out.read_bytes()
                time.sleep(0.05)
            p.send_signal(signal.SIGTERM)
            code = p.wait(timeout=10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert b"got-term" in out.read_bytes()
    assert code == 7


def test_exec_takes_the_containers_personality(bundle, root, container_id):
    """linux.personality applies to every process of the container (runc), exec too."""
    bundle.config["linux"]["personality"] = {"domain": "LINUX32"}
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    assert exec_ok(root, cid, "uname", "-m").strip() == "i686"
def _cgroup_lines(text):
    return {line.split(":", 2)[1]: line.split(":", 2)[2] for line in text.splitlines() if line.count(":") >= 2}


def test_exec_cgroup_joins_sub_cgroups(bundle, root, container_id):
    """exec --cgroup [CONTROLLERS:]PATH runs the process in sub-cgroups of the container's (runc):
    the others stay the container's; a path out of it, a missing one or an unknown controller is
    refused with runc's errors, before anything starts."""
    cid = container_id()
    base = f"/pyrt-test-{cid}"
    bundle.config["linux"]["cgroupsPath"] = base
    bundle.set_args("sleep", "1000")
    res, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert res.returncode == 0, res.stderr
    made = []
    try:
        for h in ("memory", "pids", "cpu", "cpuacct"):
            d = f"/sys/fs/cgroup/{h}{base}/sub"
            os.mkdir(d)
            made.append(d)
        lines = _cgroup_lines(exec_ok(root, cid, "cat", "/proc/self/cgroup",
                                      flags=("--cgroup", "memory:sub", "--cgroup", "cpu,cpuacct:/sub")))
        assert lines["memory"] == f"{base}/sub" and lines["pids"] == base, lines
        assert lines["cpu"] == lines["cpuacct"] == f"{base}/sub" and lines["cpuset"] == base, lines
        lines = _cgroup_lines(exec_ok(root, cid, "cat", "/proc/self/cgroup", flags=("--cgroup", "/")))
        assert lines["memory"] == base and lines["pids"] == base, lines
        for flags, want in ((("--cgroup", ".."), ".. is not a sub cgroup path"),
                            (("--cgroup", "pids:../x"), "../x is not a sub cgroup path"),
                            (("--cgroup", "nonexistent"), "/nonexistent/cgroup.procs: no such file or directory"),
                            (("--cgroup", "cpu:nonexistent"), f"cpu{base}/nonexistent/cgroup.procs: no such file"),
                            (("--cgroup", "whaaat:/"), "unknown controller whaaat"),
                            (("--cgroup", "a", "--cgroup", "b"), "(missing <controller>: prefix)"),
                            (("--cgroup", "pids:a", "--cgroup", "pids:b"), "controller pids specified multiple times")):
            r = rt("exec", *flags, cid, "true", root=root)
            assert r.returncode == 255 and want in r.stderr, (flags, r.stderr)
        assert os.listdir(f"/sys/fs/cgroup/pids{base}/sub") and \
            open(f"/sys/fs/cgroup/pids{base}/sub/cgroup.procs").read() == ""
    finally:
        rt("delete", "--force", cid, root=root)
        for d in made:
            try:
                os.rmdir(d)
            except OSError:
                pass


def test_pidfd_socket_gets_a_pidfd_of_the_init_and_of_an_exec(bundle, root, container_id, tmp_path):
    """--pidfd-socket (create, run, exec): one SCM_RIGHTS message with a pidfd of the process
    (runc's data: "standard" for the init, "setns" for an exec); signalling it reaches that process."""
    import socket
    import _signal
    cid = container_id()
    bundle.set_args("sleep", "1000")
    path = str(tmp_path / "pidfd.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    srv.settimeout(30)

    def receive():
        conn, _ = srv.accept()
        with conn:
            data, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(4))
        fds = [int.from_bytes(d[:4], "little") for lvl, kind, d in anc if kind == socket.SCM_RIGHTS]
        assert len(fds) == 1, anc
        return data, fds[0]
    try:
        res, _ = rt_create(bundle, cid, root, extra=("--pidfd-socket", path))
        assert res.returncode == 0, res.stderr
        data, fd = receive()
        init = state(cid, root)["pid"]
        assert data == b"standard"
        assert f"Pid:\t{init}" in open(f"/proc/self/fdinfo/{fd}").read()
        assert rt("start", cid, root=root).returncode == 0
        r = subprocess.run([support.RUNTIME, "--root", str(root), "exec", "-d", "--pidfd-socket", path,
                            "--pid-file", str(tmp_path / "exec.pid"), cid, "sleep", "1000"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        assert r.returncode == 0
        data, efd = receive()
        epid = int((tmp_path / "exec.pid").read_text())
        assert data == b"setns" and f"Pid:\t{epid}" in open(f"/proc/self/fdinfo/{efd}").read()
        _signal.pidfd_send_signal(efd, 9)
        assert _gone(epid)
        _signal.pidfd_send_signal(fd, 9)
        wait_status(cid, "stopped", root)
        os.close(fd)
        os.close(efd)
    finally:
        srv.close()
        rt("delete", "--force", cid, root=root)


def test_exec_pid_file_in_a_missing_directory(running, root):
    """runc's exit status (255 for any exec failure) and its one-line error, and the process that
    was started is killed, not left behind (runc terminates it too)."""
    cid, _ = running
    for detach in ((), ("-d",)):
        r = subprocess.run([support.RUNTIME, "--root", str(root), "exec", *detach, "--pid-file",
                            "/non-existent/directory", cid, "sleep", "4242"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=30)
        assert r.returncode == 255, r.stderr
        assert r.stderr.strip().endswith('msg="exec failed: open /non-existent/.directory: no such file or '
                                          'directory"'), r.stderr
        assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    time.sleep(0.2)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "sleep 4242" not in ps


def test_debug_exec_logs_its_steps(running, root, tmp_path):
    """--debug exec writes debug records (to stderr, or only to --log when given)."""
    cid, _ = running
    r = rt("--debug", "exec", cid, "true", root=root)
    assert r.returncode == 0 and 'level=debug msg="step exec ready' in r.stderr, r.stderr
    # runc's names for the same steps, and the affinity the process started with (its nsexec line)
    for words in ("nsexec container setup", "child process in init()", "setns_init: about to exec"):
        assert words in r.stderr, (words, r.stderr)
    mask = sum(1 << n for n in os.sched_getaffinity(0))
    assert re.search(r'msg="nsexec\[\d+\]: affinity: %#x ' % mask, r.stderr), r.stderr
    log = tmp_path / "log.out"
    r = rt("--debug", "--log", str(log), "exec", cid, "true", root=root)
    assert r.returncode == 0 and "level=debug" not in r.stderr, r.stderr
    assert "level=debug" in log.read_text() and "exec ready" in log.read_text()


def test_exec_env_without_equals_is_refused(running, root):
    cid, _ = running
    for value, want in (("NAME", "invalid environment variable: missing '='"),
                        ("=x", "invalid environment variable: name cannot be empty")):
        r = rt("exec", "-e", value, cid, "true", root=root)
        assert r.returncode == 255 and want in r.stderr, r.stderr


def test_a_failed_exec_leaves_no_process_behind(running, root, tmp_path):
    """Whatever fails (the command, the cwd, the user, the pid file, the process file), nothing of
    the exec stays in the container's cgroup: only the init is left."""
    cid, init = running
    procs = None
    for line in open(f"/proc/{init}/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if "pids" in ctrls.split(","):
            procs = f"/sys/fs/cgroup/pids{path}/cgroup.procs"
    assert procs
    for flags, command in (((), ("no-such-binary",)), (("--cwd", "/no/such/dir"), ("true",)),
                           (("--user", "x"), ("true",)), (("-d", "--pid-file", "/no/such/dir/p"), ("sleep", "99")),
                           (("-p", str(tmp_path / "missing.json")), ())):
        r = subprocess.run([support.RUNTIME, "--root", str(root), "exec", *flags, cid, *command],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        assert r.returncode == 255, (flags, r.stderr)
        deadline = time.monotonic() + 5
        while open(procs).read().split() != [str(init)] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open(procs).read().split() == [str(init)], flags
