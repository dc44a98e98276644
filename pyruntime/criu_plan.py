"""What CRIU must be told about a container, decided from data: the flags, the container's Plan
(pyruntime/plan.py), the init's mountinfo and cgroup files as text. Pure functions, unit-tested
without CRIU or root; pyruntime/checkpoint.py gathers the inputs and runs the requests.

The options are plain dicts named after CRIU's RPC fields (criu_opts in CRIU's rpc.proto);
pyruntime/criu.py fills them into pycriu's messages. runc 1.3 (libcontainer/criu_linux.go) is
the reference for what a container needs:
  - every bind mount from the host is an external mount: at dump keyed by its destination, at
    restore that key maps to the host source again; masked files are binds of /dev/null
  - namespaces the config joins by path: network and pid are dumped as external (restore hands
    CRIU the namespace file as an inherited fd), the others are joined at restore (join_ns)
  - restore puts the tree into the container's cgroups (cg_root from criu's own cgroup, after
    the runtime moved criu there), freezes through the container's freezer at dump
  - the init's stdio pipes (descriptors.json) are inherited from the restoring caller
  - CRIU's network lock: a network namespace joined by path may still hold the lock the dump left
    there; CRIU must then not be asked to lock it again (restore_empty_ns)
"""
from .errors import RuntimeFailure

CLONE_NEWNET = 0x40000000
CG_MODES = {"": "DEFAULT", "soft": "SOFT", "full": "FULL", "strict": "STRICT", "ignore": "IGNORE"}
LOG_LEVEL = 4
DUMP_LOG, RESTORE_LOG = "dump.log", "restore.log"
DESCRIPTORS = "descriptors.json"
# runc's default CRIU configuration file (an annotation org.criu.config names another, or none)
DEFAULT_CONFIG_FILE = "/etc/criu/runc.conf"
# CRIU's names for namespaces (configs.NsName in runc), and the ones only CRIU >= x can take as external
NS_NAMES = {"network": "net", "pid": "pid", "mount": "mnt", "ipc": "ipc", "uts": "uts", "user": "user",
            "cgroup": "cgroup", "time": "time"}
EXTERNAL_NS_MIN_VERSION = {"network": 31100, "pid": 31500}
M_BIND = 1  # plan.M_BIND (not imported: this module stays importable without the Plan's)
# CRIU's iptables network lock (criu/net.c, iptables_network_lock_internal): a chain of this name,
# jumped to from INPUT and OUTPUT, accepting only packets with CRIU's mark and dropping the rest
LOCK_CHAIN = "CRIU"


def cg_mode(text):
    """--manage-cgroups-mode -> CRIU's criu_cg_mode name."""
    try:
        return CG_MODES[text or ""]
    except KeyError:
        raise RuntimeFailure("invalid manage-cgroups-mode value") from None


def empty_ns(names):
    """--empty-ns values -> CRIU's empty_ns mask. runc always adds the network namespace: it does
    not manage network devices, so CRIU restores an empty one (or the external one joined)."""
    mask = CLONE_NEWNET
    for ns in names or ():
        if ns != "network":
            raise RuntimeFailure(f'namespace "{ns}" is not supported')
        mask |= CLONE_NEWNET
    return mask


def network_locks(rules):
    """How many times CRIU's iptables network lock is in place, from `iptables -S` output: the
    jumps to CRIU's chain from INPUT (or OUTPUT, if more). Every lock adds one jump to each."""
    jumps = {"INPUT": 0, "OUTPUT": 0}
    for line in (rules or "").splitlines():
        words = line.split()
        if len(words) == 4 and words[0] == "-A" and words[1] in jumps and words[2:] == ["-j", LOCK_CHAIN]:
            jumps[words[1]] += 1
    return max(jumps.values())


def restore_empty_ns(names, net_locked=False):
    """empty_ns for a restore: empty_ns(names), without the network namespace when it is joined by
    path and still holds the lock CRIU's dump left in it (net_locked).

    CRIU 3.17 (cr-restore.c) locks the network again on restore when empty_ns has the network
    namespace, assuming a new namespace; its unlock at the end (`-D INPUT -j CRIU`, `-D OUTPUT -j
    CRIU`, `-X CRIU` in one iptables-restore) removes one lock only if there is one: over two, the
    chain's delete fails (EBUSY; iptables-nft exits 4, legacy 1), nothing is removed and the
    namespace drops every unmarked packet for good. For a namespace CRIU takes as external, empty_ns
    changes nothing else (its links, addresses and rules are never restored), so leaving it out
    keeps the dump's lock over the whole restore and CRIU's unlock removes it."""
    mask = empty_ns(names)
    if net_locked:
        mask &= ~CLONE_NEWNET
    return mask


def page_server(text):
    """--page-server ADDRESS:PORT -> {"address", "port"} (runc's checks and words)."""
    if not text:
        return None
    host, sep, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port:
        raise RuntimeFailure("Use --page-server ADDRESS:PORT to specify page server")
    if not port.isdigit():
        raise RuntimeFailure("Invalid port number")
    return {"address": host, "port": int(port)}


def config_file(annotations):
    """runc's rule: org.criu.config names the CRIU configuration file ("" for none); without the
    annotation, /etc/criu/runc.conf (CRIU ignores a missing file)."""
    annotations = annotations or {}
    if "org.criu.config" in annotations:
        return annotations["org.criu.config"] or None
    return DEFAULT_CONFIG_FILE


def _clean(path):
    """A destination as the kernel shows it: absolute, no repeated or trailing slashes, no . or .."""
    parts = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/" + "/".join(parts)


def mounts_of(mountinfo):
    """{mountpoint: fstype} of a process's /proc/<pid>/mountinfo text (the last mount wins)."""
    from .mountinfo import parse  # noqa: PLC0415
    return {m.mountpoint: m.fstype for m in parse(mountinfo)}


def _binds(plan):
    """(destination, host source) of each bind mount from the host, in order: the config's bind
    mounts (and the host cgroup hierarchies bound in), devices bound from the host."""
    out = []
    for m in plan.mounts:
        if m.extra & M_BIND:
            out.append((_clean(m.destination), m.source))
    for d in plan.devices:
        if d.bind:
            out.append((_clean(d.path), d.path))
    return out


def _dedupe(pairs):
    seen, out = set(), []
    for key, val in pairs:
        if key not in seen:
            seen.add(key)
            out.append({"key": key, "val": val})
    return out


def dump_ext_mounts(plan, mountinfo):
    """ext_mnt for a dump: every bind from the host is external, named by its destination; a
    masked file (a bind of /dev/null, not a masked directory's tmpfs) is named /dev/null."""
    pairs = [(dest, dest) for dest, _ in _binds(plan)]
    mounted = mounts_of(mountinfo)
    for path in plan.masked:
        path = _clean(path)
        if path in mounted and mounted[path] != "tmpfs":
            pairs.append((path, "/dev/null"))
    return _dedupe(pairs)


def restore_ext_mounts(plan):
    """ext_mnt for a restore: each name a dump gave maps back to the host path to bind."""
    pairs = list(_binds(plan))
    if plan.masked:
        pairs.append(("/dev/null", "/dev/null"))
    return _dedupe(pairs)


def ns_key(ns_type):
    """CRIU's key of an external namespace (runc's criuNsToKey): extRootNetNS, extRootPidNS."""
    return "extRoot" + NS_NAMES[ns_type].title() + "NS"


def joined_namespaces(config):
    """[(type, path)] of the namespaces config.json joins by path, in its order."""
    out = []
    for ns in ((config.get("linux") or {}).get("namespaces") or ()):
        if isinstance(ns, dict) and ns.get("path") and ns.get("type") in NS_NAMES:
            out.append((ns["type"], ns["path"]))
    return out


def dump_externals(joined, inode_of, criu_version):
    """external for a dump: a joined network or pid namespace, as net[<inode>]:extRootNetNS."""
    out = []
    for ns_type in ("network", "pid"):
        path = dict(joined).get(ns_type)
        if not path:
            continue
        if criu_version < EXTERNAL_NS_MIN_VERSION[ns_type]:
            raise RuntimeFailure(f"criu lacks support for external {NS_NAMES[ns_type]} namespace during "
                                 "checkpointing process (old criu version?)")
        out.append(f"{NS_NAMES[ns_type]}[{inode_of(path)}]:{ns_key(ns_type)}")
    return out


def restore_namespaces(joined, criu_version, first_fd=4):
    """(inherit_fd entries, join_ns entries, [paths to open, in fd order]) for a restore: a joined
    network or pid namespace is handed to CRIU as an fd (criu's 4, 5, ...), the others are
    joined by path; a cgroup namespace by path is refused, as runc does."""
    inherit, join, files = [], [], []
    for ns_type, path in joined:
        if ns_type in EXTERNAL_NS_MIN_VERSION:
            if criu_version < EXTERNAL_NS_MIN_VERSION[ns_type]:
                raise RuntimeFailure(f"criu lacks support for external {NS_NAMES[ns_type]} namespace during "
                                     "the restoration process (old criu version?)")
            inherit.append({"key": ns_key(ns_type), "fd": first_fd + len(files)})
            files.append(path)
        elif ns_type == "cgroup":
            raise RuntimeFailure("Do not know how to handle namespace NEWCGROUP")
        else:
            join.append({"ns": NS_NAMES[ns_type], "ns_file": path})
    return inherit, join, files


def cg_roots(proc_cgroup):
    """cg_root from /proc/<criu>/cgroup text: where CRIU puts the restored tree, per controller
    (cgroup v1: each controller of a line on its own, "name=systemd" as is); the cgroup v2 line
    ("0::/path") gives the root for every controller without one of its own."""
    out = []
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, ctrls, path = parts
        if not ctrls:
            out.append({"path": path})
            continue
        for c in ctrls.split(","):
            if c:
                out.append({"ctrl": c, "path": path})
    return out


def stdio_inherit(descriptors):
    """inherit_fd for the init's stdio pipes (descriptors.json: what fds 0-2 were at the dump):
    CRIU gives the restored process the restoring caller's fd of the same number instead."""
    return [{"key": d, "fd": i} for i, d in enumerate(descriptors or ()) if isinstance(d, str) and "pipe:" in d]


def freeze_cgroup(cgroup_state):
    """The cgroup CRIU freezes the container with (runc: the freezer path; the unified path on
    cgroup v2, CRIU 3.14+), from the saved driver state; None without one."""
    cg = cgroup_state or {}
    if cg.get("driver") == "systemd":
        cg = cg.get("fs") or {}
    if cg.get("driver") == "v2":
        return cg.get("path") or None
    return (cg.get("paths") or {}).get("freezer") or None


def dump_options(flags, *, pid, rootfs, image_fd, work_fd=None, freeze=None, externals=(), ext_mnt=(),
                 config=None):
    """criu_opts of a dump or pre-dump (runc's Checkpoint)."""
    opts = {
        "images_dir_fd": image_fd,
        "log_level": LOG_LEVEL,
        "log_file": DUMP_LOG,
        "root": rootfs,
        "manage_cgroups": True,
        "manage_cgroups_mode": cg_mode(flags.get("manage_cgroups_mode")),
        "notify_scripts": True,
        "pid": pid,
        "shell_job": bool(flags.get("shell_job")),
        "leave_running": bool(flags.get("leave_running")),
        "tcp_established": bool(flags.get("tcp_established")),
        "tcp_skip_in_flight": bool(flags.get("tcp_skip_in_flight")),
        "link_remap": bool(flags.get("link_remap")),
        "ext_unix_sk": bool(flags.get("ext_unix_sk")),
        "file_locks": bool(flags.get("file_locks")),
        "empty_ns": empty_ns(flags.get("empty_ns")),
        "orphan_pts_master": True,
        "auto_dedup": bool(flags.get("auto_dedup")),
        "lazy_pages": bool(flags.get("lazy_pages")),
        "work_dir_fd": work_fd,
        "config_file": config,
        "external": list(externals) or None,
        "freeze_cgroup": freeze,
        "ps": page_server(flags.get("page_server")),
    }
    if flags.get("parent_path"):
        opts["parent_img"] = flags["parent_path"]
        opts["track_mem"] = True
    if not flags.get("pre_dump"):
        opts["ext_mnt"] = list(ext_mnt) or None
    return opts


def restore_options(flags, *, root, image_fd, work_fd=None, config=None, ext_mnt=(), inherit=(), join=(),
                    cgroups=(), criu_version=0, net_locked=False):
    """criu_opts of a restore (runc's Restore): the tree comes back as our child (rst_sibling),
    CRIU reports setup-namespaces, post-restore and a terminal's new master (orphan-pts-master).
    net_locked: the network namespace, joined by path, still holds CRIU's lock (restore_empty_ns)."""
    opts = {
        "images_dir_fd": image_fd,
        "evasive_devices": True,
        "log_level": LOG_LEVEL,
        "log_file": RESTORE_LOG,
        "rst_sibling": True,
        "root": root,
        "manage_cgroups": True,
        "manage_cgroups_mode": cg_mode(flags.get("manage_cgroups_mode")),
        "notify_scripts": True,
        "shell_job": bool(flags.get("shell_job")),
        "ext_unix_sk": bool(flags.get("ext_unix_sk")),
        "tcp_established": bool(flags.get("tcp_established")),
        "file_locks": bool(flags.get("file_locks")),
        "empty_ns": restore_empty_ns(flags.get("empty_ns"), net_locked),
        "orphan_pts_master": True,
        "auto_dedup": bool(flags.get("auto_dedup")),
        "lazy_pages": bool(flags.get("lazy_pages")),
        "work_dir_fd": work_fd,
        "config_file": config,
        "ext_mnt": list(ext_mnt) or None,
        "inherit_fd": list(inherit) or None,
        "join_ns": list(join) or None,
        "cg_root": list(cgroups) or None,
    }
    # CRIU before 3.16 cannot set another LSM profile; runc refuses these there
    for flag, field in (("lsm_profile", "lsm_profile"), ("lsm_mount_context", "lsm_mount_context")):
        if flags.get(flag):
            if criu_version < 31600:
                raise RuntimeFailure(f"--{flag.replace('_', '-')} requires at least CRIU 3.16")
            opts[field] = flags[flag]
    return opts
