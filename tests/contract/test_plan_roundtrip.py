"""The two sides of the Plan agree (issue 15): random Plans (every record kind, flags, mounts,
strings with odd characters, numbers at their bounds) are encoded by plan_wire.encode, decoded by
the init's own plan.c in tests/contract/plandump.c, and compared field by field. The limits are
proved the same way: the decoder takes a Plan at each LIMIT_* and refuses one past it. No root;
gcc builds the decoder."""
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyruntime import _contract as C
from pyruntime import plan as P
from pyruntime import plan_wire as W
from pyruntime.errors import ConfigError

HERE = Path(__file__).resolve().parent
NATIVE = HERE.parents[1] / "pyruntime" / "_native"

U32, U64 = (1 << 32) - 1, (1 << 64) - 1


@pytest.fixture(scope="module")
def plandump(tmp_path_factory):
    if not shutil.which("gcc"):
        pytest.skip("gcc needed to build the decoder")
    exe = tmp_path_factory.mktemp("plandump") / "plandump"
    subprocess.run(["gcc", "-O1", "-Wall", "-Wextra", "-Werror", "-I", str(NATIVE), str(HERE / "plandump.c"),
                    str(NATIVE / "plan.c"), "-o", str(exe)], check=True)
    return exe


def decode(exe, data):
    """What plan.c read from `data`, strings as str; None when it refused the Plan."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        r = subprocess.run([str(exe), f.name], capture_output=True, text=True)
    if r.returncode == 3:
        return None
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def s(h):
    return None if h is None else bytes.fromhex(h).decode()


def b(h):
    return bytes.fromhex(h)


def decoded(d):
    """plandump's JSON in the shape of expected(): hex -> str / bytes."""
    return {
        "flags": d["flags"], "rootfs": s(d["rootfs"]), "rootprop": d["rootprop"],
        "ns": [(f, s(p)) for f, p in d["ns"]],
        "mounts": [(*m[:6], *(s(x) for x in m[6:])) for m in d["mounts"]],
        "devices": [(*x[:6], s(x[6])) for x in d["devices"]],
        "links": [(s(a), s(c)) for a, c in d["links"]],
        "masked": [s(x) for x in d["masked"]], "readonly": [s(x) for x in d["readonly"]],
        "sysctl": [(s(a), s(c)) for a, c in d["sysctl"]],
        "hostname": s(d["hostname"]), "domainname": s(d["domainname"]),
        "rlimits": [tuple(x) for x in d["rlimits"]],
        "user": (*d["user"][:4], d["user"][4]),
        "caps": tuple(d["caps"]),
        "args": [s(x) for x in d["args"]], "env": [s(x) for x in d["env"]], "cwd": s(d["cwd"]),
        "console": tuple(d["console"]), "oom": tuple(d["oom"]), "fds": tuple(d["fds"]),
        "time_offsets": [tuple(x) for x in d["time_offsets"]],
        "seccomp": b(d["seccomp"]), "seccomp_flags": d["seccomp_flags"],
        "hooks": [(k, t, s(p), [s(x) for x in a], [s(x) for x in e]) for k, t, p, a, e in d["hooks"]],
        "personality": tuple(d["personality"]), "ioprio": tuple(d["ioprio"]), "sched": tuple(d["sched"]),
        "affinity": [b(x) for x in d["affinity"]],
        "cgroup": (d["cgroup"][0], d["cgroup"][1]),
        "lsm": [(w, s(p), s(v), s(x)) for w, p, v, x in d["lsm"]],
        "mask_data": s(d["mask_data"]), "keyring": s(d["keyring"]),
    }


def encode_as(plan, preserve_fds=0, hooks_sync=False, **fds):
    """plan_wire.encode with the two inputs that are the Plan's own (preserve_fds, the hooks' stop)
    set on it first; only the fds the parent opens are encode()'s arguments."""
    plan.preserve_fds = preserve_fds
    if hooks_sync:
        plan.flags |= C.F_HOOKS_SYNC
    return W.encode(plan, **fds)


def expected(plan, console_fd=-1, statedir_fd=-1, preserve_fds=0, hooks_sync=False, cgroup_fds=None):
    """What the init must read from encode(plan, ...): the Plan as the record layouts carry it
    (absent records: the decoder's defaults)."""
    cap = lambda v: min(v, W.RLIM_INFINITY)  # noqa: E731
    return {
        "flags": plan.flags | (C.F_HOOKS_SYNC if hooks_sync else 0),
        "rootfs": plan.rootfs or None, "rootprop": plan.root_propagation,
        "ns": list(plan.namespaces),
        "mounts": [(m.flags, m.cleared, m.propagation, m.attr_set, m.attr_clr, m.extra, m.source, m.destination,
                    m.type, m.data, m.label or None) for m in plan.mounts],
        "devices": [(d.mode, d.major, d.minor, d.uid, d.gid, int(d.bind), d.path) for d in plan.devices],
        "links": list(plan.links), "masked": list(plan.masked), "readonly": list(plan.readonly),
        "sysctl": list(plan.sysctl),
        "hostname": plan.hostname or None, "domainname": plan.domainname or None,
        "rlimits": [(r, cap(lo), cap(hi)) for r, lo, hi in plan.rlimits],
        "user": (1, plan.uid, plan.gid, U32 if plan.umask is None else plan.umask, list(plan.groups)),
        "caps": (0, 0, 0, 0, 0, 0, 0) if plan.caps is None else (1, *plan.caps, plan.last_cap),
        "args": list(plan.args), "env": list(plan.env), "cwd": plan.cwd,
        "console": tuple(plan.console_size),
        "oom": (0, 0) if plan.oom_score_adj is None else (1, plan.oom_score_adj),
        "fds": (console_fd, statedir_fd, preserve_fds),
        "time_offsets": list(plan.time_offsets),
        "seccomp": plan.seccomp, "seccomp_flags": plan.seccomp_flags if plan.seccomp else 0,
        "hooks": [(k, t, p, list(a), list(e)) for k, t, p, a, e in plan.hooks],
        "personality": (0, 0) if plan.personality is None else (1, plan.personality),
        "ioprio": (0, 0) if plan.ioprio is None else (1, plan.ioprio),
        "sched": (0, 0, 0, 0, 0, 0, 0, 0) if plan.sched is None else (1, *plan.sched),
        "affinity": list(plan.affinity),
        "cgroup": (cgroup_fds[0], list(cgroup_fds[1])) if cgroup_fds else (-1, []),
        "lsm": list(plan.lsm),
        "mask_data": plan.mask_data if plan.masked else None, "keyring": plan.keyring or None,
    }


# -- random Plans ----------------------------------------------------------------------------------

def bounded(lo, hi):
    """Integers in [lo, hi], with the bounds, their neighbours, 0 and +-1 often."""
    edges = sorted(v for v in {lo, lo + 1, hi - 1, hi, -1, 0, 1} if lo <= v <= hi)
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


u32, u64 = bounded(0, U32), bounded(0, U64)
i32, i64 = bounded(-(1 << 31), (1 << 31) - 1), bounded(-(1 << 63), (1 << 63) - 1)
# any character a str can encode but NUL (the encoder refuses it): controls, quotes, %, non-ASCII
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=12)
maybe_text = st.one_of(st.none(), text)
few = dict(max_size=4)

mount = st.builds(
    lambda src, dst, typ, nums, data, label: _mount(src, dst, typ, nums, data, label),
    text, text, text, st.tuples(u64, u64, u64, u64, u64, u32), text, maybe_text)


def _mount(src, dst, typ, nums, data, label):
    m = P.Mount(src, dst, typ, flags=nums[0], cleared=nums[1], propagation=nums[2], attr_set=nums[3],
                attr_clr=nums[4], extra=nums[5], data=data)
    m.label = label
    return m


device = st.builds(lambda path, n, bind: P.Device(path, *n, bind=bind), text, st.tuples(u32, u32, u32, u32, u32),
                   st.booleans())
hook = st.tuples(u32, u32, text, st.lists(text, **few), st.lists(text, **few))


@st.composite
def plans(draw):
    p = P.Plan()
    p.flags = draw(u32)
    p.namespaces = draw(st.lists(st.tuples(u32, text), **few))
    p.rootfs = draw(text)
    p.root_propagation = draw(u64)
    p.mounts = draw(st.lists(mount, **few))
    p.devices = draw(st.lists(device, **few))
    p.links = draw(st.lists(st.tuples(text, text), **few))
    p.masked = draw(st.lists(text, **few))
    p.readonly = draw(st.lists(text, **few))
    p.sysctl = draw(st.lists(st.tuples(text, text), **few))
    p.keyring, p.hostname, p.domainname = draw(maybe_text), draw(maybe_text), draw(maybe_text)
    big = st.one_of(u64, st.integers(0, 1 << 70))  # past u64: RLIM_INFINITY (plan_wire caps it)
    p.rlimits = draw(st.lists(st.tuples(u32, big, big), **few))
    p.uid, p.gid = draw(u32), draw(u32)
    p.umask = draw(st.one_of(st.none(), u32))
    p.groups = draw(st.lists(u32, max_size=8))
    p.caps = draw(st.one_of(st.none(), st.tuples(u64, u64, u64, u64, u64)))
    p.last_cap = draw(u32)
    p.args, p.env = draw(st.lists(text, **few)), draw(st.lists(text, **few))
    p.cwd = draw(text)
    p.console_size = draw(st.tuples(u32, u32))
    p.oom_score_adj = draw(st.one_of(st.none(), i32))
    p.time_offsets = draw(st.lists(st.tuples(u32, i64, u32), max_size=C.LIMITS["TIME_OFFSETS"]))
    p.seccomp = draw(st.binary(max_size=5 * 8).map(lambda x: x[:len(x) // 8 * 8]))
    p.seccomp_flags = draw(u32)
    p.personality, p.ioprio = draw(st.one_of(st.none(), u32)), draw(st.one_of(st.none(), u32))
    p.sched = draw(st.one_of(st.none(), st.tuples(u32, i32, u32, u64, u64, u64, u64)))
    p.affinity = [draw(st.binary(max_size=9)), draw(st.binary(max_size=9))]
    p.lsm = draw(st.lists(st.tuples(u32, text, text, text), max_size=C.LIMITS["LSM"]))
    p.mask_data = draw(text)
    p.hooks = draw(st.lists(hook, **few))
    cg = draw(st.one_of(st.none(), st.tuples(i32, st.lists(i32, max_size=C.LIMITS["CGROUP_TASKS"]))))
    opts = dict(console_fd=draw(i32), statedir_fd=draw(i32), preserve_fds=draw(u32), hooks_sync=draw(st.booleans()),
                cgroup_fds=cg)
    return p, opts


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_random_plans_decode_to_what_was_encoded(plandump, case):
    """Guards: a record layout written one way by plan_wire.py and read another by plan.c (a field
    added on one side, a u32 read as a u64, a flag or tag numbered twice)."""
    plan, opts = case
    got = decode(plandump, encode_as(plan, **opts))
    assert got is not None, "plan.c refused a Plan plan_wire wrote"
    assert decoded(got) == expected(plan, **opts)


# -- every record, every limit -----------------------------------------------------------------------

def full_plan():
    """A Plan that writes every record kind the contract names."""
    p = P.Plan()
    p.namespaces = [(P.CLONE_NEWNS, "")]
    p.rootfs = "/r"
    m = P.Mount("s", "/d", "tmpfs")
    m.label = "l"
    p.mounts = [m]
    p.devices = [P.Device("/dev/x", 0o20666, 1, 3)]
    p.links, p.masked, p.readonly, p.sysctl = [("a", "/b")], ["/m"], ["/ro"], [("k", "v")]
    p.keyring, p.hostname, p.domainname = "_ses.x", "h", "d"
    p.rlimits, p.caps, p.args, p.env = [(7, 1, 2)], (1, 2, 3, 4, 5), ["a"], ["E=1"]
    p.oom_score_adj, p.time_offsets = 3, [(1, 2, 3)]
    p.seccomp, p.seccomp_flags = b"\0" * 8, 1
    p.personality, p.ioprio, p.sched = 8, 1, (0, 1, 0, 0, 0, 0, 0)
    p.affinity = [b"\1", b"\3"]
    p.lsm = [(C.LSM_EXEC, "p", "v", "w")]
    p.hooks = [(C.HOOK_CREATE_CONTAINER, 1, "/h", ["h"], ["E=1"])]
    return p


def tags(data):
    out, i = set(), 8
    while i < len(data):
        tag, n = int.from_bytes(data[i:i + 4], "little"), int.from_bytes(data[i + 4:i + 8], "little")
        out.add(tag)
        i += 8 + n
    return out


def test_every_tag_of_the_contract_is_written_and_read(plandump):
    """Guards: a record kind added to the contract that the encoder never writes (or the decoder
    silently skips: the round trip of this Plan would lose its field)."""
    plan = full_plan()
    data = encode_as(plan, hooks_sync=True, cgroup_fds=(5, [6]))
    names = {n: v for n, v in vars(C).items() if n.startswith("T_")}
    assert tags(data) == set(names.values())
    assert not set(names.values()) & set(C.RETIRED_TAGS)
    assert decoded(decode(plandump, data)) == expected(plan, hooks_sync=True, cgroup_fds=(5, [6]))


def _fill(name, n):
    """(plan, encode options) with n entries in the table LIMIT_<name> sizes."""
    p, opts = P.Plan(), {}
    if name == "NAMESPACES":
        p.namespaces = [(P.CLONE_NEWNS, "")] * n
    elif name == "MOUNTS":
        p.mounts = [P.Mount("s", "/d", "tmpfs")] * n
    elif name == "DEVICES":
        p.devices = [P.Device("/dev/x", 0o20666, 1, 3)] * n
    elif name == "LINKS":
        p.links = [("a", "/b")] * n
    elif name == "MASKED":
        p.masked = ["/m"] * n
    elif name == "READONLY":
        p.readonly = ["/r"] * n
    elif name == "SYSCTLS":
        p.sysctl = [("k", "v")] * n
    elif name == "RLIMITS":
        p.rlimits = [(7, 1, 1)] * n
    elif name == "GROUPS":
        p.groups = [1] * n
    elif name == "ARGS":
        p.args = ["a"] * n
    elif name == "ENV":
        p.env = ["E=1"] * n
    elif name == "TIME_OFFSETS":
        p.time_offsets = [(1, 0, 0)] * n
    elif name == "HOOKS":
        p.hooks = [(0, 0, "/h", [], [])] * n
    elif name == "HOOK_ARGS":
        p.hooks = [(0, 0, "/h", ["a"] * n, [])]
    elif name == "HOOK_ENV":
        p.hooks = [(0, 0, "/h", [], ["E=1"] * n)]
    elif name == "CGROUP_TASKS":
        opts["cgroup_fds"] = (-1, [7] * n)
    elif name == "SECCOMP_INSNS":
        p.seccomp = b"\0" * 8 * n
    elif name == "LSM":
        p.lsm = [(C.LSM_EXEC, "p", "v", "w")] * n
    else:
        raise AssertionError(f"no case for LIMIT_{name}: add one")
    return p, opts


@pytest.mark.parametrize("name", sorted(C.LIMITS))
def test_the_decoder_takes_each_limit_and_refuses_one_more(plandump, name):
    """Guards: plan.check_limits (Python) and the init's tables (C) sized differently, which made
    the init refuse a Plan the parser had accepted ("malformed plan")."""
    limit = C.LIMITS[name]
    plan, opts = _fill(name, limit)
    got = decode(plandump, encode_as(plan, **opts))
    assert got is not None, f"LIMIT_{name}: {limit} entries refused"
    assert decoded(got) == expected(plan, **opts)
    plan, opts = _fill(name, limit + 1)
    assert decode(plandump, encode_as(plan, **opts)) is None, f"LIMIT_{name}: {limit + 1} entries taken"


def test_a_nul_in_a_string_is_refused_before_the_wire():
    p = P.Plan()
    p.args = ["a\0b"]
    with pytest.raises(ConfigError, match="NUL"):
        encode_as(p)
