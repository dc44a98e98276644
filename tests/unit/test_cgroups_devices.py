"""cgroups: device rules -> v1 lines and the v2 eBPF program (decoded and interpreted)."""
import struct

import pytest

from pyruntime.cgroups import devices as d

R, W, M = d.ACC_READ, d.ACC_WRITE, d.ACC_MKNOD
C, B = d.DEV_CHAR, d.DEV_BLOCK
DENY_ALL = {"allow": False, "access": "rwm"}


def test_leading_deny_all_does_not_drop_defaults():
    rules = d.effective_rules([], [DENY_ALL])
    assert rules[:3] == [(True, "c", -1, -1, "m"), (True, "b", -1, -1, "m"), (True, "c", 1, 3, "rwm")]
    assert len(rules) == len(d.DEFAULT_ALLOWED)


def test_linux_devices_get_no_rule_of_their_own():
    """runc's rule: a linux.devices node is usable only where resources.devices allows it. An implicit
    allow let /dev/kmsg through the user's deny-all (the leading deny-all is dropped as a restatement)."""
    kmsg = {"type": "c", "major": 1, "minor": 11, "path": "/dev/kmsg"}
    rules = d.effective_rules([kmsg], [DENY_ALL])
    assert not any(r[1:4] == ("c", 1, 11) for r in rules)
    assert run(rules, C, 1, 11, R) == 0 and run(rules, C, 1, 11, W) == 0
    allowed = d.effective_rules([kmsg], [DENY_ALL, {"allow": True, "type": "c", "major": 1, "minor": 11,
                                                    "access": "rw"}])
    assert run(allowed, C, 1, 11, R | W) == 1


def test_a_default_whose_path_linux_devices_redefines_is_left_out():
    rules = d.effective_rules([{"type": "c", "major": 1, "minor": 3, "path": "/dev/null"}], [DENY_ALL])
    assert (True, "c", 1, 3, "rwm") not in rules
    assert (True, "c", 1, 5, "rwm") in rules
    assert len(rules) == len(d.DEFAULT_ALLOWED) - 1


def test_runc_default_list_has_no_host_console():
    """c 5:1 is the host's system console: runc 1.3 does not allow it (the container's console is a pts)."""
    rules = d.effective_rules([], [DENY_ALL])
    assert run(rules, C, 5, 1, R | W) == 0


def test_access_letters_other_than_rwm_are_ignored():
    rules = d.effective_rules([], [DENY_ALL, {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "rwa"},
                                   {"allow": True, "type": "c", "major": 1, "minor": 12, "access": "a"}])
    assert rules[-1] == (True, "c", 1, 11, "rw")


def test_v1_lines():
    rules = d.effective_rules([], [DENY_ALL, {"allow": False, "type": "c", "major": 1, "minor": 5, "access": "rw"},
                                   {"allow": True, "type": "a", "major": 4, "access": "r"},
                                   {"allow": True, "access": "rwm"}])
    lines = d.v1_lines(rules)
    assert lines[0] == ("devices.deny", "a")
    assert lines[1:3] == [("devices.allow", "c *:* m"), ("devices.allow", "b *:* m")]
    assert lines[-4:] == [("devices.deny", "c 1:5 rw"), ("devices.allow", "c 4:* r"), ("devices.allow", "b 4:* r"),
                          ("devices.allow", "a")]


def test_program_shape():
    prog = d.program([(True, "c", 1, 3, "rwm")])
    ins = d.decode(prog)
    assert len(prog) % 8 == 0
    # prologue: r2 = type, r3 = access, r4 = major, r5 = minor
    assert ins[:6] == [(d.LDXW, 2, 1, 0, 0), (d.AND32_K, 2, 0, 0, 0xFFFF), (d.LDXW, 3, 1, 0, 0),
                       (d.RSH32_K, 3, 0, 0, 16), (d.LDXW, 4, 1, 4, 0), (d.LDXW, 5, 1, 8, 0)]
    # the rule: type, major, minor checks jump over the verdict; then default deny
    assert ins[6:] == [(d.JNE_K, 2, 0, 4, C), (d.JNE_K, 4, 0, 3, 1), (d.JNE_K, 5, 0, 2, 3),
                       (d.MOV32_K, 0, 0, 0, 1), (d.EXIT, 0, 0, 0, 0), (d.MOV32_K, 0, 0, 0, 0), (d.EXIT, 0, 0, 0, 0)]
    assert prog[:8] == struct.pack("<BBhi", 0x61, 0x12, 0, 0)


def test_program_access_subset_for_allow_and_overlap_for_deny():
    allow = d.decode(d.program([(True, "c", 1, 3, "r")]))
    assert (d.MOV32_X, 1, 3, 0, 0) in allow and any(i[0] == d.JNE_X for i in allow)
    deny = d.decode(d.program([(True, "a", -1, -1, "rwm"), (False, "c", 1, 3, "w")]))
    assert any(i[0] == d.JEQ_K for i in deny)


def run(rules, typ, major, minor, acc):
    return d.run(d.program(rules), typ, major, minor, acc)


def test_default_rules_semantics():
    rules = d.effective_rules([], [DENY_ALL])
    assert run(rules, C, 1, 3, R | W) == 1        # /dev/null
    assert run(rules, C, 136, 7, R | W) == 1      # a pts
    assert run(rules, C, 8, 0, M) == 1            # mknod of anything
    assert run(rules, B, 8, 0, M) == 1
    assert run(rules, B, 8, 0, R) == 0            # reading a disk
    assert run(rules, C, 4, 1, R) == 0            # a tty not in the list
    assert run(rules, C, 1, 1, R | W) == 0        # /dev/mem


def test_user_rules_override_defaults_last_match_wins():
    rules = d.effective_rules([], [DENY_ALL, {"allow": False, "type": "c", "major": 1, "minor": 3, "access": "w"},
                                   {"allow": True, "type": "b", "major": 8, "minor": 0, "access": "r"}])
    assert run(rules, C, 1, 3, R) == 1
    assert run(rules, C, 1, 3, W) == 0
    assert run(rules, C, 1, 3, R | W) == 0        # overlaps the denied w
    assert run(rules, B, 8, 0, R) == 1
    assert run(rules, B, 8, 0, R | W) == 0        # not a subset of the allowed r
    assert run(rules, B, 8, 1, R) == 0


def test_allow_all_resets_then_denies():
    rules = d.effective_rules([], [{"allow": True, "access": "rwm"},
                                   {"allow": False, "type": "c", "major": 1, "minor": -1, "access": "rwm"}])
    prog = d.decode(d.program(rules))
    assert prog[-2] == (d.MOV32_K, 0, 0, 0, 1)    # default allow
    assert run(rules, B, 8, 0, R | W) == 1
    assert run(rules, C, 1, 3, R) == 0
    assert run(rules, C, 5, 0, R) == 1
    # a later deny-all wipes everything before it
    rules2 = rules + [(False, "a", -1, -1, "rwm")]
    assert d.program(rules2) == d.program([])
    assert run(rules2, C, 1, 3, R) == 0


def test_large_major_minor_encode_as_s32():
    prog = d.program([(True, "c", 0xFFFFFFFE, 4000000000, "rwm")])
    assert d.run(prog, C, 0xFFFFFFFE, 4000000000, R) == 1
    assert d.run(prog, C, 0xFFFFFFFE, 1, R) == 0


@pytest.mark.parametrize("acc,bits", [("r", R), ("w", W), ("m", M), ("rw", R | W), ("", R | W | M)])
def test_access_bits(acc, bits):
    assert d._acc_bits(d._norm_access(acc)) == bits
