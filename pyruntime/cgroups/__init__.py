"""cgroup drivers: layout detection, linux.cgroupsPath resolution, the Manager interface.

The create path is hot: this module imports only os and the error types. Drivers:
  v1.py       cgroupfs on v1 and hybrid hosts (v1 controllers; in hybrid mode the cgroup2 tree at
              /sys/fs/cgroup/unified is joined too, no resources are written there)
  v2.py       cgroupfs on a pure cgroup v2 host (runc's conversions of v1-style values)
  systemd.py  a transient scope over systemd's D-Bus API (--systemd-cgroup; imports jeepney lazily)
  devices.py  device rules: the v1 lines and the v2 eBPF program
  resources.py  validation and value conversion of linux.resources (pure functions)

Paths, as runc resolves them (libcontainer/cgroups/fs/paths.go, specconv):
  absolute cgroupsPath  -> <hierarchy mountpoint><path>
  relative cgroupsPath  -> <the runtime's own cgroup in that hierarchy>/<path> (/proc/self/cgroup)
  empty                 -> relative "<id>" (runc: Name=id, Parent="")
  systemd               -> "slice:prefix:name"; empty -> "system.slice:pyruntime:<id>"
A '..' that would climb above the start of the path is rejected.
"""
import os

from .. import mountinfo
from ..errors import ConfigError, RuntimeFailure

_cache = {}
DENIED = (1, 13, 30)  # EPERM, EACCES, EROFS: what a rootless caller meets (runc's isIgnorableError)


class CgroupDenied(RuntimeFailure):
    """A cgroup directory we may not create: skipped for a rootless caller, fatal for root."""


def rootless_caller():
    """Asked only after a permission error, so host root pays nothing on its way."""
    from ..rootless import rootless  # noqa: PLC0415
    return rootless()


# -- host facts (cached per process) ------------------------------------------------------------
def parse_mountinfo(text):
    """[(mountpoint, root, fstype, super options)] of the cgroup and cgroup2 mounts, in order."""
    return [(m.mountpoint, m.root, m.fstype, m.super_options) for m in mountinfo.parse(text, ("cgroup", "cgroup2"))]


def hierarchies(mounts=None):
    """{controller: (mountpoint, mount root)} for v1 ("name=systemd" included) plus "" for cgroup2.

    The first mount of a hierarchy wins (bind mounts of it come later in mountinfo)."""
    if mounts is None:
        if "h" in _cache:
            return _cache["h"]
        mounts = parse_mountinfo(mountinfo.read())
        h = _cache["h"] = _hierarchies(mounts)
        return h
    return _hierarchies(mounts)


def _hierarchies(mounts):
    h = {}
    for mp, root, fstype, opts in mounts:
        if fstype == "cgroup2":
            h.setdefault("", (mp, root))
            continue
        for o in opts.split(","):
            if o in ("rw", "ro") or o.startswith(("release_agent=", "xattr", "noprefix", "clone_children",
                                                   "cpuset_v2_mode", "favordynmods", "none")):
                continue
            h.setdefault(o, (mp, root))
    return h


def layout_of(h):
    v1 = [k for k in h if k]
    if not v1:
        return "v2" if "" in h else "v1"
    return "hybrid" if "" in h else "v1"


def layout():
    """"v1", "hybrid" or "v2", from /proc/self/mountinfo (cached)."""
    if "layout" not in _cache:
        _cache["layout"] = layout_of(hierarchies())
    return _cache["layout"]


def parse_proc_cgroup(text):
    """{controller: path} from /proc/<pid>/cgroup; the cgroup2 entry is under ""."""
    out = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, ctrls, path = parts
        if not ctrls:
            out[""] = path
        for c in ctrls.split(","):
            if c:
                out[c] = path
    return out


def own_cgroups():
    if "own" not in _cache:
        with open("/proc/self/cgroup") as f:
            _cache["own"] = parse_proc_cgroup(f.read())
    return _cache["own"]


# -- path resolution (pure) ---------------------------------------------------------------------
def clean_path(path, what="linux.cgroupsPath"):
    """Normalise a cgroup path, keeping it absolute or relative; reject climbing above its start."""
    absolute = path.startswith("/")
    parts = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                raise ConfigError(what, f"{path!r} must not leave the cgroup hierarchy ('..')")
            parts.pop()
            continue
        parts.append(p)
    s = "/".join(parts)
    return "/" + s if absolute else s


def inner_path(config, cid):
    """The cgroupfs path the container asks for: absolute or relative, never empty."""
    p = ((config.get("linux") or {}).get("cgroupsPath") or "")
    if not p:
        return cid
    p = clean_path(p)
    return p or "/"


def resolve(inner, controller, h, own):
    """The directory for `controller` (a key of hierarchies(), "" = cgroup2), or None if unmounted."""
    if controller not in h:
        return None
    mp, mroot = h[controller]
    if inner.startswith("/"):
        rel = inner
    else:
        base = own.get(controller, "/")
        # the mount shows the hierarchy from `mroot` down (cgroup namespaces, bind mounts)
        if mroot != "/" and (base == mroot or base.startswith(mroot.rstrip("/") + "/")):
            base = base[len(mroot.rstrip("/")):] or "/"
        rel = base.rstrip("/") + "/" + inner
    rel = rel.rstrip("/")
    return mp + rel if rel else mp


def parse_systemd_path(p, cid):
    """"slice:prefix:name" -> (slice, prefix, name); empty -> ("system.slice", "pyruntime", cid)."""
    if not p:
        return "system.slice", "pyruntime", cid
    parts = p.split(":")
    if len(parts) != 3:
        raise ConfigError("linux.cgroupsPath",
                          f"expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, "
                          f"got \"{p}\" instead")
    for part in parts:
        if "/" in part or part in (".", ".."):
            raise ConfigError("linux.cgroupsPath", f"invalid systemd cgroupsPath {p!r}")
    return parts[0], parts[1], parts[2]


# -- small file helpers shared by the drivers ---------------------------------------------------
def write_file(path, value):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as e:
        raise RuntimeFailure(f"failed to write \"{value}\": open {path}: {_err(e)}") from None
    try:
        os.write(fd, value.encode())
    except OSError as e:
        raise RuntimeFailure(f"failed to write \"{value}\": write {path}: {_err(e)}") from None
    finally:
        os.close(fd)


def open_join_fds(paths):
    """join_fds() for cgroupfs paths: (key, path) pairs, key "unified" for a cgroup2 node."""
    cg2, tasks = -1, []
    try:
        for key, path in paths:
            if key in ("unified", "v2"):
                target = path
                cg2 = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            else:
                target = os.path.join(path, "tasks")
                tasks.append(os.open(target, os.O_WRONLY | os.O_CLOEXEC))
    except OSError as e:
        for fd in tasks + ([cg2] if cg2 >= 0 else []):
            os.close(fd)
        raise RuntimeFailure(f"cannot join cgroup: open {target}: {_err(e)}") from None
    return cg2, tasks


def parse_sub_cgroups(args):
    """exec --cgroup values -> {controller: path} ("" for one path given to every hierarchy),
    with runc's rules and errors (exec.go getSubCgroupPaths)."""
    paths = {}
    for arg in args:
        ctrs, colon, path = arg.partition(":")
        if colon:
            for ctrl in ctrs.split(","):
                if not ctrl:
                    raise RuntimeFailure(f"invalid --cgroup argument: {arg} (empty <controller> prefix)")
                if ctrl in paths:
                    raise RuntimeFailure(f"invalid --cgroup argument(s): controller {ctrl} specified multiple times")
                paths[ctrl] = path
        else:
            if len(args) != 1:
                raise RuntimeFailure(f"invalid --cgroup argument: {arg} (missing <controller>: prefix)")
            paths[""] = arg
    return paths


def sub_cgroup_paths(paths, sub):
    """The cgroups an exec joins: the container's `paths` ({key: dir}), with the sub-cgroups of
    `sub` (parse_sub_cgroups()) below them. A path may not climb out of the container's cgroup."""
    import posixpath  # noqa: PLC0415
    out = dict(paths)

    def below(base, add):
        p = posixpath.normpath(posixpath.join(base, add.lstrip("/"))) if add.strip("/") else base
        if p != base and not p.startswith(base.rstrip("/") + "/"):
            raise RuntimeFailure(f"{add} is not a sub cgroup path")
        return p
    if "" in sub:
        for key in out:
            out[key] = below(out[key], sub[""])
        return out
    for ctrl, add in sub.items():
        if ctrl not in out:
            raise RuntimeFailure(f"unknown controller {ctrl} in SubCgroupPaths")
        out[ctrl] = below(out[ctrl], add)
    return out


def read_file(path):
    with open(path) as f:
        return f.read()


def read_int(path, default=0):
    try:
        s = read_file(path).strip()
    except OSError:
        return default
    if s == "max":
        return 0xFFFFFFFFFFFFFFFF
    try:
        return int(s)
    except ValueError:
        return default


def read_kv(path):
    out = {}
    try:
        text = read_file(path)
    except OSError:
        return out
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        try:
            out[k] = int(v)
        except ValueError:
            pass
    return out


def _err(e):
    s = os.strerror(e.errno) if e.errno else str(e)
    return s[:1].lower() + s[1:]


def mkdirs(path, stop_at):
    """mkdir -p `path` below the existing `stop_at`; the dirs created, outermost first."""
    made = []
    todo = []
    p = path
    while p != stop_at and len(p) > len(stop_at) and not os.path.isdir(p):
        todo.append(p)
        p = os.path.dirname(p)
    for d in reversed(todo):
        try:
            os.mkdir(d, 0o755)
        except FileExistsError:
            continue
        except OSError as e:
            kind = CgroupDenied if e.errno in DENIED else RuntimeFailure
            raise kind(f"unable to create cgroup path {d}: {_err(e)}") from None
        made.append(d)
    return made


def rmdir_tree(path, tries=50):
    """rmdir `path` and any sub-cgroups below it (deepest first); tolerate it being gone.

    rmdir of a cgroup fails with EBUSY while tasks are exiting: retry briefly (runc does)."""
    import time  # noqa: PLC0415
    try:
        subs = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    except NotADirectoryError:
        return
    for s in subs:
        rmdir_tree(s, tries)
    delay = 0.002
    for i in range(tries):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if e.errno != 16 or i == tries - 1:  # EBUSY
                raise RuntimeFailure(f"unable to remove cgroup path {path}: {_err(e)}") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def read_pids(path, recursive=True):
    pids = []
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            pids.extend(int(x) for x in f.read().split())
    except FileNotFoundError:
        return pids
    if recursive:
        try:
            subs = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
        except OSError:
            subs = []
        for s in subs:
            pids.extend(read_pids(s, True))
    return pids


# -- the interface ------------------------------------------------------------------------------
class Manager:
    """One container's cgroup(s). for_container() picks the driver; from_state() restores it."""

    driver = "none"

    def __init__(self, cid, resources=None):
        self.cid = cid
        self.resources = resources or {}
        self.created = []  # directories we made, outermost first per hierarchy
        self.skipped = []  # JSON paths of the limits a rootless create could not apply
        self.claimed = False  # check_new() passed: the leaf was empty and is this container's now

    @staticmethod
    def for_container(config, cid, systemd=False):
        from . import resources as res  # noqa: PLC0415
        linux = config.get("linux") or {}
        resources = linux.get("resources") or {}
        lay = layout()
        res.validate(resources, "v2" if lay == "v2" else "v1")
        if systemd:
            from .systemd import SystemdManager  # noqa: PLC0415
            return SystemdManager.new(config, cid, resources, lay)
        if lay == "v2":
            from .v2 import V2Manager  # noqa: PLC0415
            return V2Manager.new(config, cid, resources)
        from .v1 import V1Manager  # noqa: PLC0415
        return V1Manager.new(config, cid, resources)

    @staticmethod
    def from_state(d):
        drv = d.get("driver")
        if drv == "v1":
            from .v1 import V1Manager  # noqa: PLC0415
            return V1Manager.restore(d)
        if drv == "v2":
            from .v2 import V2Manager  # noqa: PLC0415
            return V2Manager.restore(d)
        if drv == "systemd":
            from .systemd import SystemdManager  # noqa: PLC0415
            return SystemdManager.restore(d)
        raise RuntimeFailure(f"unknown cgroup driver in state: {drv!r}")

    def check_new(self):
        """runc's refusals before a create: a cgroup that already holds processes (another
        container's, or anything else's: they would share limits, freezing and kills), or one that
        is frozen (the init would stop, in D state, the moment it joined)."""
        try:
            pids = self.pids()
        except OSError:
            pids = []
        if pids:
            raise RuntimeFailure(f"container's cgroup is not empty: {len(pids)} process(es) found")
        try:
            frozen = self.frozen()
        except OSError:
            frozen = False
        if frozen:
            raise RuntimeFailure("container's cgroup unexpectedly frozen")
        self.claimed = True

    # subclasses implement these
    def create(self):
        """Make the cgroup and apply the resources. A rootless caller (pyruntime.rootless) that may
        not make it goes on without it: the limits it could not apply are in self.skipped."""
        raise NotImplementedError

    def skipped_warning(self):
        """The one warning of a rootless create that left limits unapplied, or None."""
        if not self.skipped:
            return None
        return ("rootless container without a cgroup it may write (cgroup v2 needs a delegated subtree): "
                "these limits are not applied: " + ", ".join(dict.fromkeys(self.skipped)))

    def add(self, pid):
        raise NotImplementedError

    def exec_join_fds(self, sub):
        """join_fds() for an exec into the sub-cgroups `sub` (parse_sub_cgroups()) of the container's
        cgroups; each must exist (runc's error names the cgroup.procs it could not write)."""
        paths = sub_cgroup_paths(self.cgroup_paths(), sub)
        pairs, seen = [], set()
        for key, path in paths.items():
            if path in seen:
                continue
            seen.add(path)
            if not os.path.isdir(path):
                raise RuntimeFailure(f"unable to start container process: error adding pid to cgroups: "
                                     f"open {path}/cgroup.procs: no such file or directory")
            pairs.append(("unified" if key in ("", "unified") else key, path))
        return open_join_fds(pairs)

    def host_dirs(self):
        """{hierarchy mountpoint: the container's directory in it}: what a container without a
        cgroup namespace sees at /sys/fs/cgroup (runc binds these)."""
        mounts = getattr(self, "mounts", None)
        if isinstance(mounts, dict):
            return {mounts[k]: p for k, p in self.paths.items() if k in mounts}
        return {self.mount: self.path}

    def cgroup_paths(self):
        """{controller (v1) or "" (cgroup v2) or "unified" (hybrid): directory}."""
        return dict(self.paths)

    def join_fds(self):
        """(cgroup2 dir fd or -1, [v1 `tasks` fds]) for the init to join its cgroups itself, or
        None when add(pid) must place it. The init writes "0" to each `tasks` file (moving only
        itself: the kernel then skips the threadgroup rwsem whose first write lock after a quiet
        spell waits an RCU grace period, 5-15 ms here) and is cloned into the cgroup2 node with
        CLONE_INTO_CGROUP. Opened here, by the host's root, so the kernel checks our credentials."""
        return None

    def destroy(self):
        raise NotImplementedError

    def owns_leaf(self):
        """True when this container made its cgroup: only then may a failed create kill what is in
        it (another container's cgroupsPath may name the same cgroup)."""
        raise NotImplementedError

    def pids(self):
        raise NotImplementedError

    def freeze(self):
        raise NotImplementedError

    def thaw(self):
        raise NotImplementedError

    def frozen(self):
        raise NotImplementedError

    def update(self, resources):
        raise NotImplementedError

    def stats(self):
        raise NotImplementedError

    def oom_events(self):
        raise NotImplementedError

    def to_state(self):
        raise NotImplementedError

    def signal_all(self, sig):
        """Signal every process of the cgroup: freeze, signal, thaw (runc's signalAllProcesses), so
        nothing forks past the list. A frozen cgroup is left frozen except for SIGKILL (a frozen
        process cannot die: runc thaws it, and the container ends stopped, not paused)."""
        was_frozen = False
        try:
            was_frozen = self.frozen()
            if not was_frozen:
                self.freeze()
        except (RuntimeFailure, OSError):
            was_frozen = True  # no freezer: signal without it
        try:
            for pid in self.pids():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        finally:
            if not was_frozen or sig == 9:
                try:
                    self.thaw()
                except (RuntimeFailure, OSError):
                    pass


# -- runc's `events --stats` data object (types.Stats, with its omitempty rules) -----------------
_CPUSET_ZERO = (("cpu_exclusive", 0), ("mem_hardwall", 0), ("mem_exclusive", 0), ("memory_migrate", 0),
                ("memory_spread_page", 0), ("memory_spread_slab", 0), ("memory_pressure", 0),
                ("sched_load_balance", 0), ("sched_relax_domain_level", 0))


def parse_cpu_list(text):
    """"0-3,5" (cpuset.cpus / cpuset.mems) -> [0, 1, 2, 3, 5]."""
    out = []
    for part in text.strip().split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def cpuset_stats(path):
    """runc's CPUSetStats of a v1 cpuset directory (cpus/mems omitted when empty, as omitempty)."""
    out = {}
    for key, name in (("cpus", "cpus"), ("cpu_exclusive", "cpu_exclusive"), ("mems", "mems"),
                      ("mem_hardwall", "mem_hardwall"), ("mem_exclusive", "mem_exclusive"),
                      ("memory_migrate", "memory_migrate"), ("memory_spread_page", "memory_spread_page"),
                      ("memory_spread_slab", "memory_spread_slab"), ("memory_pressure", "memory_pressure"),
                      ("sched_load_balance", "sched_load_balance"),
                      ("sched_relax_domain_level", "sched_relax_domain_level")):
        try:
            text = read_file(os.path.join(path, f"cpuset.{name}"))
        except OSError:
            text = ""
        if key in ("cpus", "mems"):
            try:
                values = parse_cpu_list(text)
            except ValueError:
                values = []
            if values:
                out[key] = values
        else:
            try:
                out[key] = int(text.strip() or 0)
            except ValueError:
                out[key] = 0
    return out


def stats_doc(cpu_usage=None, throttling=None, memory=None, pids=None, blkio=None, hugetlb=None, cpuset=None):
    u = cpu_usage or {}
    usage = {}
    for k in ("total", "percpu", "percpu_kernel", "percpu_user"):
        if u.get(k):
            usage[k] = u[k]
    usage["kernel"] = u.get("kernel", 0)
    usage["user"] = u.get("user", 0)
    thr = {k: v for k, v in (throttling or {}).items() if v}
    mem = {}
    m = memory or {}
    if m.get("cache"):
        mem["cache"] = m["cache"]
    for k in ("usage", "swap", "kernel", "kernelTCP"):
        e = m.get(k) or {}
        ent = {"limit": e.get("limit", 0)}
        if e.get("usage"):
            ent["usage"] = e["usage"]
        if e.get("max"):
            ent["max"] = e["max"]
        ent["failcnt"] = e.get("failcnt", 0)
        mem[k] = ent
    if m.get("raw"):
        mem["raw"] = m["raw"]
    return {
        "cpu": {"usage": usage, "throttling": thr},
        "cpuset": cpuset if cpuset is not None else dict(_CPUSET_ZERO),
        "memory": mem,
        "pids": {k: v for k, v in (pids or {}).items() if v},
        "blkio": {k: v for k, v in (blkio or {}).items() if v},
        "hugetlb": hugetlb or {},
        "intel_rdt": {},
        "network_interfaces": None,
    }


def blkio_entries(path):
    """`MAJ:MIN Op VALUE` lines -> runc BlkioEntry dicts (zero fields omitted as runc does)."""
    out = []
    try:
        text = read_file(path)
    except OSError:
        return out
    for line in text.splitlines():
        f = line.split()
        if len(f) != 3 or ":" not in f[0]:
            continue
        maj, _, mnr = f[0].partition(":")
        e = {}
        if int(maj):
            e["major"] = int(maj)
        if int(mnr):
            e["minor"] = int(mnr)
        e["op"] = f[1]
        if int(f[2]):
            e["value"] = int(f[2])
        out.append(e)
    return out
