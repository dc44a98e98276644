"""Spec -> Plan: everything the C child must do, fully resolved, as plain data.

The Plan is the seam between deciding and doing: it is unit-tested without root by asserting on
its fields, and executed by pyruntime-init (pyruntime/_native/) after plan_wire.encode().
build_plan is the one place a create's decisions are made: the host's state comes in as a Host
(mountinfo, the seccomp cache, the caller's environment and terminal), nothing is written; what
only the parent uses (maps to write, the seccomp listener, a filter to cache, the relay, the
notify socket, notes) is in plan.parent and never reaches the init.
"""
import os

from . import mounts as M
# the numbers shared with pyruntime-init (generated from _native/contract.py); some only re-exported
from ._contract import (
    F_CPUSET, F_EXEC, F_HOME, F_HOOKS_SYNC, F_NO_NEW_PRIVS, F_NO_PIVOT, F_RELAY, F_ROOT_READONLY, F_SETSID,
    F_SETUP_DEV, F_TERMINAL, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER, LSM_EXEC, LSM_KEYRING, M_BIND, M_IDMAP,
    M_LATE_RO, M_PROCLIKE, M_REMOUNT, M_RO_KERNEL, M_SRC_IN_ROOT, M_TMPCOPYUP)
from .errors import ConfigError
from .limits import LIMITS
from .mountinfo import parse as mountinfo_parse

CLONE_NEWTIME, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x80, 0x20000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000

NAMESPACES = {
    "pid": CLONE_NEWPID, "network": CLONE_NEWNET, "mount": CLONE_NEWNS, "ipc": CLONE_NEWIPC,
    "uts": CLONE_NEWUTS, "user": CLONE_NEWUSER, "cgroup": CLONE_NEWCGROUP, "time": CLONE_NEWTIME,
}

NS_FILES = {"pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc", "uts": "uts", "user": "user",
            "cgroup": "cgroup", "time": "time"}

RLIMITS = {
    "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
    "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
    "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
    "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}

CLOCKS = {"monotonic": 1, "boottime": 7}  # CLOCK_MONOTONIC, CLOCK_BOOTTIME

S_IFCHR, S_IFBLK, S_IFIFO = 0o020000, 0o060000, 0o010000
DEVICE_TYPES = {"c": S_IFCHR, "u": S_IFCHR, "b": S_IFBLK, "p": S_IFIFO}

MASK_TMPFS = "size=0k,nr_inodes=1"
# seccomp.DEFAULT_CACHE_DIR, spelled here: a config without seccomp never imports seccomp.py
SECCOMP_CACHE_DIR = "/var/cache/pyruntime/seccomp"
CHILD_HOOKS = {"createContainer": HOOK_CREATE_CONTAINER, "startContainer": HOOK_START_CONTAINER}


class Mount:
    __slots__ = ("source", "destination", "type", "flags", "cleared", "propagation", "attr_set", "attr_clr",
                 "extra", "data", "idmap", "in_root", "label")

    def __init__(self, source, destination, type, flags=0, propagation=0, attr_set=0, attr_clr=0,
                 extra=0, data="", idmap=None, cleared=0):
        self.source, self.destination, self.type = source, destination, type
        self.flags, self.propagation = flags, propagation
        # flags a clearing option named (rw, dev, exec, ...): a bind with only those is remounted
        self.cleared = cleared
        self.attr_set, self.attr_clr, self.extra, self.data = attr_set, attr_clr, extra, data
        # an idmapped bind: (uid maps, gid maps, recursive, user namespace path); with a path, the
        # mappings are that namespace's (a joined one). The parent makes the tree (M_IDMAP)
        self.idmap = idmap
        # M_SRC_IN_ROOT: the source's path inside the rootfs (source = rootfs + in_root)
        self.in_root = None
        # an SELinux label the init sets on the mount's root (security.selinux) after mounting
        self.label = None

    def __repr__(self):
        return f"Mount({self.source!r} -> {self.destination!r} {self.type!r} flags={self.flags:#x} data={self.data!r})"


class Device:
    __slots__ = ("path", "mode", "major", "minor", "uid", "gid", "bind")

    def __init__(self, path, mode, major, minor, uid=0, gid=0, bind=False):
        self.path, self.mode, self.major, self.minor = path, mode, major, minor
        self.uid, self.gid, self.bind = uid, gid, bind

    def __repr__(self):
        return f"Device({self.path!r} {self.mode:o} {self.major}:{self.minor})"


class Plan:
    """What the child does, in the order it does it."""

    def __init__(self):
        self.flags = 0
        self.namespaces = []        # [(clone flag, path or "")]
        self.rootfs = ""
        self.root_propagation = 0
        self.mounts = []            # [Mount]
        self.devices = []           # [Device]
        self.links = []             # [(target, link)]
        self.masked = []
        self.readonly = []
        self.sysctl = []            # [(key path, value)]
        self.hostname = None
        self.domainname = None
        self.rlimits = []           # [(resource, soft, hard)]
        self.uid = 0
        self.gid = 0
        self.umask = None
        self.groups = []
        self.caps = None            # (bounding, effective, permitted, inheritable, ambient) masks
        self.last_cap = 40
        self.args = []
        self.env = []
        self.cwd = "/"
        self.console_size = (0, 0)
        self.oom_score_adj = None
        self.time_offsets = []      # [(clock id, secs, nsecs)]
        self.keyring = None         # session keyring the init joins ("_ses.<id>"; None: the caller's)
        self.seccomp = b""          # classic BPF (struct sock_filter[]), installed last by the child
        self.seccomp_flags = 0
        self.hooks = []             # [(kind, timeout, path, args, env)]: the ones the child runs
        self.personality = None     # persona number
        self.ioprio = None          # class << 13 | level
        self.sched = None           # (policy, nice, priority, flags, runtime, deadline, period)
        self.affinity = [b"", b""]  # exec's cpu masks: initial (from the start), final (in the cgroup)
        # LSM attributes the init writes, [(when, path under /proc, value, what)]: when LSM_KEYRING
        # at the start of stage 2 (where runc joins its session keyring), when LSM_EXEC before the
        # process's seccomp filter and identity; both take effect at (or for keys made before) execve
        self.lsm = []
        self.mask_data = MASK_TMPFS  # the read-only tmpfs over a masked directory
        self.preserve_fds = 0       # fds 3.. passed through (--preserve-fds, LISTEN_FDS)
        self.parent = Parent()      # what only the parent uses: never encoded


class Parent:
    """The part of a Plan the parent acts on and the init never receives."""

    def __init__(self):
        self.new_userns = False
        self.uid_mappings = []      # [(container, host, size)] the parent writes to /proc/<pid>/uid_map
        self.gid_mappings = []
        self.seccomp_listener = None  # (listenerPath, listenerMetadata) with SCMP_ACT_NOTIFY
        self.seccomp_filter = None  # a compiled filter for the caller to add to the cache (a miss)
        self.relay = False          # a foreground terminal: we are the console socket's other end
        self.notify_socket = None   # the caller's NOTIFY_SOCKET: <state>/notify is made and bound in
        self.notes = []             # what the runtime adjusted, for the --debug log


def _idmap(i, m, opts, bind, userns):
    """(uid maps, gid maps, recursive, user namespace path) of an idmapped mount, or None.
    runtime-spec config.md: mounts[].uidMappings/gidMappings, with the idmap or ridmap (this mount
    and its submounts) option or without either; the option alone takes the mappings of the
    container's user namespace: `userns` is (uid maps, gid maps) of a new one, or the path of a
    joined one (runc's reading)."""
    uids, gids = m.get("uidMappings"), m.get("gidMappings")
    if not (opts.idmap or uids or gids):
        return None
    where = f"mounts[{i}]"
    if not bind:
        raise ConfigError(f"{where}.options", "idmapped mounts are only supported for bind mounts")
    if bool(uids) != bool(gids):
        raise ConfigError(f"{where}.uidMappings", "uidMappings and gidMappings must be given together")
    path = ""
    if uids:
        maps = (_mappings(uids), _mappings(gids))
    elif isinstance(userns, str):
        maps, path = ([], []), userns
    elif userns:
        maps = userns
    else:
        raise ConfigError(f"{where}.options", "an idmap mount needs uidMappings and gidMappings, on the mount "
                                              "or from the container's user namespace")
    # only ridmap maps the submounts of an rbind; idmap or bare mappings map the top mount (runc)
    return maps[0], maps[1], opts.idmap == "ridmap", path


def mount_label_data(data, label):
    """runc's label.FormatMountLabel: the mount data with SELinux's context= option added (quoted:
    an MCS label holds commas; SELinux takes the option out of the data before the filesystem)."""
    opt = f'context="{label}"'
    return f"{data},{opt}" if data else opt


# runc gives a filesystem the mount label as context= unless it is one of these: proc and sysfs
# mount plain, mqueue gets it on its root as an xattr instead (its superblock is the ipc
# namespace's, maybe shared with mounts of other labels), cgroup hierarchies mount plain, and a
# bind takes no mount data at all
UNLABELLED_TYPES = ("proc", "sysfs", "mqueue", "cgroup")


def _label(m, label):
    if label and not m.extra & M_BIND and m.type not in UNLABELLED_TYPES:
        m.data = mount_label_data(m.data, label)
    return m


def _under_root(path, roots):
    """The in-container path of a host path lexically under the rootfs, else None; `roots` are the
    rootfs as written and resolved."""
    for r in roots:
        if r == "/" or path == r:
            return path if r == "/" else "/"
        if path.startswith(r + "/"):
            return path[len(r):]
    return None


def _strip_root(dest, roots):
    """A destination given as a host path under the rootfs means the same path in the container
    (runc strips the rootfs prefix lexically)."""
    inside = _under_root(dest, roots)
    return dest if inside is None else inside


# flags a tmpfs (or /dev) gets only once everything under it is in place (runc's finalizeRootfs):
# a read-only /dev still needs its device nodes, links and /dev/pts mountpoint
LATE_RO_TYPES = ("tmpfs",)


def clean_path(path):
    """The one spelling of a container path that the checks compare: lexically cleaned and rooted
    at "/" (a relative path is taken from "/", as runc does with runtime-spec 1.0's relative mount
    destinations). os.path.normpath alone keeps a leading "//" (POSIX leaves its meaning to the
    system), so "//proc" would not be "/proc" to a check. Every path of the config that the init
    checks or that a check here compares goes through this (docs/security.md §1.28)."""
    norm = os.path.normpath("/" + path)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    return norm


def _mount_entries(spec_mounts, cgroup_mounts, userns_maps=None, roots=(), label=None, bundle="/"):
    out = []
    for i, m in enumerate(spec_mounts):
        norm = _strip_root(clean_path(m["destination"]), roots)
        if norm == "/":
            raise ConfigError(f"mounts[{i}].destination", "must not be the root of the container")
        typ = m.get("type") or ""
        opts = M.parse_options(m.get("options"))
        src = m.get("source") or typ or "none"
        bind = bool(opts.flags & M.MS_BIND) or typ == "bind"
        idmap = _idmap(i, m, opts, bind, userns_maps)
        in_root = None
        if bind:
            opts.flags |= M.MS_BIND
            if not os.path.isabs(src):
                src = os.path.join(bundle, src)  # relative to the bundle, as in runc
            # a source inside the rootfs (an earlier mount of the container, say) is looked up in
            # the root, as the container sees it: the image's symlinks never lead it to the host
            in_root = _under_root(os.path.normpath(src), roots)
            if in_root is not None:
                src = roots[-1].rstrip("/") + (in_root if in_root != "/" else "") or "/"
        if typ == "cgroup" and not bind:
            out.extend(cgroup_mounts(norm, opts))
            continue
        extra = (M_BIND if bind else 0) | (M_TMPCOPYUP if opts.tmpcopyup else 0) | (M_IDMAP if idmap else 0)
        if in_root is not None:
            extra |= M_SRC_IN_ROOT
        if typ in ("proc", "sysfs") and not bind:
            extra |= M_PROCLIKE
        flags = opts.flags
        if not bind and flags & M.MS_RDONLY and (typ in LATE_RO_TYPES or norm == "/dev"):
            flags &= ~M.MS_RDONLY
            extra |= M_LATE_RO
        mount = Mount(src, norm, "" if bind else typ, flags, opts.propagation,
                      opts.attr_set, opts.attr_clr, extra, ",".join(opts.data), idmap, opts.cleared)
        mount.in_root = in_root
        out.append(_label(mount, label))
    return out


# a user namespace may not mount these: the init binds the host's instead (rootless, rootfs.c)
FALLBACK_BIND_TYPES = ("sysfs", "mqueue", "cgroup2")


def _ro_kernel(mounts):
    """ "ro" on an rbind is the top mount only (runc 1.3, mount(8), the spec), but a kernel
    interface below it (proc, sysfs, cgroup...), or the rbind itself when it is one, turns
    read-only recursively: a read-only bind of the host's /sys or / must not leave its cgroup tree
    or /proc/sys writable (CVE-2023-25809's class). The same for a read-only sysfs, mqueue or
    cgroup2 mount the init may have to replace by a recursive bind of the host's. The init only
    finds the submounts (rootfs.c: readonly_kernel_submounts)."""
    for m in mounts:
        if not m.flags & M.MS_RDONLY:
            continue
        if m.extra & M_BIND and m.flags & M.MS_REC or not m.extra & M_BIND and m.type in FALLBACK_BIND_TYPES:
            m.extra |= M_RO_KERNEL


def host_cgroup_layout(mountinfo_text):
    """[(mountpoint, fstype, super options)] of the cgroup hierarchies the host has mounted."""
    return [(m.mountpoint, m.fstype, m.super_options) for m in mountinfo_parse(mountinfo_text, ("cgroup", "cgroup2"))]


def make_cgroup_mounts(layout, new_cgroupns, cgroup_dirs=None, label=None):
    """Expand an OCI `cgroup` mount into the mounts that give the container its cgroup view.

    With its own cgroup namespace the container gets fresh cgroup/cgroup2 mounts (the kernel
    roots them at its cgroup); without one, the container's own cgroup directory of each
    hierarchy (`cgroup_dirs`: host mountpoint -> directory) is bound there read-only, as runc
    does; a hierarchy the container has no directory in is bound whole.
    Only the tmpfs holding v1 hierarchies takes the mount label (as in runc).
    """
    dirs = cgroup_dirs or {}

    def expand(dest, opts):
        base = opts.flags & (M.MS_NOSUID | M.MS_NODEV | M.MS_NOEXEC | M.MS_RDONLY | M.MS_RELATIME)
        # the host's hierarchies bound in: read-only down to every submount (CVE-2023-25809's class),
        # whatever the user's "ro" means on their own rbinds
        rro = M.MOUNT_ATTR_RDONLY if base & M.MS_RDONLY else 0
        if len(layout) == 1 and layout[0][1] == "cgroup2" and layout[0][0] == "/sys/fs/cgroup":
            if new_cgroupns:
                return [Mount("cgroup", dest, "cgroup2", base)]
            return [Mount(dirs.get("/sys/fs/cgroup", "/sys/fs/cgroup"), dest, "", base | M.MS_BIND | M.MS_REC,
                          extra=M_BIND, attr_set=rro)]
        out = [_label(Mount("tmpfs", dest, "tmpfs", base & ~M.MS_RDONLY, data="mode=755"), label)]
        for mountpoint, fstype, superopts in layout:
            if not mountpoint.startswith("/sys/fs/cgroup/"):
                continue
            sub = dest + mountpoint[len("/sys/fs/cgroup"):]
            if new_cgroupns:
                data = ",".join(o for o in superopts.split(",") if o not in ("rw", "ro"))
                out.append(Mount("cgroup", sub, fstype, base, data=data))
            else:
                out.append(Mount(dirs.get(mountpoint, mountpoint), sub, "", base | M.MS_BIND | M.MS_REC,
                                 extra=M_BIND, attr_set=rro))
        if base & M.MS_RDONLY:
            # the tmpfs holding the hierarchies turns read-only last, as runc does
            out.append(Mount("", dest, "", base, extra=M_REMOUNT))
        return out
    return expand


class Host:
    """The host facts a Plan depends on, read once by the caller (and faked in unit tests).

    The LSM facts are probed only when a config asks for a label (None: not probed yet):
    `apparmor` is the attr file a profile is written to ("" when AppArmor is off), `selinux`
    whether SELinux is on. From the caller: `listen_fds` (systemd socket activation),
    `notify_socket` (NOTIFY_SOCKET), `terminal_size` (its terminal's (rows, cols), probed only
    for a foreground terminal; None: not probed yet). `seccomp_cache`: the directory of compiled
    filters build_plan may read (None: no cache); writing to it is the caller's."""

    def __init__(self, mountinfo="", last_cap=40, kcore=True, apparmor=None, selinux=None, *,
                 listen_fds=0, notify_socket=None, terminal_size=None, seccomp_cache=None):
        self.mountinfo = mountinfo
        self.last_cap = last_cap
        self.kcore = kcore
        self._apparmor = apparmor
        self._selinux = selinux
        self.listen_fds = listen_fds
        self.notify_socket = notify_socket
        self._terminal_size = terminal_size
        self.seccomp_cache = seccomp_cache

    def terminal_size(self):
        """(rows, cols) of the caller's terminal, or () when it has none."""
        if self._terminal_size is None:
            from .console import caller_size  # noqa: PLC0415
            self._terminal_size = caller_size() or ()
        return self._terminal_size

    def apparmor(self):
        if self._apparmor is None:
            self._apparmor = apparmor_attr()
        return self._apparmor

    def selinux(self):
        if self._selinux is None:
            self._selinux = selinux_enabled(self.mountinfo)
        return self._selinux

    @classmethod
    def read(cls):
        with open("/proc/self/mountinfo") as f:
            mountinfo = f.read()
        try:
            with open("/proc/sys/kernel/cap_last_cap") as f:
                last_cap = int(f.read())
        except OSError:
            last_cap = 40
        return cls(mountinfo, last_cap, os.path.exists("/proc/kcore"), listen_fds=listen_fds(),
                   notify_socket=os.environ.get("NOTIFY_SOCKET") or None, seccomp_cache=SECCOMP_CACHE_DIR)


def listen_fds():
    """The number of socket-activation fds handed to us (LISTEN_FDS, when LISTEN_PID is ours or unset)."""
    n = os.environ.get("LISTEN_FDS", "")
    pid = os.environ.get("LISTEN_PID", "")
    if not n.isdigit() or (pid and pid != str(os.getpid())):
        return 0
    return int(n)


def _listen(plan, process, host, preserve_fds):
    """systemd socket activation (runc's rule): the first LISTEN_FDS fds pass through, and the
    process sees LISTEN_FDS with LISTEN_PID=1. Returns the process to plan."""
    plan.preserve_fds = preserve_fds + host.listen_fds
    if not host.listen_fds:
        return process
    return dict(process, env=list(process.get("env") or ()) + [f"LISTEN_FDS={host.listen_fds}", "LISTEN_PID=1"])


def _terminal(plan, process, host, console, detached):
    """Who holds the terminal's other end: the caller's console socket, or (a foreground run or
    exec without one) ourselves, relaying it with ONLCR off (F_RELAY) at the caller's size."""
    if process.get("terminal") and not console and not detached:
        plan.parent.relay = True
        plan.flags |= F_RELAY
        size = host.terminal_size()
        if size:
            plan.console_size = size  # the caller's terminal, in place before the process starts


def _namespaces(plan, linux):
    seen = set()
    for i, ns in enumerate(linux.get("namespaces") or ()):
        typ = ns["type"]
        if typ in seen:
            raise ConfigError(f"linux.namespaces[{i}].type", f"duplicate namespace \"{typ}\"")
        seen.add(typ)
        path = ns.get("path") or ""
        if path and not os.path.exists(path):
            raise ConfigError(f"linux.namespaces[{i}].path", f"namespace path \"{path}\" does not exist")
        plan.namespaces.append((NAMESPACES[typ], path))
        if typ == "user" and not path:
            plan.parent.new_userns = True
    return {t: p for t, p in ((n["type"], n.get("path") or "") for n in linux.get("namespaces") or ())}


PERSONAS = {"LINUX": 0x0000, "LINUX32": 0x0008}
IPC_SYSCTLS = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
               "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"}


def _own_ns(ns, typ):
    """True if the container has its own namespace of this type (new, or joined by a path that is
    not the runtime's own)."""
    if typ not in ns:
        return False
    path = ns[typ]
    if not path:
        return True
    try:
        return os.stat(path).st_ino != os.stat(f"/proc/self/ns/{NS_FILES[typ]}").st_ino
    except OSError:
        return True


def _check_sysctl(key, ns):
    """runc's rule: only sysctls of a namespace the container owns; returns the /proc/sys path."""
    where = f"linux.sysctl.{key}"
    dotted = key.replace("/", ".")
    parts = dotted.split(".")
    if any(p in ("", "..") for p in parts) or any(ord(ch) < 32 or ch == "\x7f" for ch in key):
        raise ConfigError(where, "invalid sysctl name")
    if dotted in IPC_SYSCTLS or dotted.startswith("fs.mqueue."):
        if not _own_ns(ns, "ipc"):
            raise ConfigError(where, f"sysctl \"{dotted}\" is not allowed in the host's ipc namespace")
    elif dotted.startswith("net."):
        if not _own_ns(ns, "network"):
            raise ConfigError(where, f"sysctl \"{dotted}\" is not allowed in the host's network namespace")
    elif dotted == "kernel.domainname":
        if not _own_ns(ns, "uts"):
            raise ConfigError(where, f"sysctl \"{dotted}\" is not allowed in the host's uts namespace")
    elif dotted == "kernel.hostname":
        raise ConfigError(where, "sysctl \"kernel.hostname\" is not allowed: use the hostname field")
    else:
        raise ConfigError(where, f"sysctl \"{dotted}\" is not in a separate kernel namespace")
    return "/".join(parts)


def _mappings(entries):
    return [(m["containerID"], m["hostID"], m["size"]) for m in entries or ()]


def _devices(plan, linux, setup_dev, in_userns):
    devices = {}
    if setup_dev:
        for path, typ, major, minor in M.DEFAULT_DEVICES:
            devices[path] = Device(path, DEVICE_TYPES[typ] | 0o666, major, minor, bind=in_userns)
    for i, d in enumerate(linux.get("devices") or ()):
        path = clean_path(d["path"])
        if not path.startswith("/dev/"):
            raise ConfigError(f"linux.devices[{i}].path", "must be under /dev")
        typ = d["type"]
        if typ != "p" and ("major" not in d or "minor" not in d):
            raise ConfigError(f"linux.devices[{i}]", "major and minor are required for this device type")
        for key in ("major", "minor"):  # the schema allows int64; a dev_t half is 32 bits at most
            if not 0 <= d.get(key, 0) <= 0xFFFFFFFF:
                raise ConfigError(f"linux.devices[{i}].{key}", "must be between 0 and 4294967295")
        mode = DEVICE_TYPES[typ] | (d.get("fileMode", 0o666) & 0o7777)
        devices[path] = Device(path, mode, d.get("major", 0), d.get("minor", 0), d.get("uid", 0),
                               d.get("gid", 0), bind=in_userns)
    plan.devices = list(devices.values())


def _capabilities(plan, caps, last_cap, warn, warn_ambient=lambda msg: None):
    from .capabilities import mask  # noqa: PLC0415 (only configs with capabilities pay for it)

    def m(key):
        return mask(caps.get(key) or (), warn, last_cap)
    bnd, eff, prm, inh, amb = m("bounding"), m("effective"), m("permitted"), m("inheritable"), m("ambient")
    if amb & ~(inh & prm):
        # the kernel raises an ambient capability only if it is permitted and inheritable: runc
        # tries, warns and goes on (docs/security.md §2 item 24: never more than both allow)
        from .capabilities import names_of  # noqa: PLC0415
        for name in names_of(amb & ~(inh & prm)):
            warn_ambient(f"can't raise ambient capability {name}: operation not permitted "
                         "(it is not in both the inheritable and permitted sets)")
        amb &= inh & prm
    plan.caps = (bnd, eff, prm, inh, amb)


def build_plan(config, bundle, host, *, cid="", no_pivot=False, console=False, preserve_fds=0,
               detached=True, warn=lambda msg: None, cgroup_dirs=None, no_new_keyring=False, state_dir=None):
    """Resolve a validated config.json (dict) into a Plan. `bundle` is absolute; `console`: the
    caller gives a console socket; `state_dir`: the container's, where its notify socket lives."""
    plan = Plan()
    linux = config.get("linux") or {}
    process = config.get("process")
    if not process:
        raise ConfigError("process", "is required to create a container")
    ns = _namespaces(plan, linux)

    # root filesystem
    root = config.get("root") or {}
    path = root.get("path")
    if not path:
        raise ConfigError("root.path", "is required")
    rootfs = os.path.realpath(os.path.join(bundle, path))
    if not os.path.isdir(rootfs):
        raise ConfigError("root.path", f"rootfs \"{rootfs}\" does not exist or is not a directory")
    plan.rootfs = rootfs
    if root.get("readonly"):
        plan.flags |= F_ROOT_READONLY
    prop = linux.get("rootfsPropagation")
    if prop:
        # applied recursively whatever the form (docs/architecture.md: where runc and the spec differ)
        plan.root_propagation = M.PROPAGATION[prop] | M.MS_REC
    if no_pivot:
        plan.flags |= F_NO_PIVOT

    # user namespace: maps are written by the parent between the child's unshare and its setuid
    parent = plan.parent
    if parent.new_userns:
        parent.uid_mappings = _mappings(linux.get("uidMappings"))
        parent.gid_mappings = _mappings(linux.get("gidMappings"))
        if not parent.uid_mappings or not parent.gid_mappings:
            raise ConfigError("linux.uidMappings", "a new user namespace needs uidMappings and gidMappings")
    elif linux.get("uidMappings") or linux.get("gidMappings"):
        if "user" not in ns:
            raise ConfigError("linux.uidMappings", "uid/gid mappings need a user namespace")
    in_userns = "user" in ns

    # mounts, in order; then devices and links unless /dev comes from a bind mount
    layout = host_cgroup_layout(host.mountinfo)
    label = linux.get("mountLabel") or None
    cg = make_cgroup_mounts(layout, "cgroup" in ns and not ns["cgroup"], cgroup_dirs, label)
    userns = (parent.uid_mappings, parent.gid_mappings) if parent.new_userns else ns.get("user") or None
    roots = [os.path.normpath(os.path.join(bundle, path)), rootfs]
    plan.mounts = _mount_entries(config.get("mounts") or (), cg, userns, roots, label, bundle)
    if label:
        _mount_label(plan, label, host)
    dev_bound = any(m.destination == "/dev" and m.extra & M_BIND for m in plan.mounts)
    if not dev_bound:
        plan.flags |= F_SETUP_DEV
        plan.links = list(M.DEFAULT_LINKS)
        if host.kcore:
            plan.links.append(("/proc/kcore", "/dev/core"))
        plan.links.append(("pts/ptmx", "/dev/ptmx"))
        _devices(plan, linux, True, in_userns)
    else:
        _devices(plan, linux, False, in_userns)
    plan.masked = [clean_path(p) for p in linux.get("maskedPaths") or ()]
    plan.readonly = [clean_path(p) for p in linux.get("readonlyPaths") or ()]
    if "mount" not in ns and (plan.masked or plan.readonly):
        # without its own mount namespace the container's mounts are the host's: masking there
        # would mask the host (runc refuses the same)
        raise ConfigError("linux.maskedPaths" if plan.masked else "linux.readonlyPaths",
                          "unable to restrict sys entries without a private MNT namespace")

    for key, value in (linux.get("sysctl") or {}).items():
        plan.sysctl.append((_check_sysctl(key, ns), str(value)))
    _personality(plan, linux)

    # uts
    for field in ("hostname", "domainname"):
        value = config.get(field)
        if value:
            if "uts" not in ns:
                raise ConfigError(field, f"unable to set {field} without a private UTS namespace")
            setattr(plan, field, value)

    # time namespace offsets
    offsets = linux.get("timeOffsets") or {}
    if offsets and ("time" not in ns or ns["time"]):
        raise ConfigError("linux.timeOffsets", "need a new time namespace")
    for clock, off in offsets.items():
        if clock not in CLOCKS:
            raise ConfigError(f"linux.timeOffsets.{clock}", "unknown clock (monotonic or boottime)")
        nanosecs = off.get("nanosecs", 0)
        if nanosecs >= 1_000_000_000:  # the kernel's EINVAL, said before anything is made
            raise ConfigError(f"linux.timeOffsets.{clock}.nanosecs", f"{nanosecs} is not below 1000000000")
        plan.time_offsets.append((CLOCKS[clock], off.get("secs", 0), nanosecs))

    # process
    terminal = bool(process.get("terminal"))
    if terminal and not console and detached:
        # a foreground run relays the terminal itself (_terminal)
        raise ConfigError("process.terminal", "cannot allocate tty if runc will detach without setting console socket")
    if console and not terminal:
        raise ConfigError("process.terminal", "cannot use console socket if runc will not detach or allocate tty")
    process = _listen(plan, process, host, preserve_fds)
    _process(plan, process, host, warn, linux=linux)
    _terminal(plan, process, host, console, detached)
    _seccomp(plan, linux, warn, host.seccomp_cache)
    if not no_new_keyring:
        plan.keyring = f"_ses.{cid}"  # runc's name: the caller's session keyring stays out of reach
    if host.notify_socket and state_dir:
        _notify(plan, state_dir, host.notify_socket)
    _ro_kernel(plan.mounts)
    hooks = config.get("hooks") or {}
    if any(hooks.get(k) for k in ("prestart", "createRuntime", "createContainer", "startContainer")):
        plan.flags |= F_HOOKS_SYNC  # the init stops for the parent's hooks and takes their states
    for kind, number in CHILD_HOOKS.items():
        for i, h in enumerate(hooks.get(kind) or ()):
            args, env = list(h.get("args") or ()), list(h.get("env") or ())
            _within(len(args), "HOOK_ARGS", f"hooks.{kind}[{i}].args")
            _within(len(env), "HOOK_ENV", f"hooks.{kind}[{i}].env")
            plan.hooks.append((number, h.get("timeout") or 0, h["path"], args, env))
            _within(len(plan.hooks), "HOOKS", f"hooks.{kind}")
    check_limits(plan)
    return plan


def _notify(plan, state_dir, host_socket):
    """NOTIFY_SOCKET (runc's way): the container's own socket directory, <state>/notify, bound
    read-only at /run/notify, and the process told where it is. The caller makes the directory."""
    from .notify import IN_CONTAINER, IN_CONTAINER_DIR  # noqa: PLC0415
    plan.parent.notify_socket = host_socket
    plan.mounts.append(Mount(os.path.join(state_dir, "notify"), IN_CONTAINER_DIR, "",
                             M.MS_BIND | M.MS_RDONLY | M.MS_NOSUID | M.MS_NODEV | M.MS_NOEXEC, extra=M_BIND))
    plan.env = [e for e in plan.env if not e.startswith("NOTIFY_SOCKET=")] + [f"NOTIFY_SOCKET={IN_CONTAINER}"]


def _personality(plan, linux):
    """linux.personality, for the init and every exec (runc applies it to both)."""
    persona = linux.get("personality")
    if persona:
        if persona.get("domain") not in PERSONAS:
            raise ConfigError("linux.personality.domain", "must be LINUX or LINUX32")
        if persona.get("flags"):
            raise ConfigError("linux.personality.flags", "personality flags are not supported")
        plan.personality = PERSONAS[persona["domain"]]


def _within(n, limit, path):
    if n > LIMITS[limit]:
        raise ConfigError(path, f"{n} entries, more than the {LIMITS[limit]} this runtime takes")


def check_limits(plan, base="process"):
    """Every table the init fills holds what this Plan has (pyruntime/limits.py): a config past one
    is an error naming its JSON path here, never a Plan the init refuses."""
    _within(len(plan.namespaces), "NAMESPACES", "linux.namespaces")
    _within(len(plan.mounts), "MOUNTS", "mounts")  # cgroup mounts counted as they expand
    _within(len(plan.devices), "DEVICES", "linux.devices")  # the default devices count too
    _within(len(plan.links), "LINKS", "linux.devices")
    _within(len(plan.masked), "MASKED", "linux.maskedPaths")
    _within(len(plan.readonly), "READONLY", "linux.readonlyPaths")
    _within(len(plan.sysctl), "SYSCTLS", "linux.sysctl")
    _within(len(plan.time_offsets), "TIME_OFFSETS", "linux.timeOffsets")
    _within(len(plan.rlimits), "RLIMITS", f"{base}.rlimits")
    _within(len(plan.groups), "GROUPS", f"{base}.user.additionalGids")
    _within(len(plan.args), "ARGS", f"{base}.args")
    _within(len(plan.env) + bool(plan.flags & F_HOME), "ENV", f"{base}.env")
    _within(len(plan.seccomp) // 8, "SECCOMP_INSNS", "linux.seccomp")


def _process(plan, process, host, warn, base="process", inherit_caps=None, linux=None):
    """The process part of a Plan: shared by create and exec (which inherits the container's
    capabilities when its process names none: `inherit_caps`)."""
    if process.get("terminal"):
        plan.flags |= F_TERMINAL
        size = process.get("consoleSize") or {}
        plan.console_size = (size.get("height", 0), size.get("width", 0))
    plan.args = list(process["args"])
    env = process.get("env")
    plan.env = prepare_env(env, base)
    if env is not None and not any(e.startswith("HOME=") for e in plan.env):
        plan.flags |= F_HOME
    plan.cwd = process["cwd"]
    if not plan.cwd.startswith("/"):
        raise ConfigError(f"{base}.cwd", "must be an absolute path")
    user = process.get("user") or {}
    plan.uid, plan.gid = user.get("uid", 0), user.get("gid", 0)
    plan.umask = user.get("umask")
    plan.groups = list(user.get("additionalGids") or ())
    seen = set()
    for i, r in enumerate(process.get("rlimits") or ()):
        if r["type"] in seen:
            # config.md#posix-process: duplicated entries MUST be an error
            raise ConfigError(f"{base}.rlimits[{i}].type", f"duplicate rlimit \"{r['type']}\"")
        seen.add(r["type"])
        if r["type"] not in RLIMITS:
            raise ConfigError(f"{base}.rlimits[{i}].type", f"unknown rlimit \"{r['type']}\"")
        plan.rlimits.append((RLIMITS[r["type"]], r["soft"], r["hard"]))
    plan.last_cap = host.last_cap
    # no capabilities named: none at all (runc 1.1 and crun; runc 1.3 leaves the init's own, every
    # capability, which is what docs/security.md §1.23 is about); exec: the container's own set
    caps = process.get("capabilities")
    if caps is None:
        caps = inherit_caps or {}
    _capabilities(plan, caps, host.last_cap,
                  lambda name: warn(f"unknown or unavailable capability {name} is ignored"), warn)
    if process.get("noNewPrivileges"):
        plan.flags |= F_NO_NEW_PRIVS
    if process.get("oomScoreAdj") is not None:
        if not -1000 <= process["oomScoreAdj"] <= 1000:  # the kernel's range (proc(5))
            raise ConfigError("process.oomScoreAdj", "must be between -1000 and 1000")
        plan.oom_score_adj = process["oomScoreAdj"]
    plan.flags |= F_SETSID
    _scheduling(plan, process, base, linux)
    _lsm(plan, process, host, base)


def prepare_env(env, base="process"):
    """process.env as runc 1.3's prepareEnv makes it: NAME=VALUE entries only; of a key given more
    than once the last one counts, in the place of its last occurrence; an empty HOME= is dropped
    (the init looks HOME up in the passwd the container sees: passwd.c, F_HOME). No env at all
    stays none (runc 1.3: a nil env gets no HOME either)."""
    out, seen = [], set()
    for i in range(len(env or ()) - 1, -1, -1):
        kv = env[i]
        key, eq, value = kv.partition("=")
        if not eq:
            raise ConfigError(f"{base}.env[{i}]", "invalid environment variable: missing '='")
        if not key:
            raise ConfigError(f"{base}.env[{i}]", "invalid environment variable: name cannot be empty")
        if key in seen:
            continue
        seen.add(key)
        if "\0" in kv:
            raise ConfigError(f"{base}.env[{i}]", f"invalid environment variable \"{key}\": contains nul byte (\\x00)")
        if key == "HOME" and not value:
            continue
        out.append(kv)
    out.reverse()
    return out


SCHED_POLICIES = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_ISO": 4,
                  "SCHED_IDLE": 5, "SCHED_DEADLINE": 6}
SCHED_FLAGS = {"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
               "SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10,
               "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40}
IOPRIO_CLASSES = {"IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3}


def cpu_mask(text, where):
    """ "0-3,7" -> the bytes of a cpu_set_t-style mask."""
    cpus = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise ConfigError(where, f"invalid CPU list \"{text}\"")
        a, b = int(lo), int(hi or lo)
        if a > b or b >= 8192:
            raise ConfigError(where, f"invalid CPU list \"{text}\"")
        cpus.update(range(a, b + 1))
    if not cpus:
        raise ConfigError(where, "empty CPU list")
    mask = 0
    for c in cpus:
        mask |= 1 << c
    size = (max(cpus) // 64 + 1) * 8
    return mask.to_bytes(size, "little")


def _scheduling(plan, process, base, linux=None):
    sched = process.get("scheduler")
    if sched:
        if (((linux or {}).get("resources") or {}).get("cpu") or {}).get("cpus"):
            plan.flags |= F_CPUSET
        policy = sched.get("policy")
        if policy not in SCHED_POLICIES:
            raise ConfigError(f"{base}.scheduler.policy", f"unknown policy \"{policy}\"")
        flags = 0
        for i, f in enumerate(sched.get("flags") or ()):
            if f not in SCHED_FLAGS:
                raise ConfigError(f"{base}.scheduler.flags[{i}]", f"unknown flag \"{f}\"")
            flags |= SCHED_FLAGS[f]
        plan.sched = (SCHED_POLICIES[policy], sched.get("nice", 0), sched.get("priority", 0), flags,
                      sched.get("runtime", 0), sched.get("deadline", 0), sched.get("period", 0))
    io = process.get("ioPriority")
    if io:
        if io.get("class") not in IOPRIO_CLASSES:
            raise ConfigError(f"{base}.ioPriority.class", f"unknown class \"{io.get('class')}\"")
        level = io.get("priority", 0)
        if not 0 <= level <= 7:
            raise ConfigError(f"{base}.ioPriority.priority", "must be between 0 and 7")
        plan.ioprio = IOPRIO_CLASSES[io["class"]] << 13 | level
    aff = process.get("execCPUAffinity")
    if aff and plan.flags & F_EXEC:
        # for exec only (config.md: "not applicable to the container's init process"); the init
        # resets any affinity it inherited to its cgroup's cpuset (main.c: final_affinity, runc 1.3)
        for i, key in enumerate(("initial", "final")):
            if aff.get(key):
                plan.affinity[i] = cpu_mask(aff[key], f"{base}.execCPUAffinity.{key}")


def apparmor_attr():
    """Where an AppArmor profile for the next execve is written, under /proc (runc's choice:
    attr/apparmor/exec, attr/exec on kernels before 5.1), or "" when AppArmor is off. Off is
    what the kernel's module parameter says (no such module: not in this kernel); without a
    sysfs to ask, the write decides (runc always lets it)."""
    enabled = _read("/sys/module/apparmor/parameters/enabled")
    if enabled is None:
        if os.path.isdir("/sys/module"):
            return ""
    elif not enabled.startswith("Y"):
        return ""
    if os.path.exists("/proc/self/attr/apparmor/exec"):
        return "thread-self/attr/apparmor/exec"
    return "thread-self/attr/exec"


def selinux_enabled(mountinfo):
    """go-selinux's GetEnabled, as runc asks it: a writable selinuxfs is mounted and this process
    has a label other than "kernel" (a policy is loaded)."""
    for m in mountinfo_parse(mountinfo, ("selinuxfs",)):
        if "ro" not in m.options.split(",") and "ro" not in m.super_options.split(","):
            current = _read("/proc/self/attr/current")
            return bool(current) and current.rstrip("\0\n") != "kernel"
    return False


def _lsm(plan, process, host, base):
    """The AppArmor profile and SELinux label of the process: attr files the init writes, each
    taking effect at the execve. Asked for on a host without that LSM: refused, as runc does (it
    fails writing the attribute, or validating the label)."""
    profile = process.get("apparmorProfile")
    if profile:
        attr = host.apparmor()
        if not attr:
            raise ConfigError(f"{base}.apparmorProfile",
                              f"AppArmor profile \"{profile}\" was requested but AppArmor is not enabled on this host")
        plan.lsm.append((LSM_EXEC, attr, "exec " + profile, f"apply AppArmor profile \"{profile}\""))
    label = process.get("selinuxLabel")
    if label:
        if not host.selinux():
            raise ConfigError(f"{base}.selinuxLabel",
                              "selinux label is specified in config, but selinux is disabled or not supported")
        # the session keyring's label first (runc: before it joins the keyring), then the process's
        plan.lsm.append((LSM_KEYRING, "self/attr/keycreate", label, f"set the keyring label \"{label}\""))
        plan.lsm.append((LSM_EXEC, "thread-self/attr/exec", label, f"set the process label \"{label}\""))


def _mount_label(plan, label, host):
    """linux.mountLabel beyond the context= options: mqueue's root and the masked directories."""
    if '"' in label:
        raise ConfigError("linux.mountLabel", "must not contain a double quote (it is quoted in the mount data)")
    plan.mask_data = mount_label_data(MASK_TMPFS, label)
    mqueue = [m for m in plan.mounts if m.type == "mqueue"]
    if host.selinux():
        for m in mqueue:
            m.label = label
    else:
        # runc passes the option all the same, and the kernel refuses it (EINVAL) on most filesystems
        plan.parent.notes.append("linux.mountLabel is set but SELinux is not enabled on this host: "
                          "the kernel will refuse the context= mount option")


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def build_exec_plan(process, config, init_pid, host, *, console=False, preserve_fds=0, detached=True,
                    warn=lambda m: None):
    """Plan for `exec`: join every namespace of the container's init, then the process part.
    `console`: the caller gives a console socket (or, without `detached`, relays the terminal)."""
    plan = Plan()
    plan.flags |= F_EXEC
    for ns in (config.get("linux") or {}).get("namespaces") or ():
        plan.namespaces.append((NAMESPACES[ns["type"]], f"/proc/{init_pid}/ns/{NS_FILES[ns['type']]}"))
    if not process.get("args"):
        raise ConfigError("process.args", "must be a non-empty array")
    if not str(process.get("cwd", "")).startswith("/"):
        raise ConfigError("process.cwd", "must be an absolute path")
    terminal = bool(process.get("terminal"))
    if console and not terminal:
        raise ConfigError("process.terminal", "cannot use console socket if runc will not detach or allocate tty")
    process = _listen(plan, process, host, preserve_fds)
    container = config.get("process") or {}
    for key in ("apparmorProfile", "selinuxLabel", "execCPUAffinity"):
        if not process.get(key) and container.get(key):
            process = dict(process, **{key: container[key]})  # runc: the container's, unless the process names one
    _process(plan, process, host, warn, inherit_caps=container.get("capabilities"), linux=config.get("linux"))
    _terminal(plan, process, host, console, detached)
    _personality(plan, config.get("linux") or {})
    _seccomp(plan, config.get("linux") or {}, warn, host.seccomp_cache)
    check_limits(plan)
    return plan


def _seccomp(plan, linux, warn, cache):
    """Compiled BPF for the child, looked up in the host's cache (`cache`: its directory, or None);
    the listener details stay with the parent, and so does a fresh compile to cache."""
    profile = linux.get("seccomp")
    if not profile:
        return
    from .seccomp import FLAG_NEW_LISTENER, compile_profile  # noqa: PLC0415
    f = compile_profile(profile, cache_dir=cache, warn=warn, store=False)
    plan.seccomp = f.bpf
    plan.seccomp_flags = f.flags | (FLAG_NEW_LISTENER if f.notify else 0)
    plan.parent.notes.append(f"seccomp filter flags: {plan.seccomp_flags}")  # what seccomp(2) gets (runc logs it too)
    plan.parent.seccomp_listener = (f.listener_path, f.listener_metadata) if f.notify else None
    plan.parent.seccomp_filter = f if f.cache_key else None
