"""The C front (pyruntime/_native/front.c) against the Python CLI, the reference.

The installed command serves state, kill, start and delete itself in the common cases. Every case
here runs once through the front (PYRUNTIME_FRONT=no-python: a hand-over to Python would exit
125, so each comparison proves the front served it) and once through Python (PYRUNTIME_FRONT=
python), on the same container where the command only reads, on twin containers where it changes
them, and compares stdout, stderr (timestamps masked), the exit status, the --log records and what
is left on disk.
"""
import json
import os
import re
import subprocess
import time

import pytest

import support
from support import rt_create, wait_status

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")

FRONT = {"PYRUNTIME_FRONT": "no-python"}
PYTHON = {"PYRUNTIME_FRONT": "python"}
HANDED_OVER = 125


def call(env, root, *args, glob=()):
    full = dict(os.environ, **env)
    full.pop("XDG_RUNTIME_DIR", None)
    return subprocess.run([support.RUNTIME, *glob, "--root", str(root), *map(str, args)], env=full,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30)


def masked(text):
    text = text.decode() if isinstance(text, bytes) else text
    text = re.sub(r'time="[^"]*"', 'time="T"', text)
    return re.sub(r'"time":"[^"]*"', '"time":"T"', text)


def outcome(res):
    return res.returncode, res.stdout.decode(), masked(res.stderr)


def same(root, *args, glob=()):
    """A command that changes nothing, through the front and through Python: the same result."""
    fast = call(FRONT, root, *args, glob=glob)
    assert fast.returncode != HANDED_OVER, f"the front handed {args} over: {fast.stderr}"
    slow = call(PYTHON, root, *args, glob=glob)
    assert outcome(fast) == outcome(slow)
    return fast


def make(bundle, root, cid, args=("sleep", "1000"), started=False, annotations=None):
    bundle.set_args(*args)
    if annotations is not None:
        bundle.config["annotations"] = annotations
    res, _ = rt_create(bundle, cid, root)
    assert res.returncode == 0, res.stderr
    if started:
        assert call(PYTHON, root, "start", cid).returncode == 0
    return cid


def cgroup_dirs(root, cid):
    with open(os.path.join(root, cid, "state.json")) as f:
        cg = json.load(f)["cgroup"]
    return sorted(set((cg.get("paths") or {}).values()) | ({cg["path"]} if cg.get("path") else set()))


def twins(bundle, root, container_id, **kw):
    """Two containers made alike: one for the front, one for Python."""
    return make(bundle, root, container_id("f"), **kw), make(bundle, root, container_id("p"), **kw)


def compare_changes(root, fast_id, slow_id, *args, flags=(), glob=()):
    fast = call(FRONT, root, *args, *flags, fast_id, glob=glob)
    assert fast.returncode != HANDED_OVER, f"the front handed {args} over: {fast.stderr}"
    slow = call(PYTHON, root, *args, *flags, slow_id, glob=glob)
    assert outcome(fast)[0] == outcome(slow)[0]
    assert outcome(fast)[1:] == tuple(s.replace(slow_id, fast_id) for s in outcome(slow)[1:])
    return fast, slow


# ---- state --------------------------------------------------------------------------------------

def test_state_created_running_paused_stopped(bundle, root, container_id):
    cid = make(bundle, root, container_id(), annotations={
        "plain": "x", "quote\"back\\slash": "new\nline\ttab", "unicode": "h\u00e9 \u4e2d \U0001f600", "": "",
        "ctl": "\x01\x7f"})
    assert json.loads(same(root, "state", cid).stdout)["status"] == "created"
    assert call(PYTHON, root, "start", cid).returncode == 0
    assert json.loads(same(root, "state", cid).stdout)["status"] == "running"
    assert call(PYTHON, root, "pause", cid).returncode == 0
    assert json.loads(same(root, "state", cid).stdout)["status"] == "paused"
    assert call(PYTHON, root, "resume", cid).returncode == 0
    assert call(PYTHON, root, "kill", cid, "KILL").returncode == 0
    wait_status(cid, "stopped", root)
    out = json.loads(same(root, "state", cid).stdout)
    assert out["status"] == "stopped" and out["pid"] == 0


def test_state_errors_and_log_formats(bundle, root, container_id, tmp_path):
    cid = make(bundle, root, container_id())
    for bad in ("nope", "a..b", "..", "a/b", "x" * 300):
        same(root, "state", bad)
    same(root, "state", "nope", glob=("--log-format", "json"))
    same(root, "state", cid, glob=("--log-format=json", "--systemd-cgroup"))
    for fmt in ("text", "json"):
        logs = {}
        for name, env in (("front", FRONT), ("python", PYTHON)):
            log = tmp_path / f"{name}-{fmt}.log"
            res = call(env, root, "state", "nope", glob=("--log", str(log), "--log-format", fmt))
            assert res.returncode == 1
            logs[name] = (outcome(res), masked(log.read_text()))
        assert logs["front"] == logs["python"]
        assert logs["front"][0][2] == "container does not exist\n"
    # the log file is made even when nothing is written to it (runc opens it first)
    for name, env in (("front", FRONT), ("python", PYTHON)):
        log = tmp_path / f"{name}-quiet.log"
        assert call(env, root, "state", cid, glob=("--log", str(log))).returncode == 0
        assert log.exists() and log.read_text() == ""


def test_state_of_a_damaged_or_unknown_state_is_python_s(bundle, root, container_id):
    """What the front does not fully understand goes to Python: an unknown key, a wrong type."""
    cid = make(bundle, root, container_id())
    path = os.path.join(root, cid, "state.json")
    good = open(path).read()
    data = json.loads(good)
    for bad in (dict(data, surprise=1), dict(data, pid="12"), dict(data, annotations={"a": 1}),
                dict(data, cgroup=dict(data["cgroup"], claimed="yes"))):
        with open(path, "w") as f:
            json.dump(bad, f)
        assert call(FRONT, root, "state", cid).returncode == HANDED_OVER
    with open(path, "w") as f:
        f.write(good[:-5])
    assert call(FRONT, root, "state", cid).returncode == HANDED_OVER
    with open(path, "w") as f:
        f.write(good)
    same(root, "state", cid)


def test_commands_and_flags_the_front_leaves_to_python(root):
    for args in (("--debug", "state", "x"), ("--version",), ("state", "--help", "x"), ("list",),
                 ("kill", "--all=true", "x"), ("delete", "-f=1", "x"), ("state", "x", "y"), ("kill", "x", "NOPE")):
        assert call(FRONT, root, *args).returncode == HANDED_OVER, args


# ---- kill ---------------------------------------------------------------------------------------

def test_kill(bundle, root, container_id):
    fast, slow = twins(bundle, root, container_id, started=True)
    for sig in ("0", "SIGUSR1", "usr1", "RTMIN+2"):
        a = call(FRONT, root, "kill", fast, sig)
        b = call(PYTHON, root, "kill", slow, sig)
        assert a.returncode != HANDED_OVER and outcome(a) == outcome(b) and a.returncode == 0, (sig, a.stderr)
    a, b = call(FRONT, root, "kill", fast, "9"), call(PYTHON, root, "kill", slow, "9")
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    wait_status(fast, "stopped", root)
    wait_status(slow, "stopped", root)
    same(root, "kill", fast, "KILL")  # stopped: container not running
    assert same(root, "kill", fast, "KILL").stderr
    assert same(root, "kill", "--all", fast, "TERM").returncode == 0  # --all on a stopped one: fine
    same(root, "kill", "nope")
    same(root, "kill", "-a", "nope", "9")


# ---- start --------------------------------------------------------------------------------------

def test_start(bundle, root, container_id):
    fast, slow = twins(bundle, root, container_id)
    a, b = compare_changes(root, fast, slow, "start")
    assert a.returncode == 0
    for cid in (fast, slow):
        assert support.state(cid, root)["status"] == "running"
        assert not os.path.exists(os.path.join(root, cid, "exec.fifo"))
    a, b = compare_changes(root, fast, slow, "start")  # already running
    assert a.returncode == 1 and b"already running" in a.stderr
    for cid in (fast, slow):
        assert call(PYTHON, root, "kill", cid, "KILL").returncode == 0
        wait_status(cid, "stopped", root)
    a, b = compare_changes(root, fast, slow, "start")  # stopped
    assert a.returncode == 1 and b"has stopped" in a.stderr
    same(root, "start", "nope")


def test_start_whose_init_fails_is_destroyed_as_by_python(bundle, root, container_id):
    """The init reports an error at start (a startContainer hook fails): the front hands the
    destruction to Python (PYRUNTIME_FRONT_START_FAILED), and the result is Python's own."""
    bundle.config["hooks"] = {"startContainer": [{"path": "/bin/false"}]}
    fast, slow = twins(bundle, root, container_id)
    dirs = {cid: cgroup_dirs(root, cid) for cid in (fast, slow)}
    a = call(FRONT, root, "start", fast)
    b = call(PYTHON, root, "start", slow)
    assert a.returncode == b.returncode == 1
    assert masked(a.stderr) == masked(b.stderr).replace(slow, fast) and b"startContainer" in a.stderr, a.stderr
    for cid in (fast, slow):
        assert not os.path.exists(os.path.join(root, cid))
        assert not [d for d in dirs[cid] if os.path.exists(d)]


# ---- delete -------------------------------------------------------------------------------------

def test_delete(bundle, root, container_id):
    fast, slow = twins(bundle, root, container_id, started=True)
    a, b = compare_changes(root, fast, slow, "delete")  # running, no --force
    assert a.returncode == 1 and b"not stopped: running" in a.stderr
    dirs = {cid: cgroup_dirs(root, cid) for cid in (fast, slow)}
    assert dirs[fast]
    for cid in (fast, slow):
        assert call(PYTHON, root, "kill", cid, "KILL").returncode == 0
        wait_status(cid, "stopped", root)
    for flags in ((), ("--force",)):
        a, b = compare_changes(root, fast, slow, "delete", flags=flags)
        assert a.returncode == 0
        for cid in (fast, slow):
            assert not os.path.exists(os.path.join(root, cid))
            assert not [d for d in dirs[cid] if os.path.exists(d)]
        if not flags:
            fast, slow = twins(bundle, root, container_id, started=True)
            dirs = {cid: cgroup_dirs(root, cid) for cid in (fast, slow)}
            for cid in (fast, slow):
                assert call(PYTHON, root, "kill", cid, "KILL").returncode == 0
                wait_status(cid, "stopped", root)
    same(root, "delete", "nope")
    assert same(root, "delete", "--force", "nope").returncode == 0


def test_lifecycle_through_the_front_leaves_nothing(bundle, root, container_id, tmp_path):
    """A client's lifecycle (create, start, state until stopped, delete), only the create in Python."""
    cid = make(bundle, root, container_id(), args=("true",))
    dirs = cgroup_dirs(root, cid)
    assert call(FRONT, root, "start", cid).returncode == 0
    deadline = time.monotonic() + 10
    while json.loads(call(FRONT, root, "state", cid).stdout)["status"] != "stopped":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert call(FRONT, root, "delete", cid).returncode == 0
    assert os.listdir(root) == [] and not [d for d in dirs if os.path.exists(d)]


# ---- run (Python's, with the subreaper made by the front) --------------------------------------

def test_run_waits_for_its_container_through_the_front_as_through_python(bundle, root, container_id):
    """`run` is Python's, but the front makes the process a child subreaper first and tells Python
    so (it then skips loading its C extension): without it the init, orphaned by stage 1, is not
    ours to wait for. The exit status, what the container wrote and what is left match Python's."""
    bundle.set_args("sh", "-c", "sleep 0.2; echo out; exit 7")
    bundle.write()
    assert call(FRONT, root, "run", "x").returncode == HANDED_OVER  # Python runs it, always
    results = []
    for env in ({}, PYTHON):
        res = call(env, root, "run", "-b", str(bundle.path), container_id())
        results.append(outcome(res))
        assert os.listdir(root) == []
    assert results[0] == results[1] == (7, "out\n", "")


def test_a_run_without_the_subreaper_it_was_promised_fails_in_one_line(bundle, root, container_id):
    """Python trusts main(subreaper=True); if a caller said so without making one, the wait finds
    no child: one line naming it, a non-zero exit, and the container removed (it used to exit 255
    in silence and leave nothing said)."""
    bundle.set_args("sleep", "30")
    bundle.write()
    code = "import sys; from pyruntime.cli import main; sys.exit(main(sys.argv[1:], subreaper=True))"
    res = subprocess.run([support.runtime_interpreter(), "-c", code, "--root", str(root), "run", "-b",
                          str(bundle.path), container_id()], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "no child subreaper" in lines[0], res.stderr
    assert "Traceback" not in res.stderr
    assert os.listdir(root) == []


def test_exec_waits_for_its_process_through_the_front_as_through_python(bundle, root, container_id):
    """`exec` too: the front makes the subreaper; the foreground exec's status and output match
    Python's, and `exec -d` still reports its pid while the process goes on after we exit."""
    cid = make(bundle, root, container_id(), started=True)
    results = []
    for env in ({}, PYTHON):
        res = call(env, root, "exec", cid, "sh", "-c", "sleep 0.2; echo out; exit 5")
        results.append(outcome(res))
    assert results[0] == results[1] == (5, "out\n", "")
    pid_file = os.path.join(str(root), "..", f"{cid}.exec.pid")
    # the detached process keeps what it inherits: no pipe of ours for it to hold open
    res = subprocess.run([support.RUNTIME, "--root", str(root), "exec", "-d", "--pid-file", pid_file, cid,
                          "sleep", "30"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, timeout=30)
    assert res.returncode == 0
    with open(pid_file) as f:
        pid = int(f.read())
    with open(f"/proc/{pid}/stat") as f:
        assert f.read().rsplit(")", 1)[1].split()[0] in "SR"  # alive, not reaped by us
    assert call(PYTHON, root, "delete", "-f", cid).returncode == 0


def test_what_python_writes_fits_the_one_definition(bundle, root, container_id):
    """state.json as create writes it (hooks, annotations, namespaces, cgroup), created and
    started, fits pyruntime/state_format.py: the table the front reads it by."""
    from pyruntime import state_format
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/true"}]}
    cid = make(bundle, root, container_id(), annotations={"a": "b"})
    for step in ("created", "started"):
        with open(os.path.join(root, cid, "state.json")) as f:
            data = json.load(f)
        assert state_format.unfit(data) == [], step
        assert set(data) <= set(state_format.FIELDS) and data["cgroup"]["driver"] in ("v1", "v2", "systemd")
        if step == "created":
            assert call(PYTHON, root, "start", cid).returncode == 0
    # poststop hooks are Python's to run: the front hands such a delete over
    assert call(PYTHON, root, "kill", cid, "KILL").returncode == 0
    wait_status(cid, "stopped", root)
    assert call(FRONT, root, "delete", cid).returncode == HANDED_OVER


# ---- ps -----------------------------------------------------------------------------------------

def test_ps(bundle, root, container_id):
    cid = make(bundle, root, container_id(), started=True)
    # never a pipe for a detached process: it would hold it open
    assert subprocess.run([support.RUNTIME, "--root", str(root), "exec", "-d", cid, "sleep", "999"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=30).returncode == 0
    table = same(root, "ps", cid).stdout.decode()
    assert table.startswith("UID") and table.count("sleep") == 2, table
    assert len(json.loads(same(root, "ps", "--format", "json", cid).stdout)) == 2
    same(root, "ps", "-f=json", cid)
    same(root, "ps", "--format=table", cid, "-o", "pid,comm")
    same(root, "ps", cid, "-o", "pid,args")
    same(root, "ps", "nope")
    assert call(FRONT, root, "ps", cid, "-o", "comm").returncode == HANDED_OVER  # no PID column: Python's
    assert call(FRONT, root, "ps", "--format", "yaml", cid).returncode == HANDED_OVER
    assert call(PYTHON, root, "kill", cid, "KILL").returncode == 0
    wait_status(cid, "stopped", root)
    assert same(root, "ps", "-f", "json", cid).stdout == b"null\n"


def test_delete_of_a_live_container(bundle, root, container_id):
    """delete of a created container, and delete --force of a running one: the init is killed
    (through a pidfd), waited for, and everything removed, as Python's _destroy does."""
    for started, flags in ((False, ()), (False, ("--force",)), (True, ("--force",))):
        fast, slow = twins(bundle, root, container_id, started=started)
        dirs = {cid: cgroup_dirs(root, cid) for cid in (fast, slow)}
        pids = {cid: support.state(cid, root)["pid"] for cid in (fast, slow)}
        a, b = compare_changes(root, fast, slow, "delete", flags=flags)
        assert a.returncode == 0, a.stderr
        for cid in (fast, slow):
            assert not os.path.exists(os.path.join(root, cid))
            assert not [d for d in dirs[cid] if os.path.exists(d)]
            assert not support.pid_alive(pids[cid]) or open(f"/proc/{pids[cid]}/stat").read().split(") ")[1][0] == "Z"
