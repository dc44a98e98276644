"""cgroupfs driver for a pure cgroup v2 host (/sys/fs/cgroup is cgroup2).

v1-style values are converted as runc's fs2 does (resources.v2_writes); `unified` keys are written as
given; devices become an eBPF program attached to the container's cgroup (devices.apply_v2).
"""
import os

from ..errors import ConfigError, RuntimeFailure
from ..state import frozen as state_frozen
from .fs import (CgroupDenied, mkdirs, open_join_fds, read_file, read_int, read_kv, read_pids, rmdir_tree,
                 rootless_caller, write_file)
from .hierarchy import hierarchies, own_cgroups
from .manager import Manager
from .paths import inner_path, resolve
from . import devices as dev
from . import resources as res


class V2Manager(Manager):
    driver = "v2"

    @classmethod
    def new(cls, config, cid, resources):
        linux = config.get("linux") or {}
        h = hierarchies()
        if "" not in h:
            raise RuntimeFailure("cgroup v2 is not mounted")
        m = cls(cid, resources)
        m.inner = inner_path(config, cid)
        own = own_cgroups()
        if os.geteuid() != 0 and not m.inner.startswith("/"):
            # runc (fs2 defaultDirPath): a user's own cgroup most likely holds processes, and a
            # cgroup with processes cannot give controllers to a child: start from its parent
            own = {"": os.path.dirname(own.get("", "/").rstrip("/")) or "/"}
        m.path = resolve(m.inner, "", h, own)
        m.mount = h[""][0]
        m.linux_devices = [{"path": d.get("path")} for d in linux.get("devices") or [] if isinstance(d, dict)]
        return m

    @classmethod
    def restore(cls, d):
        m = cls(d["id"], d.get("resources") or {})
        m.inner = d.get("inner", "")
        m.path = d["path"]
        m.mount = d.get("mount", "/sys/fs/cgroup")
        m.created = d.get("created") or []
        m.claimed = bool(d.get("claimed"))
        m.linux_devices = d.get("linuxDevices") or []
        return m

    def to_state(self):
        if self.path is None:
            return {}  # a rootless container that may not make its cgroup
        return {"driver": self.driver, "id": self.cid, "inner": self.inner, "path": self.path,
                "mount": self.mount, "created": self.created, "claimed": self.claimed, "resources": self.resources,
                "linuxDevices": self.linux_devices}

    @property
    def paths(self):
        return {"": self.path}

    # -- lifecycle ------------------------------------------------------------------------------
    def _available(self):
        try:
            return set(read_file(os.path.join(self.mount, "cgroup.controllers")).split())
        except OSError:
            return set()

    def _check_controllers(self, writes):
        avail = self._available() | {"cgroup"}
        for ctrl, name, _, jpath in writes:
            if ctrl in avail:
                continue
            if jpath.startswith(f"{res.P}.unified"):
                raise ConfigError(jpath, f"unified resource \"{name}\" can't be set: controller \"{ctrl}\" "
                                         f"not available")
            raise ConfigError(jpath, f"cannot set {ctrl} limit: the {ctrl} controller is not available on this host")
        return avail

    def _enable_controllers(self):
        """+controller in cgroup.subtree_control of every level above the container (runc's
        CreateCgroupPath): a child only gets the controllers its parent delegates."""
        rel = self.path[len(self.mount):].strip("/")
        parts = rel.split("/") if rel else []
        cur = self.mount
        for part in parts:
            try:
                have = set(read_file(os.path.join(cur, "cgroup.subtree_control")).split())
                can = set(read_file(os.path.join(cur, "cgroup.controllers")).split())
            except OSError:
                break
            for c in sorted(can - have):
                try:
                    write_file(os.path.join(cur, "cgroup.subtree_control"), f"+{c}")
                except RuntimeFailure:
                    pass  # e.g. a threaded subtree or processes in an inner node: use what we get
            cur = os.path.join(cur, part)

    def create(self):
        writes = res.v2_writes(self.resources)
        try:
            self._check_controllers(writes)
            try:
                made = mkdirs(self.path, self.mount)
            except CgroupDenied:
                if not rootless_caller():
                    raise
                # rootless, no delegated subtree here: go on without a cgroup (runc's ErrRootless)
                self.path = None
                self.skipped = [w[3] for w in writes]
                return
            self.created.extend(made)
            self._enable_controllers()
            self._apply(self.resources, devices=True, create=True)
        except BaseException:
            try:
                self.destroy()
            except RuntimeFailure:
                pass
            raise

    def add(self, pid):
        if self.path is not None:
            write_file(os.path.join(self.path, "cgroup.procs"), str(pid))

    def join_fds(self):
        if self.path is None:
            return -1, []
        return open_join_fds([("v2", self.path)])

    def destroy(self):
        todo = set(self.created) | ({self.path} if self.claimed else set())  # see V1Manager.destroy
        for d in sorted(todo, key=lambda p: p.count("/"), reverse=True):
            if d == self.path:
                rmdir_tree(d)
            else:
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        self.created = [d for d in self.created if os.path.isdir(d)]

    def owns_leaf(self):
        return self.claimed or self.path in self.created

    def pids(self):
        return read_pids(self.path)

    # -- freezer --------------------------------------------------------------------------------
    def freeze(self):
        import time  # noqa: PLC0415
        write_file(os.path.join(self.path, "cgroup.freeze"), "1")
        for _ in range(2000):
            if read_kv(os.path.join(self.path, "cgroup.events")).get("frozen") == 1:
                return
            time.sleep(0.001)
        write_file(os.path.join(self.path, "cgroup.freeze"), "0")
        raise RuntimeFailure("unable to freeze")

    def thaw(self):
        write_file(os.path.join(self.path, "cgroup.freeze"), "0")

    def frozen(self):
        return state_frozen(self.to_state())

    # -- resources ------------------------------------------------------------------------------
    def update(self, resources):
        mem = (resources.get("memory") if isinstance(resources, dict) else None) or {}
        if isinstance(mem, dict) and mem.get("swap") and not mem.get("limit"):
            # swap is relative to the limit on v2: convert against the limit in force
            cur = (self.resources.get("memory") or {}).get("limit")
            if cur:
                resources = dict(resources)
                resources["memory"] = mem = dict(mem, limit=cur)
        res.validate(resources, "v2")
        self._check_controllers(res.v2_writes(resources))
        check = mem.get("checkBeforeUpdate", (self.resources.get("memory") or {}).get("checkBeforeUpdate"))
        if check and mem.get("limit") and mem["limit"] > 0:
            usage = read_int(os.path.join(self.path, "memory.current"))
            if mem["limit"] < usage:
                raise RuntimeFailure(f"rejecting memory limit {mem['limit']} below usage {usage}")
        self._apply(resources, devices="devices" in resources)
        self.resources = res.merge(self.resources, resources)

    def _apply(self, r, devices, create=False):
        bfq = os.path.exists(os.path.join(self.path, "io.bfq.weight"))
        for ctrl, name, value, jpath in res.v2_writes(r, bfq=bfq):
            f = os.path.join(self.path, name)
            if create and not os.path.exists(f) and rootless_caller():
                self.skipped.append(jpath)  # a controller the delegation does not give us
                continue
            if not os.path.exists(f):
                if ctrl == "hugetlb" and ".rsvd." in name and not jpath.startswith(f"{res.P}.unified"):
                    continue  # a kernel without reservation accounting
                if ctrl == "hugetlb" and not jpath.startswith(f"{res.P}.unified"):
                    ps = name.split(".")[1]
                    raise ConfigError(f"{jpath}.pageSize", f"hugetlb page size {ps} is not supported by this host")
                if jpath.startswith(f"{res.P}.unified"):
                    raise ConfigError(jpath, f"unified resource \"{name}\": no such cgroup file in {self.path}")
                if name == "memory.swap.max" and value in ("max", "0"):
                    continue  # no swap accounting: nothing to limit
                raise ConfigError(jpath, f"cannot set {name}: no such file in {self.path} "
                                         f"(controller {ctrl} not enabled?)")
            write_file(f, value)
        if devices:
            rules = dev.effective_rules(self.linux_devices, r.get("devices"))
            try:
                dev.apply_v2(self.path, rules)
            except (RuntimeFailure, OSError):
                # loading a device program needs CAP_SYS_ADMIN of the host: a rootless container
                # goes without (runc ignores it too); its nodes are bound from the host
                if not rootless_caller():
                    raise

    # -- statistics -----------------------------------------------------------------------------
    def oom_events(self):
        return read_kv(os.path.join(self.path, "memory.events")).get("oom_kill", 0)

    def stats(self):
        from .stats import stats_doc  # noqa: PLC0415 (events only)
        p = self.path
        st = read_kv(f"{p}/cpu.stat")
        cpu_usage = {"total": st.get("usage_usec", 0) * 1000, "user": st.get("user_usec", 0) * 1000,
                     "kernel": st.get("system_usec", 0) * 1000}
        thr = {"periods": st.get("nr_periods", 0), "throttledPeriods": st.get("nr_throttled", 0),
               "throttledTime": st.get("throttled_usec", 0) * 1000}
        raw = read_kv(f"{p}/memory.stat")
        cur = read_int(f"{p}/memory.current")
        swcur = read_int(f"{p}/memory.swap.current")
        ev = read_kv(f"{p}/memory.events")
        mem = {"cache": raw.get("file", 0), "raw": raw,
               "usage": {"limit": read_int(f"{p}/memory.max"), "usage": cur, "max": read_int(f"{p}/memory.peak"),
                         "failcnt": ev.get("max", 0)},
               "swap": {"limit": read_int(f"{p}/memory.swap.max"), "usage": swcur + cur,
                        "max": read_int(f"{p}/memory.swap.peak")}}
        lim = read_int(f"{p}/pids.max")
        pids = {"current": read_int(f"{p}/pids.current"), "limit": 0 if lim == res.U64 else lim}
        sb, sv = [], []
        try:
            text = read_file(f"{p}/io.stat")
        except OSError:
            text = ""
        for line in text.splitlines():
            f = line.split()
            if not f or ":" not in f[0]:
                continue
            maj, _, mnr = f[0].partition(":")
            kv = dict(x.split("=", 1) for x in f[1:] if "=" in x)
            for key, op, lst in (("rbytes", "Read", sb), ("wbytes", "Write", sb), ("rios", "Read", sv),
                                 ("wios", "Write", sv)):
                if key in kv:
                    e = {"major": int(maj), "minor": int(mnr), "op": op}
                    if int(kv[key]):
                        e["value"] = int(kv[key])
                    lst.append(e)
        huge = {}
        try:
            names = os.listdir(p)
        except OSError:
            names = []
        for name in sorted(names):
            if name.startswith("hugetlb.") and name.endswith(".current"):
                ps = name.split(".")[1]
                ent = {}
                u = read_int(f"{p}/{name}")
                if u:
                    ent["usage"] = u
                ent["failcnt"] = read_kv(f"{p}/hugetlb.{ps}.events").get("max", 0)
                huge[ps] = ent
        return stats_doc(cpu_usage, thr, mem, pids, {"ioServiceBytesRecursive": sb, "ioServicedRecursive": sv},
                         huge)
