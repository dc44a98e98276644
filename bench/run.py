"""bench/run.py: pyruntime side by side with Debian's runc and crun, on one busybox bundle.

    .venv/bin/python bench/run.py [--runs N] [--warmup N] [--only NAME[,NAME]] [--prepare-crun]

Root only. Cases (NAME for --only): run, lifecycle, commands, exec, memory, many, podman, ctr. Prints a markdown
table and writes bench/results/latest.json. See bench/README.md.

Timing: time.perf_counter() around os.posix_spawn of the runtime binary and a blocking wait for it
(poll(2) on a pidfd with a timeout, then wait4): no shell, no Popen polling, no pyenv shim.
Runs are interleaved: in each round every runtime runs once, the order rotating between rounds.
"""
import argparse
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PREFIX = "pyrtbench"  # in every container id, bundle and cgroup name: the leak checks look for it
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
TIMEOUT = 30
CASES = ("run", "lifecycle", "commands", "exec", "memory", "many", "podman", "ctr")
MiB = 1 << 20


class Timeout(Exception):
    pass


class Runtime:
    def __init__(self, name, path, root):
        self.name, self.path, self.root = name, path, root
        self.available, self.why = True, ""


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix=PREFIX + "-")
        self.rootfs = os.path.join(self.tmp, "rootfs")
        self.errdir = os.path.join(self.tmp, "err")
        os.makedirs(self.errdir)
        self.runtimes = []
        self.results = {}
        self.lock = threading.Lock()
        self.spawned = set()  # pids of runtime calls in flight: reaped by their caller, not the reaper

    # ---- reaping --------------------------------------------------------------------------

    def become_subreaper(self):
        """Like conmon and containerd's shim: the inits that create orphans become our children, so
        their exit is seen at once and they are reaped here (a reaper thread), not left as zombies
        until this machine's PID 1 gets to them."""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(36, 1, 0, 0, 0):  # PR_SET_CHILD_SUBREAPER
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        threading.Thread(target=self.reaper, daemon=True).start()

    def reaper(self):
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:
                time.sleep(0.01)
                continue
            if info is None:
                continue
            with self.lock:
                ours = info.si_pid in self.spawned
                if not ours:
                    try:
                        os.waitpid(info.si_pid, 0)
                    except ChildProcessError:
                        pass
            if ours:
                time.sleep(0.0005)  # a runtime call's exit: its caller reaps it

    # ---- spawning -------------------------------------------------------------------------

    def spawn(self, argv, timeout=TIMEOUT, stdout=None):
        """Run argv (absolute path), blocking. Returns (exit status, seconds, ru_maxrss, stderr).

        ru_maxrss is not reported: posix_spawn vforks, and the kernel carries the vforked (shared)
        memory's high-water mark, i.e. this bench's own RSS, into the child's figure."""
        err = os.path.join(self.errdir, f"{threading.get_ident()}")
        acts = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, stdout or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ]
        t0 = time.perf_counter()
        with self.lock:
            pid = os.posix_spawn(argv[0], argv, ENV, file_actions=acts)
            self.spawned.add(pid)
        fd = os.pidfd_open(pid)
        try:
            p = select.poll()
            p.register(fd, select.POLLIN)
            if not p.poll(timeout * 1000):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise Timeout(f"{' '.join(argv)}: no exit after {timeout} s")
            _, status, ru = os.wait4(pid, 0)
            dt = time.perf_counter() - t0
        finally:
            os.close(fd)
            with self.lock:
                self.spawned.discard(pid)
        with open(err, errors="replace") as f:
            text = f.read().strip()
        return os.waitstatus_to_exitcode(status), dt, ru.ru_maxrss, text

    def rt(self, r, *args, timeout=TIMEOUT, stdout=None):
        rc, dt, _, err = self.spawn([r.path, "--root", r.root, *args], timeout, stdout)
        return rc, dt, err

    def force_delete(self, r, cid):
        try:
            self.rt(r, "kill", cid, "KILL")
        except Timeout:
            pass
        for _ in range(50):
            try:
                rc, _, _ = self.rt(r, "delete", "--force", cid)
            except Timeout:
                rc = 1
            if rc == 0 or not os.path.exists(os.path.join(r.root, cid)):
                return
            time.sleep(0.05)

    # ---- bundles --------------------------------------------------------------------------

    def build_rootfs(self):
        subprocess.run(["bash", os.path.join(REPO, "scripts/build-busybox-rootfs.sh"), self.rootfs],
                       check=True, stdout=subprocess.DEVNULL)

    def bundle(self, name, args=None, memory=None):
        """A bundle dir whose config.json is bench/config.json with these args (rootfs shared, read-only)."""
        d = os.path.join(self.tmp, f"bundle-{name}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(HERE, "config.json")) as f:
            c = json.load(f)
        c["root"]["path"] = self.rootfs
        if args:
            c["process"]["args"] = args
        if memory is not None:
            c["linux"].setdefault("resources", {})["memory"] = {"limit": memory}
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f)
        return d

    # ---- runtimes -------------------------------------------------------------------------

    def setup_runtimes(self):
        want = [("pyruntime", self.args.pyruntime), ("runc", shutil.which("runc")), ("crun", shutil.which("crun"))]
        b = self.bundle("probe")
        for name, path in want:
            root = os.path.join(self.tmp, f"root-{name}")
            os.makedirs(root)
            r = Runtime(name, path, root)
            self.runtimes.append(r)
            if not path or not os.access(path, os.X_OK):
                r.available, r.why = False, "not installed"
                continue
            cid = f"{PREFIX}-probe"
            try:
                rc, _, err = self.rt(r, "run", "-b", b, cid)
            except Timeout as e:
                rc, err = 1, str(e)
            if rc:
                r.available, r.why = False, (err.splitlines() or [f"exit {rc}"])[-1][:160]
                self.force_delete(r, cid)
        for r in self.runtimes:
            print(f"# {r.name}: {r.path} " + ("ok" if r.available else f"unavailable: {r.why}"), flush=True)

    def live(self):
        return [r for r in self.runtimes if r.available]

    def rounds(self, n):
        """Interleaved order: round i runs every runtime once, rotated by i."""
        rs = self.live()
        for i in range(n):
            k = i % len(rs) if rs else 0
            yield i, rs[k:] + rs[:k]

    # ---- case 1: run ----------------------------------------------------------------------

    def case_run(self):
        b = self.bundle("true")
        times = {r.name: [] for r in self.live()}
        errors = {}
        for i, order in self.rounds(self.args.warmup + self.args.runs):
            for r in order:
                if r.name in errors:
                    continue
                cid = f"{PREFIX}-run-{i}"
                rc, dt, err = self.rt(r, "run", "-b", b, cid)
                if rc:
                    errors[r.name] = f"exit {rc}: {err[-160:]}"
                    self.force_delete(r, cid)
                elif i >= self.args.warmup:
                    times[r.name].append(dt * 1000)
        return {"run": {"unit": "ms", "samples": times, "errors": errors}}

    # ---- case 2: create / start / delete ----------------------------------------------------

    def state_of(self, r, cid):
        out = os.path.join(self.tmp, f"state-{threading.get_ident()}.json")
        rc, dt, err = self.rt(r, "state", cid, stdout=out)
        if rc:
            raise RuntimeError(f"state exit {rc}: {err[-160:]}")
        with open(out) as f:
            return json.load(f)["status"], dt

    def case_lifecycle(self):
        """A client's lifecycle, each step its own process as conmon and containerd's shim call
        them: create, start, state until it says stopped, delete."""
        b = self.bundle("true")
        steps = ("create", "start", "state", "delete", "total")
        times = {s: {r.name: [] for r in self.live()} for s in steps}
        polls = {r.name: [] for r in self.live()}
        errors = {}
        for i, order in self.rounds(self.args.warmup + self.args.runs):
            for r in order:
                if r.name in errors:
                    continue
                cid = f"{PREFIX}-lc-{i}"
                got = {}
                try:
                    rc, got["create"], err = self.rt(r, "create", "-b", b, cid)
                    if rc:
                        raise RuntimeError(f"create exit {rc}: {err[-160:]}")
                    rc, got["start"], err = self.rt(r, "start", cid)
                    if rc:
                        raise RuntimeError(f"start exit {rc}: {err[-160:]}")
                    t0, n = time.perf_counter(), 0
                    while True:
                        n += 1
                        status, _ = self.state_of(r, cid)
                        if status == "stopped":
                            break
                        if time.perf_counter() - t0 > TIMEOUT:
                            raise RuntimeError("state never said stopped")
                    got["state"] = time.perf_counter() - t0
                    rc, got["delete"], err = self.rt(r, "delete", cid)
                    if rc:
                        raise RuntimeError(f"delete exit {rc}: {err[-160:]}")
                except (RuntimeError, Timeout, OSError, ValueError) as e:
                    errors[r.name] = str(e)
                    self.force_delete(r, cid)
                    continue
                got["total"] = got["create"] + got["start"] + got["state"] + got["delete"]
                if i >= self.args.warmup:
                    polls[r.name].append(n)
                    for s in steps:
                        times[s][r.name].append(got[s] * 1000)
        out = {}
        for s in steps:
            label = {"state": "state until stopped", "total": "create+start+state..stopped+delete"}.get(s, s)
            out[f"lifecycle {label}"] = {"unit": "ms", "samples": times[s], "errors": errors}
        out["lifecycle state calls until stopped"] = {"unit": "calls", "samples": polls, "errors": errors}
        return out

    def case_commands(self):
        """Every other command a client calls, alone, on a running `sleep` container per runtime and
        round: state (running), ps, kill KILL, state (stopped), delete; and delete --force of a
        running one. Create and start are untimed here (see lifecycle)."""
        b = self.bundle("cmd", ["sleep", "3600"])
        steps = ("state (running)", "ps", "kill KILL", "state (stopped)", "delete (stopped)",
                 "delete --force (running)")
        times = {s: {r.name: [] for r in self.live()} for s in steps}
        errors = {}
        pidfile = os.path.join(self.tmp, "cmd.pid")

        def check(what, res):
            rc, dt, err = res
            if rc:
                raise RuntimeError(f"{what} exit {rc}: {err[-160:]}")
            return dt
        for i, order in self.rounds(self.args.warmup + self.args.runs):
            for r in order:
                if r.name in errors:
                    continue
                cid, cid2 = f"{PREFIX}-cmd-{i}", f"{PREFIX}-cmdf-{i}"
                got = {}
                try:
                    check("create", self.rt(r, "create", "-b", b, "--pid-file", pidfile, cid))
                    with open(pidfile) as f:
                        pid = int(f.read())
                    check("start", self.rt(r, "start", cid))
                    status, got["state (running)"] = self.state_of(r, cid)
                    if status != "running":
                        raise RuntimeError(f"state says {status}, not running")
                    got["ps"] = check("ps", self.rt(r, "ps", cid))
                    pfd = os.pidfd_open(pid)
                    try:
                        got["kill KILL"] = check("kill", self.rt(r, "kill", cid, "KILL"))
                        p = select.poll()
                        p.register(pfd, select.POLLIN)
                        if not p.poll(TIMEOUT * 1000):
                            raise RuntimeError("container init did not exit")
                    finally:
                        os.close(pfd)
                    for _ in range(100):  # the init exited; the reaper may not have reaped it yet
                        status, got["state (stopped)"] = self.state_of(r, cid)
                        if status == "stopped":
                            break
                        time.sleep(0.002)
                    got["delete (stopped)"] = check("delete", self.rt(r, "delete", cid))
                    check("create", self.rt(r, "create", "-b", b, cid2))
                    check("start", self.rt(r, "start", cid2))
                    got["delete --force (running)"] = check("delete --force", self.rt(r, "delete", "--force", cid2))
                except (RuntimeError, Timeout, OSError, ValueError) as e:
                    errors[r.name] = str(e)
                    self.force_delete(r, cid)
                    self.force_delete(r, cid2)
                    continue
                if i >= self.args.warmup:
                    for s in steps:
                        times[s][r.name].append(got[s] * 1000)
        return {s: {"unit": "ms", "samples": times[s], "errors": errors} for s in steps}

    # ---- case 3: exec ---------------------------------------------------------------------

    def supports_exec(self, r):
        try:
            rc, _, _ = self.rt(r, "exec", "--help")
        except Timeout:
            return False
        return rc == 0

    def case_exec(self):
        b = self.bundle("sleep", ["sleep", "3600"])
        times = {r.name: [] for r in self.live()}
        errors, notes, cids = {}, {}, {}
        for r in self.live():
            if not self.supports_exec(r):
                notes[r.name] = "n/a (not implemented)"
                continue
            cid = f"{PREFIX}-exec"
            rc, _, err = self.rt(r, "run", "-d", "-b", b, cid)
            if rc:
                errors[r.name] = f"run -d exit {rc}: {err[-160:]}"
                self.force_delete(r, cid)
                continue
            cids[r.name] = cid
        try:
            for i, order in self.rounds(self.args.warmup + self.args.runs):
                for r in order:
                    if r.name not in cids or r.name in errors:
                        continue
                    rc, dt, err = self.rt(r, "exec", cids[r.name], "true")
                    if rc:
                        errors[r.name] = f"exec exit {rc}: {err[-160:]}"
                    elif i >= self.args.warmup:
                        times[r.name].append(dt * 1000)
        finally:
            for r in self.live():
                if r.name in cids:
                    self.force_delete(r, cids[r.name])
        return {"exec true": {"unit": "ms", "samples": times, "errors": errors, "notes": notes}}

    # ---- case 4: memory -------------------------------------------------------------------

    def init_pss(self, pid):
        out = {}
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Rss", "Pss", "Private_Dirty"):
                    out[k] = int(v.split()[0])
        return out

    def limit_enforced(self, r, limit=32 * MiB):
        """Create with memory.limit=LIMIT and read the init's v1 memory cgroup from the host."""
        b = self.bundle("memcheck", memory=limit)
        cid = f"{PREFIX}-memcheck"
        pidfile = os.path.join(self.tmp, "memcheck.pid")
        rc, _, err = self.rt(r, "create", "-b", b, "--pid-file", pidfile, cid)
        if rc:
            self.force_delete(r, cid)
            return None, f"create with a {limit // MiB} MiB limit failed: {err[-160:]}"
        try:
            with open(pidfile) as f:
                pid = int(f.read())
            path = ""
            with open(f"/proc/{pid}/cgroup") as f:
                for line in f:
                    _, ctrl, p = line.rstrip("\n").split(":", 2)
                    if "memory" in ctrl.split(","):
                        path = p
            try:
                with open(f"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes") as f:
                    seen = int(f.read())
            except OSError as e:
                return False, f"memory cgroup {path}: {e}"
            return seen == limit, f"init's memory cgroup {path}: limit_in_bytes {seen}"
        finally:
            self.force_delete(r, cid)

    def run_ok(self, r, limit):
        b = self.bundle(f"mem-{r.name}", memory=limit)
        cid = f"{PREFIX}-mem"
        try:
            rc, _, _ = self.rt(r, "run", "-b", b, cid, timeout=10)
        except Timeout:
            rc = 1
        self.force_delete(r, cid)
        return rc == 0

    def min_limit(self, r):
        lo, hi = 64 * 1024, 64 * MiB
        if not self.run_ok(r, hi):
            return None, "fails even at 64 MiB"
        if self.run_ok(r, lo):
            return lo, "succeeds at 64 KiB already (the lower bound)"
        while hi - lo > 4096:  # invariant: lo fails, hi succeeds; page granularity
            mid = (lo + hi) // 2 // 4096 * 4096
            if self.run_ok(r, mid):
                hi = mid
            else:
                lo = mid
        confirm = sum(self.run_ok(r, hi) for _ in range(3))
        return hi, f"3 more runs at that limit: {confirm}/3 ok"

    def case_memory(self):
        out = {}
        limits = {"unit": "KiB", "values": {}, "notes": {}, "errors": {}}
        for r in self.live():
            enforced, why = self.limit_enforced(r)
            if enforced is None:
                limits["errors"][r.name] = why
                continue
            if not enforced:
                limits["notes"][r.name] = f"not enforced yet ({why})"
                continue
            v, note = self.min_limit(r)
            if v is None:
                limits["errors"][r.name] = note
            else:
                limits["values"][r.name] = v // 1024
                limits["notes"][r.name] = note
        out["smallest memory.limit for run true"] = limits

        b = self.bundle("true")
        pss = {r.name: [] for r in self.live()}
        pd = {r.name: [] for r in self.live()}
        exe, errors = {}, {}
        pidfile = os.path.join(self.tmp, "pss.pid")
        for i, order in self.rounds(max(5, self.args.runs // 3)):
            for r in order:
                if r.name in errors:
                    continue
                cid = f"{PREFIX}-pss-{i}"
                rc, _, err = self.rt(r, "create", "-b", b, "--pid-file", pidfile, cid)
                try:
                    if rc:
                        errors[r.name] = f"create exit {rc}: {err[-160:]}"
                        continue
                    with open(pidfile) as f:
                        pid = int(f.read())
                    m = self.init_pss(pid)
                    exe[r.name] = os.readlink(f"/proc/{pid}/exe")
                    pss[r.name].append(m["Pss"])
                    pd[r.name].append(m["Private_Dirty"])
                finally:
                    self.force_delete(r, cid)
        out["created init PSS"] = {"unit": "KiB", "samples": pss, "errors": errors,
                                   "notes": {k: f"exe {v}" for k, v in exe.items()}}
        out["created init Private_Dirty"] = {"unit": "KiB", "samples": pd, "errors": errors}
        return out

    # ---- case 5: 100 containers, 4 at a time ------------------------------------------------

    def parallel(self, n_threads, items, fn):
        items = list(items)
        errs = []
        idx = iter(range(len(items)))
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    k = next(idx, None)
                if k is None:
                    return
                try:
                    fn(items[k])
                except Exception as e:  # noqa: BLE001 (a worker reports, the case decides)
                    with lock:
                        errs.append(f"{items[k]}: {e}")

        ts = [threading.Thread(target=worker) for _ in range(n_threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.perf_counter() - t0, errs

    def leftovers(self, r, pids):
        left = {"state_dirs": sorted(os.listdir(r.root)), "processes": [], "mounts": [], "cgroups": []}
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                left["processes"].append(f"{pid} ({state})")
            except OSError:
                pass
        seen = {int(x.split()[0]) for x in left["processes"]}
        for pid, why in self.our_processes():
            if pid not in seen:
                left["processes"].append(f"{pid} {why}")
        with open("/proc/self/mountinfo") as f:
            left["mounts"] = [l.split()[4] for l in f if PREFIX in l]
        left["cgroups"] = find_cgroups(f"{PREFIX}-many")
        return left

    def our_processes(self):
        """Processes other than this bench that name the bench's containers on their command line or
        hold a file under its temporary directory (an init from a failed create does: its stderr)."""
        found = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                with open(f"/proc/{p}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
                if f"{PREFIX}-" in cmd:
                    found.append((int(p), cmd[:80]))
                    continue
                for fd in os.listdir(f"/proc/{p}/fd"):
                    target = os.readlink(f"/proc/{p}/fd/{fd}")
                    if target.startswith(self.tmp + "/"):
                        found.append((int(p), f"{cmd[:60]!r} holds {target}"))
                        break
            except OSError:
                continue
        return found

    def case_many(self):
        n, par = 100, 4
        b = self.bundle("many", ["sleep", "3600"])
        out = {k: {"unit": u, "values": {}, "errors": {}, "notes": {}} for k, u in (
            ("many: create 100, 4 at a time", "ms"), ("many: start 100, 4 at a time", "ms"),
            ("many: delete --force 100, 4 at a time", "ms"), ("many: total", "ms"),
            ("many: PSS sum of 100 created inits", "KiB"), ("many: PSS sum of 100 started inits", "KiB"))}
        leaks = {}
        with open("/proc/self/mountinfo") as f:
            mounts_before = sum(1 for _ in f)
        for r in self.live():
            ids = [f"{PREFIX}-many-{k}" for k in range(n)]
            pids = {}

            def create(cid):
                pf = os.path.join(self.tmp, f"{cid}.pid")
                rc, _, err = self.rt(r, "create", "-b", b, "--pid-file", pf, cid)
                if rc:
                    raise RuntimeError(f"create exit {rc}: {err[-120:]}")
                with open(pf) as f:
                    pids[cid] = int(f.read())

            def start(cid):
                rc, _, err = self.rt(r, "start", cid)
                if rc:
                    raise RuntimeError(f"start exit {rc}: {err[-120:]}")

            def delete(cid):
                rc, _, err = self.rt(r, "delete", "--force", cid)
                if rc:
                    raise RuntimeError(f"delete exit {rc}: {err[-120:]}")

            def pss_sum():
                tot = 0
                for pid in pids.values():
                    try:
                        tot += self.init_pss(pid)["Pss"]
                    except OSError:
                        pass
                return tot

            t_c, e_c = self.parallel(par, ids, create)
            p_c = pss_sum()
            made = [cid for cid in ids if cid in pids]
            t_s, e_s = self.parallel(par, made, start)
            p_s = pss_sum()
            t_d, e_d = self.parallel(par, made, delete)
            for k, v in (("create", t_c), ("start", t_s), ("delete --force", t_d)):
                out[f"many: {k} 100, 4 at a time"]["values"][r.name] = v * 1000
            out["many: total"]["values"][r.name] = (t_c + t_s + t_d) * 1000
            out["many: PSS sum of 100 created inits"]["values"][r.name] = p_c
            out["many: PSS sum of 100 started inits"]["values"][r.name] = p_s
            for step, errs in (("create", e_c), ("start", e_s), ("delete --force", e_d)):
                if errs:
                    out["many: total"]["errors"][r.name] = out["many: total"]["errors"].get(r.name, "") + \
                        f"{len(errs)}/{n} {step} failed, first: {errs[0]}; "
                    out[f"many: {step} 100, 4 at a time"]["errors"][r.name] = f"{len(errs)}/{n} failed"
            for cid in os.listdir(r.root):
                self.force_delete(r, cid)
            time.sleep(0.2)  # let the killed inits be reaped by whoever inherited them
            left = self.leftovers(r, pids.values())
            with open("/proc/self/mountinfo") as f:
                left["mountinfo_lines_delta"] = sum(1 for _ in f) - mounts_before
            leaks[r.name] = left
            clean = not any(left[k] for k in ("state_dirs", "processes", "mounts", "cgroups")) \
                and left["mountinfo_lines_delta"] == 0
            out["many: total"]["notes"][r.name] = "nothing left behind" if clean else f"LEFT BEHIND: {left}"
        out["many: leftovers"] = {"leaks": leaks}
        return out

    # ---- case 6: podman -------------------------------------------------------------------

    def podman_lines(self, podman, *args):
        out = os.path.join(self.tmp, "podman.txt")
        rc, _, _, err = self.spawn([podman, *args], 120, stdout=out)
        with open(out) as f:
            return rc, f.read().split(), err

    def case_podman(self):
        key = "podman run --rm localhost/busybox true"
        podman = shutil.which("podman")
        if not podman:
            return {key: {"skipped": "podman not installed"}}
        rc, ids, err = self.podman_lines(podman, "images", "-q", "localhost/busybox")
        if rc == 0 and not ids:  # import the bench's rootfs; removed again in cleanup
            rc, _, err = self.podman_lines(podman, "import", os.path.join(self.tmp, "busybox.tar"),
                                           "localhost/busybox")
            self.podman_image = True
        if rc:
            return {key: {"skipped": f"podman cannot provide localhost/busybox: {err[-160:]}"}}
        _, before, _ = self.podman_lines(podman, "ps", "-aq")
        times = {r.name: [] for r in self.live()}
        errors = {}
        for i, order in self.rounds(self.args.warmup + self.args.runs):
            for r in order:
                if r.name in errors:
                    continue
                rc, dt, _, err = self.spawn([podman, "--runtime", r.path, "run", "--rm", "localhost/busybox", "true"],
                                            120)
                if rc:
                    errors[r.name] = f"exit {rc}: {err[-160:]}"
                elif i >= self.args.warmup:
                    times[r.name].append(dt * 1000)
        _, after, _ = self.podman_lines(podman, "ps", "-aq")
        new = sorted(set(after) - set(before))
        notes = {r.name: "podman ps -a: nothing left behind" if not new else f"LEFT BEHIND podman containers {new}"
                 for r in self.live()}
        return {key: {"unit": "ms", "samples": times, "errors": errors, "notes": notes}}

    def case_ctr(self):
        """`ctr run --rm` through containerd's runc shim with --runc-binary, per runtime, if
        containerd runs here and has localhost/busybox:latest (scripts/clients-setup.sh imports it)."""
        key = "ctr run --rm localhost/busybox:latest true"
        ctr = shutil.which("ctr")
        if not ctr:
            return {key: {"skipped": "ctr not installed"}}
        out = os.path.join(self.tmp, "ctr.txt")
        rc, _, _, err = self.spawn([ctr, "images", "ls", "-q"], 30, stdout=out)
        with open(out) as f:
            images = f.read().split()
        if rc or "localhost/busybox:latest" not in images:
            return {key: {"skipped": f"containerd or its localhost/busybox:latest image unavailable: {err[-160:]}"}}
        times = {r.name: [] for r in self.live()}
        errors = {}
        for i, order in self.rounds(self.args.warmup + self.args.runs):
            for r in order:
                if r.name in errors:
                    continue
                cid = f"{PREFIX}-ctr-{r.name}-{i}"
                rc, dt, _, err = self.spawn([ctr, "run", "--rm", "--runc-binary", r.path,
                                             "localhost/busybox:latest", cid, "true"], 120)
                if rc:
                    errors[r.name] = f"exit {rc}: {err[-160:]}"
                    self.spawn([ctr, "task", "delete", "-f", cid], 30)
                    self.spawn([ctr, "container", "delete", cid], 30)
                elif i >= self.args.warmup:
                    times[r.name].append(dt * 1000)
        rc, _, _, _ = self.spawn([ctr, "containers", "ls", "-q"], 30, stdout=out)
        with open(out) as f:
            left = [c for c in f.read().split() if c.startswith(PREFIX)]
        notes = {r.name: "ctr containers ls: nothing left behind" if not left else f"LEFT BEHIND {left}"
                 for r in self.live()}
        return {key: {"unit": "ms", "samples": times, "errors": errors, "notes": notes}}

    def version(self, r):
        if not r.path:
            return None
        out = os.path.join(self.tmp, "version.txt")
        try:
            self.spawn([r.path, "--version"], 10, stdout=out)
            with open(out) as f:
                return (f.read().splitlines() or [""])[0]
        except (OSError, Timeout):
            return None

    # ---- cleanup --------------------------------------------------------------------------

    def cleanup(self):
        for r in self.runtimes:
            if r.path and os.path.isdir(r.root):
                for cid in os.listdir(r.root):
                    self.force_delete(r, cid)
        time.sleep(0.2)
        for pid, why in self.our_processes():
            print(f"# cleanup: killing left-behind process {pid}: {why}", flush=True)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        with open("/proc/self/mountinfo") as f:
            ours = [l.split()[4] for l in f if self.tmp in l.split()[4]]
        for m in reversed(ours):
            self.spawn([shutil.which("umount") or "/bin/umount", "-l", m])
        for d in sorted(find_cgroups(PREFIX), key=len, reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass
        if getattr(self, "podman_image", False):
            self.spawn([shutil.which("podman"), "rmi", "localhost/busybox"], 60)
        shutil.rmtree(self.tmp, ignore_errors=True)


def cgroup_mounts():
    """Mountpoints of cgroup and cgroup2 filesystems: a plain directory beside them (crun makes
    /sys/fs/cgroup/perf_event/<id> here, where perf_event is listed but not mounted) is no cgroup."""
    with open("/proc/self/mountinfo") as f:
        return sorted({l.split()[4] for l in f if l.split(" - ", 1)[1].split()[0] in ("cgroup", "cgroup2")})


def find_cgroups(name):
    found = []
    for mount in cgroup_mounts():
        for top, dirs, _ in os.walk(mount):
            if top.count("/") > 8:
                dirs[:] = []
            found += [f"{top}/{d}" for d in dirs if name in d]
    return found


HUGETLB = "/sys/fs/cgroup/hugetlb"


def prepare_crun():
    """crun refuses hybrid mode while hugetlb sits in cgroup2: mount it as a v1 hierarchy
    (docs/environment.md). Returns True when this run mounted it (and so unmounts it at the end)."""
    with open("/proc/self/mountinfo") as f:
        if any(l.split()[4] == HUGETLB for l in f):
            print(f"# --prepare-crun: {HUGETLB} already mounted; left as it is")
            return False
    os.makedirs(HUGETLB, exist_ok=True)
    subprocess.run(["mount", "-t", "cgroup", "-o", "hugetlb", "cgroup", HUGETLB], check=True)
    print(f"# --prepare-crun: mounted the hugetlb controller as cgroup v1 at {HUGETLB} for this run")
    return True


def hugetlb_on_v2():
    try:
        with open("/sys/fs/cgroup/unified/cgroup.controllers") as f:
            return "hugetlb" in f.read().split()
    except OSError:
        return False


def unprepare_crun():
    """Move hugetlb back to cgroup2, as it was. An unmounted v1 hierarchy stays alive (hidden) while
    it has child cgroups (podman leaves libpod_parent/conmon), so remove the empty ones, unmount, and
    once the removed cgroups are gone, mount and unmount again."""
    for attempt in range(5):
        mounted = False
        with open("/proc/self/mountinfo") as f:
            mounted = any(l.split()[4] == HUGETLB for l in f)
        if not mounted:
            os.makedirs(HUGETLB, exist_ok=True)
            if subprocess.run(["mount", "-t", "cgroup", "-o", "hugetlb", "cgroup", HUGETLB]).returncode:
                break
        for top, dirs, _ in sorted(os.walk(HUGETLB), key=lambda x: -len(x[0])):
            if top != HUGETLB:
                try:
                    os.rmdir(top)  # fails (EBUSY) while it holds tasks: then it stays
                except OSError:
                    pass
        subprocess.run(["umount", HUGETLB])
        try:
            os.rmdir(HUGETLB)  # at once: podman writes into an unmounted directory of that name
        except OSError:
            pass
        time.sleep(0.5 * (attempt + 1))
        if hugetlb_on_v2():
            break
    try:
        os.rmdir(HUGETLB)
    except OSError:
        pass
    print("# --prepare-crun: hugetlb is back on cgroup2" if hugetlb_on_v2() else
          "# --prepare-crun: could not move hugetlb back to cgroup2 (a v1 hugetlb cgroup is in use?)")


# ---- report ---------------------------------------------------------------------------------

def summary(samples):
    s = sorted(samples)
    if not s:
        return None
    med = statistics.median(s)
    if len(s) >= 2:
        q = statistics.quantiles(s, n=10, method="inclusive")
        p10, p90 = q[0], q[-1]
    else:
        p10 = p90 = s[0]
    mad = statistics.median(abs(x - med) for x in s)
    return {"n": len(s), "median": med, "p10": p10, "p90": p90, "mad": mad, "min": s[0], "max": s[-1]}


def summarise(results):
    for row in results.values():
        if "samples" in row:
            row["summary"] = {k: summary(v) for k, v in row["samples"].items()}
    return results


def cell(row, name, names):
    if name not in names:
        return "unavailable"
    err = row.get("errors", {}).get(name)
    if err:
        err = err.replace("|", "/").replace("\n", " ")
        if name in row.get("values", {}):
            return cell({**row, "errors": {}}, name, names) + f" ({err[:150]})"
        return "failed: " + err[:150]
    if "summary" in row and row["summary"].get(name):
        s = row["summary"][name]
        fmt = "{:.1f}" if row["unit"] == "ms" else "{:.0f}"
        return f"{fmt.format(s['median'])} ({fmt.format(s['p10'])}–{fmt.format(s['p90'])})"
    if name in row.get("values", {}):
        v = row["values"][name]
        return ("{:.1f}" if row["unit"] == "ms" else "{:.0f}").format(v)
    if name in row.get("notes", {}):
        return row["notes"][name]
    return "–"


def value(row, name):
    if name in row.get("errors", {}):
        return None
    if "summary" in row and row["summary"].get(name):
        return row["summary"][name]["median"]
    return row.get("values", {}).get(name)


def table(results, bench):
    names = [r.name for r in bench.live()]
    cols = ["pyruntime", "runc", "crun"]
    lines = ["| case | unit | " + " | ".join(cols) + " | pyruntime/runc | pyruntime/crun |",
             "|---|---|" + "---|" * (len(cols) + 2)]
    for key, row in results.items():
        if "skipped" in row:
            lines.append(f"| {key} | | skipped: {row['skipped']} | | | | |")
            continue
        if "leaks" in row:
            continue
        cells = [cell(row, c, names) for c in cols]
        ratios = []
        for other in ("runc", "crun"):
            a, b = value(row, "pyruntime"), value(row, other)
            ratios.append(f"{a / b:.2f}" if a and b else "–")
        lines.append(f"| {key} | {row.get('unit', '')} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20, help="measured runs per runtime and case (default 20)")
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured rounds first (default 2)")
    ap.add_argument("--only", default="", help="comma-separated cases: " + ",".join(CASES))
    ap.add_argument("--prepare-crun", action="store_true",
                    help="mount the hugetlb controller as cgroup v1 so crun runs here (left mounted)")
    ap.add_argument("--pyruntime", default=os.path.join(REPO, ".venv/bin/pyruntime"))
    ap.add_argument("--out", default=os.path.join(HERE, "results/latest.json"))
    args = ap.parse_args()
    if os.geteuid():
        sys.exit("bench: run as root")
    only = [c for c in args.only.split(",") if c] or list(CASES)
    for c in only:
        if c not in CASES:
            sys.exit(f"bench: unknown case {c!r}; cases: {', '.join(CASES)}")
    mounted_hugetlb = prepare_crun() if args.prepare_crun else False
    # the killed/aborted runs must not leave the tree behind when we are interrupted
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    try:
        bench.build_rootfs()  # before the reaper exists: it would reap subprocess's children
        bench.become_subreaper()
        bench.setup_runtimes()
        results = {}
        for c in only:
            t0 = time.perf_counter()
            print(f"# case {c} ...", flush=True)
            results.update(getattr(bench, f"case_{c}")())
            print(f"# case {c} done in {time.perf_counter() - t0:.1f} s", flush=True)
        summarise(results)
        md = table(results, bench)
        print()
        print(md)
        for key, row in results.items():
            if "leaks" in row:
                for name, left in row["leaks"].items():
                    print(f"\n{key} {name}: {json.dumps(left)}")
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        doc = {
            "date": started,
            "command": " ".join([sys.executable] + sys.argv),
            "machine": {"kernel": platform.release(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "node": platform.node()},
            "runtimes": {r.name: {"path": r.path, "available": r.available, "why": r.why,
                                  "version": bench.version(r)} for r in bench.runtimes},
            "runs": args.runs, "warmup": args.warmup,
            "results": results,
            "table": md,
        }
        with open(args.out + ".tmp", "w") as f:
            json.dump(doc, f, indent=1)
        os.replace(args.out + ".tmp", args.out)
        print(f"\n# written {os.path.relpath(args.out)}")
    finally:
        bench.cleanup()
        if mounted_hugetlb:
            unprepare_crun()  # after the reaper is idle: subprocess is safe again (no runtime children)


if __name__ == "__main__":
    main()
