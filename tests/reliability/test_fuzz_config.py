"""Config fuzzing: mutations of a valid busybox config fed to `create` (hypothesis, derandomized).

Every outcome must be a created container or a one-line error: no "Traceback", no "internal error"
(an unhandled exception in the runtime), no hang; after `delete --force` nothing may remain (state
dir, host mounts, cgroups under the session prefix or the default <own cgroup>/<id>, processes).

The run does not stop at the first finding: every distinct finding (kind + error text) is collected
with its count and one example config (written under the test's tmp dir), and the test fails at
the end listing them all. CI: FUZZ_CI examples; PYRUNTIME_NIGHTLY=1: FUZZ_NIGHTLY.

Safety: the mutations never touch hooks (they would run host programs) or linux.cgroupsPath
(forced to PREFIX/<id>), and containers are only created, never started.
"""

import copy
import json
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relutil import (cgroups_path, error_problem, force_clean, leaks, message, new_id, record, run, scale,
                     state_of, valid_config, write_bundle)

FUZZ_CI = 300
FUZZ_NIGHTLY = 3000

BASE = valid_config("X")
BASE["linux"]["resources"] = {"pids": {"limit": 100}}


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


# every path of the valid config plus optional fields it does not carry
OPTIONAL = [
    ("process", "consoleSize"), ("process", "consoleSize", "height"), ("process", "oomScoreAdj"),
    ("process", "user", "umask"), ("process", "user", "additionalGids"), ("process", "apparmorProfile"),
    ("process", "capabilities", "ambient"), ("process", "capabilities", "inheritable"),
    ("process", "rlimits", 1), ("process", "ioPriority"), ("process", "scheduler"), ("process", "user", "username"),
    ("linux", "resources", "memory", "limit"), ("linux", "resources", "cpu", "shares"),
    ("linux", "resources", "cpu", "quota"), ("linux", "resources", "cpu", "cpus"),
    ("linux", "resources", "blockIO", "weight"), ("linux", "resources", "devices"),
    ("linux", "devices"), ("linux", "uidMappings"), ("linux", "gidMappings"), ("linux", "rootfsPropagation"),
    ("linux", "mountLabel"), ("linux", "seccomp"), ("linux", "personality"), ("linux", "timeOffsets"),
    ("linux", "intelRdt"), ("domainname",), ("annotations",), ("annotations", "k"), ("root", "readonly"),
    ("mounts", 6), ("mounts", 0, "uidMappings"),
]
PATHS = sorted({p for p in _paths(BASE) if p} | set(OPTIONAL), key=repr)
PATHS = [p for p in PATHS if p[:2] != ("linux", "cgroupsPath") and p[:1] != ("hooks",)]

NUMERIC = [
    ("process", "user", "uid"), ("process", "user", "gid"), ("process", "user", "additionalGids", 0),
    ("process", "rlimits", 0, "hard"), ("process", "rlimits", 0, "soft"), ("process", "consoleSize", "height"),
    ("process", "consoleSize", "width"), ("process", "oomScoreAdj"), ("process", "user", "umask"),
    ("linux", "resources", "memory", "limit"), ("linux", "resources", "memory", "swap"),
    ("linux", "resources", "pids", "limit"), ("linux", "resources", "cpu", "shares"),
    ("linux", "resources", "cpu", "quota"), ("linux", "resources", "cpu", "period"),
    ("linux", "resources", "blockIO", "weight"), ("linux", "devices", 0, "major"), ("linux", "devices", 0, "minor"),
    ("linux", "devices", 0, "fileMode"), ("linux", "devices", 0, "uid"),
    ("linux", "uidMappings", 0, "size"), ("linux", "uidMappings", 0, "hostID"),
    ("linux", "timeOffsets", "monotonic", "secs"), ("process", "ioPriority", "priority"),
]
HUGE = [2**64, 2**64 + 1, 2**63, 2**63 - 1, 2**32, 2**31, 2**31 - 1, -1, -2, -2**31, -2**63, -2**64 - 1,
        10**100, 1e308, -1e308, 0.5, -0.0, float("inf"), float("nan")]

ODD = ["", ".", "..", "/", "\x00", "a\x00b", "\n", "a\nb", "\u202e", "\ufeff", "\ud800", "\udfff", "é" * 5000,
       "../" * 64, "\U0001F600", "e\u0301", "\u0000/proc", " ", "\t", "$(id)", "%s%n", "\\", "'\"", "/" * 4097,
       "x" * 70000, "\x7f", "\u2028", "ﬁ", "İ"]
UNICODE_PATHS = [("hostname",), ("domainname",), ("process", "cwd"), ("process", "args", 0), ("process", "args", 1),
                 ("process", "env", 0), ("process", "env", 5), ("mounts", 1, "destination"),
                 ("mounts", 1, "source"), ("mounts", 1, "type"), ("mounts", 1, "options", 0),
                 ("root", "path"), ("annotations", "k"), ("process", "user", "username"),
                 ("linux", "maskedPaths", 0), ("linux", "readonlyPaths", 0), ("process", "apparmorProfile"),
                 ("process", "capabilities", "bounding", 0), ("process", "rlimits", 0, "type"), ("ociVersion",),
                 ("linux", "mountLabel"), ("linux", "namespaces", 0, "type")]

DESTS = ["/up/x", "/abs", "/abs/x", "/loop", "/loop/x", "/dangling", "/file", "/file/sub", "/../../../tmp/pyrt-x",
         "/proc/../..", "proc", "dev/shm", "", "/", "/dev/../etc", "/./././x", "/x/../../y", "/proc", "/proc/self",
         "/sys/fs/cgroup", "/dev/null", "/dev/console", "/tmp//x", "/" + "d/" * 300]
SOURCES = ["/", "..", "../..", "rootfs/up", "rootfs/loop", "/proc/self/fd/0", "/nonexistent", "", "rootfs-link",
           "/dev/null", "tmpfs", "proc", "rootfs/dangling", "./rootfs/../rootfs"]
TYPES = ["bind", "tmpfs", "proc", "sysfs", "nosuchfs", "", "ext4", "overlay", "cgroup", "cgroup2", "devpts",
         "mqueue", None, "none", "rbind"]
OPTIONS = ["nosuchopt", "size=-1", "size=99999999999999999999T", "mode=99999", "mode=abc", "rbind", "bind", "ro",
           "rro", "idmap", "", "=", "uid=-1", "\x00", "rprivate", "shared", "rshared", "nr_inodes=abc",
           "X-mount.mkdir", "remount", "move", "nosymfollow", "rnoexec", "strictatime", "gid=99999999999",
           "private", "unbindable", "ratime", "loud", "x" * 5000, "newinstance", "ptmxmode=77777"]
ROOTS = ["rootfs", "../b/rootfs", "rootfs-link", "missing", "rootfs/bin/busybox", "", "/nonexistent",
         "rootfs/../rootfs", "rootfs/up", "rootfs/loop", "rootfs/dangling", "./rootfs/"]
NS_TYPES = ["foo", "", "Mount", "pid ", "cgroup", "time", "user", "network", "mount", "uts", "ipc", "pid",
            "NEWNET", "\u0000", "mnt", "net"]

json_leaf = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) |
             st.text(max_size=20) | st.sampled_from(ODD))
json_values = st.recursive(json_leaf, lambda c: st.lists(c, max_size=4) |
                           st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=8)

mutation = st.one_of(
    st.tuples(st.just("type"), st.sampled_from(PATHS), json_values),
    st.tuples(st.just("missing"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("extra"), st.sampled_from([p for p in PATHS] + [()]),
              st.tuples(st.text(max_size=12) | st.sampled_from(ODD), json_values)),
    st.tuples(st.just("number"), st.sampled_from(NUMERIC), st.sampled_from(HUGE) | st.integers()),
    st.tuples(st.just("unicode"), st.sampled_from(UNICODE_PATHS), st.sampled_from(ODD) | st.text(max_size=40)),
    st.tuples(st.just("deep"), st.sampled_from([("annotations", "deep"), ("x-extra",), ("process", "args", 1),
                                                ("linux", "resources", "unified"), ("mounts", 1)]),
              st.sampled_from([64, 1000, 5000, 100000])),
    st.tuples(st.just("mount"), st.integers(0, 8),
              st.fixed_dictionaries({}, optional={"destination": st.sampled_from(DESTS),
                                                  "source": st.sampled_from(SOURCES),
                                                  "type": st.sampled_from(TYPES),
                                                  "options": st.lists(st.sampled_from(OPTIONS), max_size=4)})),
    st.tuples(st.just("dupmount"), st.integers(0, 5), st.integers(1, 3)),
    st.tuples(st.just("namespace"), st.sampled_from(NS_TYPES),
              st.sampled_from([None, "", "/nonexistent", "/proc/self/ns/../ns/net", "relative", 5])),
    st.tuples(st.just("root"), st.sampled_from(ROOTS), st.booleans()),
    st.tuples(st.just("options"), st.integers(0, 5), st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=4)),
)
raw_mutation = st.one_of(
    st.none(), st.none(), st.none(), st.none(),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("append"), st.sampled_from([b"}", b"garbage", b"\x00", b"]]]", b"\n\n"])),
    st.tuples(st.just("bom"), st.just(b"\xef\xbb\xbf")),
    st.tuples(st.just("badutf8"), st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"])),
    st.tuples(st.just("dupkey"), st.just(None)),
    st.tuples(st.just("whole"), st.sampled_from([b"", b"null", b"[]", b"0", b"\"x\"", b"{}", b"{" * 100000])),
)

DEEP = "__PYRT_DEEP__"


def _parent(cfg, path, create):
    cur = cfg
    for i, k in enumerate(path[:-1]):
        nxt = path[i + 1]
        if isinstance(cur, dict):
            if k not in cur or not isinstance(cur[k], (dict, list)):
                if not create:
                    return None
                cur[k] = [] if isinstance(nxt, int) else {}
            cur = cur[k]
        elif isinstance(cur, list) and isinstance(k, int):
            if k >= len(cur):
                if not create:
                    return None
                cur.append([] if isinstance(nxt, int) else {})
                k = len(cur) - 1
            if not isinstance(cur[k], (dict, list)):
                if not create:
                    return None
                cur[k] = [] if isinstance(nxt, int) else {}
            cur = cur[k]
        else:
            return None
    return cur


def set_at(cfg, path, value):
    if not path:
        return
    p = _parent(cfg, path, True)
    k = path[-1]
    if isinstance(p, dict) and not isinstance(k, int):
        p[k] = value
    elif isinstance(p, dict):
        p[str(k)] = value
    elif isinstance(p, list) and isinstance(k, int):
        if k < len(p):
            p[k] = value
        else:
            p.append(value)


def del_at(cfg, path):
    p = _parent(cfg, path, False)
    k = path[-1]
    if isinstance(p, dict):
        p.pop(k, None)
    elif isinstance(p, list) and isinstance(k, int) and k < len(p):
        del p[k]


def get_at(cfg, path):
    cur = cfg
    for k in path:
        try:
            cur = cur[k]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def apply(cfg, m):
    kind, a, b = m
    if kind == "type" or kind == "number" or kind == "unicode":
        set_at(cfg, a, b)
    elif kind == "missing":
        del_at(cfg, a)
    elif kind == "extra":
        target = get_at(cfg, a) if a else cfg
        if isinstance(target, dict):
            target[b[0]] = b[1]
        elif isinstance(target, list):
            target.append(b[1])
    elif kind == "deep":
        set_at(cfg, a, f"{DEEP}{b}")
    elif kind == "mount":
        mounts = cfg.get("mounts")
        if isinstance(mounts, list):
            mounts.insert(min(a, len(mounts)), b)
    elif kind == "dupmount":
        mounts = cfg.get("mounts")
        if isinstance(mounts, list) and a < len(mounts):
            mounts.extend(copy.deepcopy(mounts[a]) for _ in range(b))
    elif kind == "namespace":
        ns = get_at(cfg, ("linux", "namespaces"))
        if isinstance(ns, list):
            entry = {"type": a}
            if b is not None:
                entry["path"] = b
            ns.append(entry)
    elif kind == "root":
        set_at(cfg, ("root", "path"), a)
        set_at(cfg, ("root", "readonly"), b)
    elif kind == "options":
        mounts = cfg.get("mounts")
        if isinstance(mounts, list) and a < len(mounts) and isinstance(mounts[a], dict):
            mounts[a]["options"] = list(b)


def sanitize(cfg, cid):
    """Keep the fuzz away from the host: no hooks, our own cgroup path."""
    if isinstance(cfg, dict):
        cfg.pop("hooks", None)
        linux = cfg.get("linux")
        if isinstance(linux, dict):
            linux["cgroupsPath"] = cgroups_path(cid)
    return cfg


def render(cfg, raw):
    text = json.dumps(cfg, ensure_ascii=False, allow_nan=True)
    for m in re.finditer(re.escape(DEEP) + r"(\d+)", text):
        n = int(m.group(1))
        text = text.replace(f'"{DEEP}{n}"', "[" * n + "]" * n, 1)
    data = text.encode("utf-8", "surrogatepass")
    if raw is None:
        return data
    kind, arg = raw
    if kind == "truncate":
        return data[:int(len(data) * arg)]
    if kind == "append":
        return data + arg
    if kind == "bom":
        return arg + data
    if kind == "badutf8":
        i = data.find(b'"sh"') if b'"sh"' in data else data.find(b'"sleep"')
        return data[:i + 1] + arg + data[i + 1:] if i >= 0 else data + arg
    if kind == "dupkey":
        return data.replace(b'{"ociVersion"', b'{"ociVersion": 7, "ociVersion"', 1)
    if kind == "whole":
        return arg
    return data


def _signature(kind, res):
    text = message(res) if res is not None else ""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "Q", text)  # quoted values vary from case to case
    text = re.sub(r"0x[0-9a-f]+|[0-9a-f]{10}|\d+", "N", text)
    return f"{kind}: {text[:160]}"


def test_fuzz_create(tmp_path, state_root, busybox_rootfs, mounts_before):
    bundle = write_bundle(tmp_path / "b", BASE, busybox_rootfs)
    rootfs = bundle / "rootfs"
    os.symlink("../../../..", rootfs / "up")
    os.symlink("/etc", rootfs / "abs")
    os.symlink("loop", rootfs / "loop")
    os.symlink("/nonexistent/x", rootfs / "dangling")
    (rootfs / "file").write_text("file\n")
    os.symlink("rootfs", bundle / "rootfs-link")
    examples = tmp_path / "findings"
    examples.mkdir()
    findings = {}
    counts = {"configs": 0, "created": 0, "rejected": 0}
    used = []

    def finding(kind, res, data, extra=""):
        sig = _signature(kind, res)
        if sig not in findings:
            path = examples / f"finding-{len(findings)}.json"
            path.write_bytes(data)
            # the config itself goes into the report too: CI's temporary files are gone afterwards
            findings[sig] = {"count": 0, "example": str(path), "detail": extra or repr(res),
                             "config": data[:1500].decode("utf-8", "replace")}
        findings[sig]["count"] += 1

    @settings(max_examples=scale(FUZZ_CI, FUZZ_NIGHTLY), derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(muts=st.lists(mutation, min_size=1, max_size=3), raw=raw_mutation)
    def one(muts, raw):
        cid = new_id("f")
        used.append(cid)
        cfg = copy.deepcopy(BASE)
        for m in muts:
            apply(cfg, m)
        sanitize(cfg, cid)
        data = render(cfg, raw)
        (bundle / "config.json").write_bytes(data)
        counts["configs"] += 1
        res = run("create", "--bundle", bundle, cid, root=state_root, timeout=20)
        if res.timed_out:
            finding("hang", None, data, repr(res))
        elif res.rc == 0:
            counts["created"] += 1
            st_, sres = state_of(cid, state_root)
            if st_ is None or st_.get("status") != "created":
                finding("created but state is not 'created'", sres, data, repr(sres))
        else:
            counts["rejected"] += 1
            problem = error_problem(res)
            if problem:
                finding(problem, res, data)
        dres = run("delete", "--force", cid, root=state_root, timeout=30)
        if dres.rc != 0:
            finding("delete --force failed", dres, data)
        left = leaks(state_root, [cid], [tmp_path], mounts_before, grace=2.0)
        if left:
            finding("leak", None, data, "; ".join(left))
            force_clean(state_root, [cid])

    try:
        one()
    finally:
        force_clean(state_root, used)
        record("fuzz_config", **counts, findings=sum(f["count"] for f in findings.values()),
               distinct_findings=len(findings))
    left = leaks(state_root, used, [tmp_path], mounts_before)
    record("fuzz_config", leaks=int(bool(left)))
    report = "\n".join(f"  [{f['count']}x] {sig}\n      example: {f['example']}\n      {f['detail'][:600]}\n"
                           f"      config: {f['config']}"
                       for sig, f in findings.items())
    assert not findings, f"{len(findings)} distinct findings in {counts['configs']} configs:\n{report}"
    assert not left, left
