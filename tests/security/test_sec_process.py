"""The container process: capabilities (docs/security.md §1.6, CVE-2022-29162), fds and cwd (§1.10,
CVE-2024-21626), runtime-owned state (§1.19 container IDs, user parsing, protocol limits) and the
Python-runtime hazards (§1.20: no NSS, no Python code from the rootfs)."""

import json
import os
import re
import struct
import subprocess

import pytest

import secutil
import support
from support import rt, state

ALL_CAPS_STATUS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


def caps_of(text):
    return {k: v for k, v in re.findall(r"^(Cap\w+):\s+([0-9a-f]+)$", text, re.M)}


def running(bundle, cid, root, args=("sleep", "1000")):
    proc, _ = secutil.create(bundle, cid, root, list(args))
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    support.wait_status(cid, "running", root)


# -- §1.6 CVE-2022-29162 / CVE-2022-27650: inheritable and ambient capabilities --------------------

def test_caps_defaults(bundle, root, container_id):
    out = secutil.run(bundle, container_id(), root, ["cat", "/proc/self/status"])
    assert out.returncode == 0, out.stderr
    caps = caps_of(out.stdout)
    assert caps["CapInh"] == "0" * 16 and caps["CapAmb"] == "0" * 16, caps
    cid = container_id()
    running(bundle, cid, root)
    e = rt("exec", cid, "cat", "/proc/self/status", root=root)
    assert e.returncode == 0, e.stderr
    caps = caps_of(e.stdout)
    assert caps["CapInh"] == "0" * 16 and caps["CapAmb"] == "0" * 16, caps
    # `spec` writes no inheritable or ambient set
    d = bundle.path.parent / "specdir"
    d.mkdir()
    s = rt("spec", root=root, cwd=d)
    assert s.returncode == 0, s.stderr
    spec_caps = json.loads((d / "config.json").read_text())["process"].get("capabilities") or {}
    assert not spec_caps.get("inheritable") and not spec_caps.get("ambient"), spec_caps


def test_29162_exec_cap_no_inheritable(bundle, root, container_id):
    bundle.config["process"]["capabilities"] = {}
    cid = container_id()
    running(bundle, cid, root)
    e = rt("exec", "--cap", "CAP_KILL", "--cap", "CAP_AUDIT_WRITE", cid, "cat", "/proc/self/status", root=root)
    assert e.returncode == 0, e.stderr
    caps = caps_of(e.stdout)
    assert caps == {"CapInh": "0" * 16, "CapPrm": "0000000020000020", "CapEff": "0000000020000020",
                    "CapBnd": "0000000020000020", "CapAmb": "0" * 16}, caps
    # an unknown capability must never turn into a privilege (crun rejects it; runc warns)
    u = rt("exec", "--cap", "CAP_UNKNOWN", cid, "cat", "/proc/self/status", root=root)
    if u.returncode == 0:
        assert caps_of(u.stdout)["CapEff"] == "0" * 16
        assert caps_of(u.stdout)["CapInh"] == "0" * 16


def test_29162_exploit(bundle, root, container_id):
    """A binary with file inheritable caps run by an unprivileged user after `exec --cap`."""
    bundle.config["process"]["noNewPrivileges"] = False
    secret = bundle.rootfs / "root" / "secret"
    secret.write_text("SECRET\n")
    os.chown(secret, 0, 0)
    secret.chmod(0o600)
    (bundle.rootfs / "root").chmod(0o755)
    capbin = bundle.rootfs / "capbin"
    capbin.mkdir()
    cat = capbin / "cat"
    cat.write_bytes((bundle.rootfs / "bin" / "busybox").read_bytes())
    cat.chmod(0o755)
    try:
        # VFS_CAP_REVISION_2 | EFFECTIVE, inheritable = CAP_DAC_OVERRIDE (bit 1): cap_dac_override=ei
        os.setxattr(cat, "security.capability", struct.pack("<5I", 0x02000001, 0, 1 << 1, 0, 0))
    except OSError as e:
        pytest.skip(f"the rootfs filesystem takes no security.capability xattr: {e}")
    cid = container_id()
    running(bundle, cid, root)
    e = rt("exec", "--cap", "CAP_DAC_OVERRIDE", "--user", "1000:1000", cid,
           "sh", "-c", "cat /root/secret 2>&1; /capbin/cat /root/secret 2>&1; grep Cap /proc/self/status", root=root)
    assert e.returncode == 0, e.stderr
    assert "SECRET" not in e.stdout, e.stdout
    assert e.stdout.count("Permission denied") == 2, e.stdout
    assert caps_of(e.stdout)["CapInh"] == "0" * 16


def test_caps_config_honoured(bundle, root, container_id):
    """Positive control: inheritable/ambient come from config.json, and exactly from there."""
    base = list(support.DEFAULT_CAPS) + ["CAP_SYSLOG"]
    bundle.config["process"]["capabilities"] = {
        "bounding": base, "effective": base, "permitted": base,
        "inheritable": ["CAP_CHOWN", "CAP_SYSLOG"], "ambient": ["CAP_CHOWN"]}
    out = secutil.run(bundle, container_id(), root, ["cat", "/proc/self/status"])
    assert out.returncode == 0, out.stderr
    caps = caps_of(out.stdout)
    assert caps["CapInh"] == "0000000400000001" and caps["CapAmb"] == "0000000000000001", caps


# -- §1.23: no process.capabilities means no capability ------------------------------------------

def _config_caps_mask():
    from pyruntime.capabilities import NUMBERS
    return f"{sum(1 << NUMBERS[c] for c in support.DEFAULT_CAPS):016x}"


def test_no_capabilities_field_is_an_empty_set(bundle, root, container_id):
    """§1.23. Guards: a config without process.capabilities ran with every capability
    (CapEff 000001fffeffffff). runc 1.1 and crun give an empty set."""
    del bundle.config["process"]["capabilities"]
    out = secutil.run(bundle, container_id(), root, ["cat", "/proc/self/status"])
    assert out.returncode == 0, out.stderr
    caps = caps_of(out.stdout)
    assert all(caps[k] == "0" * 16 for k in ALL_CAPS_STATUS), caps


def test_exec_process_file_without_capabilities_gets_the_containers(bundle, root, container_id, tmp_path):
    """§1.23. Guards: `exec -p` with a process.json without capabilities ran with every
    capability; runc gives it the container's own set (config.json's process.capabilities)."""
    cid = container_id()
    running(bundle, cid, root)
    pfile = tmp_path / "process.json"
    pfile.write_text(json.dumps({"args": ["cat", "/proc/self/status"], "cwd": "/", "env": ["PATH=/bin"],
                                 "user": {"uid": 0, "gid": 0}}))
    e = rt("exec", "-p", pfile, cid, root=root)
    assert e.returncode == 0, e.stderr
    caps = caps_of(e.stdout)
    want = _config_caps_mask()
    assert (caps["CapEff"], caps["CapPrm"], caps["CapBnd"]) == (want, want, want), caps
    assert caps["CapInh"] == "0" * 16 and caps["CapAmb"] == "0" * 16, caps


def test_exec_unknown_cap_is_warned_and_ignored(bundle, root, container_id):
    """§1.23: runc warns about an unknown `exec --cap` name and ignores it; the exec runs with
    the container's set."""
    cid = container_id()
    running(bundle, cid, root)
    e = rt("exec", "--cap", "CAP_NO_SUCH_THING", cid, "cat", "/proc/self/status", root=root)
    assert e.returncode == 0, e.stderr
    assert "CAP_NO_SUCH_THING" in e.stderr and "warning" in e.stderr, e.stderr
    assert caps_of(e.stdout)["CapEff"] == _config_caps_mask()


# -- §1.29: the init's limits are the parser's ---------------------------------------------------

LIMIT_CASES = {
    # name: (mutation, the JSON path the error must name)
    "mounts": (lambda c: c["mounts"].extend(
        {"destination": f"/t{i}", "type": "tmpfs", "source": "tmpfs"} for i in range(600)), "mounts"),
    "args": (lambda c: c["process"].__setitem__("args", ["true"] + ["x"] * 5000), "process.args"),
    "env": (lambda c: c["process"]["env"].extend(f"V{i}=1" for i in range(5000)), "process.env"),
    "masked": (lambda c: c["linux"].__setitem__("maskedPaths", [f"/m{i}" for i in range(600)]),
               "linux.maskedPaths"),
    "readonly": (lambda c: c["linux"].__setitem__("readonlyPaths", [f"/r{i}" for i in range(600)]),
                 "linux.readonlyPaths"),
    "devices": (lambda c: c["linux"].__setitem__("devices", [
        {"path": f"/dev/d{i}", "type": "c", "major": 1, "minor": 3} for i in range(600)]), "linux.devices"),
    "sysctl": (lambda c: c["linux"].__setitem__("sysctl", {f"net.ipv4.conf.x{i}.forwarding": "0"
                                                           for i in range(600)}), "linux.sysctl"),
    "hooks": (lambda c: c.__setitem__("hooks", {"createContainer": [{"path": "/bin/true"}] * 40}),
              "hooks.createContainer"),
    "hook args": (lambda c: c.__setitem__("hooks", {"startContainer": [{"path": "/bin/true",
                                                                        "args": ["true"] * 100}]}),
                  "hooks.startContainer[0].args"),
    "hook env": (lambda c: c.__setitem__("hooks", {"startContainer": [{"path": "/bin/true",
                                                                       "env": ["A=1"] * 300}]}),
                 "hooks.startContainer[0].env"),
}


@pytest.mark.parametrize("case", sorted(LIMIT_CASES))
def test_init_limits_are_config_errors(case, bundle, root, container_id):
    """§1.29. Guards: a config with more entries than the init's tables hold reached the init,
    which refused the whole Plan ("malformed plan (runtime and init program out of step?)") or
    died before reading it (BrokenPipeError); it must be a one-line config error naming the JSON
    path, at create, before anything is made."""
    mutate, path = LIMIT_CASES[case]
    mutate(bundle.config)
    proc = secutil.run(bundle, container_id(), root, bundle.config["process"]["args"])
    assert proc.returncode != 0, proc.stdout[-200:]
    err = proc.stderr.strip()
    assert "\n" not in err, err
    assert "malformed plan" not in err and "Broken" not in err and "internal error" not in err, err
    assert f"{path}:" in err or f"{path} " in err, err
    assert not any(root.iterdir())


def test_exec_process_file_is_validated(bundle, root, container_id, tmp_path):
    """§1.29. Guards: `exec -p` took process.json without validating it as `create` validates
    config.json's process: "args": "id" (a string) ran `i` (list("id"))."""
    cid = container_id()
    running(bundle, cid, root)
    bad = {  # the JSON path inside process.json
        "args": ({"args": "id", "cwd": "/"}, "args"),
        "cwd": ({"args": ["id"], "cwd": 7}, "cwd"),
        "env": ({"args": ["id"], "cwd": "/", "env": "A=1"}, "env"),
        "user": ({"args": ["id"], "cwd": "/", "user": {"uid": "0"}}, "user.uid"),
        "nul": ({"args": ["i\u0000d"], "cwd": "/"}, "args[0]"),
    }
    for name, (process, path) in bad.items():
        pfile = tmp_path / f"{name}.json"
        pfile.write_text(json.dumps(process))
        e = rt("exec", "-p", pfile, cid, root=root)
        assert e.returncode == 255, (name, e.stdout, e.stderr)
        assert f"process.json: {path}:" in e.stderr, (name, e.stderr)
        assert "executable file not found" not in e.stderr, (name, e.stderr)


# -- §1.10 CVE-2024-21626: leaked fds used as cwd or exec path ----------------------------------

def _no_escape(proc, where):
    text = proc.stdout + proc.stderr
    assert "(unreachable)" not in proc.stdout, f"{where}: {text}"
    if proc.returncode == 0:
        first = proc.stdout.splitlines()[0] if proc.stdout else ""
        assert first.startswith("/") and "pyrt" not in first and "pytest" not in first, f"{where}: {text}"
        assert "MARKER" not in proc.stdout and "state" not in proc.stdout.split(), f"{where}: {text}"


def test_21626_cwd_proc_self_fd(bundle, root, container_id):
    for n in range(3, 40):
        bundle.config["process"]["cwd"] = f"/proc/self/fd/{n}"
        proc = secutil.sh(bundle, container_id(), root, "pwd; ls .. 2>&1 | head")
        _no_escape(proc, f"cwd /proc/self/fd/{n}")


def test_21626_exec_path_through_leaked_fd(bundle, root, container_id, host_canary):
    """process.args = /proc/self/fd/N/../<host path>: the execve must never reach a host binary.
    The "host binary" is a copy of busybox inside the host canary (named echo), so a vulnerable
    runtime runs only that copy."""
    echo = host_canary / "echo"
    echo.write_bytes((bundle.rootfs / "bin" / "busybox").read_bytes())
    echo.chmod(0o755)
    host_canary.snapshot()
    escaped = []
    for n in range(3, 24):
        cid = container_id()
        rel = os.path.relpath(echo, root / cid)
        proc = secutil.run(bundle, cid, root, [f"/proc/self/fd/{n}/{rel}", "ESCAPED-" + str(n)])
        if "ESCAPED" in proc.stdout:
            escaped.append((n, proc.stdout.strip()))
    assert not escaped, f"the container executed a host binary through a leaked runtime fd: {escaped}"


def test_21626_caller_leaked_fd(bundle, root, container_id, host_canary):
    """A caller leaks fd 15 (a host directory) into the runtime: the container never sees it."""
    echo = host_canary / "echo"
    echo.write_bytes((bundle.rootfs / "bin" / "busybox").read_bytes())
    echo.chmod(0o755)
    host_canary.snapshot()
    hfd = os.open(host_canary, os.O_RDONLY | os.O_DIRECTORY)
    try:  # fd 15 may be pytest's own (kept and put back) or the one just opened (closed once)
        saved = os.dup(15)
    except OSError:
        saved = None
    try:
        if hfd != 15:
            os.dup2(hfd, 15, inheritable=True)
        else:
            os.set_inheritable(15, True)
        variants = [
            ("/", ["cat", "/proc/self/fd/15/MARKER"]),
            ("/proc/self/fd/15", ["sh", "-c", "pwd; cat MARKER"]),
            ("/", ["/proc/self/fd/15/echo", "ESCAPED"]),
            ("/", ["sh", "-c", "ls /proc/self/fd/; ls /proc/1/fd/"]),
        ]
        for cwd, args in variants:
            bundle.config["process"]["cwd"] = cwd
            bundle.set_args(*args)
            bundle.write()
            proc = subprocess.run([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path),
                                   container_id()], capture_output=True, text=True, timeout=30,
                                  pass_fds=(15,), stdin=subprocess.DEVNULL)
            text = proc.stdout + proc.stderr
            assert "host" not in proc.stdout and "ESCAPED" not in proc.stdout, f"{args}: {text}"
            assert "(unreachable)" not in proc.stdout, text
            if args[0] == "sh" and "ls" in args[2]:
                assert proc.returncode == 0, text
                assert "15" not in proc.stdout.split(), text
    finally:
        if saved is not None:
            os.dup2(saved, 15)
            os.close(saved)
        elif hfd != 15:
            os.close(15)
        os.close(hfd)


def test_21626_exec_cwd(bundle, root, container_id):
    cid = container_id()
    bundle.config["process"]["args"] = ["sh", "-c",
                                        "ln -s /proc/self/fd/5 /link; ln -s /proc/self/fd/6 /link6; sleep 1000"]
    running(bundle, cid, root, bundle.config["process"]["args"])
    for cwd in [f"/proc/self/fd/{n}" for n in range(3, 24)] + ["/link", "/link6"]:
        e = rt("exec", "--cwd", cwd, cid, "sh", "-c", "pwd; ls .. | head", root=root)
        _no_escape(e, f"exec --cwd {cwd}")


def test_21626_created_state_fd_audit(bundle, root, container_id):
    """runc create.bats "detect fd leak": the waiting init holds no directory and no host file."""
    cid = container_id()
    proc, out = secutil.create(bundle, cid, root, ["sleep", "100"])
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    # the sanitizer build's report file (scripts/sanitize.sh), closed before execve like the rest
    reports = os.environ.get("PYRUNTIME_SANITIZER_REPORTS") if os.environ.get("PYRUNTIME_INIT") else None
    bad = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        link = f"/proc/{pid}/fd/{name}"
        target = os.readlink(link)
        try:
            st = os.stat(link)
        except OSError:
            continue
        import stat as S
        if S.S_ISDIR(st.st_mode):
            bad.append((name, target, "directory"))
        elif reports and os.path.dirname(target) == reports.rstrip("/"):
            continue
        elif S.S_ISREG(st.st_mode) and not (target.startswith("/memfd:") or target in (str(out), str(out) + ".err")):
            bad.append((name, target, "regular file"))
    assert not bad, f"fds of the waiting container init: {bad}"
    # and for exec: exactly 0 1 2
    rt("start", cid, root=root)
    # (ls, a child, lists the shell's fds: a glob in the shell itself would see its own dir fd)
    e = rt("exec", cid, "sh", "-c", "ls /proc/$$/fd/; true", root=root)
    assert e.returncode == 0, e.stderr
    assert e.stdout.split() == ["0", "1", "2"], e.stdout


def fcntl_dup(fd, at_least):
    import fcntl
    return fcntl.fcntl(fd, fcntl.F_DUPFD, at_least)


def test_21626_callers_fds_never_reach_the_waiting_init(bundle, root, container_id, tmp_path):
    """runc create.bats "detect fd leak": fds a caller leaves open (a client's log file, its
    /dev/null, a pipe) beyond stdio and --preserve-fds are closed by the init, not just marked
    close-on-exec: the waiting init (which may wait for a long time) holds stdio and the exec
    fifo's handle only."""
    cid = container_id()
    bundle.set_args("sleep", "100")
    bundle.write()
    log = os.open(tmp_path / "client.log", os.O_WRONLY | os.O_CREAT, 0o600)
    null = os.open("/dev/null", os.O_RDWR)
    r, w = os.pipe()
    leaked = (log, null, r, fcntl_dup(null, 40))
    try:
        with open(tmp_path / "out", "wb") as f:  # (never a pipe: the container keeps its stdio)
            proc = subprocess.run([support.RUNTIME, "--root", str(root), "create", "--bundle", str(bundle.path), cid],
                                  stdin=subprocess.DEVNULL, stdout=f, stderr=f, pass_fds=leaked, timeout=30)
    finally:
        for fd in leaked + (w,):
            os.close(fd)
    assert proc.returncode == 0, (tmp_path / "out").read_text()
    pid = state(cid, root)["pid"]
    reports = os.environ.get("PYRUNTIME_SANITIZER_REPORTS") if os.environ.get("PYRUNTIME_INIT") else None
    held = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        target = os.readlink(f"/proc/{pid}/fd/{name}")
        if int(name) >= 3 and not (reports and target.startswith(reports.rstrip("/") + "/")):
            held[int(name)] = target
    assert list(held.values()) == [os.path.join(os.path.realpath(root), cid, "exec.fifo")], held


def test_preserve_fds(bundle, root, container_id, tmp_path):
    """--preserve-fds 2 with fds 3, 4 and 5 open: the container sees 3 and 4, never 5."""
    bundle.set_args("sh", "-c", "ls /proc/self/fd/ | sort -n | tr '\\n' ' '")
    bundle.write()
    cmd = (f'exec 3>"{tmp_path}/pf3" 4>"{tmp_path}/pf4" 5>"{tmp_path}/pf5"; '
           f'exec "{support.RUNTIME}" --root "{root}" run --preserve-fds 2 --bundle "{bundle.path}" {container_id()}')
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    fds = proc.stdout.split()
    # 0 1 2, the preserved 3 and 4, and the one fd ls opens itself for the directory
    assert fds[:5] == ["0", "1", "2", "3", "4"] and len(fds) <= 6, fds
    assert "5" not in fds[:-1], fds


def test_runtime_fds_not_visible(bundle, root, container_id):
    """Neither the main process, its pid 1 nor an exec'd process sees an fd of the runtime."""
    proc = secutil.sh(bundle, container_id(), root, "ls -l /proc/self/fd/ /proc/1/fd/")
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r"^\S+.* (?:[4-9]|\d\d+) -> ", proc.stdout, re.M), proc.stdout
    assert "memfd" not in proc.stdout and str(root) not in proc.stdout, proc.stdout
    cid = container_id()
    running(bundle, cid, root)
    e = rt("exec", cid, "sh", "-c", "ls -l /proc/self/fd/ /proc/1/fd/", root=root)
    assert e.returncode == 0, e.stderr
    one = e.stdout.split("/proc/1/fd/:")[1].split("/proc/self/fd/:")[0]
    self_ = e.stdout.split("/proc/self/fd/:")[1].split("/proc/1/fd/:")[0]
    assert re.findall(r" (\d+) -> ", one) == ["0", "1", "2"], e.stdout
    assert re.findall(r"^l\S+ .* (\d+)(?: -> .*)?$", self_, re.M) == ["0", "1", "2", "3"], e.stdout  # 3: ls's own
    assert "memfd" not in e.stdout and str(root) not in e.stdout and "socket" not in e.stdout, e.stdout


# -- §1.19: container IDs, exec --user parsing, helper protocol limits ----------------------------

@pytest.mark.parametrize("bad", ["../../pyrt-escape", ".", "..", "a/b", "a\nb", "/abs", "a b", "x/../..", "é", ""])
def test_container_id_validation(bad, bundle, root, tmp_path):
    outside = root.parent / "pyrt-escape"
    bundle.set_args("true")
    bundle.write()
    before = sorted(os.listdir(tmp_path))
    with open(tmp_path / "id.out", "wb") as out:
        r = subprocess.run([support.RUNTIME, "--root", str(root), "create", "--bundle", str(bundle.path), bad],
                           stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, timeout=30)
    err = r.stderr.decode(errors="replace")
    try:
        assert r.returncode != 0, f"create {bad!r} was accepted"
        assert "container id" in err.lower() or "container ID" in err, err
        assert not outside.exists()
        assert os.listdir(root) == [], os.listdir(root)
        assert sorted(os.listdir(tmp_path)) == sorted(set(before) | {"id.out"})
    finally:
        if r.returncode == 0:
            rt("delete", "-f", bad, root=root)


def test_exec_user_parsing(bundle, root, container_id):
    """crun CVE-2026-30892: `exec -u 1` ran as uid 0. A nonzero request never gives uid 0, and a
    malformed --user is rejected cleanly (runc: strconv.Atoi on each side of the colon)."""
    cid = container_id()
    running(bundle, cid, root)
    for user, want in (("1", "1 0"), ("1:1", "1 1"), ("1000", "1000 0"), ("1000:1000", "1000 1000")):
        e = rt("exec", "--user", user, cid, "sh", "-c", "echo $(id -u) $(id -g)", root=root)
        assert e.returncode == 0 and e.stdout.strip() == want, (user, e.stdout, e.stderr)
    problems = []
    for user in ("abc", "1:", ":1", "-1", "1:x", "4294967296", "1:-1", " 1", "0x10"):
        e = rt("exec", "--user", user, cid, "sh", "-c", "echo $(id -u) $(id -g)", root=root)
        assert not (e.returncode == 0 and e.stdout.split()[:1] == ["0"]), f"--user {user!r} ran as uid 0"
        if e.returncode == 0:
            problems.append(f"--user {user!r} accepted as uid/gid {e.stdout.strip()}")
        elif "internal error" in e.stderr or "Traceback" in e.stderr:
            problems.append(f"--user {user!r}: unclean error {e.stderr.strip()[-100:]}")
    assert not problems, problems


def test_helper_protocol_limits(bundle, root, container_id):
    """Oversized or NUL-carrying strings: a clean error, never a crash or a truncated config."""
    cases = {
        "hostname 1 MiB": lambda c: c.__setitem__("hostname", "h" * (1 << 20)),
        "hostname with NUL": lambda c: c.__setitem__("hostname", "ab\0cd"),
        "arg with NUL": lambda c: c["process"].__setitem__("args", ["echo", "a\0b"]),
        "env with NUL": lambda c: c["process"]["env"].append("X=a\0b"),
        "mount option 100 KiB": lambda c: c["mounts"].append(
            {"destination": "/big", "type": "tmpfs", "source": "tmpfs", "options": ["size=1k," + "x" * 102400]}),
        "mount dest with NUL": lambda c: c["mounts"].append(
            {"destination": "/a\0b", "type": "tmpfs", "source": "tmpfs"}),
        "600 masked paths": lambda c: c["linux"].__setitem__("maskedPaths", [f"/m{i}" for i in range(600)]),
        "600 mounts": lambda c: c["mounts"].extend(
            {"destination": f"/t{i}", "type": "tmpfs", "source": "tmpfs"} for i in range(600)),
        "300 gids": lambda c: c["process"]["user"].__setitem__("additionalGids", list(range(1, 301))),
    }
    base = bundle.clone_config()
    problems = []
    for name, mutate in cases.items():
        cfg = json.loads(json.dumps(base))
        cfg["process"]["args"] = ["sh", "-c", "hostname; echo ok"]
        mutate(cfg)
        bundle.config = cfg
        proc = secutil.run(bundle, container_id(), root)
        text = proc.stdout + proc.stderr
        if proc.returncode < 0 or "Traceback" in text or "Segmentation" in text:
            problems.append((name, proc.returncode, text[-300:]))
        elif proc.returncode == 0:
            out = proc.stdout.split()
            # accepted: then it must have been applied exactly, never truncated
            if name.startswith("hostname"):
                problems.append((name, "accepted", out[:1]))
            if "NUL" in name and name != "hostname with NUL":
                problems.append((name, "accepted a NUL byte", out[:2]))
        elif not proc.stderr.strip():
            problems.append((name, proc.returncode, "no error message"))
    assert not problems, problems


# -- §1.20: no NSS and no Python code from the rootfs -------------------------------------------

NSS_LIB = r"""
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void pwn(void) {
  int fd = open("/pyrt-nss-loaded", O_CREAT | O_WRONLY, 0644);
  if (fd >= 0) { write(fd, "nss\n", 4); close(fd); }
}
int _nss_pyrtpwn_getpwnam_r(void) { return 0; }
"""


def test_no_nss_in_container_stage(bundle, root, container_id, tmp_path):
    import shutil
    if not shutil.which("gcc"):
        pytest.skip("gcc needed")
    (bundle.rootfs / "etc" / "nsswitch.conf").write_text(
        "passwd: pyrtpwn files\ngroup: pyrtpwn files\nhosts: pyrtpwn files\ninitgroups: pyrtpwn\n")
    src = tmp_path / "nss.c"
    src.write_text(NSS_LIB)
    for d in ("lib/x86_64-linux-gnu", "lib64", "lib", "usr/lib", "usr/lib/x86_64-linux-gnu"):
        (bundle.rootfs / d).mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(bundle.rootfs / d / "libnss_pyrtpwn.so.2"), str(src)],
                           capture_output=True, text=True)
        if r.returncode:
            pytest.skip(f"cannot build a shared library: {r.stderr[-200:]}")
    host_marker = "/pyrt-nss-loaded"
    assert not os.path.exists(host_marker)
    try:
        bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 100]}
        proc = secutil.run(bundle, container_id(), root, ["id"])
        assert proc.returncode == 0, proc.stderr
        bundle.config["process"]["user"] = {"uid": 0, "gid": 0}
        cid = container_id()
        running(bundle, cid, root)
        e = rt("exec", "--user", "1000", "--additional-gids", "5", cid, "true", root=root)
        assert e.returncode == 0, e.stderr
        assert not (bundle.rootfs / "pyrt-nss-loaded").exists(), "the runtime loaded an NSS module from the rootfs"
        assert not os.path.exists(host_marker), "the runtime loaded an NSS module from the rootfs (host /)"
    finally:
        if os.path.exists(host_marker):
            os.unlink(host_marker)


def test_no_python_from_rootfs(bundle, root, container_id, console_socket):
    payload = "open('/pyrt-py-loaded', 'a').write('py\\n')\n"
    for pyver in ("python3", "python3.11", "python3.12", "python3.13"):
        for d in (f"usr/lib/{pyver}", f"usr/lib/{pyver}/site-packages", f"usr/local/lib/{pyver}/dist-packages",
                  f"usr/lib/{pyver}/encodings"):
            (bundle.rootfs / d).mkdir(parents=True, exist_ok=True)
        (bundle.rootfs / f"usr/lib/{pyver}/sitecustomize.py").write_text(payload)
        (bundle.rootfs / f"usr/lib/{pyver}/site-packages/sitecustomize.py").write_text(payload)
        (bundle.rootfs / f"usr/local/lib/{pyver}/dist-packages/zz.pth").write_text("import os; " + payload)
        (bundle.rootfs / f"usr/lib/{pyver}/encodings/__init__.py").write_text(payload)
        (bundle.rootfs / f"usr/lib/{pyver}/json.py").write_text(payload)
    (bundle.rootfs / "evil/encodings").mkdir(parents=True)
    (bundle.rootfs / "evil/encodings/__init__.py").write_text(payload)
    (bundle.rootfs / "evil/sitecustomize.py").write_text(payload)
    (bundle.rootfs / "evil/x.so").write_text("not a library")
    env = bundle.config["process"]["env"]
    env += ["PYTHONPATH=/evil", "PYTHONHOME=/evil", "PYTHONSTARTUP=/evil/sitecustomize.py"]
    marker = bundle.rootfs / "pyrt-py-loaded"
    proc = secutil.run(bundle, container_id(), root, ["sh", "-c", "echo started"])
    assert proc.returncode == 0 and "started" in proc.stdout, proc.stderr
    cid = container_id()
    running(bundle, cid, root)
    for extra in ((), ("--user", "1000")):
        e = rt("exec", *extra, cid, "sh", "-c", "echo exec-ok", root=root)
        assert e.returncode == 0 and "exec-ok" in e.stdout, e.stderr
    # a terminal container
    bundle.config["process"]["terminal"] = True
    tcid = container_id()
    r, _ = secutil.create(bundle, tcid, root, ["sh", "-c", "echo tty-ok"],
                          extra=("--console-socket", console_socket.path))
    assert r.returncode == 0, r.stderr
    rt("start", tcid, root=root)
    assert "tty-ok" in console_socket.wait()
    assert not marker.exists(), "the runtime ran Python code from the container's rootfs"
    assert not os.path.exists("/pyrt-py-loaded")
