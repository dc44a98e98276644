"""linux.seccomp (OCI runtime-spec config-linux.md#seccomp) -> a classic BPF program for the C init.

compile_profile() returns a Filter: the struct sock_filter[] bytes exactly as the kernel takes them,
the SECCOMP_FILTER_FLAG_* bits to pass to seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog), and
whether a notify listener is wanted (the C side then adds SECCOMP_FILTER_FLAG_NEW_LISTENER).

Compilation follows runc (libcontainer/seccomp/seccomp_linux.go): a rule whose action equals the
default action is skipped; an unknown syscall name is skipped with a warning; the conditions of
one rule are ANDed in a single libseccomp rule, unless two of them test the same argument index
(libseccomp rejects that with EINVAL), in which case each condition becomes a rule of its own;
SCMP_ACT_KILL is KILL_THREAD; errnoRet and defaultErrnoRet default to EPERM; the binary-tree
optimisation is on for more than 32 syscalls. Flags are load-time only (libseccomp's LOG and SSB
attributes do not change what export_bpf writes), so they are mapped to bits here and never set
on the libseccomp context.

The -ENOSYS stub (runc's patchbpf rule): unless the default action lets calls through (ALLOW,
LOG, TRACE), a short program is put in front of libseccomp's that returns ENOSYS for any syscall
number above the highest one the profile names, per architecture (the profile's and the native
one). A syscall newer than the profile is then "not implemented", not "not permitted": glibc
and Go fall back from clone3, faccessat2, close_range, openat2 exactly as on an older kernel.
The stub is part of the compiled program, so it is cached with it.

Importing pyseccomp costs 20-50 ms, and podman sends the same ~400-name profile with every
container, so compiled programs are cached: <cache_dir>/<key>.bpf, key = sha256 of a canonical
JSON of the profile + the libseccomp library on disk + kernel and machine + FORMAT. A cache hit
imports nothing heavier than _sha256. The cache directory must be a real directory owned by the
effective user (root) and not writable by group or others; otherwise the cache is not used.
"""
import os
from struct import pack

from . import fastjson
from ._contract import SECCOMP_NEW_LISTENER
from .errors import ConfigError

try:  # hashlib costs ~7 ms (it loads OpenSSL); the builtin module costs ~0.05 ms
    from _sha256 import sha256
except ImportError:  # pragma: no cover (Python 3.12+)
    try:
        from _sha2 import sha256
    except ImportError:
        from hashlib import sha256

FORMAT = 3  # bump when the output OR the validation of a profile changes: a cache hit skips validation
DEFAULT_CACHE_DIR = "/var/cache/pyruntime/seccomp"
CACHE_MAX_ENTRIES = 256             # older entries are pruned when a new one is written
EPERM = 1

# SECCOMP_RET_* (linux/seccomp.h); libseccomp uses the same values for its SCMP_ACT_*
RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO = 0x80000000, 0x00000000, 0x00030000, 0x00050000
RET_USER_NOTIF, RET_TRACE, RET_LOG, RET_ALLOW = 0x7FC00000, 0x7FF00000, 0x7FFC0000, 0x7FFF0000

# action name -> (base value, takes errnoRet)
ACTIONS = {
    "SCMP_ACT_KILL": (RET_KILL_THREAD, False),
    "SCMP_ACT_KILL_THREAD": (RET_KILL_THREAD, False),
    "SCMP_ACT_KILL_PROCESS": (RET_KILL_PROCESS, False),
    "SCMP_ACT_TRAP": (RET_TRAP, False),
    "SCMP_ACT_ERRNO": (RET_ERRNO, True),
    "SCMP_ACT_TRACE": (RET_TRACE, True),
    "SCMP_ACT_ALLOW": (RET_ALLOW, False),
    "SCMP_ACT_LOG": (RET_LOG, False),
    "SCMP_ACT_NOTIFY": (RET_USER_NOTIF, False),
}

# enum scmp_compare
OPERATORS = {
    "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
    "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7,
}

# SCMP_ARCH_* = AUDIT_ARCH_* (EM_* | 64BIT 0x80000000 | LE 0x40000000), as libseccomp 2.5 defines them
ARCHES = {
    "SCMP_ARCH_X86": 0x40000003, "SCMP_ARCH_X86_64": 0xC000003E, "SCMP_ARCH_X32": 0x4000003E,
    "SCMP_ARCH_ARM": 0x40000028, "SCMP_ARCH_AARCH64": 0xC00000B7,
    "SCMP_ARCH_MIPS": 0x00000008, "SCMP_ARCH_MIPS64": 0x80000008, "SCMP_ARCH_MIPS64N32": 0xA0000008,
    "SCMP_ARCH_MIPSEL": 0x40000008, "SCMP_ARCH_MIPSEL64": 0xC0000008, "SCMP_ARCH_MIPSEL64N32": 0xE0000008,
    "SCMP_ARCH_PPC": 0x00000014, "SCMP_ARCH_PPC64": 0x80000015, "SCMP_ARCH_PPC64LE": 0xC0000015,
    "SCMP_ARCH_S390": 0x00000016, "SCMP_ARCH_S390X": 0x80000016,
    "SCMP_ARCH_PARISC": 0x0000000F, "SCMP_ARCH_PARISC64": 0x8000000F,
    "SCMP_ARCH_RISCV64": 0xC00000F3, "SCMP_ARCH_LOONGARCH64": 0xC0000102,
}

ENOSYS = 38

# classic BPF opcodes the -ENOSYS stub uses (linux/bpf_common.h)
BPF_LD_W_ABS, BPF_JA, BPF_JEQ_K, BPF_JGT_K, BPF_JSET_K, BPF_RET_K = 0x20, 0x05, 0x15, 0x25, 0x45, 0x06
X32_SYSCALL_BIT = 0x40000000
AUDIT_ARCH_X86_64 = 0xC000003E
# uname machine -> SCMP_ARCH_* of the native architecture (the stub always covers it, as runc)
NATIVE_ARCH = {"x86_64": "SCMP_ARCH_X86_64", "i686": "SCMP_ARCH_X86", "i386": "SCMP_ARCH_X86",
               "aarch64": "SCMP_ARCH_AARCH64", "armv7l": "SCMP_ARCH_ARM", "armv8l": "SCMP_ARCH_ARM",
               "ppc64le": "SCMP_ARCH_PPC64LE", "ppc64": "SCMP_ARCH_PPC64", "s390x": "SCMP_ARCH_S390X",
               "riscv64": "SCMP_ARCH_RISCV64", "loongarch64": "SCMP_ARCH_LOONGARCH64",
               "mips64": "SCMP_ARCH_MIPS64", "mips": "SCMP_ARCH_MIPS"}

# SECCOMP_FILTER_FLAG_* bits for seccomp(2)
FLAG_TSYNC, FLAG_LOG, FLAG_SPEC_ALLOW = 1, 2, 4
FLAG_NEW_LISTENER = SECCOMP_NEW_LISTENER  # the init sends the listener fd when it is set (contract)
FLAG_TSYNC_ESRCH, FLAG_WAIT_KILLABLE_RECV = 16, 32
FLAGS = {
    # TSYNC: the C init is single-threaded when it loads the filter; runc accepts and ignores it too
    "SECCOMP_FILTER_FLAG_TSYNC": 0,
    "SECCOMP_FILTER_FLAG_LOG": FLAG_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": FLAG_SPEC_ALLOW,
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": FLAG_WAIT_KILLABLE_RECV,
}
# runc (1.2+) sets SPEC_ALLOW when `flags` is absent; an explicit [] means no flags
FLAGS_WHEN_ABSENT = FLAG_SPEC_ALLOW

# Syscalls the C init makes between seccomp(SET_MODE_FILTER) and execve to hand the listener fd
# to the parent: a NOTIFY rule on them would block the init before anyone holds the listener.
NOTIFY_FORBIDDEN = ("write", "sendmsg")  # our init uses sendmsg to hand the listener fd over

_MAGIC = b"PYRTSECC"
_HEADER = 8 + 4 * 5                  # magic, format, flags, notify, len(warnings), len(bpf)
_DIGEST = 32


class Filter:
    """A compiled linux.seccomp: what the C init loads just before execve."""

    __slots__ = ("bpf", "flags", "notify", "listener_path", "listener_metadata", "cache_dir", "cache_key",
                 "warnings")

    def __init__(self, bpf, flags=0, notify=False, listener_path=None, listener_metadata=None):
        self.bpf = bpf                              # struct sock_filter[], 8 bytes per insn, host endian
        self.flags = flags                          # SECCOMP_FILTER_FLAG_* (never NEW_LISTENER)
        self.notify = notify                        # any SCMP_ACT_NOTIFY rule
        self.listener_path = listener_path
        self.listener_metadata = listener_metadata
        # a fresh compile not yet written to the cache (compile_profile(store=False)): store() does
        self.cache_dir = self.cache_key = None
        self.warnings = ()

    def __len__(self):
        return len(self.bpf) // 8

    def __repr__(self):
        return (f"Filter({len(self)} insns, flags={self.flags:#x}, notify={self.notify}, "
                f"listener_path={self.listener_path!r})")


def compile_profile(seccomp, *, cache_dir=DEFAULT_CACHE_DIR, warn=None, store=True):
    """linux.seccomp (a dict from config.json) -> Filter. Raises ConfigError for invalid profiles.

    `warn(message)` receives one message per syscall name unknown to libseccomp (skipped, as runc
    does) and per ignored flag; on a cache hit the warnings of the compile are replayed.
    `cache_dir=None` disables the cache. Without `store` nothing is written (the directory is not
    even made): a fresh compile carries its key, and store(filter) writes it (build_plan's way).
    """
    warn = warn or (lambda message: None)
    listener_path = seccomp.get("listenerPath") or None
    listener_metadata = seccomp.get("listenerMetadata") or None
    key = dir_fd = None
    if cache_dir is not None:
        dir_fd = _open_cache_dir(cache_dir, create=store)
        if dir_fd is not None or not store:
            key = cache_key(seccomp)
    try:
        if dir_fd is not None:
            hit = _cache_read(dir_fd, key)
            if hit is not None:
                bpf, flags, notify, warnings = hit
                for message in warnings:
                    warn(message)
                return Filter(bpf, flags, notify, listener_path, listener_metadata)
        warnings = []
        rules = _validate(seccomp, warnings)
        bpf = _compile(rules, warnings)
        flags, notify = rules.flags, rules.notify
        for message in warnings:
            warn(message)
        f = Filter(bpf, flags, notify, listener_path, listener_metadata)
        if store:
            if dir_fd is not None:
                _cache_write(dir_fd, key, bpf, flags, notify, warnings)
        elif key is not None:
            f.cache_dir, f.cache_key, f.warnings = cache_dir, key, tuple(warnings)
        return f
    finally:
        if dir_fd is not None:
            os.close(dir_fd)


def store(f):
    """Write a filter compiled with compile_profile(store=False) to its cache; no-op for a hit."""
    if not f.cache_key:
        return
    dir_fd = _open_cache_dir(f.cache_dir)
    if dir_fd is None:
        return
    try:
        _cache_write(dir_fd, f.cache_key, f.bpf, f.flags, f.notify, list(f.warnings))
    finally:
        os.close(dir_fd)


# --- validation (no pyseccomp) -------------------------------------------------------------------

class _Rules:
    __slots__ = ("default", "arches", "arch_names", "flags", "notify", "calls")

    def __init__(self):
        self.default = 0
        self.arches = []
        self.arch_names = []  # SCMP_ARCH_* as given (the -ENOSYS stub covers each)
        self.flags = 0
        self.notify = False
        self.calls = []     # [(json path, name, action, [(index, op, value, valueTwo)])]


def _action(name, errno_ret, where):
    if name not in ACTIONS:
        raise ConfigError(where, f"unknown action \"{name}\"")
    base, takes_errno = ACTIONS[name]
    if takes_errno:
        return base | ((EPERM if errno_ret is None else errno_ret) & 0xFFFF)
    if errno_ret is not None:
        # config-linux.md#seccomp: an errno for an action that has none MUST be an error
        ret_path = ("linux.seccomp.defaultErrnoRet" if where.endswith("defaultAction")
                    else where.rsplit(".", 1)[0] + ".errnoRet")
        raise ConfigError(ret_path, f"errnoRet is not allowed with action \"{name}\"")
    return base


def _uint(value, bits, where):
    if type(value) is not int or not 0 <= value < 1 << bits:
        raise ConfigError(where, f"must be an integer between 0 and {(1 << bits) - 1}")
    return value


def _validate(seccomp, warnings):
    base = "linux.seccomp"
    r = _Rules()
    if not isinstance(seccomp, dict):
        raise ConfigError(base, "must be an object")
    if "defaultAction" not in seccomp:
        raise ConfigError(f"{base}.defaultAction", "is required")
    errno_ret = seccomp.get("defaultErrnoRet")
    if errno_ret is not None:
        _uint(errno_ret, 32, f"{base}.defaultErrnoRet")
    r.default = _action(seccomp["defaultAction"], errno_ret, f"{base}.defaultAction")
    if r.default == RET_USER_NOTIF:
        raise ConfigError(f"{base}.defaultAction", "SCMP_ACT_NOTIFY cannot be used as default action")

    for i, arch in enumerate(seccomp.get("architectures") or ()):
        if arch not in ARCHES:
            raise ConfigError(f"{base}.architectures[{i}]", f"unknown architecture \"{arch}\"")
        r.arches.append((i, ARCHES[arch]))
        r.arch_names.append(arch)

    flags = seccomp.get("flags")
    if flags is None:
        r.flags = FLAGS_WHEN_ABSENT
    for i, flag in enumerate(flags or ()):
        if flag not in FLAGS:
            raise ConfigError(f"{base}.flags[{i}]", f"seccomp flag \"{flag}\" is not known")
        r.flags |= FLAGS[flag]

    for i, call in enumerate(seccomp.get("syscalls") or ()):
        where = f"{base}.syscalls[{i}]"
        if not isinstance(call, dict):
            raise ConfigError(where, "must be an object")
        names = call.get("names")
        if not names:
            raise ConfigError(f"{where}.names", "must list at least one syscall")
        if "action" not in call:
            raise ConfigError(f"{where}.action", "is required")
        ret = call.get("errnoRet")
        if ret is not None:
            _uint(ret, 32, f"{where}.errnoRet")
        action = _action(call["action"], ret, f"{where}.action")
        args = []
        for k, arg in enumerate(call.get("args") or ()):
            awhere = f"{where}.args[{k}]"
            index = _uint(arg.get("index"), 32, f"{awhere}.index")
            if index > 5:
                raise ConfigError(f"{awhere}.index", "syscalls have at most 6 arguments (index 0-5)")
            op = arg.get("op")
            if op not in OPERATORS:
                raise ConfigError(f"{awhere}.op", f"unknown operator \"{op}\"")
            value = _uint(arg.get("value", 0), 64, f"{awhere}.value")
            value2 = _uint(arg.get("valueTwo", 0), 64, f"{awhere}.valueTwo")
            args.append((index, OPERATORS[op], value, value2))
        for j, name in enumerate(names):
            if not isinstance(name, str) or not name:
                raise ConfigError(f"{where}.names[{j}]", "must be a syscall name")
            if action == RET_USER_NOTIF:
                if name in NOTIFY_FORBIDDEN:
                    raise ConfigError(f"{where}.names[{j}]",
                                      f"SCMP_ACT_NOTIFY cannot be used for the {name} syscall")
                r.notify = True
            r.calls.append((f"{where}.names[{j}]", name, action, args))

    if r.notify and not seccomp.get("listenerPath"):
        raise ConfigError(f"{base}.listenerPath", "is required when a syscall uses SCMP_ACT_NOTIFY")
    if r.flags & FLAG_WAIT_KILLABLE_RECV and not r.notify:
        # the kernel accepts it only together with NEW_LISTENER (EINVAL otherwise)
        warnings.append("seccomp flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: "
                        "no syscall uses SCMP_ACT_NOTIFY")
        r.flags &= ~FLAG_WAIT_KILLABLE_RECV
    return r


# --- compilation (pyseccomp) ---------------------------------------------------------------------

def _compile(rules, warnings):
    import pyseccomp as S  # noqa: PLC0415 (20-50 ms: only a cache miss pays for it)

    base = "linux.seccomp"
    try:
        f = S.SyscallFilter(rules.default)
    except OSError as e:
        raise ConfigError(f"{base}.defaultAction", f"libseccomp rejects it: {e.strerror}") from None
    for i, arch in rules.arches:
        try:
            f.add_arch(arch)
        except OSError as e:
            if e.errno != 17:  # EEXIST: the native arch, already in the filter
                raise ConfigError(f"{base}.architectures[{i}]",
                                  f"libseccomp cannot add it: {e.strerror}") from None
    if len(rules.calls) > 32:
        try:
            f.set_attr(S.Attr.CTL_OPTIMIZE, 2)  # binary tree, as runc
        except OSError:
            pass
    for where, name, action, args in rules.calls:
        if action == rules.default:
            continue  # redundant; libseccomp would refuse it with EACCES
        nr = S.resolve_syscall(S.Arch.NATIVE, name)
        if nr == -1:  # __NR_SCMP_ERROR; negative pseudo numbers are fine (other arches)
            message = f"unknown seccomp syscall \"{name}\" ignored"
            if message not in warnings:
                warnings.append(message)
            continue
        conds = [S.Arg(index, op, a, b) for index, op, a, b in args]
        indexes = [c[0] for c in args]
        if len(set(indexes)) == len(indexes):
            groups = [conds]
        else:
            groups = [[c] for c in conds]  # runc: each condition becomes its own rule (ORed)
        for group in groups:
            try:
                f.add_rule(action, nr, *group)
            except OSError as e:
                raise ConfigError(where, f"error adding seccomp filter rule for syscall {name}: "
                                  f"{e.strerror}") from None
    return enosys_stub(rules, S.resolve_syscall) + _export(f)


# --- the -ENOSYS stub ----------------------------------------------------------------------------

def _wants_stub(default):
    """runc adds the stub unless the default action lets unknown calls through; a default of
    ERRNO(ENOSYS) already says what the stub would."""
    if default in (RET_ALLOW, RET_LOG) or (default & 0xFFFF0000) == RET_TRACE:
        return False
    return default != RET_ERRNO | ENOSYS


def _highest(rules, arch, resolve):
    """The highest syscall number the profile names on `arch` (libseccomp's resolver); 0 if none."""
    top = 0
    for _where, name, _action, _args in rules.calls:
        nr = resolve(ARCHES[arch], name)
        if nr > top:  # -1: unknown; other negatives: libseccomp's pseudo numbers (not on this arch)
            top = nr
    return top


def enosys_stub(rules, resolve, machine=None):
    """The program put in front of libseccomp's (runc's patchbpf rule, docs/security.md): for
    each architecture of the profile (and the native one), a syscall number above the highest
    the profile names returns ENOSYS; everything else falls through to the filter. x86_64 and
    x32 share an audit arch and differ by X32_SYSCALL_BIT; s390's multiplexer (0) is ENOSYS too.
    Conditional jumps only reach the next instructions; longer ones are `ja` (any distance)."""
    if not _wants_stub(rules.default):
        return b""
    names = list(dict.fromkeys(rules.arch_names))
    native = NATIVE_ARCH.get(machine or os.uname().machine)
    if native and native not in names:
        names.append(native)
    # audit arch -> {SCMP arch name: highest syscall number}
    sections = {}
    for arch in names:
        top = _highest(rules, arch, resolve)
        if top <= 0:
            continue  # nothing named on this arch: the filter decides alone
        audit = AUDIT_ARCH_X86_64 if arch == "SCMP_ARCH_X32" else ARCHES[arch]
        sections.setdefault(audit, {})[arch] = top
    if not sections:
        return b""
    prog = []  # (code, jt, jf, k) with jt/jf relative, or ("ja", label)

    def ja(label):
        prog.append(("ja", label))
    prog.append((BPF_LD_W_ABS, 0, 0, 4))  # seccomp_data.arch
    order = sorted(sections)
    for i, audit in enumerate(order):
        prog.append((BPF_JEQ_K, 0, 1, audit))
        ja(f"arch{i}")
    ja("filter")
    for i, audit in enumerate(order):
        tops = sections[audit]
        prog.append(("label", f"arch{i}"))
        prog.append((BPF_LD_W_ABS, 0, 0, 0))  # seccomp_data.nr
        if set(tops) & {"SCMP_ARCH_S390", "SCMP_ARCH_S390X"}:
            prog.append((BPF_JEQ_K, 0, 1, 0))  # unknown numbers reach the kernel as setup(2)
            ja("enosys")
        if audit == AUDIT_ARCH_X86_64:
            x64, x32 = tops.get("SCMP_ARCH_X86_64"), tops.get("SCMP_ARCH_X32")
            # bit set: an x32 call; each mode compared with its own highest number, or left alone
            prog.append((BPF_JSET_K, 0, 1, X32_SYSCALL_BIT))
            ja(f"x32_{i}")
            _compare(prog, x64, ja)
            prog.append(("label", f"x32_{i}"))
            _compare(prog, x32, ja)
        else:
            _compare(prog, max(tops.values()), ja)
    prog.append(("label", "enosys"))
    prog.append((BPF_RET_K, 0, 0, RET_ERRNO | ENOSYS))
    prog.append(("label", "filter"))
    return _assemble(prog)


def _compare(prog, top, ja):
    if top is None:
        ja("filter")
        return
    prog.append((BPF_JGT_K, 0, 1, top))
    ja("enosys")
    ja("filter")


def _assemble(prog):
    at, n = {}, 0
    for item in prog:
        if item[0] == "label":
            at[item[1]] = n
        else:
            n += 1
    out, n = [], 0
    for item in prog:
        if item[0] == "label":
            continue
        n += 1
        if item[0] == "ja":
            out.append(pack("=HBBI", BPF_JA, 0, 0, at[item[1]] - n))
        else:
            out.append(pack("=HBBI", *item))
    return b"".join(out)


def _export(f):
    try:
        fd = os.memfd_create("pyruntime-seccomp", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        import tempfile  # noqa: PLC0415
        fd = os.dup(tempfile.TemporaryFile().fileno())

    class _File:
        def fileno(self):
            return fd
    try:
        f.export_bpf(_File())
        size = os.lseek(fd, 0, os.SEEK_END)
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while size > 0:
            chunk = os.read(fd, size)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        bpf = b"".join(chunks)
    finally:
        os.close(fd)
    if not bpf or len(bpf) % 8:
        raise RuntimeError(f"libseccomp exported a malformed BPF program ({len(bpf)} bytes)")
    return bpf


# --- the cache -----------------------------------------------------------------------------------

def canonical_json(obj):
    """JSON with sorted keys and no spaces: equal profiles give equal text whatever the dict order."""
    out = []
    _canon(obj, out)
    return "".join(out)


_str = fastjson._str


def _canon(obj, out):
    if isinstance(obj, dict):
        out.append("{")
        for n, k in enumerate(sorted(obj)):
            if n:
                out.append(",")
            out.append(_str(k))
            out.append(":")
            _canon(obj[k], out)
        out.append("}")
    elif isinstance(obj, (list, tuple)):
        out.append("[")
        for n, v in enumerate(obj):
            if n:
                out.append(",")
            _canon(v, out)
        out.append("]")
    elif isinstance(obj, str):
        out.append(_str(obj))
    else:
        out.append(fastjson.dumps(obj))  # null, true, false, numbers


_LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib")


def library_fingerprint():
    """Which libseccomp.so.2 a compile would load, without loading it: real path, size, mtime.

    The same library in the same file compiles a profile to the same program; an upgrade changes
    the file and so every key."""
    import sys  # noqa: PLC0415 (already imported: free)
    multiarch = getattr(sys.implementation, "_multiarch", "")
    dirs = [f"{d}/{multiarch}" for d in ("/lib", "/usr/lib") if multiarch] + list(_LIB_DIRS)
    for d in dirs:
        path = f"{d}/libseccomp.so.2"
        try:
            st = os.stat(path)
        except OSError:
            continue
        return f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"
    return "libseccomp:unknown"


def cache_key(seccomp):
    """sha256 hex of the profile (canonical JSON) + libseccomp on disk + kernel, machine, FORMAT."""
    u = os.uname()
    h = sha256(f"pyruntime-seccomp\0{FORMAT}\0{library_fingerprint()}\0{u.machine}\0{u.release}\0"
               .encode())
    h.update(canonical_json(seccomp).encode())
    return h.hexdigest()


def _open_cache_dir(path, create=True):
    """An O_DIRECTORY fd on the cache directory if it is safe to use, else None (no caching).

    Created 0700 when missing (with `create`). Refused: a symlink, not owned by the effective user
    (root), or writable by group or others. Everything else happens relative to this fd."""
    euid = os.geteuid()
    if create:
        try:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    st = os.fstat(fd)
    if st.st_uid != euid or st.st_mode & 0o022:
        os.close(fd)
        return None
    return fd


def _cache_read(dir_fd, key):
    """(bpf, flags, notify, warnings) from <key>.bpf, or None when missing, unsafe or damaged."""
    try:
        fd = os.open(key + ".bpf", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (st.st_mode & 0o170000) != 0o100000 or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            return None
        if st.st_size > 1 << 22:
            return None
        data = os.read(fd, st.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return _decode_entry(data)


def _u32(data, at):
    return int.from_bytes(data[at:at + 4], "little")


def _encode_entry(bpf, flags, notify, warnings):
    text = "\n".join(warnings).encode()
    body = b"".join((_MAGIC, FORMAT.to_bytes(4, "little"), flags.to_bytes(4, "little"),
                     int(notify).to_bytes(4, "little"), len(text).to_bytes(4, "little"),
                     len(bpf).to_bytes(4, "little"), text, bpf))
    return body + sha256(body).digest()


def _decode_entry(data):
    if len(data) < _HEADER + _DIGEST or data[:8] != _MAGIC:
        return None
    body, digest = data[:-_DIGEST], data[-_DIGEST:]
    if _u32(data, 8) != FORMAT:
        return None
    nwarn, nbpf = _u32(data, 20), _u32(data, 24)
    if _HEADER + nwarn + nbpf != len(body) or not nbpf or nbpf % 8:
        return None
    if sha256(body).digest() != digest:
        return None
    text = body[_HEADER:_HEADER + nwarn].decode("utf-8", "replace")
    return body[_HEADER + nwarn:], _u32(data, 12), bool(_u32(data, 16)), text.split("\n") if text else []


def _cache_write(dir_fd, key, bpf, flags, notify, warnings):
    """Write <key>.bpf atomically (a private temporary file renamed over it). Failures are ignored:
    the cache only saves time."""
    tmp = f".{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    data = _encode_entry(bpf, flags, notify, warnings)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600, dir_fd=dir_fd)
    except OSError:
        return
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.rename(tmp, key + ".bpf", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        return
    _prune(dir_fd)


def _prune(dir_fd, keep=None):
    """Keep the cache at CACHE_MAX_ENTRIES entries: remove the least recently written ones."""
    keep = CACHE_MAX_ENTRIES if keep is None else keep
    try:
        names = [n for n in os.listdir(dir_fd) if n.endswith(".bpf")]
    except OSError:
        return
    if len(names) <= keep:
        return
    aged = []
    for n in names:
        try:
            aged.append((os.stat(n, dir_fd=dir_fd, follow_symlinks=False).st_mtime_ns, n))
        except OSError:
            pass
    aged.sort()
    for _, n in aged[:len(aged) - keep]:
        try:
            os.unlink(n, dir_fd=dir_fd)
        except OSError:
            pass


# --- features ------------------------------------------------------------------------------------

def features():
    """linux.seccomp of the `features` document (runtime-spec features-linux.md), without pyseccomp."""
    return {
        "enabled": True,
        "actions": sorted(ACTIONS),
        "operators": sorted(OPERATORS),
        "archs": sorted(ARCHES),
        "knownFlags": sorted(FLAGS),
        "supportedFlags": sorted(FLAGS),  # TSYNC: accepted and ignored, as runc
    }
