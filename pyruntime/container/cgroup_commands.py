"""The cgroup commands: update, pause, resume, ps, events (runc's behaviour and wording).

Each takes the state root and the container id; the container's cgroup is the Manager saved in
state.json under "cgroup" (Manager.to_state()). Not on the create path: imports are free here.
"""
import os

from ..cgroups import Manager
from ..cgroups import resources as res
from ..errors import ConfigError, NotFound, RuntimeFailure, StateError
from ..state import namespace_pids
from .container import Container


def _load(root, cid):
    c = Container(root, cid).load()
    d = (c.data or {}).get("cgroup")
    if not d:
        raise RuntimeFailure(f"container {cid} has no cgroup (a rootless container gets one only where "
                             f"a cgroup v2 subtree is delegated to its user)")
    return c, Manager.from_state(d)


def _save(c, m):
    data = dict(c.data)
    data["cgroup"] = m.to_state()
    c.save(data)


# -- update -----------------------------------------------------------------------------------
def update(root, cid, resources):
    """Apply OCI LinuxResources to a container's cgroup and keep them in its state."""
    if not isinstance(resources, dict):
        raise ConfigError("", "resources must be a JSON object (OCI LinuxResources)")
    c, m = _load(root, cid)
    c.lock()
    try:
        c.load()
        if c.status() not in ("created", "running", "paused"):
            raise StateError("container not running")
        m = Manager.from_state(c.data["cgroup"])
        m.update(resources)
        _save(c, m)
    finally:
        c.unlock()


def read_resources(path):
    """`update -r FILE` / `-r -` (stdin): the JSON document."""
    import json  # noqa: PLC0415
    import sys  # noqa: PLC0415
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path) as f:
                text = f.read()
    except OSError as e:
        raise RuntimeFailure(f"open {path}: {os.strerror(e.errno).lower()}") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise RuntimeFailure(f"unable to parse resources: {e}") from None


_U64 = ("cpu-shares", "cpu-period", "cpu-rt-period", "cpu-burst")
_I64 = ("cpu-quota", "cpu-rt-runtime", "cpu-idle")
_RAM = ("memory", "memory-swap", "memory-reservation", "kernel-memory", "kernel-memory-tcp")
FLAGS = _U64 + _I64 + _RAM + ("cpuset-cpus", "cpuset-mems", "pids-limit", "blkio-weight")
_WHERE = {
    "memory": ("memory", "limit"), "memory-swap": ("memory", "swap"),
    "memory-reservation": ("memory", "reservation"), "kernel-memory": ("memory", "kernel"),
    "kernel-memory-tcp": ("memory", "kernelTCP"),
    "cpu-shares": ("cpu", "shares"), "cpu-quota": ("cpu", "quota"), "cpu-period": ("cpu", "period"),
    "cpu-burst": ("cpu", "burst"), "cpu-idle": ("cpu", "idle"),
    "cpu-rt-runtime": ("cpu", "realtimeRuntime"), "cpu-rt-period": ("cpu", "realtimePeriod"),
    "cpuset-cpus": ("cpu", "cpus"), "cpuset-mems": ("cpu", "mems"),
    "pids-limit": ("pids", "limit"), "blkio-weight": ("blockIO", "weight"),
}


def _parse_int(flag, text, lo, hi, kind):
    s = str(text).strip()
    try:
        v = int(s, 10)
    except ValueError:
        raise RuntimeFailure(f"invalid value for {flag}: strconv.{kind}: parsing \"{text}\": invalid syntax") from None
    if not lo <= v <= hi:
        raise RuntimeFailure(f"invalid value for {flag}: strconv.{kind}: parsing \"{text}\": value out of range")
    return v


def resources_from_flags(flags):
    """runc update's flags (names without dashes prefix, values as given on the command line)
    -> OCI LinuxResources with only the given fields."""
    out = {}
    for flag, value in flags.items():
        if value is None or value == "":
            continue
        if flag not in _WHERE:
            raise RuntimeFailure(f"flag provided but not defined: -{flag}")
        if flag in _U64:
            v = _parse_int(flag, value, 0, res.U64, "ParseUint")
        elif flag in _I64:
            v = _parse_int(flag, value, res.I64_MIN, res.I64_MAX, "ParseInt")
        elif flag in _RAM:
            if str(value).strip() == "-1":
                v = -1
            elif isinstance(value, int):
                v = value
            else:
                try:
                    v = res.parse_ram(str(value))
                except ValueError as e:
                    raise RuntimeFailure(f"invalid value for {flag}: {e}") from None
        elif flag == "pids-limit":
            v = _parse_int(flag, value, res.I64_MIN, res.I64_MAX, "ParseInt")
        elif flag == "blkio-weight":
            v = _parse_int(flag, value, 0, 0xFFFF, "ParseUint")
        else:
            v = str(value)
        group, key = _WHERE[flag]
        out.setdefault(group, {})[key] = v
    return out


def _rdt_enabled(feature):
    """runc's intelrdt.IsCATEnabled/IsMBAEnabled: the CPU has it and resctrl is mounted with it."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
        with open("/proc/self/mountinfo") as f:
            mounted = any(" - resctrl " in line for line in f)
    except OSError:
        return False
    want = {"cat": ("rdt_a", "cat_l3"), "mba": ("rdt_a", "mba")}[feature]
    return mounted and all(w in flags for w in want)


def update_from_flags(root, cid, flags):
    flags = dict(flags)
    l3, mb = flags.pop("l3-cache-schema", None), flags.pop("mem-bw-schema", None)
    if l3 and not _rdt_enabled("cat"):
        raise RuntimeFailure("Intel RDT/CAT: l3 cache schema is not enabled")
    if mb and not _rdt_enabled("mba"):
        raise RuntimeFailure("Intel RDT/MBA: memory bandwidth schema is not enabled")
    if l3 or mb:
        raise RuntimeFailure("Intel RDT is not supported by this runtime")
    update(root, cid, resources_from_flags(flags))


# -- pause / resume ---------------------------------------------------------------------------
def pause(root, cid):
    c, m = _load(root, cid)
    c.lock()
    try:
        st = c.status()  # "paused" comes from the freezer (state.py)
        if st not in ("created", "running"):
            raise StateError("container not running")
        m.freeze()
    finally:
        c.unlock()


def resume(root, cid):
    c, m = _load(root, cid)
    c.lock()
    try:
        if c.status() != "paused":
            raise StateError("container not paused")
        m.thaw()
    finally:
        c.unlock()


# -- ps ---------------------------------------------------------------------------------------
def ps(root, cid, fmt="table", ps_args=()):
    if fmt not in ("table", "json"):
        raise RuntimeFailure("invalid format option")
    c = Container(root, cid).load()
    d = (c.data or {}).get("cgroup")
    if d:
        pids = Manager.from_state(d).pids()
    else:  # rootless without a cgroup: the processes of its pid namespace
        pids = namespace_pids(c.pid) if c.alive() else []
    if fmt == "json":
        if not pids:
            return "null\n"  # Go encodes runc's empty (nil) list so: clients parse it as such
        return "[" + ",".join(str(p) for p in pids) + "]\n"
    import subprocess  # noqa: PLC0415
    args = list(ps_args) or ["-ef"]
    try:
        r = subprocess.run(["ps", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    except OSError as e:
        raise RuntimeFailure(f"exec: \"ps\": {os.strerror(e.errno).lower()}") from None
    output = r.stdout.decode(errors="replace")
    if r.returncode != 0:
        raise RuntimeFailure(f"exit status {r.returncode}: {output}")
    lines = output.split("\n")
    header = lines[0].split()
    if "PID" not in header:
        raise RuntimeFailure("couldn't find PID field in ps output")
    idx = header.index("PID")
    want = set(pids)
    out = [lines[0]]
    for line in lines[1:]:
        f = line.split()
        if len(f) <= idx:
            continue
        try:
            p = int(f[idx])
        except ValueError:
            raise RuntimeFailure(f"unexpected pid '{f[idx]}'") from None
        if p in want:
            out.append(line)
    return "\n".join(out) + "\n"


# -- events -----------------------------------------------------------------------------------
def _dump(obj):
    import json  # noqa: PLC0415
    return json.dumps(obj, separators=(",", ":")) + "\n"


def events(root, cid, stats=False, interval=5.0, out=None):
    """runc events: one stats object with --stats; otherwise stats every `interval` seconds and an
    {"type":"oom"} object per OOM kill, until the container stops."""
    import sys  # noqa: PLC0415
    import time  # noqa: PLC0415
    out = out or sys.stdout
    c, m = _load(root, cid)
    if c.status() == "stopped":
        raise RuntimeFailure(f"container with id {cid} is not running")
    if stats:
        out.write(_dump({"type": "stats", "id": cid, "data": m.stats()}))
        out.flush()
        return
    if interval <= 0:
        raise RuntimeFailure("duration interval must be greater than 0")
    ooms = m.oom_events()
    next_stats = time.monotonic() + interval
    tick = min(interval, 0.1)
    def report_ooms(ooms):
        try:
            n = m.oom_events()
        except OSError:
            return ooms
        for _ in range(max(0, n - ooms)):
            out.write(_dump({"type": "oom", "id": cid}))
            out.flush()
        return max(ooms, n)

    while True:
        time.sleep(tick)
        ooms = report_ooms(ooms)
        try:
            c.load()
        except NotFound:
            return
        if c.status() == "stopped":
            time.sleep(0.05)
            report_ooms(ooms)
            return
        if time.monotonic() >= next_stats:
            try:
                data = m.stats()
            except OSError:
                return
            out.write(_dump({"type": "stats", "id": cid, "data": data}))
            out.flush()
            next_stats += interval
