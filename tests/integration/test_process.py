"""The container process: args, env, cwd, identity, limits, capabilities; run's exit status and
signals; fds; pid file; state and list."""

import json
import os
import re
import signal
import subprocess

import pytest

import support
from support import rt, rt_create, rt_run, state, wait_status, wait_for_path


def run_out(bundle, cid, root, script, extra=()):
    bundle.set_args("sh", "-c", script)
    proc = rt_run(bundle, cid, root, extra=extra)
    assert proc.returncode == 0, f"run failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout


def status_fields(text):
    return dict((k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in text.splitlines()))


# -- args / env / cwd ----------------------------------------------------------------------------

def test_args(bundle, root, container_id):
    bundle.set_args("sh", "-c", 'printf "%s|" "$0" "$@"', "zero", "a b", "", "c*")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "zero|a b||c*|"


def test_env(bundle, root, container_id):
    bundle.config["process"]["env"] = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY=", "HOME=/custom"]
    out = run_out(bundle, container_id(), root, 'echo "$FOO"; echo "[$EMPTY]"; echo "$HOME"; echo "$PATH"')
    assert out.splitlines() == ["bar baz", "[]", "/custom", "/bin:/usr/bin"]


def test_env_duplicates_last_wins(bundle, root, container_id):
    """runc 1.3 (prepareEnv): each key once, its last value; an empty HOME= is looked up."""
    bundle.config["process"]["env"] = ["ONE=two", "ONE=", "PATH=/usr/bin:/bin", "TWO=a", "HOME=/x", "HOME="]
    bundle.set_args("env")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["ONE=", "PATH=/usr/bin:/bin", "TWO=a", "HOME=/root"]


def test_exec_env_overrides_last_wins(bundle, root, container_id):
    cid = container_id()
    bundle.config["process"]["env"] = ["PATH=/usr/bin:/bin", "A=config"]
    bundle.set_args("sleep", "100")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    e = rt("exec", "--env", "A=one", "--env", "A=two", cid, "env", root=root)
    assert e.returncode == 0, e.stderr
    assert e.stdout.splitlines() == ["PATH=/usr/bin:/bin", "A=two", "HOME=/root"]


def test_env_home_defaults_from_passwd(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, 'echo "$HOME"')
    assert out.strip() == "/root"


def test_cwd(bundle, root, container_id):
    (bundle.rootfs / "work" / "dir").mkdir(parents=True)
    bundle.config["process"]["cwd"] = "/work/dir"
    out = run_out(bundle, container_id(), root, "pwd; echo x > here")
    assert out.strip() == "/work/dir"
    assert (bundle.rootfs / "work" / "dir" / "here").exists()


def test_cwd_missing_is_error(bundle, root, container_id):
    bundle.config["process"]["cwd"] = "/no/such/dir"
    bundle.set_args("true")
    proc, _ = rt_create(bundle, container_id(), root)
    # runc 1.1 creates a missing cwd instead (MkdirAll); pyruntime reports it
    assert proc.returncode != 0
    assert "/no/such/dir" in proc.stderr


def test_cwd_relative_is_error(bundle, root, container_id):
    bundle.config["process"]["cwd"] = "relative/dir"
    bundle.set_args("true")
    proc, _ = rt_create(bundle, container_id(), root)
    assert proc.returncode != 0
    assert "cwd" in proc.stderr.lower()


# -- identity ------------------------------------------------------------------------------------

def test_user_and_additional_gids(bundle, root, container_id):
    bundle.config["process"]["user"] = {"uid": 1234, "gid": 2345, "additionalGids": [10, 20, 3456]}
    out = run_out(bundle, container_id(), root, "id -u; id -g; id -G; grep -E '^(Uid|Gid|Groups):' /proc/self/status")
    lines = out.splitlines()
    assert lines[0] == "1234" and lines[1] == "2345"
    assert set(lines[2].split()) == {"2345", "10", "20", "3456"}
    st = status_fields("\n".join(lines[3:]))
    assert st["Uid"].split() == ["1234"] * 4
    assert st["Gid"].split() == ["2345"] * 4
    assert sorted(st["Groups"].split(), key=int) == ["10", "20", "3456"]


def test_user_without_additional_gids_drops_host_groups(bundle, root, container_id):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    out = run_out(bundle, container_id(), root, "grep '^Groups:' /proc/self/status")
    assert out.split() == ["Groups:"]


def test_umask(bundle, root, container_id):
    bundle.config["process"]["user"]["umask"] = 0o027
    out = run_out(bundle, container_id(), root, "umask; touch /f; mkdir /d; stat -c %a /f /d")
    assert out.split() == ["0027", "640", "750"]


def test_rlimits(bundle, root, container_id):
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 1500, "hard": 3000},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
    ]
    out = run_out(bundle, container_id(), root,
                  "ulimit -n; grep -E 'Max (open files|core file size)' /proc/self/limits")
    lines = out.splitlines()
    assert lines[0] == "1500"
    core = [l for l in lines if l.startswith("Max core")][0].split()
    nofile = [l for l in lines if l.startswith("Max open")][0].split()
    assert nofile[3:5] == ["1500", "3000"]
    assert core[4:6] == ["0", "4096"]


def test_rlimit_nofile_too_low_for_the_waiting_init_fails_create(bundle, root, container_id):
    """Guards the fifo fd check: an RLIMIT_NOFILE that leaves the waiting init no fd for the exec
    fifo must fail `create` (one line, nothing left), as runc's does; it used to report the
    container created and let the init die at once (state "stopped" right after create)."""
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 3, "hard": 3}]
    bundle.set_args("sleep", "100")
    cid = container_id()
    res, _ = rt_create(bundle, cid, root)
    assert res.returncode == 1, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and "exec fifo" in errors[0] and "too many open files" in errors[0], res.stderr
    assert rt("state", cid, root=root).returncode != 0
    # one more fd is enough: the container is created, waits, and runs under the limit
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 6, "hard": 6}]
    assert run_out(bundle, container_id(), root, "ulimit -n").strip() == "6"


def test_capabilities_exact(bundle, root, container_id):
    bundle.config["process"]["capabilities"] = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
        "permitted": ["CAP_CHOWN", "CAP_KILL"],
        "effective": ["CAP_KILL"],
        "inheritable": [],
        "ambient": [],
    }
    out = run_out(bundle, container_id(), root, "grep ^Cap /proc/self/status")
    st = status_fields(out)
    # exec as uid 0 would raise permitted to the bounding set and effective to permitted; with
    # noNewPrivileges (the base config) the kernel clamps permitted to the pre-exec permitted set
    assert bundle.config["process"]["noNewPrivileges"] is True
    assert st["CapBnd"] == f"{(1 << 0) | (1 << 5) | (1 << 13):016x}"
    assert st["CapPrm"] == f"{(1 << 0) | (1 << 5):016x}"
    assert st["CapEff"] == f"{(1 << 0) | (1 << 5):016x}"
    assert st["CapInh"] == "0" * 16
    assert st["CapAmb"] == "0" * 16


def test_capabilities_default_set(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, "grep ^Cap /proc/self/status")
    st = status_fields(out)
    # CAP_CHOWN 0, DAC_OVERRIDE 1, KILL 5, SETGID 6, SETUID 7, NET_BIND_SERVICE 10, AUDIT_WRITE 29
    want = f"{sum(1 << n for n in (0, 1, 5, 6, 7, 10, 29)):016x}"
    assert st["CapBnd"] == want and st["CapEff"] == want and st["CapPrm"] == want
    assert st["CapInh"] == "0" * 16 and st["CapAmb"] == "0" * 16


def test_capabilities_non_root_user(bundle, root, container_id):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    bundle.config["process"]["capabilities"] = {k: list(caps) for k in
                                                ("bounding", "permitted", "effective", "inheritable", "ambient")}
    out = run_out(bundle, container_id(), root, "grep ^Cap /proc/self/status")
    st = status_fields(out)
    want = f"{(1 << 5) | (1 << 10):016x}"
    for k in ("CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert st[k] == want, (k, st)


@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(bundle, root, container_id, nnp):
    bundle.config["process"]["noNewPrivileges"] = nnp
    out = run_out(bundle, container_id(), root, "grep ^NoNewPrivs /proc/self/status")
    assert out.split() == ["NoNewPrivs:", "1" if nnp else "0"]


def test_oom_score_adj(bundle, root, container_id):
    bundle.config["process"]["oomScoreAdj"] = 345
    out = run_out(bundle, container_id(), root, "cat /proc/self/oom_score_adj")
    assert out.strip() == "345"


# -- run: exit status and signals ----------------------------------------------------------------

def test_run_exit_code(bundle, root, container_id):
    bundle.set_args("sh", "-c", "exit 7")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 7, proc.stderr


def test_run_exit_code_zero_and_stdout(bundle, root, container_id):
    bundle.set_args("sh", "-c", "echo out; echo err >&2")
    proc = rt_run(bundle, container_id(), root)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "out\n", "err\n")


def test_run_execve_error_is_runcs_line(bundle, root, container_id):
    """execve() fails after `start` (a script whose interpreter is missing): runc's line on the
    process's stderr, nothing else, and 255 (runc's init exits 255)."""
    script = bundle.rootfs / "run.sh"
    script.write_text("#!/no/such/interpreter foo\nsh\n")
    script.chmod(0o755)
    bundle.set_args("/run.sh")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 255, proc
    assert proc.stderr.splitlines() == ["exec /run.sh: no such file or directory"], proc.stderr


def test_run_killed_by_signal_is_128_plus(bundle, root, container_id):
    # pid 1 of a pid namespace ignores SIGKILL sent from inside it: no pid ns for this one
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"] if n["type"] != "pid"]
    bundle.set_args("sh", "-c", "kill -9 $$; sleep 5")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 137, (proc.returncode, proc.stderr)


def test_run_forwards_sigterm(tmp_path, bundle, root, container_id):
    bundle.set_args("sh", "-c", "trap 'echo got-term > /marker; exit 3' TERM; touch /ready; "
                                "while :; do sleep 0.1; done")
    bundle.write()
    cid = container_id()
    with open(tmp_path / "run.out", "wb") as o, open(tmp_path / "run.err", "wb") as e:
        p = subprocess.Popen([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), cid],
                             stdin=subprocess.DEVNULL, stdout=o, stderr=e)
        try:
            wait_for_path(bundle.rootfs / "ready")
            p.send_signal(signal.SIGTERM)
            code = p.wait(timeout=15)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert (bundle.rootfs / "marker").read_text() == "got-term\n"
    assert code == 3, (code, (tmp_path / "run.err").read_text())


def test_run_deletes_container_afterwards(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("true")
    assert rt_run(bundle, cid, root).returncode == 0
    assert not (root / cid).exists()
    assert "container does not exist" in rt("state", cid, root=root).stderr


# -- fds -----------------------------------------------------------------------------------------

def test_preserve_fds(tmp_path, bundle, root, container_id):
    bundle.set_args("sh", "-c", "echo via-fd3 >&3; ls /proc/$$/fd; echo end")
    bundle.write()
    target = tmp_path / "fd3.txt"
    argv = ["sh", "-c", 'exec 3>"$1"; exec 4>/dev/null; shift; exec "$@"', "_", str(target),
            support.RUNTIME, "--root", str(root), "run", "--preserve-fds", "1", "--bundle", str(bundle.path),
            container_id()]
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == "via-fd3\n"
    # no pipeline (the shell would hold pipe fds while ls looks) and ls not last (ash would exec it)
    assert sorted(proc.stdout.split()[:-1], key=int) == ["0", "1", "2", "3"]  # fd 4 of the caller is not preserved


def test_no_fds_leak_without_preserve(tmp_path, bundle, root, container_id):
    bundle.set_args("sh", "-c", "ls /proc/$$/fd; echo end")
    bundle.write()
    argv = ["sh", "-c", 'exec 3>/dev/null; exec "$@"', "_",
            support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), container_id()]
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()[:-1], key=int) == ["0", "1", "2"]


# -- pid file, state, list -----------------------------------------------------------------------

def test_pid_file(tmp_path, bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "1000")
    pidfile = tmp_path / "sub" / "c.pid"
    pidfile.parent.mkdir()
    proc, _ = rt_create(bundle, cid, root, extra=("--pid-file", pidfile))
    assert proc.returncode == 0, proc.stderr
    text = pidfile.read_text()
    assert re.fullmatch(r"[0-9]+", text), repr(text)
    assert int(text) == state(cid, root)["pid"]
    assert support.pid_alive(int(text))


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_state_fields_and_transitions(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sh", "-c", "touch /started; while [ ! -e /exit ]; do sleep 0.05; done")
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    st = state(cid, root)
    assert {"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"} <= set(st), st
    # pyruntime reports the config's version; runc 1.1.5 its own ("1.0.2-dev")
    assert st["ociVersion"].startswith(bundle.config["ociVersion"])
    assert st["id"] == cid and st["status"] == "created"
    assert st["pid"] > 0 and support.pid_alive(st["pid"])
    assert st["bundle"] == str(bundle.path)
    assert st["rootfs"] == str(bundle.rootfs)
    assert RFC3339.match(st["created"]), st["created"]
    assert not (bundle.rootfs / "started").exists()  # created: the user process has not run

    assert rt("start", cid, root=root).returncode == 0
    wait_for_path(bundle.rootfs / "started")
    running = state(cid, root)
    assert running["status"] == "running" and running["pid"] == st["pid"]
    assert running["created"] == st["created"]

    (bundle.rootfs / "exit").write_text("")
    stopped = wait_status(cid, "stopped", root)
    assert stopped["pid"] == 0

    assert rt("delete", cid, root=root).returncode == 0
    assert not (root / cid).exists()


def test_killed_init_reads_stopped(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    pid = wait_status(cid, "running", root)["pid"]
    os.kill(pid, signal.SIGKILL)
    st = wait_status(cid, "stopped", root)
    assert st["pid"] == 0
    assert "container not running" in rt("kill", cid, "TERM", root=root).stderr
    assert rt("delete", cid, root=root).returncode == 0


def test_kill_signal_reaches_init(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sh", "-c", "trap 'echo usr1 > /got; exit 0' USR1; touch /ready; while :; do sleep 0.05; done")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    wait_for_path(bundle.rootfs / "ready")
    assert rt("kill", cid, "USR1", root=root).returncode == 0
    wait_status(cid, "stopped", root)  # the trap exits 0 after writing
    assert (bundle.rootfs / "got").read_text() == "usr1\n"


def test_list(make_bundle, root, container_id):
    ids = []
    for name in ("l1", "l2"):
        b = make_bundle(name)
        b.set_args("sleep", "1000")
        cid = container_id(name)
        proc, _ = rt_create(b, cid, root)
        assert proc.returncode == 0, proc.stderr
        ids.append((cid, b))

    table = rt("list", root=root)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    assert set(rows) == {c for c, _ in ids}
    for cid, b in ids:
        assert rows[cid][1] == str(state(cid, root)["pid"])
        assert rows[cid][2] == "created" and rows[cid][3] == str(b.path)
        assert rows[cid][5] == "root"

    js = rt("list", "-f", "json", root=root)
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert sorted(d["id"] for d in data) == sorted(c for c, _ in ids)
    assert all(d["status"] == "created" and d["owner"] == "root" for d in data)

    q = rt("list", "-q", root=root)
    assert sorted(q.stdout.split()) == sorted(c for c, _ in ids)


def test_list_empty(root):
    assert rt("list", "-q", root=root).stdout == ""
    js = rt("list", "--format", "json", root=root)
    assert js.returncode == 0 and json.loads(js.stdout) in (None, [])


def test_reused_pid_reads_stopped(bundle, root, container_id):
    """state.json's pid now names another live process (pid reuse): the container is stopped."""
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    pid = wait_status(cid, "running", root)["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_status(cid, "stopped", root)
    path = root / cid / "state.json"
    data = json.loads(path.read_text())
    other = subprocess.Popen(["sleep", "30"])  # alive, but not the container's init
    try:
        key = "init_process_pid" if "init_process_pid" in data else "pid"  # runc's / pyruntime's layout
        data[key] = other.pid
        path.write_text(json.dumps(data))
        st = state(cid, root)
        assert st["status"] == "stopped" and st["pid"] == 0, st
        assert "container not running" in rt("kill", cid, "KILL", root=root).stderr
        assert other.poll() is None  # the unrelated process was not signalled
        assert rt("delete", cid, root=root).returncode == 0
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


# -- CPU affinity (runc 1.3: reset to the cgroup's cpuset) ------------------------------------------

ONLINE = open("/sys/devices/system/cpu/online").read().strip()
needs_two_cpus = pytest.mark.skipif(os.cpu_count() < 2, reason="needs two CPUs")


def pinned(*argv):
    """Run argv pinned to CPU 0, as `taskset -c 0` (or systemd's CPUAffinity=) would."""
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30,
                          preexec_fn=lambda: os.sched_setaffinity(0, {0}))


def cpus_allowed(text):
    return re.search(r"^Cpus_allowed_list:\s*(\S+)", text, re.M).group(1)


@needs_two_cpus
@pytest.mark.parametrize("cpuset", [None, "1", "0-1"])
def test_run_resets_an_inherited_cpu_affinity(bundle, root, container_id, cpuset):
    """A runtime started on CPU 0 only: the container runs on every CPU its cgroup allows, not on
    the runtime's CPU (Linux 6.2+ keeps a requested affinity across joining a cpuset)."""
    cid = container_id()
    if cpuset:
        bundle.config["linux"]["cgroupsPath"] = f"/pyrt-test-{cid}"
        bundle.config["linux"]["resources"] = {"cpu": {"cpus": cpuset, "mems": "0"}}
    bundle.set_args("grep", "Cpus_allowed_list", "/proc/self/status")
    bundle.write()
    proc = pinned(support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), cid)
    assert proc.returncode == 0, proc.stderr
    assert cpus_allowed(proc.stdout) == (cpuset or ONLINE)


@needs_two_cpus
def test_exec_resets_an_inherited_cpu_affinity_and_takes_the_configs(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    e = pinned(support.RUNTIME, "--root", str(root), "exec", cid, "grep", "Cpus_allowed_list", "/proc/self/status")
    assert e.returncode == 0, e.stderr
    assert cpus_allowed(e.stdout) == ONLINE
    # a --process file with execCPUAffinity.final: that, whatever the runtime's own
    proc_file = bundle.path.parent / "p.json"
    proc_file.write_text(json.dumps({"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/",
                                     "execCPUAffinity": {"initial": "0", "final": "1"}}))
    e = rt("exec", "--process", proc_file, cid, root=root)
    assert e.returncode == 0, e.stderr
    assert cpus_allowed(e.stdout) == "1"
    # an initial affinity alone is where the process starts and stays (no reset after it)
    proc_file.write_text(json.dumps({"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/",
                                     "execCPUAffinity": {"initial": "1"}}))
    e = rt("exec", "--process", proc_file, cid, root=root)
    assert e.returncode == 0, e.stderr
    assert cpus_allowed(e.stdout) == "1"


@needs_two_cpus
def test_exec_cpu_affinity_from_config_json_applies_to_exec_not_the_init(bundle, root, container_id):
    cid = container_id()
    bundle.config["process"]["execCPUAffinity"] = {"initial": "0", "final": "1"}
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    with open(f"/proc/{state(cid, root)['pid']}/status") as f:
        assert cpus_allowed(f.read()) == ONLINE  # config.md: "not applicable to the container's init"
    e = pinned(support.RUNTIME, "--root", str(root), "exec", cid, "grep", "Cpus_allowed_list", "/proc/self/status")
    assert e.returncode == 0, e.stderr
    assert cpus_allowed(e.stdout) == "1"


@needs_two_cpus
def test_deadline_scheduler_with_a_cpuset_fails_in_runcs_words(bundle, root, container_id):
    """SCHED_DEADLINE needs every CPU of its root domain; with cpus narrowed by the cgroup the kernel
    refuses it (EPERM) and runc says why."""
    cid = container_id()
    bundle.config["linux"]["cgroupsPath"] = f"/pyrt-test-{cid}"
    bundle.config["linux"]["resources"] = {"cpu": {"cpus": "0", "mems": "0"}}
    bundle.config["process"]["scheduler"] = {"policy": "SCHED_DEADLINE", "nice": 19, "runtime": 42000,
                                             "deadline": 1000000, "period": 1000000}
    bundle.set_args("true")
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 1
    assert "process scheduler can't be used together with AllowedCPUs" in proc.stderr, proc.stderr
