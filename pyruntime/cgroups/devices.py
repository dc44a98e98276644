"""Device access rules: the effective rule list, v1 devices.allow/deny lines, the v2 eBPF program.

The rule list a container gets (first to last; the last matching rule decides, on v1 and v2):
  implicit "deny all", runc's default allow-list (mknod of anything; null, zero, full, random,
  urandom, tty, ptmx, pts, tun; a default whose path linux.devices redefines is left out, as runc
  does), then the user's linux.resources.devices in order. A linux.devices node gets no rule of its
  own: it is usable only where linux.resources.devices allows it (runc's rule; an implicit allow
  would let a node through a deny the user wrote). A *leading* user "deny all" (type a, no
  major/minor, rwm: what `runc spec` and every engine put first) restates the implicit start and is
  dropped, so it does not undo the defaults; any later rule, a deny-all included, overrides what came
  before. (runc puts the defaults after the user's rules, so a user's deny of /dev/null is undone;
  here the user's rules come last and decide.)

v1 applies the rules itself (devices.deny "a", then each rule). For v2 the v1 kernel's algorithm is
emulated (emulate(): allow-all or deny-all plus an exception list; an allow adds to / a deny removes
from the exceptions in deny-all mode and the reverse in allow-all mode, exact type:major:minor only,
so a deny never punches a hole in a wildcard exception), and the BPF_PROG_TYPE_CGROUP_DEVICE program
checks the resulting exceptions: in deny-all mode a request is allowed when its access is a subset of
a matching exception's, in allow-all mode denied when it overlaps one. runc does the same with its
devices emulator. A type "a" rule that is not "a *:* rwm" counts as one rule for c and one for b
(the v1 kernel would read any "a ..." as everything).
"""
import struct

# runc's AllowedDevices (libcontainer/specconv): (type, major, minor, access, path)
DEFAULT_ALLOWED = (
    ("c", -1, -1, "m", None), ("b", -1, -1, "m", None),
    ("c", 1, 3, "rwm", "/dev/null"), ("c", 1, 8, "rwm", "/dev/random"), ("c", 1, 7, "rwm", "/dev/full"),
    ("c", 5, 0, "rwm", "/dev/tty"), ("c", 1, 5, "rwm", "/dev/zero"), ("c", 1, 9, "rwm", "/dev/urandom"),
    ("c", 136, -1, "rwm", None), ("c", 5, 2, "rwm", None), ("c", 10, 200, "rwm", None),
)


def _norm_access(a):
    a = a or "rwm"
    return "".join(ch for ch in "rwm" if ch in a)


def norm_rule(d):
    """OCI LinuxDeviceCgroup -> (allow, type, major, minor, access); -1 = any."""
    maj = d.get("major")
    mnr = d.get("minor")
    return (bool(d.get("allow")), d.get("type") or "a", -1 if maj is None else maj,
            -1 if mnr is None else mnr, _norm_access(d.get("access")))


def _is_all(rule):
    _, t, maj, mnr, acc = rule
    return t == "a" and maj == -1 and mnr == -1 and acc == "rwm"


def effective_rules(linux_devices, user_rules, defaults=True):
    """The rule list (see the module docstring). `linux_devices`: linux.devices entries (only
    their paths matter here)."""
    rules = []
    if defaults:
        redefined = {d.get("path") for d in linux_devices or [] if isinstance(d, dict)}
        rules.extend((True, t, maj, mnr, acc) for t, maj, mnr, acc, path in DEFAULT_ALLOWED
                     if path is None or path not in redefined)
    user = [norm_rule(d) for d in user_rules or []]
    while user and _is_all(user[0]) and not user[0][0]:
        user.pop(0)
    return rules + [r for r in user if r[4]]  # access letters of none of r, w, m: no rule at all


def _line(t, maj, mnr, acc):
    return f"{t} {'*' if maj == -1 else maj}:{'*' if mnr == -1 else mnr} {acc}"


def v1_lines(rules):
    """[(file, line)] to write in order: deny everything, then each rule."""
    out = [("devices.deny", "a")]
    for allow, t, maj, mnr, acc in rules:
        f = "devices.allow" if allow else "devices.deny"
        if t == "a":
            if maj == -1 and mnr == -1 and acc == "rwm":
                out.append((f, "a"))
                continue
            # the kernel reads "a ..." as everything whatever follows: spell it out per type
            out.append((f, _line("c", maj, mnr, acc)))
            out.append((f, _line("b", maj, mnr, acc)))
            continue
        out.append((f, _line(t, maj, mnr, acc)))
    return out


# -- eBPF -------------------------------------------------------------------------------------
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6  # attach type
BPF_PROG_LOAD, BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_GET_FD_BY_ID, BPF_PROG_QUERY = 5, 8, 9, 13, 16
BPF_F_ALLOW_MULTI = 2
ACC_MKNOD, ACC_READ, ACC_WRITE = 1, 2, 4
DEV_BLOCK, DEV_CHAR = 1, 2
LICENSE = b"Apache\0"

# opcodes
LDXW = 0x61        # BPF_LDX | BPF_MEM | BPF_W
AND32_K = 0x54     # BPF_ALU | BPF_AND | BPF_K
RSH32_K = 0x74
MOV32_K = 0xb4
MOV32_X = 0xbc
JNE_K = 0x55       # BPF_JMP | BPF_JNE | BPF_K
JNE_X = 0x5d
JEQ_K = 0x15
EXIT = 0x95


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def _acc_bits(acc):
    return (ACC_READ if "r" in acc else 0) | (ACC_WRITE if "w" in acc else 0) | (ACC_MKNOD if "m" in acc else 0)


def _to_s32(v):
    return v - (1 << 32) if v >= (1 << 31) else v


def _expand(rules):
    for allow, t, maj, mnr, acc in rules:
        if t == "a" and not (maj == -1 and mnr == -1 and acc == "rwm"):
            yield allow, "c", maj, mnr, acc
            yield allow, "b", maj, mnr, acc
        else:
            yield allow, t, maj, mnr, acc


def emulate(rules):
    """The v1 devices cgroup after writing `rules` (from deny-all): (default_allow, exceptions) with
    exceptions {(type, major, minor): access} in insertion order."""
    default = False
    exc = {}
    for allow, t, maj, mnr, acc in _expand(rules):
        if t == "a":
            default, exc = allow, {}
            continue
        key = (t, maj, mnr)
        if allow != default:  # add to the exceptions (merging access)
            have = exc.get(key, "")
            exc[key] = "".join(ch for ch in "rwm" if ch in have or ch in acc)
        elif key in exc:      # remove access from an exact exception
            left = "".join(ch for ch in exc[key] if ch not in acc)
            if left:
                exc[key] = left
            else:
                del exc[key]
    return default, exc


def program(rules):
    """The BPF_PROG_TYPE_CGROUP_DEVICE program for `rules` (effective_rules()), as bytes."""
    default, exc = emulate(rules)
    out = [
        # struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
        insn(LDXW, 2, 1, 0), insn(AND32_K, 2, imm=0xFFFF),    # r2 = type
        insn(LDXW, 3, 1, 0), insn(RSH32_K, 3, imm=16),        # r3 = access
        insn(LDXW, 4, 1, 4),                                  # r4 = major
        insn(LDXW, 5, 1, 8),                                  # r5 = minor
    ]
    verdict = 0 if default else 1
    for (t, maj, mnr), acc in exc.items():
        block = []  # (code, dst, src, imm, jumps_to_next)
        block.append((JNE_K, 2, 0, DEV_CHAR if t == "c" else DEV_BLOCK, True))
        bits = _acc_bits(acc)
        if bits != ACC_MKNOD | ACC_READ | ACC_WRITE:
            block.append((MOV32_X, 1, 3, 0, False))
            block.append((AND32_K, 1, 0, bits, False))
            if verdict:  # allow: the requested access must be a subset of the exception's
                block.append((JNE_X, 1, 3, 0, True))
            else:        # deny: any overlap
                block.append((JEQ_K, 1, 0, 0, True))
        if maj != -1:
            block.append((JNE_K, 4, 0, _to_s32(maj), True))
        if mnr != -1:
            block.append((JNE_K, 5, 0, _to_s32(mnr), True))
        block.append((MOV32_K, 0, 0, verdict, False))
        block.append((EXIT, 0, 0, 0, False))
        n = len(block)
        for i, (code, dst, src, imm, jumps) in enumerate(block):
            out.append(insn(code, dst, src, (n - i - 1) if jumps else 0, imm))
    out.append(insn(MOV32_K, 0, imm=1 if default else 0))
    out.append(insn(EXIT))
    return b"".join(out)


def decode(prog):
    """[(code, dst, src, off, imm)] of a program (tests, debugging)."""
    out = []
    for i in range(0, len(prog), 8):
        code, regs, off, imm = struct.unpack("<BBhi", prog[i:i + 8])
        out.append((code, regs & 0xF, regs >> 4, off, imm))
    return out


def run(prog, dev_type, major, minor, access):
    """Interpret `prog` for one request (what the kernel would answer): 1 allow, 0 deny. Tests use it
    to check the program's semantics without a kernel; only the opcodes program() emits."""
    ins = decode(prog)
    mask = 0xFFFFFFFF
    r = [0] * 11
    ctx = struct.pack("<III", (access << 16) | dev_type, major, minor)
    pc = 0
    while True:
        code, dst, src, off, imm = ins[pc]
        pc += 1
        if code == LDXW:
            r[dst] = struct.unpack_from("<I", ctx, off)[0]
        elif code == AND32_K:
            r[dst] = (r[dst] & imm) & mask
        elif code == RSH32_K:
            r[dst] = (r[dst] & mask) >> imm
        elif code == MOV32_K:
            r[dst] = imm & mask
        elif code == MOV32_X:
            r[dst] = r[src] & mask
        elif code == JNE_K:
            if r[dst] != (imm & mask):
                pc += off
        elif code == JEQ_K:
            if r[dst] == (imm & mask):
                pc += off
        elif code == JNE_X:
            if r[dst] != r[src]:
                pc += off
        elif code == EXIT:
            return r[0]
        else:
            raise ValueError(f"unknown opcode {code:#x}")


# -- loading and attaching (bpf(2) through a small backend) ------------------------------------
class CffiBackend:
    """bpf(2) via the native extension: needs `long pyr_bpf(int cmd, void *attr, unsigned int size)`
    returning the syscall's result or -errno."""

    def __init__(self):
        from .._native._ext import ffi, lib  # noqa: PLC0415
        if not hasattr(lib, "pyr_bpf"):
            raise AttributeError("pyr_bpf")
        self.ffi, self.lib = ffi, lib

    def buf(self, data):
        return self.ffi.new("char[]", bytes(data) or b"\0")

    def addr(self, b):
        return int(self.ffi.cast("uintptr_t", b))

    def read(self, b, n):
        return bytes(self.ffi.buffer(b, n))

    def call(self, cmd, attr, size):
        r = self.lib.pyr_bpf(cmd, attr, size)
        if r < 0:
            raise OSError(-r, __import__("os").strerror(-r))
        return r


_backend = None


def backend():
    """The bpf(2) backend; tests may set devices._backend to a ctypes one."""
    global _backend
    if _backend is None:
        try:
            _backend = CffiBackend()
        except (ImportError, AttributeError):
            from ..errors import RuntimeFailure  # noqa: PLC0415
            raise RuntimeFailure("cgroup v2 device filter: the native extension lacks pyr_bpf "
                                 "(bpf(2)); cannot restrict devices") from None
    return _backend


def load_program(prog, be=None):
    """BPF_PROG_LOAD; returns the program fd. OSError carries the verifier log in .filename."""
    be = be or backend()
    insns = be.buf(prog)
    lic = be.buf(LICENSE)
    log = be.buf(b"\0" * 65536)
    attr = struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_CGROUP_DEVICE, len(prog) // 8, be.addr(insns),
                       be.addr(lic), 1, 65536, be.addr(log), 0, 0, b"pyruntime_dev", 0, 0)
    a = be.buf(attr)
    try:
        return be.call(BPF_PROG_LOAD, a, len(attr))
    except OSError as e:
        e.filename = be.read(log, 65536).split(b"\0", 1)[0].decode(errors="replace")
        raise


def attach(prog_fd, cgroup_fd, be=None, flags=BPF_F_ALLOW_MULTI):
    be = be or backend()
    attr = struct.pack("<IIIII", cgroup_fd, prog_fd, BPF_CGROUP_DEVICE, flags, 0)
    be.call(BPF_PROG_ATTACH, be.buf(attr), len(attr))


def detach(prog_fd, cgroup_fd, be=None):
    be = be or backend()
    attr = struct.pack("<IIIII", cgroup_fd, prog_fd, BPF_CGROUP_DEVICE, 0, 0)
    be.call(BPF_PROG_DETACH, be.buf(attr), len(attr))


def query(cgroup_fd, be=None):
    """Ids of the device programs attached directly to the cgroup."""
    be = be or backend()
    ids = be.buf(b"\0" * (4 * 64))
    attr = struct.pack("<IIIIQI4x", cgroup_fd, BPF_CGROUP_DEVICE, 0, 0, be.addr(ids), 64)
    a = be.buf(attr)
    be.call(BPF_PROG_QUERY, a, len(attr))
    cnt = struct.unpack_from("<I", be.read(a, len(attr)), 24)[0]
    return list(struct.unpack_from(f"<{cnt}I", be.read(ids, 4 * cnt))) if cnt else []


def prog_fd_by_id(pid_, be=None):
    be = be or backend()
    attr = struct.pack("<III", pid_, 0, 0)
    return be.call(BPF_PROG_GET_FD_BY_ID, be.buf(attr), len(attr))


def apply_v2(cgroup_dir, rules, be=None):
    """Load the program for `rules`, attach it to `cgroup_dir`, then detach the ones it replaces
    (runc's order: the cgroup is never without a filter)."""
    import os  # noqa: PLC0415
    from ..errors import RuntimeFailure  # noqa: PLC0415
    be = be or backend()
    prog = program(rules)
    dfd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        try:
            old = query(dfd, be)
        except OSError:
            old = []
        try:
            pfd = load_program(prog, be)
        except OSError as e:
            raise RuntimeFailure(f"failed to load the device cgroup eBPF program: {os.strerror(e.errno).lower()}"
                                 + (f": {e.filename}" if e.filename else "")) from None
        try:
            attach(pfd, dfd, be)
        except OSError as e:
            raise RuntimeFailure(f"failed to attach the device cgroup eBPF program to {cgroup_dir}: "
                                 f"{os.strerror(e.errno).lower()}") from None
        finally:
            os.close(pfd)
        for pid_ in old:
            try:
                ofd = prog_fd_by_id(pid_, be)
            except OSError:
                continue
            try:
                detach(ofd, dfd, be)
            except OSError:
                pass
            finally:
                os.close(ofd)
    finally:
        os.close(dfd)
