"""The host's cgroup hierarchies, read once per process: where each controller is mounted
(/proc/self/mountinfo), the layout (v1, hybrid, v2), and the runtime's own cgroups."""
from .. import mountinfo

_cache = {}


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
