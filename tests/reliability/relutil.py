"""Helpers of the reliability suites (see conftest.py for the harness rules and docs/reliability.md)."""

import ctypes
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: support

import support

NIGHTLY = os.environ.get("PYRUNTIME_NIGHTLY") == "1"
SESSION = uuid.uuid4().hex[:8]
PREFIX = f"/pyrt-rel-{SESSION}"
ME = os.getpid()

_figures = {}
_figlock = threading.Lock()


def scale(ci, nightly):
    return nightly if NIGHTLY else ci


def record(suite, **counts):
    with _figlock:
        d = _figures.setdefault(suite, {})
        for k, v in counts.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                d[k] = d.get(k, 0) + v
            else:
                d[k] = v


def figures():
    with _figlock:
        return json.loads(json.dumps(_figures))


# -- running the runtime -------------------------------------------------------------------------
class Result:
    def __init__(self, argv, rc, out, err, elapsed, timed_out):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.elapsed, self.timed_out = elapsed, timed_out

    def __repr__(self):
        return (f"<{' '.join(self.argv[3:])}: rc={self.rc} timed_out={self.timed_out} "
                f"stderr={self.err.strip()!r} stdout={self.out.strip()[:200]!r}>")


def run(*args, root, env=None, timeout=30.0, on_spawn=None):
    """RUNTIME --root ROOT *args, stdio to temporary files. A timeout kills it (rc None, timed_out)."""
    argv = [support.RUNTIME, "--root", str(root), *map(str, args)]
    full_env = dict(os.environ)
    full_env.pop("PYRUNTIME_FAULT_AT", None)
    if env:
        full_env.update(env)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, env=full_env)
        if on_spawn:
            on_spawn(p)
        timed_out = False
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            p.kill()
            p.wait()
            rc = None
        elapsed = time.monotonic() - t0
        fo.seek(0)
        fe.seek(0)
        return Result(argv, rc, fo.read().decode(errors="replace"), fe.read().decode(errors="replace"),
                      elapsed, timed_out)


def error_problem(res):
    """None if `res` is a clean failure (non-zero, exactly one error line, no traceback); else why not."""
    if res.timed_out:
        return "hang (timeout)"
    if res.rc == 0:
        return "succeeded"
    err = res.err
    if "Traceback" in err:
        return "Python traceback"
    if "internal error" in err:
        return "internal error (unhandled exception)"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "level=warning" not in ln and "level=debug" not in ln]
    if len(errors) != 1:
        return f"{len(errors)} error lines"
    return None


def message(res):
    """The msg of the error line (or the whole stderr)."""
    for ln in res.err.splitlines():
        if "level=error" in ln and 'msg="' in ln:
            return ln.split('msg="', 1)[1].rsplit('"', 1)[0]
    return res.err.strip()


def state_of(cid, root):
    res = run("state", cid, root=root)
    if res.rc == 0:
        return json.loads(res.out), res
    return None, res


# -- leak checks ---------------------------------------------------------------------------------
def _cgroup_mounts():
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] in ("cgroup", "cgroup2"):
                out.append(left.split()[4])
    return sorted(set(out))


def _own_cgroups():
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in (ctrls.split(",") if ctrls else [""]):
                own[c.replace("name=", "")] = path
    return own


def cgroup_dirs_under_prefix(include_prefix=False):
    """Every directory below PREFIX in every mounted hierarchy, parents first."""
    found = []
    for mp in _cgroup_mounts():
        base = mp + PREFIX
        if not os.path.isdir(base):
            continue
        if include_prefix:
            found.append(base)
        for dirpath, dirnames, _ in os.walk(base):
            for d in sorted(dirnames):
                found.append(os.path.join(dirpath, d))
    return found


def default_cgroup_dirs(cids):
    """<hierarchy>/<our own cgroup>/<id>: where a config without cgroupsPath puts a container."""
    own = _own_cgroups()
    found = []
    for mp in _cgroup_mounts():
        name = os.path.basename(mp)
        rel = own.get(name, own.get("" if name == "unified" else name, "/"))
        for cid in cids:
            d = os.path.join(mp + rel, cid)
            if os.path.isdir(d):
                found.append(d)
    return found


def descendants():
    """[(pid, comm, state)] of every process below this one (we are their subreaper)."""
    parent = {}
    info = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read().decode(errors="replace")
        except OSError:
            continue
        comm = data[data.index("(") + 1:data.rindex(")")]
        rest = data[data.rindex(")") + 2:].split()
        parent[int(name)] = int(rest[1])
        info[int(name)] = (comm, rest[0])
    out = []
    for pid in info:
        p, seen = pid, 0
        while p in parent and p > 1 and seen < 64:
            p = parent[p]
            seen += 1
            if p == ME:
                out.append((pid, *info[pid]))
                break
    return sorted(out)


def reap():
    """Reap zombie children re-parented to us. Call only when no runtime subprocess is in flight."""
    n = 0
    for pid, _, st in descendants():
        if st == "Z":
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    n += 1
            except ChildProcessError:
                pass
    return n


BASELINE = set()  # pids below us when the current test started (e.g. the clients' daemons)


def _live_descendants():
    reap()
    return [d for d in descendants() if d[2] not in "ZX" and d[0] not in BASELINE]


_FOREIGN = ("/tmp/pytest-of-", "/tmp/bats-run-", "/var/lib/", "/run/", "/var/run/", "/sys/fs/cgroup/",
            "/proc/sys/fs/binfmt")


def mount_rows(own_dirs=()):
    """Host mountinfo rows (mountpoint, fstype) that are ours to judge: not another session's
    (pytest dirs, container storage, /run), or under one of our own directories."""
    rows = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            fstype = line.split(" - ")[1].split()[0]
            if any(mp.startswith(str(d)) for d in own_dirs) or not mp.startswith(_FOREIGN):
                rows.append((mp, fstype))
    return sorted(rows)


def leaks(root, cids=(), own_dirs=(), mounts_before=None, grace=3.0):
    """Everything left behind: state dirs, cgroups, live processes, host mounts. Empty list = clean.

    Processes get `grace` seconds to go (a stage-1 init exits on its own once its parent is gone)."""
    deadline = time.monotonic() + grace
    while True:
        problems = []
        root = Path(root)
        if root.exists():
            left = sorted(p.name for p in root.iterdir())
            if left:
                problems.append(f"state left under {root}: {left}")
        cg = cgroup_dirs_under_prefix() + default_cgroup_dirs(cids)
        if cg:
            problems.append(f"cgroups left: {cg[:6]}{' ...' if len(cg) > 6 else ''} ({len(cg)})")
        procs = _live_descendants()
        if procs:
            problems.append(f"processes left: {procs[:6]} ({len(procs)})")
        if mounts_before is not None:
            after = mount_rows(own_dirs)
            added = sorted(set(after) - set(mounts_before))
            if added:
                problems.append(f"mounts added: {added[:6]}")
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(0.05)


def force_clean(root, cids):
    """Best-effort delete --force of every id, then of anything under root."""
    names = set(cids)
    if Path(root).exists():
        names |= {p.name for p in Path(root).iterdir() if not p.name.startswith(".")}
    for cid in sorted(names):
        run("delete", "--force", cid, root=root, timeout=30)


# -- bundles -------------------------------------------------------------------------------------
def cgroups_path(cid):
    return f"{PREFIX}/{cid}"


def new_id(prefix="r"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def valid_config(cid, args=("sleep", "1000")):
    c = support.base_config(args)
    c["linux"]["cgroupsPath"] = cgroups_path(cid)
    return c


def write_bundle(path, config, rootfs_source):
    """A bundle at `path` whose rootfs is a symlink-free copy of the busybox rootfs made once."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if not (path / "rootfs").exists():
        support.copy_rootfs(rootfs_source, path / "rootfs")
    data = config if isinstance(config, (bytes, str)) else json.dumps(config)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    (path / "config.json").write_bytes(data)
    return path




def set_subreaper(on=True):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1 if on else 0, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise RuntimeError(f"prctl(PR_SET_CHILD_SUBREAPER): errno {ctypes.get_errno()}")
