"""cgroupfs driver for v1 and hybrid hosts.

One directory per mounted v1 hierarchy (runc's subsystem list, name=systemd and misc joined too); in
hybrid mode also one in the cgroup2 tree (joined only, as crun does, so the container has its own
cgroup2 node). Only directories this driver made are ever removed.
"""
import os

from ..errors import ConfigError, RuntimeFailure
from ..state import frozen as state_frozen
from .fs import (CgroupDenied, mkdirs, open_join_fds, read_file, read_int, read_kv, read_pids, rmdir_tree,
                 rootless_caller, unique_paths, write_file)
from .hierarchy import hierarchies, own_cgroups
from .manager import Manager
from .paths import inner_path, resolve
from . import devices as dev
from . import resources as res

CONTROLLERS = ("cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb", "net_cls",
               "net_prio", "perf_event", "freezer", "rdma", "name=systemd", "misc")
NS_PER_TICK = 1_000_000_000 // 100  # USER_HZ


class V1Manager(Manager):
    driver = "v1"

    @classmethod
    def new(cls, config, cid, resources):
        linux = config.get("linux") or {}
        inner = inner_path(config, cid)
        h = hierarchies()
        own = own_cgroups()
        m = cls(cid, resources)
        m.inner = inner
        m.paths, m.mounts = {}, {}
        for c in CONTROLLERS + ("",):
            p = resolve(inner, c, h, own)
            if p:
                key = c or "unified"
                m.paths[key] = p
                m.mounts[key] = h[c][0]
        m.linux_devices = [{"path": d.get("path")} for d in linux.get("devices") or [] if isinstance(d, dict)]
        return m

    @classmethod
    def restore(cls, d):
        m = cls(d["id"], d.get("resources") or {})
        m.inner = d.get("inner", "")
        m.paths = d.get("paths") or {}
        m.mounts = d.get("mounts") or {}
        m.created = d.get("created") or []
        m.claimed = bool(d.get("claimed"))
        m.linux_devices = d.get("linuxDevices") or []
        return m

    def to_state(self):
        if not self.paths:
            return {}  # a rootless container that could make no cgroup at all
        return {"driver": self.driver, "id": self.cid, "inner": self.inner, "paths": self.paths,
                "mounts": self.mounts, "created": self.created, "claimed": self.claimed,
                "resources": self.resources,
                "linuxDevices": self.linux_devices}

    # -- lifecycle ------------------------------------------------------------------------------
    def _check_controllers(self, writes):
        for ctrl, _, _, _ in writes:
            if ctrl not in self.paths:
                raise RuntimeFailure(f"cannot set {ctrl} limit: container could not join or create cgroup "
                                     f"(the {ctrl} controller is not mounted on this host)")

    def create(self):
        writes = res.v1_writes(self.resources)
        self._check_controllers(writes)
        if "devices" not in self.paths:
            raise RuntimeFailure("cannot create cgroup: the devices controller is not mounted")
        try:
            denied = set()
            for key, path in self._unique_paths():
                try:
                    made = mkdirs(path, self.mounts[key])
                except CgroupDenied:
                    if not rootless_caller():
                        raise
                    denied.add(path)  # rootless: go on without this hierarchy (runc's rootless manager)
                    continue
                self.created.extend(made)
                if key == "cpuset":
                    # every level from the mount down, not only the new ones: a parent made by
                    # someone else (a pod cgroup) with empty cpus/mems takes no tasks either (runc)
                    rel = path[len(self.mounts[key]):].strip("/")
                    d = self.mounts[key]
                    for part in rel.split("/") if rel else ():
                        d = os.path.join(d, part)
                        _init_cpuset(d)
            if denied:
                self.paths = {k: p for k, p in self.paths.items() if p not in denied}
                self.skipped = [w[3] for w in writes if w[0] not in self.paths]
                writes = [w for w in writes if w[0] in self.paths]
            self._apply(self.resources, writes, devices=True)
        except BaseException:
            try:
                self.destroy()
            except RuntimeFailure:
                pass
            raise

    def _unique_paths(self):
        return unique_paths(self.paths)

    def add(self, pid):
        for _, path in self._unique_paths():
            write_file(os.path.join(path, "cgroup.procs"), str(pid))

    def join_fds(self):
        return open_join_fds(self._unique_paths())

    def destroy(self):
        leaves = set(self.paths.values())
        # a leaf someone else made (empty when the container claimed it) goes too, as with runc;
        # its parents, never ours, stay
        todo = set(self.created) | (leaves if self.claimed else set())
        for d in sorted(todo, key=lambda p: p.count("/"), reverse=True):
            if d in leaves:
                rmdir_tree(d)
            else:  # a parent we made: other containers may share it now
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        self.created = [d for d in self.created if os.path.isdir(d)]

    def owns_leaf(self):
        # any, not all: after one leaf was removed by hand (damaged state) the cgroup is still ours
        return self.claimed or any(p in self.created for p in set(self.paths.values()))

    def _pids_path(self):
        for key in ("pids", "freezer", "devices", "memory", "cpu"):
            if key in self.paths:
                return self.paths[key]
        return next(iter(self.paths.values()), None)

    def pids(self):
        path = self._pids_path()
        return read_pids(path) if path else []  # rootless without any cgroup: nothing to list

    # -- freezer --------------------------------------------------------------------------------
    def freeze(self):
        import time  # noqa: PLC0415
        path = self._freezer()
        for _ in range(1000):
            write_file(os.path.join(path, "freezer.state"), "FROZEN")
            state = read_file(os.path.join(path, "freezer.state")).strip()
            if state == "FROZEN":
                return
            time.sleep(0.001)
        write_file(os.path.join(path, "freezer.state"), "THAWED")
        raise RuntimeFailure("unable to freeze")

    def thaw(self):
        write_file(os.path.join(self._freezer(), "freezer.state"), "THAWED")

    def frozen(self):
        return state_frozen(self.to_state())

    def _freezer(self):
        if "freezer" not in self.paths:
            raise RuntimeFailure("the freezer controller is not mounted")
        return self.paths["freezer"]

    # -- resources ------------------------------------------------------------------------------
    def update(self, resources):
        res.validate(resources, "v1")
        writes = res.v1_writes(resources)
        self._check_controllers(writes)
        mem = resources.get("memory") or {}
        check = mem.get("checkBeforeUpdate", (self.resources.get("memory") or {}).get("checkBeforeUpdate"))
        if check and mem.get("limit") and mem["limit"] > 0 and "memory" in self.paths:
            usage = read_int(os.path.join(self.paths["memory"], "memory.usage_in_bytes"))
            if mem["limit"] < usage:
                raise RuntimeFailure(f"rejecting memory limit {mem['limit']} below usage {usage}")
        self._apply(resources, writes, devices="devices" in resources)
        merged = res.merge(self.resources, resources)
        self.resources = merged

    def _apply(self, r, writes, devices):
        mem_limit = [w for w in writes if w[1] == "memory.limit_in_bytes"]
        mem_swap = [w for w in writes if w[1] == "memory.memsw.limit_in_bytes"]
        if mem_limit and mem_swap and "memory" in self.paths:
            cur = read_int(os.path.join(self.paths["memory"], "memory.limit_in_bytes"))
            swap = int(mem_swap[0][2])
            if swap == -1 or cur < swap:  # raise memsw first or the kernel rejects limit > memsw
                i, j = writes.index(mem_limit[0]), writes.index(mem_swap[0])
                writes[i], writes[j] = writes[j], writes[i]
        pending = {}  # a period the kernel refused before its runtime/quota: retried after it (runc)
        partner = {"cpu.cfs_period_us": "cpu.cfs_quota_us", "cpu.rt_period_us": "cpu.rt_runtime_us"}
        names = {w[1] for w in writes}
        for ctrl, name, value, jpath in writes:
            path = self.paths[ctrl]
            f = os.path.join(path, name)
            if ctrl == "hugetlb" and ".rsvd." in name and not os.path.exists(f):
                continue  # a kernel without reservation accounting
            if ctrl == "hugetlb" and not os.path.exists(f):
                ps = name.split(".")[1]
                raise ConfigError(f"{jpath}.pageSize", f"hugetlb page size {ps} is not supported by this host "
                                                       f"(no {f})")
            if name == "blkio.weight" and not os.path.exists(f) and os.path.exists(f"{path}/blkio.bfq.weight"):
                f = f"{path}/blkio.bfq.weight"
            if name in ("memory.kmem.limit_in_bytes", "memory.kmem.tcp.limit_in_bytes"):
                # kernel memory limits are deprecated and gone from recent kernels: runc ignores them too
                try:
                    write_file(f, value)
                except RuntimeFailure:
                    pass
                continue
            if name == "memory.memsw.limit_in_bytes" and value == "-1" and not os.path.exists(f):
                continue  # no swap accounting: "unlimited" is already true
            if name in partner and partner[name] in names:
                try:
                    write_file(f, value)
                except RuntimeFailure:
                    pending[partner[name]] = (f, value)  # EINVAL on the old/new ratio
                continue
            try:
                write_file(f, value)
            except RuntimeFailure as e:
                if name == "memory.limit_in_bytes" and "busy" in e.message:
                    usage = read_int(os.path.join(path, "memory.usage_in_bytes"))
                    peak = read_int(os.path.join(path, "memory.max_usage_in_bytes"))
                    raise RuntimeFailure(f"unable to set memory limit to {value} (current usage: {usage}, "
                                         f"peak usage: {peak})") from None
                raise
            if name == "cpu.shares":
                got = read_int(f)
                want = int(value)
                if got > want:
                    raise ConfigError(jpath, f"the minimum allowed cpu-shares is {got}")
                if got < want:
                    raise ConfigError(jpath, f"the maximum allowed cpu-shares is {got}")
            if name in pending:
                write_file(*pending.pop(name))
        for f, value in pending.values():
            write_file(f, value)
        if devices and "devices" in self.paths:
            rules = dev.effective_rules(self.linux_devices, r.get("devices"))
            dpath = self.paths["devices"]
            try:
                for name, line in dev.v1_lines(rules):
                    write_file(os.path.join(dpath, name), line)
            except RuntimeFailure:
                # device rules need CAP_SYS_ADMIN of the host: a rootless container goes without
                # (runc ignores them too); its nodes are bound from the host, whose modes apply
                if not rootless_caller():
                    raise

    # -- statistics -----------------------------------------------------------------------------
    def oom_events(self):
        if "memory" not in self.paths:
            return 0
        return read_kv(os.path.join(self.paths["memory"], "memory.oom_control")).get("oom_kill", 0)

    def stats(self):
        from .stats import blkio_entries, cpuset_stats, stats_doc  # noqa: PLC0415 (events only)
        p = self.paths
        cpu_usage, thr, mem, pids, blkio, huge = {}, {}, {}, {}, {}, {}
        if "cpuacct" in p:
            a = p["cpuacct"]
            cpu_usage["total"] = read_int(f"{a}/cpuacct.usage")
            cpu_usage["percpu"] = _ints(f"{a}/cpuacct.usage_percpu")
            cpu_usage["percpu_kernel"] = _ints(f"{a}/cpuacct.usage_percpu_sys")
            cpu_usage["percpu_user"] = _ints(f"{a}/cpuacct.usage_percpu_user")
            st = read_kv(f"{a}/cpuacct.stat")
            cpu_usage["user"] = st.get("user", 0) * NS_PER_TICK
            cpu_usage["kernel"] = st.get("system", 0) * NS_PER_TICK
        if "cpu" in p:
            st = read_kv(f"{p['cpu']}/cpu.stat")
            thr = {"periods": st.get("nr_periods", 0), "throttledPeriods": st.get("nr_throttled", 0),
                   "throttledTime": st.get("throttled_time", 0)}
        if "memory" in p:
            m = p["memory"]
            raw = read_kv(f"{m}/memory.stat")
            mem["cache"] = raw.get("cache", 0)
            mem["raw"] = raw
            for key, prefix in (("usage", "memory"), ("swap", "memory.memsw"), ("kernel", "memory.kmem"),
                                ("kernelTCP", "memory.kmem.tcp")):
                mem[key] = {"limit": read_int(f"{m}/{prefix}.limit_in_bytes"),
                            "usage": read_int(f"{m}/{prefix}.usage_in_bytes"),
                            "max": read_int(f"{m}/{prefix}.max_usage_in_bytes"),
                            "failcnt": read_int(f"{m}/{prefix}.failcnt")}
        if "pids" in p:
            lim = read_int(f"{p['pids']}/pids.max")
            pids = {"current": read_int(f"{p['pids']}/pids.current"),
                    "limit": 0 if lim == res.U64 else lim}
        if "blkio" in p:
            b = p["blkio"]
            sb = blkio_entries(f"{b}/blkio.io_service_bytes_recursive") or \
                blkio_entries(f"{b}/blkio.throttle.io_service_bytes_recursive")
            sv = blkio_entries(f"{b}/blkio.io_serviced_recursive") or \
                blkio_entries(f"{b}/blkio.throttle.io_serviced_recursive")
            blkio = {"ioServiceBytesRecursive": sb, "ioServicedRecursive": sv}
        if "hugetlb" in p:
            h = p["hugetlb"]
            for name in sorted(os.listdir(h)):
                if name.startswith("hugetlb.") and name.endswith(".usage_in_bytes"):
                    ps = name.split(".")[1]
                    ent = {}
                    u = read_int(f"{h}/hugetlb.{ps}.usage_in_bytes")
                    mx = read_int(f"{h}/hugetlb.{ps}.max_usage_in_bytes")
                    if u:
                        ent["usage"] = u
                    if mx:
                        ent["max"] = mx
                    ent["failcnt"] = read_int(f"{h}/hugetlb.{ps}.failcnt")
                    huge[ps] = ent
        cpuset = cpuset_stats(p["cpuset"]) if "cpuset" in p else None
        return stats_doc(cpu_usage, thr, mem, pids, blkio, huge, cpuset)


def _ints(path):
    try:
        return [int(x) for x in read_file(path).split()]
    except (OSError, ValueError):
        return []


def _init_cpuset(d):
    """A new v1 cpuset takes no tasks until cpus and mems are set: copy the parent's (runc does)."""
    parent = os.path.dirname(d)
    for name in ("cpuset.cpus", "cpuset.mems"):
        try:
            if not read_file(os.path.join(d, name)).strip():
                write_file(os.path.join(d, name), read_file(os.path.join(parent, name)).strip())
        except OSError:
            pass
