"""pyruntime.seccomp without root: validation and error paths, the compiled program (run through a
small classic-BPF interpreter), flags, the cache, and the import cost of a cache hit."""

import copy
import errno
import json
import os
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pyruntime import seccomp as sc
from pyruntime.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
PODMAN = REPO / "tests" / "unit" / "data" / "seccomp-podman-default.json"
AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 = 0xC000003E, 0x40000003
X32_BIT = 0x40000000

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="syscall numbers are x86_64's")

# x86_64 syscall numbers used below
NR = {"read": 0, "write": 1, "mkdir": 83, "mkdirat": 258, "getpid": 39, "umask": 95,
      "personality": 135, "socket": 41, "kexec_load": 246, "quotactl_fd": 443, "acct": 163,
      "getppid": 110, "chroot": 161, "clone3": 435}
I386_NR = {"_llseek": 140, "getpid": 20}


def podman_profile():
    return json.loads(PODMAN.read_text())


def compile_nocache(profile, **kw):
    return sc.compile_profile(profile, cache_dir=None, **kw)


# --- a classic BPF interpreter, enough for what libseccomp emits --------------------------------

def insns(bpf):
    return [struct.unpack_from("=HBBI", bpf, i) for i in range(0, len(bpf), 8)]


def run_bpf(bpf, nr, arch=AUDIT_ARCH_X86_64, args=(), ip=0):
    """The SECCOMP_RET_* value the program returns for this struct seccomp_data."""
    args = list(args) + [0] * (6 - len(args))
    data = struct.pack("=iIQ6Q", nr, arch, ip, *[a & (2**64 - 1) for a in args])
    prog = insns(bpf)
    a = x = 0
    mem = [0] * 16
    pc = 0
    for _ in range(100000):
        code, jt, jf, k = prog[pc]
        cls = code & 0x07
        pc += 1
        if cls == 0x00:  # LD
            mode = code & 0xE0
            if mode == 0x20:
                assert code & 0x18 == 0, "only 32-bit loads are allowed by seccomp"
                a = struct.unpack_from("=I", data, k)[0]
            elif mode == 0x00:
                a = k
            elif mode == 0x60:
                a = mem[k]
            else:
                raise AssertionError(f"unexpected LD mode {code:#x}")
        elif cls == 0x01:  # LDX
            mode = code & 0xE0
            x = k if mode == 0x00 else mem[k] if mode == 0x60 else None
            assert x is not None, f"unexpected LDX {code:#x}"
        elif cls == 0x02:
            mem[k] = a
        elif cls == 0x03:
            mem[k] = x
        elif cls == 0x04:  # ALU
            op, src = code & 0xF0, (x if code & 0x08 else k)
            a = {0x00: lambda: a + src, 0x10: lambda: a - src, 0x20: lambda: a * src,
                 0x40: lambda: a | src, 0x50: lambda: a & src, 0x60: lambda: a << src,
                 0x70: lambda: a >> src, 0x80: lambda: -a, 0xA0: lambda: a ^ src}[op]() & 0xFFFFFFFF
        elif cls == 0x05:  # JMP
            op, src = code & 0xF0, (x if code & 0x08 else k)
            if op == 0x00:
                pc += k
                continue
            cond = {0x10: a == src, 0x20: a > src, 0x30: a >= src, 0x40: bool(a & src)}[op]
            pc += jt if cond else jf
        elif cls == 0x06:  # RET
            return a if code & 0x18 == 0x10 else k
        elif cls == 0x07:
            if code & 0xF8 == 0x00:
                x = a
            else:
                a = x
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")
    raise AssertionError("program did not return")


def profile(*syscalls, default="SCMP_ACT_ALLOW", **extra):
    p = {"defaultAction": default, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": list(syscalls)}
    p.update(extra)
    return p


def rule(names, action, *args, **extra):
    r = {"names": list(names) if isinstance(names, (list, tuple)) else [names], "action": action}
    if args:
        r["args"] = [dict(zip(("index", "op", "value", "valueTwo"), a)) for a in args]
    r.update(extra)
    return r


# --- actions -------------------------------------------------------------------------------------

@pytest.mark.parametrize("action, expected", [
    ("SCMP_ACT_KILL", sc.RET_KILL_THREAD),
    ("SCMP_ACT_KILL_THREAD", 0x00000000),
    ("SCMP_ACT_KILL_PROCESS", 0x80000000),
    ("SCMP_ACT_TRAP", 0x00030000),
    ("SCMP_ACT_ERRNO", 0x00050000 | errno.EPERM),
    ("SCMP_ACT_TRACE", 0x7FF00000 | errno.EPERM),
    ("SCMP_ACT_LOG", 0x7FFC0000),
    ("SCMP_ACT_NOTIFY", 0x7FC00000),
])
def test_action_values(action, expected):
    extra = {"listenerPath": "/run/agent.sock"} if action == "SCMP_ACT_NOTIFY" else {}
    f = compile_nocache(profile(rule("mkdir", action), **extra))
    assert run_bpf(f.bpf, NR["mkdir"]) == expected
    assert run_bpf(f.bpf, NR["getpid"]) == sc.RET_ALLOW
    assert f.notify == (action == "SCMP_ACT_NOTIFY")


def test_errno_ret_and_default_errno_ret():
    f = compile_nocache(profile(rule("mkdir", "SCMP_ACT_ERRNO", errnoRet=errno.EROFS),
                                rule("getpid", "SCMP_ACT_ALLOW"),
                                default="SCMP_ACT_ERRNO", defaultErrnoRet=errno.ENOSYS))
    assert run_bpf(f.bpf, NR["mkdir"]) == 0x00050000 | errno.EROFS
    assert run_bpf(f.bpf, NR["getpid"]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["umask"]) == 0x00050000 | errno.ENOSYS
    # no defaultErrnoRet: EPERM, as runc
    f = compile_nocache(profile(rule("getpid", "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO"))
    assert run_bpf(f.bpf, NR["write"]) == 0x00050000 | errno.EPERM  # below getpid: not the -ENOSYS stub's
    # TRACE carries errnoRet too
    f = compile_nocache(profile(rule("mkdir", "SCMP_ACT_TRACE", errnoRet=7)))
    assert run_bpf(f.bpf, NR["mkdir"]) == 0x7FF00007


def test_rule_with_the_default_action_is_skipped():
    # libseccomp refuses it with EACCES; runc skips it silently
    f = compile_nocache(profile(rule("mkdir", "SCMP_ACT_ALLOW"), rule("umask", "SCMP_ACT_ERRNO")))
    assert run_bpf(f.bpf, NR["mkdir"]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["umask"]) == 0x00050001


# --- argument operators --------------------------------------------------------------------------

@pytest.mark.parametrize("op, value, value2, blocked, allowed", [
    ("SCMP_CMP_EQ", 0o22, 0, [0o22], [0o21, 0o23, 0x1_0000_0012]),
    ("SCMP_CMP_NE", 0o22, 0, [0, 0o21, 0x1_0000_0012], [0o22]),
    ("SCMP_CMP_LT", 10, 0, [0, 9], [10, 11, 2**63]),
    ("SCMP_CMP_LE", 10, 0, [0, 10], [11, 2**40]),
    ("SCMP_CMP_GT", 10, 0, [11, 2**40, 2**64 - 1], [0, 10]),
    ("SCMP_CMP_GE", 10, 0, [10, 2**33], [9]),
    # value is the mask, valueTwo the expected result of (arg & mask)
    ("SCMP_CMP_MASKED_EQ", 0o700, 0o700, [0o700, 0o755, 0o777], [0o055, 0o600, 0]),
    ("SCMP_CMP_EQ", 0x1_0000_0001, 0, [0x1_0000_0001], [1, 0x1_0000_0000]),
])
def test_operators(op, value, value2, blocked, allowed):
    f = compile_nocache(profile(rule("umask", "SCMP_ACT_ERRNO", (0, op, value, value2))))
    for v in blocked:
        assert run_bpf(f.bpf, NR["umask"], args=[v]) == 0x00050001, (op, v)
    for v in allowed:
        assert run_bpf(f.bpf, NR["umask"], args=[v]) == sc.RET_ALLOW, (op, v)


def test_conditions_on_different_arguments_are_anded():
    # podman's rule: socket(AF_NETLINK, *, NETLINK_AUDIT) -> EINVAL
    f = compile_nocache(profile(rule("socket", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 16, 0),
                                     (2, "SCMP_CMP_EQ", 9, 0), errnoRet=errno.EINVAL)))
    assert run_bpf(f.bpf, NR["socket"], args=[16, 3, 9]) == 0x00050000 | errno.EINVAL
    assert run_bpf(f.bpf, NR["socket"], args=[16, 3, 0]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["socket"], args=[2, 1, 9]) == sc.RET_ALLOW


def test_conditions_on_the_same_argument_become_separate_rules_like_runc():
    # libseccomp rejects two conditions on one argument (EINVAL): runc then adds one rule per
    # condition, so they are ORed, not ANDed
    f = compile_nocache(profile(rule("umask", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_GT", 100, 0),
                                     (0, "SCMP_CMP_LT", 10, 0))))
    assert run_bpf(f.bpf, NR["umask"], args=[200]) == 0x00050001
    assert run_bpf(f.bpf, NR["umask"], args=[5]) == 0x00050001
    assert run_bpf(f.bpf, NR["umask"], args=[50]) == sc.RET_ALLOW


def test_several_rules_for_one_syscall():
    p = profile(*[rule("personality", "SCMP_ACT_ALLOW", (0, "SCMP_CMP_EQ", v, 0))
                  for v in (0, 8, 0x20000)], default="SCMP_ACT_ERRNO")
    f = compile_nocache(p)
    for v in (0, 8, 0x20000):
        assert run_bpf(f.bpf, NR["personality"], args=[v]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["personality"], args=[1]) == 0x00050001


# --- architectures and the program's shape -------------------------------------------------------

def test_program_checks_the_architecture_first():
    f = compile_nocache(profile(rule("mkdir", "SCMP_ACT_ERRNO")))
    prog = insns(f.bpf)
    assert len(f.bpf) % 8 == 0 and len(f) == len(prog)
    assert prog[0] == (0x20, 0, 0, 4)                       # ld [4]: seccomp_data.arch
    assert prog[1][0] == 0x15 and prog[1][3] == AUDIT_ARCH_X86_64  # jeq #AUDIT_ARCH_X86_64
    assert prog[-1][0] == 0x06                               # ends with a ret
    # another architecture gets the bad-arch action (kill), not the default
    assert run_bpf(f.bpf, NR["mkdir"], arch=AUDIT_ARCH_I386) == sc.RET_KILL_THREAD
    # x32 syscalls (bit 30) are not x86_64's: not listed in architectures -> killed
    assert run_bpf(f.bpf, NR["mkdir"] | X32_BIT) == sc.RET_KILL_THREAD


def test_sub_architectures():
    p = profile(rule(["mkdir", "_llseek"], "SCMP_ACT_ERRNO"),
                architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    warnings = []
    f = compile_nocache(p, warn=warnings.append)
    assert warnings == []  # _llseek is i386-only, but libseccomp knows it: not "unknown"
    assert run_bpf(f.bpf, NR["mkdir"]) == 0x00050001
    assert run_bpf(f.bpf, 39, arch=AUDIT_ARCH_I386) == 0x00050001       # mkdir on i386 is 39
    assert run_bpf(f.bpf, I386_NR["_llseek"], arch=AUDIT_ARCH_I386) == 0x00050001
    assert run_bpf(f.bpf, I386_NR["getpid"], arch=AUDIT_ARCH_I386) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["mkdir"] | X32_BIT) == 0x00050001
    assert run_bpf(f.bpf, NR["getpid"] | X32_BIT) == sc.RET_ALLOW


def test_no_architectures_means_native():
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    del p["architectures"]
    f = compile_nocache(p)
    assert run_bpf(f.bpf, NR["mkdir"]) == 0x00050001


# --- the -ENOSYS stub (runc's patchbpf rule) ------------------------------------------------------

ENOSYS_RET = 0x00050000 | errno.ENOSYS


@pytest.mark.parametrize("default", ["SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"])
def test_syscalls_newer_than_the_profile_get_enosys(default):
    f = compile_nocache(profile(rule(["read", "write", "getpid", "mkdir"], "SCMP_ACT_ALLOW"), default=default))
    deny = sc.ACTIONS[default][0] | (errno.EPERM if default == "SCMP_ACT_ERRNO" else 0)
    assert run_bpf(f.bpf, NR["mkdir"]) == sc.RET_ALLOW              # the highest named
    assert run_bpf(f.bpf, NR["getpid"]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, 60) == deny                                # exit: older, not named
    for nr in (NR["mkdir"] + 1, NR["clone3"], 436, 439, 1000, 0x3FFFFFFF):
        assert run_bpf(f.bpf, nr) == ENOSYS_RET, nr                  # newer: "not implemented"
    # the stub leaves foreign architectures and x32 calls to the filter (bad arch: kill)
    assert run_bpf(f.bpf, 1000, arch=AUDIT_ARCH_I386) == sc.RET_KILL_THREAD
    assert run_bpf(f.bpf, 1000 | X32_BIT) == sc.RET_KILL_THREAD


def test_the_highest_name_counts_whatever_its_action():
    # runc counts every name of the profile, a rule with the default action too
    f = compile_nocache(profile(rule("getpid", "SCMP_ACT_ALLOW"), rule("quotactl_fd", "SCMP_ACT_ERRNO"),
                                default="SCMP_ACT_ERRNO"))
    assert run_bpf(f.bpf, NR["clone3"]) == 0x00050000 | errno.EPERM  # 435 < quotactl_fd (443)
    assert run_bpf(f.bpf, NR["quotactl_fd"] + 1) == ENOSYS_RET
    # and names the profile denies explicitly keep their own errno
    f = compile_nocache(profile(rule("getpid", "SCMP_ACT_ALLOW"),
                                rule("close_range", "SCMP_ACT_ERRNO", errnoRet=errno.ENOSYS),
                                rule("openat2", "SCMP_ACT_ERRNO", errnoRet=errno.EPERM)))
    assert run_bpf(f.bpf, 437) == 0x00050000 | errno.EPERM


@pytest.mark.parametrize("default", ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"])
def test_no_stub_when_the_default_lets_calls_through(default):
    f = compile_nocache(profile(rule("mkdir", "SCMP_ACT_ERRNO"), default=default))
    stubless = sc.enosys_stub(sc._validate(profile(rule("mkdir", "SCMP_ACT_ERRNO"), default=default), []),
                              lambda arch, name: 83)
    assert stubless == b""
    assert run_bpf(f.bpf, 1000) == sc.ACTIONS[default][0] | (errno.EPERM if default == "SCMP_ACT_TRACE" else 0)


def test_no_stub_when_the_default_already_says_enosys():
    rules = sc._validate(profile(rule("mkdir", "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO",
                                 defaultErrnoRet=errno.ENOSYS), [])
    assert sc.enosys_stub(rules, lambda arch, name: 83) == b""
    rules = sc._validate(profile(rule("mkdir", "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO",
                                 defaultErrnoRet=errno.ENXIO), [])
    assert sc.enosys_stub(rules, lambda arch, name: 83) != b""


def test_default_errno_ret_below_the_highest_name():
    # runc's defaultErrnoRet=ENXIO case: an unnamed older call gets ENXIO, a newer one ENOSYS
    f = compile_nocache(profile(rule(["read", "write", "mkdir"], "SCMP_ACT_ALLOW"),
                                default="SCMP_ACT_ERRNO", defaultErrnoRet=errno.ENXIO))
    assert run_bpf(f.bpf, 80) == 0x00050000 | errno.ENXIO  # chdir
    assert run_bpf(f.bpf, 436) == ENOSYS_RET


def test_stub_per_architecture_and_x32():
    names = ["read", "write", "mkdir", "_llseek"]
    p = profile(rule(names, "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO",
                architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    f = compile_nocache(p)
    # i386: its own numbers (mkdir 39, _llseek 140 the highest)
    assert run_bpf(f.bpf, I386_NR["_llseek"], arch=AUDIT_ARCH_I386) == sc.RET_ALLOW
    assert run_bpf(f.bpf, 100, arch=AUDIT_ARCH_I386) == 0x00050000 | errno.EPERM
    assert run_bpf(f.bpf, 141, arch=AUDIT_ARCH_I386) == ENOSYS_RET
    # x32: the x86_64 audit arch with bit 30, compared with its own highest number
    assert run_bpf(f.bpf, NR["mkdir"] | X32_BIT) == sc.RET_ALLOW
    assert run_bpf(f.bpf, 60 | X32_BIT) == 0x00050000 | errno.EPERM
    assert run_bpf(f.bpf, 400 | X32_BIT) == ENOSYS_RET
    assert run_bpf(f.bpf, 400) == ENOSYS_RET
    assert run_bpf(f.bpf, 60) == 0x00050000 | errno.EPERM


def test_stub_covers_the_native_arch_even_when_not_listed():
    p = profile(rule(["read", "mkdir"], "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO",
                architectures=["SCMP_ARCH_AARCH64"])
    f = compile_nocache(p)
    assert run_bpf(f.bpf, 1000) == ENOSYS_RET
    assert run_bpf(f.bpf, 60) == 0x00050000 | errno.EPERM


def test_stub_long_programs_still_jump_right():
    # podman's profile (default ERRNO), without its defaultErrnoRet ENOSYS (which needs no stub):
    # hundreds of instructions behind the stub
    p = podman_profile()
    assert p.pop("defaultErrnoRet") == errno.ENOSYS
    f = compile_nocache(p)
    assert run_bpf(f.bpf, 1000) == ENOSYS_RET
    assert run_bpf(f.bpf, NR["getpid"]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["kexec_load"]) == 0x00050000 | errno.EPERM


# --- unknown names, errors -----------------------------------------------------------------------

def test_unknown_syscall_names_are_warned_and_skipped():
    warnings = []
    p = profile(rule(["mkdir", "no_such_syscall", "umask"], "SCMP_ACT_ERRNO"),
                rule("another_fake_one", "SCMP_ACT_KILL"))
    f = compile_nocache(p, warn=warnings.append)
    assert warnings == ['unknown seccomp syscall "no_such_syscall" ignored',
                        'unknown seccomp syscall "another_fake_one" ignored']
    assert run_bpf(f.bpf, NR["mkdir"]) == 0x00050001
    assert run_bpf(f.bpf, NR["umask"]) == 0x00050001
    clean = compile_nocache(profile(rule(["mkdir", "umask"], "SCMP_ACT_ERRNO")))
    assert f.bpf == clean.bpf


def test_warn_defaults_to_silence():
    compile_nocache(profile(rule("no_such_syscall", "SCMP_ACT_ERRNO")))


def errors_of(p):
    with pytest.raises(ConfigError) as info:
        compile_nocache(p)
    return info.value.path, info.value.reason


def test_unknown_action_names_its_json_path():
    p = profile(*[rule("getpid", "SCMP_ACT_ERRNO")] * 3, rule("mkdir", "SCMP_ACT_FOO"))
    assert errors_of(p) == ("linux.seccomp.syscalls[3].action", 'unknown action "SCMP_ACT_FOO"')
    err = pytest.raises(ConfigError, compile_nocache, p).value
    assert str(err) == 'config.json: linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"'


def test_unknown_default_action():
    assert errors_of(profile(default="SCMP_ACT_NOPE")) == (
        "linux.seccomp.defaultAction", 'unknown action "SCMP_ACT_NOPE"')
    assert errors_of({"syscalls": []})[0] == "linux.seccomp.defaultAction"


def test_unknown_operator_names_its_json_path():
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"),
                rule("umask", "SCMP_ACT_ERRNO", (0, "SCMP_CMP_EQ", 1, 0), (1, "SCMP_CMP_ALMOST", 1, 0)))
    assert errors_of(p) == ("linux.seccomp.syscalls[1].args[1].op", 'unknown operator "SCMP_CMP_ALMOST"')


def test_argument_index_out_of_range():
    p = profile(rule("umask", "SCMP_ACT_ERRNO", (6, "SCMP_CMP_EQ", 1, 0)))
    assert errors_of(p)[0] == "linux.seccomp.syscalls[0].args[0].index"


def test_unknown_architecture_and_flag():
    assert errors_of(profile(architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"])) == (
        "linux.seccomp.architectures[1]", 'unknown architecture "SCMP_ARCH_VAX"')
    assert errors_of(profile(flags=["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"]))[0] == \
        "linux.seccomp.flags[1]"


def test_empty_names():
    assert errors_of(profile({"names": [], "action": "SCMP_ACT_ERRNO"}))[0] == \
        "linux.seccomp.syscalls[0].names"


def test_notify_rules_like_runc():
    assert errors_of(profile(default="SCMP_ACT_NOTIFY", listenerPath="/x")) == (
        "linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be used as default action")
    assert errors_of(profile(rule(["mkdir", "write"], "SCMP_ACT_NOTIFY"), listenerPath="/x")) == (
        "linux.seccomp.syscalls[0].names[1]", "SCMP_ACT_NOTIFY cannot be used for the write syscall")
    assert errors_of(profile(rule("mkdir", "SCMP_ACT_NOTIFY")))[0] == "linux.seccomp.listenerPath"
    f = compile_nocache(profile(rule("mkdir", "SCMP_ACT_NOTIFY"), listenerPath="/run/agent.sock",
                                listenerMetadata="meta"))
    assert f.notify and f.listener_path == "/run/agent.sock" and f.listener_metadata == "meta"
    assert not f.flags & sc.FLAG_NEW_LISTENER  # the C side adds it


# --- flags ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("flags, expected", [
    (None, sc.FLAG_SPEC_ALLOW),     # absent: runc's default
    ([], 0),
    (["SECCOMP_FILTER_FLAG_LOG"], 2),
    (["SECCOMP_FILTER_FLAG_SPEC_ALLOW"], 4),
    (["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], 6),
    (["SECCOMP_FILTER_FLAG_TSYNC"], 0),  # accepted and ignored, as runc
])
def test_flags(flags, expected):
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    if flags is not None:
        p["flags"] = flags
    f = compile_nocache(p)
    assert f.flags == expected and not f.notify


def test_flags_do_not_change_the_program():
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    a = compile_nocache(dict(p, flags=[]))
    b = compile_nocache(dict(p, flags=["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]))
    assert a.bpf == b.bpf


def test_wait_killable_recv_needs_notify():
    warnings = []
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"), flags=["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
    assert compile_nocache(p, warn=warnings.append).flags == 0
    assert len(warnings) == 1 and "WAIT_KILLABLE_RECV" in warnings[0]
    p = profile(rule("mkdir", "SCMP_ACT_NOTIFY"), flags=["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
                listenerPath="/x")
    f = compile_nocache(p)
    assert f.flags == sc.FLAG_WAIT_KILLABLE_RECV and f.notify


# --- podman's default profile --------------------------------------------------------------------

def test_podman_default_profile():
    p = podman_profile()
    assert sum(len(s["names"]) for s in p["syscalls"]) > 400
    warnings = []
    f = compile_nocache(p, warn=warnings.append)
    assert warnings == []
    assert len(f) < 4096  # BPF_MAXINSNS
    enosys, eperm = 0x00050000 | errno.ENOSYS, 0x00050000 | errno.EPERM
    assert run_bpf(f.bpf, NR["mkdir"]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["clone3"]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["kexec_load"]) == eperm
    assert run_bpf(f.bpf, NR["acct"]) == eperm          # CAP_SYS_PACCT is not in podman's default set
    assert run_bpf(f.bpf, NR["chroot"]) == sc.RET_ALLOW  # CAP_SYS_CHROOT is
    assert run_bpf(f.bpf, NR["quotactl_fd"]) == enosys   # not listed: defaultErrnoRet
    assert run_bpf(f.bpf, NR["personality"], args=[8]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["personality"], args=[1]) == enosys
    assert run_bpf(f.bpf, NR["socket"], args=[16, 3, 9]) == 0x00050000 | errno.EINVAL
    assert run_bpf(f.bpf, NR["socket"], args=[2, 1, 0]) == sc.RET_ALLOW
    assert run_bpf(f.bpf, I386_NR["_llseek"], arch=AUDIT_ARCH_I386) == sc.RET_ALLOW
    assert run_bpf(f.bpf, NR["getpid"] | X32_BIT) == sc.RET_ALLOW


# --- the cache -----------------------------------------------------------------------------------

@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "cache" / "seccomp")


@pytest.fixture
def count_compiles(monkeypatch):
    calls = []
    real = sc._compile

    def counting(*a):
        calls.append(1)
        return real(*a)
    monkeypatch.setattr(sc, "_compile", counting)
    return calls


def entries(cache_dir):
    return sorted(n for n in os.listdir(cache_dir) if n.endswith(".bpf"))


def test_cache_miss_then_hit(cache_dir, count_compiles):
    p = podman_profile()
    cold = sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 1
    st = os.stat(cache_dir)
    assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid()
    [name] = entries(cache_dir)
    assert name == sc.cache_key(p) + ".bpf"
    assert stat.S_IMODE(os.stat(os.path.join(cache_dir, name)).st_mode) == 0o600
    warm = sc.compile_profile(copy.deepcopy(p), cache_dir=cache_dir)
    assert len(count_compiles) == 1
    assert (warm.bpf, warm.flags, warm.notify) == (cold.bpf, cold.flags, cold.notify)
    assert not [n for n in os.listdir(cache_dir) if n.endswith(".tmp")]


def test_cache_holds_the_enosys_stub(cache_dir, count_compiles):
    p = profile(rule(["read", "mkdir"], "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO")
    cold = sc.compile_profile(p, cache_dir=cache_dir)
    warm = sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 1
    assert warm.bpf == cold.bpf and run_bpf(warm.bpf, 1000) == ENOSYS_RET


def test_cache_keeps_flags_notify_and_listener(cache_dir, count_compiles):
    p = profile(rule("mkdir", "SCMP_ACT_NOTIFY"), listenerPath="/run/a.sock", listenerMetadata="m",
                flags=["SECCOMP_FILTER_FLAG_LOG"])
    sc.compile_profile(p, cache_dir=cache_dir)
    f = sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 1
    assert f.notify and f.flags == sc.FLAG_LOG
    assert (f.listener_path, f.listener_metadata) == ("/run/a.sock", "m")


def test_cache_replays_warnings(cache_dir, count_compiles):
    p = profile(rule(["mkdir", "no_such_syscall"], "SCMP_ACT_ERRNO"))
    first, second = [], []
    sc.compile_profile(p, cache_dir=cache_dir, warn=first.append)
    sc.compile_profile(p, cache_dir=cache_dir, warn=second.append)
    assert len(count_compiles) == 1
    assert first == second == ['unknown seccomp syscall "no_such_syscall" ignored']


@pytest.mark.parametrize("damage", ["truncate", "empty", "flip", "garbage"])
def test_damaged_cache_entry_is_ignored_and_rewritten(cache_dir, count_compiles, damage):
    p = podman_profile()
    good = sc.compile_profile(p, cache_dir=cache_dir)
    path = os.path.join(cache_dir, sc.cache_key(p) + ".bpf")
    data = Path(path).read_bytes()
    bad = {"truncate": data[: len(data) // 2], "empty": b"",
           "flip": data[:100] + bytes([data[100] ^ 1]) + data[101:],
           "garbage": b"x" * len(data)}[damage]
    Path(path).write_bytes(bad)
    again = sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 2
    assert again.bpf == good.bpf
    assert Path(path).read_bytes() == data  # rewritten
    sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 2


def test_invalid_profile_is_not_cached(cache_dir):
    with pytest.raises(ConfigError):
        sc.compile_profile(profile(rule("mkdir", "SCMP_ACT_FOO")), cache_dir=cache_dir)
    with pytest.raises(ConfigError):
        sc.compile_profile(profile(rule("mkdir", "SCMP_ACT_FOO")), cache_dir=cache_dir)
    assert entries(cache_dir) == []


def test_cache_disabled(tmp_path, count_compiles):
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    sc.compile_profile(p, cache_dir=None)
    sc.compile_profile(p, cache_dir=None)
    assert len(count_compiles) == 2


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_group_or_world_writable_cache_dir_is_not_used(tmp_path, count_compiles, mode):
    d = tmp_path / "c"
    d.mkdir()
    os.chmod(d, mode)
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    f1 = sc.compile_profile(p, cache_dir=str(d))
    f2 = sc.compile_profile(p, cache_dir=str(d))
    assert len(count_compiles) == 2 and f1.bpf == f2.bpf
    assert os.listdir(d) == []


def test_cache_dir_owned_by_someone_else_is_not_used(tmp_path, count_compiles):
    if os.geteuid() != 0:
        pytest.skip("needs root to chown")
    d = tmp_path / "c"
    d.mkdir(mode=0o700)
    os.chown(d, 65534, 65534)
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    sc.compile_profile(p, cache_dir=str(d))
    sc.compile_profile(p, cache_dir=str(d))
    assert len(count_compiles) == 2 and os.listdir(d) == []


def test_symlinked_cache_dir_is_not_used(tmp_path, count_compiles):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    sc.compile_profile(p, cache_dir=str(link))
    sc.compile_profile(p, cache_dir=str(link))
    assert len(count_compiles) == 2 and os.listdir(real) == []


def test_symlinked_or_unsafe_cache_entry_is_not_read(cache_dir, count_compiles, tmp_path):
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    sc.compile_profile(p, cache_dir=cache_dir)
    name = os.path.join(cache_dir, sc.cache_key(p) + ".bpf")
    moved = tmp_path / "elsewhere.bpf"
    os.rename(name, moved)
    os.symlink(moved, name)
    sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 2
    assert not os.path.islink(name)  # replaced by a real file
    os.chmod(name, 0o666)
    sc.compile_profile(p, cache_dir=cache_dir)
    assert len(count_compiles) == 3


def test_cache_is_pruned(cache_dir, monkeypatch):
    monkeypatch.setattr(sc, "CACHE_MAX_ENTRIES", 3)
    for n in range(5):
        sc.compile_profile(profile(rule("mkdir", "SCMP_ACT_ERRNO", errnoRet=n + 1)), cache_dir=cache_dir)
    assert len(entries(cache_dir)) == 3


def test_cache_dir_that_cannot_be_created(tmp_path, count_compiles):
    blocker = tmp_path / "file"
    blocker.write_text("")
    f = sc.compile_profile(profile(rule("mkdir", "SCMP_ACT_ERRNO")), cache_dir=str(blocker / "seccomp"))
    assert len(f.bpf) and len(count_compiles) == 1


# --- the key -------------------------------------------------------------------------------------

def reorder(obj):
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(obj, dict):
        return {k: reorder(obj[k]) for k in reversed(list(obj))}
    if isinstance(obj, list):
        return [reorder(v) for v in obj]
    return obj


def test_key_is_stable_across_dict_order():
    p = podman_profile()
    r = reorder(p)
    assert list(r) != list(p)
    assert sc.cache_key(r) == sc.cache_key(p)
    assert sc.canonical_json(r) == sc.canonical_json(p)


def test_key_changes_with_content():
    p = podman_profile()
    keys = {sc.cache_key(p)}
    q = copy.deepcopy(p)
    q["defaultErrnoRet"] = 1
    keys.add(sc.cache_key(q))
    q = copy.deepcopy(p)
    q["syscalls"][1]["names"] = q["syscalls"][1]["names"][::-1]  # order of names is content
    keys.add(sc.cache_key(q))
    q = copy.deepcopy(p)
    q["flags"] = []
    keys.add(sc.cache_key(q))
    assert len(keys) == 4


def test_key_covers_library_and_format(monkeypatch):
    p = profile(rule("mkdir", "SCMP_ACT_ERRNO"))
    k = sc.cache_key(p)
    monkeypatch.setattr(sc, "FORMAT", sc.FORMAT + 1)
    assert sc.cache_key(p) != k
    monkeypatch.undo()
    monkeypatch.setattr(sc, "library_fingerprint", lambda: "libseccomp.so.2.9.9:1:1")
    assert sc.cache_key(p) != k


def test_library_fingerprint_names_the_real_file():
    fp = sc.library_fingerprint()
    assert "libseccomp.so.2" in fp and fp != "libseccomp:unknown"


def test_canonical_json_is_json():
    v = {"b": [1, True, None, "é\"x"], "a": {"z": 2**64 - 1, "y": -1}}
    assert json.loads(sc.canonical_json(v)) == v
    assert sc.canonical_json(v) == json.dumps(v, sort_keys=True, separators=(",", ":"))


# --- import cost -------------------------------------------------------------------------------

WARM = """
import sys, time
sys.path.insert(0, {repo!r})
from pyruntime import fastjson, seccomp
p = fastjson.loads(open({profile!r}).read())
t = time.perf_counter()
f = seccomp.compile_profile(p, cache_dir={cache!r})
ms = (time.perf_counter() - t) * 1000
print(fastjson.dumps({{"pyseccomp": "pyseccomp" in sys.modules, "ctypes": "ctypes" in sys.modules,
                      "hashlib": "hashlib" in sys.modules, "ms": ms, "insns": len(f)}}))
"""


def run_fresh(cache):
    code = WARM.format(repo=str(REPO), profile=str(PODMAN), cache=cache)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_module_import_does_not_load_pyseccomp():
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); import pyruntime.seccomp; " \
           "print(sorted(m for m in ('pyseccomp', 'ctypes', 'hashlib', 'json') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_warm_path_does_not_import_pyseccomp(cache_dir):
    cold = run_fresh(cache_dir)
    assert cold["pyseccomp"] is True
    warm = run_fresh(cache_dir)
    assert warm == {**warm, "pyseccomp": False, "ctypes": False, "hashlib": False}
    assert warm["insns"] == cold["insns"]
    print(f"podman default profile: cold {cold['ms']:.1f} ms, warm {warm['ms']:.2f} ms")


# --- features --------------------------------------------------------------------------------------

def test_features():
    f = sc.features()
    assert f["enabled"] is True
    assert set(f["actions"]) == set(sc.ACTIONS) and "SCMP_ACT_KILL_PROCESS" in f["actions"]
    assert len(f["operators"]) == 7
    assert "SCMP_ARCH_X86_64" in f["archs"]
    assert "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" in f["supportedFlags"]
