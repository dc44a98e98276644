"""The Python/C contract, written once: every number the runtime and pyruntime-init must agree on.

From this table build.py generates both sides (`python pyruntime/_native/contract.py` does the
same by hand, `--check` only compares):
  * pyruntime/_native/contract.h, included by init.h: #defines and enums for the C program;
  * pyruntime/_contract.py: the same names as plain constants, imported by plan.py, plan_wire.py,
    launch.py, seccomp.py and limits.py.
Both are committed (the fuzz targets, the sanitizer build and tests/contract/plandump.c compile
the C sources without build.py) and marked generated; tests/unit/test_contract.py fails when they
are stale, and tests/contract/ decodes random Plans with the C decoder (plan.c) to prove the
encoder and the decoder read the same record layouts.

Change a number here, never in a generated file. A record tag or flag bit once used is not
reused: an init and a runtime of different builds never meet (the init runs from the runtime's
own package), but a retired number kept retired keeps old Plans (fuzz seeds, dumps) readable.
Nothing here is imported at run time: this module only writes the other two.
"""
import os
import sys

# (name, value, comment). The comment goes to both generated files.
LIMITS = [  # the init's tables: how many entries of each kind; plan.check_limits refuses more
    ("NAMESPACES", 16, ""),
    ("MOUNTS", 512, ""),
    ("DEVICES", 512, ""),
    ("LINKS", 64, ""),
    ("MASKED", 512, ""),
    ("READONLY", 512, ""),
    ("SYSCTLS", 512, ""),
    ("RLIMITS", 32, ""),
    ("GROUPS", 65536, "the kernel's NGROUPS_MAX"),
    ("ARGS", 4096, ""),
    ("ENV", 4096, "HOME looked up by the init counts too"),
    ("TIME_OFFSETS", 8, ""),
    ("HOOKS", 32, "createContainer and startContainer together"),
    ("HOOK_ARGS", 64, ""),
    ("HOOK_ENV", 256, ""),
    ("CGROUP_TASKS", 16, "v1 `tasks` files the init writes itself (one per hierarchy)"),
    ("SECCOMP_INSNS", 4096, "the kernel's BPF_MAXINSNS"),
    ("LSM", 8, "LSM attributes (three at most today: keyring, AppArmor, SELinux)"),
]

PLAN_MAGIC = 0x50525950  # "PYRP"
PLAN_VERSION = 1

# Record tags of the Plan: u32 tag, u32 length, payload (little-endian; strings NUL-terminated).
# The comment is the payload's layout, which plan_wire.encode writes and plan.c reads.
TAGS = [
    ("T_FLAGS", 1, "u32 flags (enum plan_flags)"),
    ("T_NS", 2, "u32 clone flag, str path (\"\" = new)"),
    ("T_ROOTFS", 3, "str absolute host path"),
    ("T_ROOTPROP", 4, "u64 propagation flags for \"/\""),
    ("T_MOUNT", 5, "u64 flags, u64 cleared flags, u64 propagation, u64 attr_set, u64 attr_clr, "
                   "u32 extra (enum mount_extra), str src, dst, type, data"),
    ("T_DEVICE", 6, "u32 mode (type|perm), u32 major, u32 minor, u32 uid, u32 gid, u32 bind, str path"),
    ("T_SYMLINK", 7, "str target, str link path"),
    ("T_MASK", 8, "str path"),
    ("T_READONLY", 9, "str path"),
    ("T_HOSTNAME", 10, "str"),
    ("T_DOMAINNAME", 11, "str"),
    ("T_RLIMIT", 12, "u32 resource, u64 soft, u64 hard"),
    ("T_USER", 13, "u32 uid, u32 gid, u32 umask (0xffffffff: keep), u32 n, u32 gids[n]"),
    ("T_CAPS", 14, "u64 bounding, effective, permitted, inheritable, ambient; u32 last_cap"),
    ("T_ARG", 15, "str, repeated"),
    ("T_ENV", 16, "str, repeated"),
    ("T_CWD", 17, "str"),
    ("T_CONSOLE", 18, "u32 rows, u32 cols"),
    ("T_OOM", 19, "i32 oom_score_adj (absent: leave it)"),
    ("T_FDS", 20, "i32 console socket fd, i32 state dir fd, u32 preserve_fds"),
    ("T_TIMEOFF", 21, "u32 clock id, i64 secs, u32 nsecs"),
    ("T_SYSCTL", 22, "str key (path under /proc/sys), str value"),
    ("T_SECCOMP", 23, "raw BPF program bytes (struct sock_filter[])"),
    ("T_SECCOMP_FLAGS", 24, "u32 SECCOMP_FILTER_FLAG_*"),
    ("T_HOOK", 25, "u32 kind (enum hook_kind), u32 timeout s, u32 nargs, u32 nenv, str path, args, env"),
    ("T_PERSONALITY", 26, "u32 persona"),
    ("T_IOPRIO", 27, "u32 ioprio value (class << 13 | level)"),
    ("T_SCHED", 28, "u32 policy, i32 nice, u32 priority, u64 flags, u64 runtime, u64 deadline, u64 period"),
    ("T_AFFINITY", 29, "u32 which (0 initial, 1 final), then the cpu mask bytes"),
    ("T_CGROUP", 30, "i32 cgroup2 dir fd (-1: none), u32 n, i32 v1 `tasks` fds[n]: join them ourselves"),
    # 31: retired (a pre-made idmapped tree; now asked for with MSG_MOUNT_PLEASE)
    ("T_LSM", 32, "u32 when (enum lsm_when), str path under /proc, str value, str what (for errors)"),
    ("T_MOUNT_LABEL", 33, "u32 index of a T_MOUNT, str SELinux label for its root (security.selinux)"),
    ("T_MASK_DATA", 34, "str mount data of the read-only tmpfs over a masked directory"),
    ("T_KEYRING", 60, "str name of the session keyring to join (absent: keep the caller's)"),
]
RETIRED_TAGS = [31]

# enum plan_flags: bits of T_FLAGS. Retired: 1 << 6 was F_HAS_OOM (now: a T_OOM record exists).
FLAGS = [
    ("F_NO_PIVOT", 1 << 0, "chroot instead of pivot_root (--no-pivot, or no mount namespace)"),
    ("F_ROOT_READONLY", 1 << 1, "root.readonly"),
    ("F_TERMINAL", 1 << 2, "process.terminal: the init allocates a pty"),
    ("F_SETUP_DEV", 1 << 3, "the runtime made /dev (no bind of it): stdio's /dev/null is reopened there"),
    ("F_NO_NEW_PRIVS", 1 << 4, "process.noNewPrivileges"),
    ("F_HOOKS_SYNC", 1 << 5, "stop before pivot_root so the parent can run hooks"),
    ("F_EXEC", 1 << 7, "exec into an existing container: no rootfs work, no fifo"),
    ("F_SETSID", 1 << 8, "a session of its own"),
    ("F_HOME", 1 << 9, "look HOME up in the container's /etc/passwd (passwd.c)"),
    ("F_RELAY", 1 << 14, "the runtime relays this terminal itself: ONLCR off (runc)"),
    ("F_CPUSET", 1 << 16, "linux.resources.cpu.cpus is set: a refused scheduler says why (runc)"),
]
RETIRED_FLAGS = [1 << 6]

# enum mount_extra: the u32 `extra` of T_MOUNT
MOUNT_EXTRA = [
    ("M_BIND", 1 << 0, ""),
    ("M_TMPCOPYUP", 1 << 1, ""),
    ("M_PROCLIKE", 1 << 2, "proc/sysfs: destination must be an ordinary directory"),
    ("M_REMOUNT", 1 << 3, "change the flags of what is already mounted at the destination"),
    ("M_IDMAP", 1 << 4, "a bind whose idmapped tree the parent makes on request (move_mount it)"),
    ("M_LATE_RO", 1 << 5, "mounted writable, remounted read-only once the rootfs is complete"),
    ("M_SRC_IN_ROOT", 1 << 6, "a bind source inside the rootfs (src = rootfs + path): resolved in the root"),
    ("M_RO_KERNEL", 1 << 7, "read-only bind: the kernel interfaces below it (or it, if one) turn read-only "
                            "recursively (plan.py decides)"),
]

# enum sync_msg: SOCK_SEQPACKET messages, u32 type then the payload
SYNC = [
    ("MSG_GO", 1, "parent -> init: cgroup placed, proceed"),
    ("MSG_NEED_MAPS", 2, "stage 1 -> parent: u32 pid; write uid_map/gid_map now"),
    ("MSG_MAPS_DONE", 3, "parent -> stage 1"),
    ("MSG_CHILD_PID", 4, "stage 1 -> parent: u32 pid of stage 2 (host pid); before any message of stage 2"),
    ("MSG_HOOKS", 5, "stage 2 -> parent: run prestart/createRuntime hooks"),
    ("MSG_HOOKS_DONE", 6, "parent -> stage 2: no payload; SCM_RIGHTS: two sealed memfds, the state for "
                          "createContainer and the one for startContainer hooks"),
    ("MSG_READY", 7, "stage 2 -> parent: set up, about to wait on the exec fifo"),
    ("MSG_ERROR", 8, "any -> parent: u32 errno (0: none), u32 step (enum init_step), then text"),
    ("MSG_SECCOMP_FD", 9, "stage 2 -> parent: the seccomp notify listener fd (SCM_RIGHTS)"),
    ("MSG_MOUNT_PLEASE", 10, "stage 2 -> parent: u32 mount index; open its source for me"),
    ("MSG_MOUNT_FD", 11, "parent -> stage 2: u32 kind (enum mount_source), the fd (SCM_RIGHTS)"),
    # 20, 21: retired (MSG_NEED_TIMENS / MSG_TIMENS_DONE: the parent wrote linux.timeOffsets; stage 1
    # now writes them itself, ns.c says why)
]

# sizes of the sync protocol
SYNC_SIZES = [
    ("SYNC_MAX_PAYLOAD", 64, "what a message from the parent may carry besides its type"),
    ("SYNC_MAX_FDS", 4, "fds one message may carry"),
    ("ERROR_MAX", 2048, "MSG_ERROR's payload at most (errno, step, text): the text is cut to fit"),
]

# enum init_step: where the init was when it failed (MSG_ERROR); the name is the Python side's
STEPS = [
    ("STEP_PLAN", 0, "plan", "reading the Plan, closing the caller's fds"),
    ("STEP_CGROUP", 1, "cgroup", "stage 0/1: joining the cgroups, oom_score_adj"),
    ("STEP_NAMESPACES", 2, "namespaces", "stage 1: setns, unshare, user and time namespace, fork"),
    ("STEP_ROOTFS", 3, "rootfs", "stage 2: keyring, mounts, devices, masks, pivot_root"),
    ("STEP_HOOKS", 4, "hooks", "stage 2: createContainer hooks"),
    ("STEP_PROCESS", 5, "process", "stage 2: hostname to exec lookup: identity, LSM, seccomp"),
    ("STEP_START", 6, "start", "waiting for `start`, startContainer hooks"),
]

ENUMS = [  # (C enum name, entries)
    ("hook_kind", [("HOOK_CREATE_CONTAINER", 0, ""), ("HOOK_START_CONTAINER", 1, "")]),
    # when the init writes an LSM attribute: at the start of stage 2 (the keyring label), or before
    # the process's seccomp filter and identity (the labels that apply at execve)
    ("lsm_when", [("LSM_KEYRING", 0, ""), ("LSM_EXEC", 1, "")]),
    # what MSG_MOUNT_FD carries: an O_PATH handle to bind-mount through /proc/self/fd, or a
    # detached tree (open_tree, idmapped when asked) to attach with move_mount
    ("mount_source", [("MS_SOURCE_PLAIN", 0, ""), ("MS_SOURCE_TREE", 1, "")]),
]

# SECCOMP_FILTER_FLAG_NEW_LISTENER: plan.py sets it in T_SECCOMP_FLAGS for a profile with
# SCMP_ACT_NOTIFY; the init then sends the fd seccomp(2) returns to the parent (MSG_SECCOMP_FD)
SECCOMP_NEW_LISTENER = 8

HERE = os.path.dirname(os.path.abspath(__file__))
C_OUT = os.path.join(HERE, "contract.h")
PY_OUT = os.path.join(os.path.dirname(HERE), "_contract.py")
BANNER = "GENERATED by pyruntime/_native/contract.py (run by build.py): do not edit; edit contract.py"


def _hex(v):
    return f"0x{v:x}" if v >= 1 << 10 else str(v)


def _c_comment(text):
    return f" /* {text} */" if text else ""


def _c_enum(name, entries, shift=False):
    lines = [f"enum {name} {{"]
    for n, v, comment in entries:
        value = f"1u << {v.bit_length() - 1}" if shift else str(v)
        lines.append(f"    {n} = {value},{_c_comment(comment)}")
    return lines + ["};", ""]


def render_c():
    out = [f"/* {BANNER}.", " * The Python/C contract of pyruntime-init: included by init.h. */",
           "#ifndef PYRUNTIME_CONTRACT_H", "#define PYRUNTIME_CONTRACT_H", "",
           "/* the init's limits: how many entries of each kind its tables hold */"]
    out += [f"#define LIMIT_{n} {v}{_c_comment(c)}" for n, v, c in LIMITS]
    out += ["", f"#define PLAN_MAGIC 0x{PLAN_MAGIC:08x}u", f"#define PLAN_VERSION {PLAN_VERSION}u", ""]
    out += [f"/* record tags: u32 tag, u32 length, payload; retired: {', '.join(map(str, RETIRED_TAGS))} */"]
    out += _c_enum("plan_tag", TAGS)
    out += [f"/* bits of T_FLAGS; retired: {', '.join(f'1u << {b.bit_length() - 1}' for b in RETIRED_FLAGS)} */"]
    out += _c_enum("plan_flags", FLAGS, shift=True)
    out += ["/* the `extra` bits of T_MOUNT */"] + _c_enum("mount_extra", MOUNT_EXTRA, shift=True)
    out += ["/* sync protocol (SOCK_SEQPACKET): u32 type, then the payload */"] + _c_enum("sync_msg", SYNC)
    out += [f"#define {n} {v}{_c_comment(c)}" for n, v, c in SYNC_SIZES] + [""]
    out += ["/* where the init was when it failed: MSG_ERROR's step */"]
    out += _c_enum("init_step", [(n, v, f"{name}: {c}") for n, v, name, c in STEPS])
    for name, entries in ENUMS:
        out += _c_enum(name, entries)
    out += ["/* SECCOMP_FILTER_FLAG_NEW_LISTENER in T_SECCOMP_FLAGS: send the listener fd (MSG_SECCOMP_FD) */",
            f"#define SECCOMP_NEW_LISTENER {SECCOMP_NEW_LISTENER}u", "", "#endif", ""]
    return "\n".join(out)


def _py_line(n, v, comment):
    return f"{n} = {_hex(v)}" + (f"  # {comment}" if comment else "")


def render_py():
    out = [f'"""{BANNER}.', "", "The Python/C contract of pyruntime-init: the numbers of pyruntime/_native/contract.h.",
           '"""', "", "LIMITS = {"]
    out += [f"    {n!r}: {v},{'  # ' + c if c else ''}" for n, v, c in LIMITS] + ["}", ""]
    out += [f"PLAN_MAGIC, PLAN_VERSION = 0x{PLAN_MAGIC:08x}, {PLAN_VERSION}", "", "# record tags"]
    out += [_py_line(*t) for t in TAGS]
    out += [f"RETIRED_TAGS = {tuple(RETIRED_TAGS)!r}", "", "# plan flags (T_FLAGS)"]
    out += [_py_line(*t) for t in FLAGS]
    out += [f"RETIRED_FLAGS = {tuple(RETIRED_FLAGS)!r}", "", "# mount extra bits (T_MOUNT)"]
    out += [_py_line(*t) for t in MOUNT_EXTRA] + ["", "# sync messages"]
    out += [_py_line(*t) for t in SYNC] + [_py_line(*t) for t in SYNC_SIZES] + ["", "# init steps (MSG_ERROR)"]
    out += [_py_line(n, v, c) for n, v, _, c in STEPS]
    out += ["STEP_NAMES = {" + ", ".join(f"{v}: {name!r}" for _, v, name, _ in STEPS) + "}", ""]
    for name, entries in ENUMS:
        out += [f"# enum {name}"] + [_py_line(*t) for t in entries] + [""]
    out += [_py_line("SECCOMP_NEW_LISTENER", SECCOMP_NEW_LISTENER, "SECCOMP_FILTER_FLAG_NEW_LISTENER"), ""]
    return "\n".join(out)


def outputs():
    return [(C_OUT, render_c()), (PY_OUT, render_py())]


def stale():
    """The generated files that differ from what this table makes."""
    bad = []
    for path, text in outputs():
        try:
            with open(path) as f:
                if f.read() == text:
                    continue
        except FileNotFoundError:
            pass
        bad.append(path)
    return bad


def write():
    for path, text in outputs():
        try:
            with open(path) as f:
                if f.read() == text:
                    continue  # keep the mtime: make-like tools need not rebuild
        except FileNotFoundError:
            pass
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        bad = stale()
        for path in bad:
            print(f"stale: {path} (run python pyruntime/_native/contract.py)", file=sys.stderr)
        sys.exit(1 if bad else 0)
    write()
