"""The Manager interface: one container's cgroup(s), whatever the driver (v1.py, v2.py,
systemd.py); for_container() picks the driver, from_state() restores it."""
import os

from ..errors import RuntimeFailure
from .fs import open_join_fds, unique_paths
from .hierarchy import layout
from .paths import sub_cgroup_paths


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
        pairs = []
        for key, path in unique_paths(sub_cgroup_paths(self.cgroup_paths(), sub)):
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
