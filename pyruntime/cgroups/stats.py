"""runc's `events --stats` data object (types.Stats, with its omitempty rules), and the v1
readers it is made from."""
import os

from .fs import read_file

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
