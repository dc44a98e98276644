"""Plan -> the bytes pyruntime-init reads (decoded by pyruntime/_native/plan.c).

Header: u32 magic, u32 version; then records: u32 tag, u32 length, payload. Integers are
little-endian; strings are NUL-terminated. Unknown tags are skipped by the reader. The tags and
each record's layout are the contract's (pyruntime/_native/contract.py, generated into
_contract.py and contract.h); tests/contract/ decodes random Plans with plan.c to prove it.
"""
from struct import pack

from ._contract import (
    PLAN_MAGIC, PLAN_VERSION, T_AFFINITY, T_ARG, T_CAPS, T_CGROUP, T_CONSOLE, T_CWD, T_DEVICE,
    T_DOMAINNAME, T_ENV, T_FDS, T_FLAGS, T_HOOK, T_HOSTNAME, T_IOPRIO, T_KEYRING, T_LSM, T_MASK, T_MASK_DATA,
    T_MOUNT, T_MOUNT_LABEL, T_NS, T_OOM, T_PERSONALITY, T_READONLY, T_RLIMIT, T_ROOTFS, T_ROOTPROP, T_SCHED,
    T_SECCOMP, T_SECCOMP_FLAGS, T_SYMLINK, T_SYSCTL, T_TIMEOFF, T_USER)
from .errors import ConfigError

MAGIC, VERSION = PLAN_MAGIC, PLAN_VERSION

RLIM_INFINITY = 0xFFFFFFFFFFFFFFFF


def _s(text):
    b = text.encode()
    if b"\0" in b:
        # C strings cannot hold it, and no path, argument or name may: refuse the config
        raise ConfigError("", f"a string contains a NUL byte: {text!r}")
    return b + b"\0"


def encode(plan, *, console_fd=-1, statedir_fd=-1, cgroup_fds=None):
    """The Plan's bytes for the init, with the fds the parent opened for it (the numbers they will
    have there: Launch moves them above 3 + plan.preserve_fds). Everything else is the Plan's."""
    out = [pack("<II", MAGIC, VERSION)]

    def rec(tag, payload):
        out.append(pack("<II", tag, len(payload)))
        out.append(payload)

    rec(T_FLAGS, pack("<I", plan.flags))
    for flag, path in plan.namespaces:
        rec(T_NS, pack("<I", flag) + _s(path))
    if plan.rootfs:
        rec(T_ROOTFS, _s(plan.rootfs))
    rec(T_ROOTPROP, pack("<Q", plan.root_propagation))
    for m in plan.mounts:
        rec(T_MOUNT, pack("<QQQQQI", m.flags, m.cleared, m.propagation, m.attr_set, m.attr_clr, m.extra)
            + _s(m.source) + _s(m.destination) + _s(m.type) + _s(m.data))
    for d in plan.devices:
        rec(T_DEVICE, pack("<6I", d.mode, d.major, d.minor, d.uid, d.gid, int(d.bind)) + _s(d.path))
    for target, link in plan.links:
        rec(T_SYMLINK, _s(target) + _s(link))
    for p in plan.masked:
        rec(T_MASK, _s(p))
    for p in plan.readonly:
        rec(T_READONLY, _s(p))
    for key, value in plan.sysctl:
        rec(T_SYSCTL, _s(key) + _s(value))
    if plan.keyring:
        rec(T_KEYRING, _s(plan.keyring))
    if plan.hostname:
        rec(T_HOSTNAME, _s(plan.hostname))
    if plan.domainname:
        rec(T_DOMAINNAME, _s(plan.domainname))
    for res, soft, hard in plan.rlimits:
        rec(T_RLIMIT, pack("<IQQ", res, min(soft, RLIM_INFINITY), min(hard, RLIM_INFINITY)))
    umask = 0xFFFFFFFF if plan.umask is None else plan.umask
    rec(T_USER, pack(f"<4I{len(plan.groups)}I", plan.uid, plan.gid, umask, len(plan.groups), *plan.groups))
    if plan.caps is not None:
        rec(T_CAPS, pack("<5QI", *plan.caps, plan.last_cap))
    for a in plan.args:
        rec(T_ARG, _s(a))
    for e in plan.env:
        rec(T_ENV, _s(e))
    rec(T_CWD, _s(plan.cwd))
    rec(T_CONSOLE, pack("<II", *plan.console_size))
    if plan.oom_score_adj is not None:
        rec(T_OOM, pack("<i", plan.oom_score_adj))
    rec(T_FDS, pack("<iiI", console_fd, statedir_fd, plan.preserve_fds))
    if cgroup_fds:
        cg2, tasks = cgroup_fds
        rec(T_CGROUP, pack(f"<iI{len(tasks)}i", cg2, len(tasks), *tasks))
    for index, m in enumerate(plan.mounts):
        if m.label:
            rec(T_MOUNT_LABEL, pack("<I", index) + _s(m.label))
    if plan.masked:
        rec(T_MASK_DATA, _s(plan.mask_data))
    for when, path, value, what in plan.lsm:
        rec(T_LSM, pack("<I", when) + _s(path) + _s(value) + _s(what))
    for clock, secs, nsecs in plan.time_offsets:
        rec(T_TIMEOFF, pack("<IqI", clock, secs, nsecs))
    if plan.seccomp:
        rec(T_SECCOMP, plan.seccomp)
        rec(T_SECCOMP_FLAGS, pack("<I", plan.seccomp_flags))
    if plan.personality is not None:
        rec(T_PERSONALITY, pack("<I", plan.personality))
    if plan.ioprio is not None:
        rec(T_IOPRIO, pack("<I", plan.ioprio))
    if plan.sched is not None:
        rec(T_SCHED, pack("<IiIQQQQ", *plan.sched))
    for which, mask in enumerate(plan.affinity):
        if mask:
            rec(T_AFFINITY, pack("<I", which) + mask)
    for kind, timeout, path, args, env in plan.hooks:
        rec(T_HOOK, pack("<4I", kind, timeout, len(args), len(env)) + _s(path)
            + b"".join(_s(a) for a in args) + b"".join(_s(e) for e in env))
    return b"".join(out)
