"""linux.resources: validation, runc's v1 -> v2 conversions, and the cgroup files each field becomes.

Pure functions over the OCI dict; the drivers write what v1_writes()/v2_writes() return, in order.
A write is (controller, file name, value, json path of the field it comes from).
"""
from ..errors import ConfigError

P = "linux.resources"
U64 = 0xFFFFFFFFFFFFFFFF
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1


# -- conversions (runc libcontainer/cgroups/utils.go) -------------------------------------------
def shares_to_weight(shares):
    """cpu.shares [2..262144] -> cpu.weight [1..10000]; 0 stays 0 (unset)."""
    if shares == 0:
        return 0
    return 1 + ((shares - 2) * 9999) // 262142


def blkio_weight_to_io_weight(weight):
    """blkio.weight [10..1000] -> io.weight [1..10000]; 0 stays 0 (unset)."""
    if weight == 0:
        return 0
    return 1 + (weight - 10) * 9999 // 990


def swap_to_v2(swap, limit):
    """OCI memory.swap is memory+swap; cgroup v2 memory.swap.max is swap alone.

    Returns the memory.swap.max value (-1 = max, 0/None = unset); raises ValueError as runc."""
    swap = swap or 0
    limit = limit or 0
    if limit == -1 and swap == 0:
        return -1  # memory unlimited and swap not given: both unlimited (cgroup v1 behaviour)
    if swap in (-1, 0):
        return swap
    if limit in (0, -1):
        raise ValueError("unable to set swap limit without memory limit")
    if limit < 0:
        raise ValueError(f"invalid memory value: {limit}")
    if swap < limit:
        raise ValueError("memory+swap limit should be >= memory limit")
    return swap - limit


def max_or(v):
    """-1 -> "max" for v2 files."""
    return "max" if v == -1 else str(v)


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_ram(text):
    """docker/go-units RAMInBytes: "512m", "1.5g", "1024", "64KiB" (binary units). ValueError."""
    s = text.strip()
    i = 0
    while i < len(s) and (s[i].isdigit() or s[i] == "."):
        i += 1
    num, rest = s[:i], s[i:].lstrip(" ").lower()
    if rest.endswith("b"):
        rest = rest[:-1]
    if rest.endswith("i"):
        rest = rest[:-1]
    if not num or num.startswith(".") or num.endswith(".") or ".." in num or rest not in _UNITS:
        raise ValueError(f"invalid size: '{text}'")
    try:
        value = float(num)
    except ValueError:
        raise ValueError(f"invalid size: '{text}'") from None
    return int(value * _UNITS[rest])


# -- validation ---------------------------------------------------------------------------------
def _int(v, path, lo=I64_MIN, hi=I64_MAX):
    if v is None:
        return
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(path, "must be an integer")
    if not lo <= v <= hi:
        raise ConfigError(path, f"{v} is out of range [{lo}, {hi}]")


def _uint(v, path, hi=U64):
    _int(v, path, 0, hi)


def _bool(v, path):
    if v is not None and not isinstance(v, bool):
        raise ConfigError(path, "must be a boolean")


def _str(v, path):
    if v is not None and not isinstance(v, str):
        raise ConfigError(path, "must be a string")


def _obj(v, path):
    if v is not None and not isinstance(v, dict):
        raise ConfigError(path, "must be an object")
    return v or {}


def _list(v, path):
    if v is not None and not isinstance(v, list):
        raise ConfigError(path, "must be an array")
    return v or []


def _cpulist(v, path):
    """"0-3,5,7-8" (cpuset.cpus / cpuset.mems syntax)."""
    _str(v, path)
    if not v:
        return
    for part in v.split(","):
        a, _, b = part.strip().partition("-")
        if not a.isdigit() or (b and not b.isdigit()) or (b and int(b) < int(a)):
            raise ConfigError(path, f"invalid list {v!r}")


def _pagesize(ps, path):
    _str(ps, path)
    if not ps:
        raise ConfigError(path, "is required")
    num = ps.rstrip("KMGB")
    unit = ps[len(num):]
    if not num.isdigit() or unit not in ("KB", "MB", "GB"):
        raise ConfigError(path, f"invalid hugepage size {ps!r} (expected e.g. 2MB, 1GB)")


def validate(r, flavor="v1"):
    """Raise ConfigError(json path, reason) for any value we cannot write; no side effects.

    `flavor` is "v1" (v1 and hybrid hosts) or "v2"; it decides what is rejected outright."""
    r = _obj(r, P)
    m = _obj(r.get("memory"), f"{P}.memory")
    for k in ("limit", "reservation", "swap", "kernel", "kernelTCP"):
        _int(m.get(k), f"{P}.memory.{k}")
        if m.get(k) is not None and m[k] < -1:
            raise ConfigError(f"{P}.memory.{k}", f"invalid value {m[k]} (use -1 for unlimited)")
    sw = m.get("swappiness")
    if sw is not None:
        _int(sw, f"{P}.memory.swappiness")
        if sw != -1 and not 0 <= sw <= 100 and sw != U64:
            raise ConfigError(f"{P}.memory.swappiness",
                              f"invalid value:{sw}. valid memory swappiness range is 0-100")
    for k in ("disableOOMKiller", "useHierarchy", "checkBeforeUpdate"):
        _bool(m.get(k), f"{P}.memory.{k}")
    lim, swap = m.get("limit") or 0, m.get("swap") or 0
    if lim > 0 and swap > 0 and swap < lim:
        raise ConfigError(f"{P}.memory.swap", "memory+swap limit should be >= memory limit")
    if flavor == "v2":
        try:
            swap_to_v2(swap, lim)
        except ValueError as e:
            raise ConfigError(f"{P}.memory.swap", str(e)) from None

    c = _obj(r.get("cpu"), f"{P}.cpu")
    for k in ("shares", "period", "realtimePeriod", "burst"):
        _uint(c.get(k), f"{P}.cpu.{k}")
    for k in ("quota", "realtimeRuntime", "idle"):
        _int(c.get(k), f"{P}.cpu.{k}")
    if c.get("shares") and c["shares"] > 262144 and flavor == "v2":
        raise ConfigError(f"{P}.cpu.shares", f"{c['shares']} is out of range [2, 262144]")
    if c.get("idle") not in (None, 0, 1):
        raise ConfigError(f"{P}.cpu.idle", "must be 0 or 1")
    _cpulist(c.get("cpus"), f"{P}.cpu.cpus")
    _cpulist(c.get("mems"), f"{P}.cpu.mems")
    if flavor == "v2":
        for k in ("realtimeRuntime", "realtimePeriod"):
            if c.get(k):
                raise ConfigError(f"{P}.cpu.{k}", "realtime scheduling is not supported on cgroup v2")

    pids = _obj(r.get("pids"), f"{P}.pids")
    _int(pids.get("limit"), f"{P}.pids.limit")

    b = _obj(r.get("blockIO"), f"{P}.blockIO")
    for k in ("weight", "leafWeight"):
        _uint(b.get(k), f"{P}.blockIO.{k}", 0xFFFF)
        if b.get(k) and not 10 <= b[k] <= 1000:
            raise ConfigError(f"{P}.blockIO.{k}", f"{b[k]} is out of range [10, 1000]")
    for i, d in enumerate(_list(b.get("weightDevice"), f"{P}.blockIO.weightDevice")):
        dp = f"{P}.blockIO.weightDevice[{i}]"
        _obj(d, dp)
        _dev(d, dp)
        for k in ("weight", "leafWeight"):
            _uint(d.get(k), f"{dp}.{k}", 0xFFFF)
    for key in ("throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                "throttleWriteIOPSDevice"):
        for i, d in enumerate(_list(b.get(key), f"{P}.blockIO.{key}")):
            dp = f"{P}.blockIO.{key}[{i}]"
            _obj(d, dp)
            _dev(d, dp)
            _uint(d.get("rate"), f"{dp}.rate")

    for i, h in enumerate(_list(r.get("hugepageLimits"), f"{P}.hugepageLimits")):
        hp = f"{P}.hugepageLimits[{i}]"
        _obj(h, hp)
        _pagesize(h.get("pageSize"), f"{hp}.pageSize")
        _uint(h.get("limit"), f"{hp}.limit")

    n = _obj(r.get("network"), f"{P}.network")
    _uint(n.get("classID"), f"{P}.network.classID", 0xFFFFFFFF)
    for i, pr in enumerate(_list(n.get("priorities"), f"{P}.network.priorities")):
        pp = f"{P}.network.priorities[{i}]"
        _obj(pr, pp)
        _str(pr.get("name"), f"{pp}.name")
        if not pr.get("name") or any(ch.isspace() for ch in pr["name"]):
            raise ConfigError(f"{pp}.name", "must be an interface name")
        _uint(pr.get("priority"), f"{pp}.priority", 0xFFFFFFFF)

    for name, lim in _obj(r.get("rdma"), f"{P}.rdma").items():
        rp = f"{P}.rdma.{name}"
        if not name or any(ch.isspace() for ch in name):
            raise ConfigError(rp, "invalid rdma device name")
        _obj(lim, rp)
        _uint(lim.get("hcaHandles"), f"{rp}.hcaHandles", 0xFFFFFFFF)
        _uint(lim.get("hcaObjects"), f"{rp}.hcaObjects", 0xFFFFFFFF)

    for i, d in enumerate(_list(r.get("devices"), f"{P}.devices")):
        dp = f"{P}.devices[{i}]"
        _obj(d, dp)
        if not isinstance(d.get("allow"), bool):
            raise ConfigError(f"{dp}.allow", "is required and must be a boolean")
        if d.get("type", "a") not in ("a", "c", "b"):
            raise ConfigError(f"{dp}.type", f"invalid device type {d.get('type')!r} (a, c or b)")
        for k in ("major", "minor"):
            _int(d.get(k), f"{dp}.{k}", -1, 0xFFFFFFFF)
        _str(d.get("access"), f"{dp}.access")  # letters other than r, w, m are ignored (runc's toSet)

    uni = _obj(r.get("unified"), f"{P}.unified")
    if uni and flavor != "v2":
        raise ConfigError(f"{P}.unified", "invalid configuration: cannot use unified on cgroup v1")
    for k, v in uni.items():
        up = f"{P}.unified.{k}"
        if not k or "/" in k or k.startswith(".") or "." not in k:
            raise ConfigError(up, f"unified resource {k!r} must be in the form CONTROLLER.PARAMETER")
        _str(v, up)


def _dev(d, path):
    for k in ("major", "minor"):
        if not isinstance(d.get(k), int) or isinstance(d.get(k), bool) or d[k] < 0:
            raise ConfigError(f"{path}.{k}", "is required and must be a non-negative integer")


# -- the files ----------------------------------------------------------------------------------
def _set(v):
    return v is not None


def v1_writes(r):
    """[(controller, file, value, json path)] for a v1 hierarchy, in runc's order per controller.

    Memory limit/swap ordering depends on the current limit; the v1 driver reorders those two."""
    out = []
    w = out.append
    c = r.get("cpu") or {}
    if c.get("cpus"):
        w(("cpuset", "cpuset.cpus", c["cpus"], f"{P}.cpu.cpus"))
    if c.get("mems"):
        w(("cpuset", "cpuset.mems", c["mems"], f"{P}.cpu.mems"))
    m = r.get("memory") or {}
    lim, swap = m.get("limit") or 0, m.get("swap") or 0
    if lim == -1 and swap == 0:
        swap = -1  # runc: unlimited memory without an explicit swap means unlimited swap too
    if lim:
        w(("memory", "memory.limit_in_bytes", str(lim), f"{P}.memory.limit"))
    if swap:
        w(("memory", "memory.memsw.limit_in_bytes", str(swap), f"{P}.memory.swap"))
    if m.get("kernel"):
        w(("memory", "memory.kmem.limit_in_bytes", str(m["kernel"]), f"{P}.memory.kernel"))
    if m.get("kernelTCP"):
        w(("memory", "memory.kmem.tcp.limit_in_bytes", str(m["kernelTCP"]), f"{P}.memory.kernelTCP"))
    if m.get("reservation"):
        w(("memory", "memory.soft_limit_in_bytes", str(m["reservation"]), f"{P}.memory.reservation"))
    if m.get("disableOOMKiller"):
        w(("memory", "memory.oom_control", "1", f"{P}.memory.disableOOMKiller"))
    sw = m.get("swappiness")
    if sw is not None and sw != -1 and sw != U64:
        w(("memory", "memory.swappiness", str(sw), f"{P}.memory.swappiness"))
    if m.get("useHierarchy"):
        w(("memory", "memory.use_hierarchy", "1", f"{P}.memory.useHierarchy"))
    # cpu: realtime first (a child's rt runtime needs the period), then shares, cfs, burst, idle
    if c.get("realtimePeriod"):
        w(("cpu", "cpu.rt_period_us", str(c["realtimePeriod"]), f"{P}.cpu.realtimePeriod"))
    if c.get("realtimeRuntime"):
        w(("cpu", "cpu.rt_runtime_us", str(c["realtimeRuntime"]), f"{P}.cpu.realtimeRuntime"))
    if c.get("shares"):
        w(("cpu", "cpu.shares", str(c["shares"]), f"{P}.cpu.shares"))
    if c.get("period"):
        w(("cpu", "cpu.cfs_period_us", str(c["period"]), f"{P}.cpu.period"))
    if c.get("quota"):
        w(("cpu", "cpu.cfs_quota_us", str(c["quota"]), f"{P}.cpu.quota"))
    if _set(c.get("burst")):
        w(("cpu", "cpu.cfs_burst_us", str(c["burst"]), f"{P}.cpu.burst"))
    if _set(c.get("idle")):
        w(("cpu", "cpu.idle", str(c["idle"]), f"{P}.cpu.idle"))
    p = r.get("pids") or {}
    if p.get("limit"):
        w(("pids", "pids.max", str(p["limit"]) if p["limit"] > 0 else "max", f"{P}.pids.limit"))
    b = r.get("blockIO") or {}
    if b.get("weight"):
        w(("blkio", "blkio.weight", str(b["weight"]), f"{P}.blockIO.weight"))
    if b.get("leafWeight"):
        w(("blkio", "blkio.leaf_weight", str(b["leafWeight"]), f"{P}.blockIO.leafWeight"))
    for i, d in enumerate(b.get("weightDevice") or []):
        if d.get("weight"):
            w(("blkio", "blkio.weight_device", f"{d['major']}:{d['minor']} {d['weight']}",
               f"{P}.blockIO.weightDevice[{i}]"))
        if d.get("leafWeight"):
            w(("blkio", "blkio.leaf_weight_device", f"{d['major']}:{d['minor']} {d['leafWeight']}",
               f"{P}.blockIO.weightDevice[{i}]"))
    for key, f in (("throttleReadBpsDevice", "blkio.throttle.read_bps_device"),
                   ("throttleWriteBpsDevice", "blkio.throttle.write_bps_device"),
                   ("throttleReadIOPSDevice", "blkio.throttle.read_iops_device"),
                   ("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device")):
        for i, d in enumerate(b.get(key) or []):
            w(("blkio", f, f"{d['major']}:{d['minor']} {d.get('rate', 0)}", f"{P}.blockIO.{key}[{i}]"))
    for i, h in enumerate(r.get("hugepageLimits") or []):
        w(("hugetlb", f"hugetlb.{h['pageSize']}.limit_in_bytes", str(h.get("limit", 0)),
           f"{P}.hugepageLimits[{i}]"))
        # the reservation limit too, where the kernel has it (runc; the drivers skip a missing one)
        w(("hugetlb", f"hugetlb.{h['pageSize']}.rsvd.limit_in_bytes", str(h.get("limit", 0)),
           f"{P}.hugepageLimits[{i}]"))
    n = r.get("network") or {}
    if n.get("classID"):
        w(("net_cls", "net_cls.classid", str(n["classID"]), f"{P}.network.classID"))
    for i, pr in enumerate(n.get("priorities") or []):
        w(("net_prio", "net_prio.ifpriomap", f"{pr['name']} {pr.get('priority', 0)}",
           f"{P}.network.priorities[{i}]"))
    for name, lim in (r.get("rdma") or {}).items():
        w(("rdma", "rdma.max", _rdma(name, lim), f"{P}.rdma.{name}"))
    return out


def _rdma(name, lim):
    parts = [name]
    if lim.get("hcaHandles") is not None:
        parts.append(f"hca_handle={lim['hcaHandles']}")
    if lim.get("hcaObjects") is not None:
        parts.append(f"hca_object={lim['hcaObjects']}")
    return " ".join(parts)


def v2_writes(r, bfq=False):
    """[(controller, file, value, json path)] for cgroup v2, with runc's conversions.

    `bfq`: the cgroup has io.bfq.weight (blkio weights are then written unconverted there)."""
    out = []
    w = out.append
    c = r.get("cpu") or {}
    if c.get("cpus"):
        w(("cpuset", "cpuset.cpus", c["cpus"], f"{P}.cpu.cpus"))
    if c.get("mems"):
        w(("cpuset", "cpuset.mems", c["mems"], f"{P}.cpu.mems"))
    if c.get("shares"):
        w(("cpu", "cpu.weight", str(shares_to_weight(c["shares"])), f"{P}.cpu.shares"))
    quota, period = c.get("quota") or 0, c.get("period") or 0
    if quota or period:
        s = str(quota) if quota > 0 else "max"
        if period:
            s += f" {period}"
        w(("cpu", "cpu.max", s, f"{P}.cpu.quota"))
    if _set(c.get("burst")):
        w(("cpu", "cpu.max.burst", str(c["burst"]), f"{P}.cpu.burst"))
    if _set(c.get("idle")):
        w(("cpu", "cpu.idle", str(c["idle"]), f"{P}.cpu.idle"))
    m = r.get("memory") or {}
    lim = m.get("limit") or 0
    swap = swap_to_v2(m.get("swap"), lim)
    # swap first: lowering memory.max under a larger swap.max is always allowed, and v2 has no
    # memsw ordering constraint, so runc's order (swap, then max) is kept
    if swap or (m.get("swap") or 0) > 0:  # swap == limit: no swap at all ("0")
        w(("memory", "memory.swap.max", max_or(swap), f"{P}.memory.swap"))
    if lim:
        w(("memory", "memory.max", max_or(lim), f"{P}.memory.limit"))
    if m.get("reservation"):
        w(("memory", "memory.low", max_or(m["reservation"]), f"{P}.memory.reservation"))
    p = r.get("pids") or {}
    if p.get("limit"):
        w(("pids", "pids.max", str(p["limit"]) if p["limit"] > 0 else "max", f"{P}.pids.limit"))
    b = r.get("blockIO") or {}
    if b.get("weight"):
        if bfq:
            w(("io", "io.bfq.weight", str(b["weight"]), f"{P}.blockIO.weight"))
        else:
            w(("io", "io.weight", str(blkio_weight_to_io_weight(b["weight"])), f"{P}.blockIO.weight"))
    for i, d in enumerate(b.get("weightDevice") or []):
        if d.get("weight"):
            if bfq:
                w(("io", "io.bfq.weight", f"{d['major']}:{d['minor']} {d['weight']}",
                   f"{P}.blockIO.weightDevice[{i}]"))
            else:
                w(("io", "io.weight", f"{d['major']}:{d['minor']} {blkio_weight_to_io_weight(d['weight'])}",
                   f"{P}.blockIO.weightDevice[{i}]"))
    for key, k in (("throttleReadBpsDevice", "rbps"), ("throttleWriteBpsDevice", "wbps"),
                   ("throttleReadIOPSDevice", "riops"), ("throttleWriteIOPSDevice", "wiops")):
        for i, d in enumerate(b.get(key) or []):
            rate = d.get("rate", 0)
            w(("io", "io.max", f"{d['major']}:{d['minor']} {k}={rate if rate else 'max'}",
               f"{P}.blockIO.{key}[{i}]"))
    for i, h in enumerate(r.get("hugepageLimits") or []):
        w(("hugetlb", f"hugetlb.{h['pageSize']}.max", str(h.get("limit", 0)), f"{P}.hugepageLimits[{i}]"))
        w(("hugetlb", f"hugetlb.{h['pageSize']}.rsvd.max", str(h.get("limit", 0)), f"{P}.hugepageLimits[{i}]"))
    for name, lim in (r.get("rdma") or {}).items():
        w(("rdma", "rdma.max", _rdma(name, lim), f"{P}.rdma.{name}"))
    for k, v in (r.get("unified") or {}).items():
        w((k.partition(".")[0], k, v, f"{P}.unified.{k}"))
    return out


def merge(old, new):
    """runc update semantics: fields given in `new` replace those in `old` (one level deep for
    memory/cpu/pids/blockIO/network; lists and unified/rdma/devices replace whole)."""
    out = dict(old or {})
    for k, v in (new or {}).items():
        if v is None:
            continue
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k in ("memory", "cpu", "pids", "blockIO",
                                                                          "network"):
            d = dict(out[k])
            d.update({kk: vv for kk, vv in v.items() if vv is not None})
            out[k] = d
        else:
            out[k] = v
    return out
