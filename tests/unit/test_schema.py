"""The JSON Schemas in schema/ and the validator generated from config-schema.json.

jsonschema is the reference: for every document, the generated validator must
accept exactly what jsonschema accepts, and point at an instance location that
jsonschema also reports.
"""

import copy
import importlib
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_DIR = os.path.join(ROOT, "schema")
CONFIG_SCHEMA = os.path.join(SCHEMA_DIR, "config-schema.json")

jsonschema = pytest.importorskip("jsonschema")

sys.path.insert(0, SCHEMA_DIR)  # the generator is build tooling, next to the schema
import schemagen  # noqa: E402
from pyruntime import _config_validator as V  # noqa: E402


def _load(name):
    with open(os.path.join(SCHEMA_DIR, name)) as f:
        return json.load(f)


CONFIG = _load("config-schema.json")
REF = jsonschema.Draft7Validator(CONFIG)


# --------------------------------------------------------------------------
# corpus of valid configs

RUNC_SPEC = {
    "ociVersion": "1.0.2-dev",
    "process": {
        "terminal": True,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        "cwd": "/",
        "capabilities": {
            k: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
            for k in ("bounding", "effective", "permitted", "ambient")
        },
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "runc",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/sys/firmware"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}

PODMAN_LIKE = {
    "ociVersion": "1.1.0",
    "process": {
        "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [1000, 10]},
        "args": ["/bin/sh", "-c", "echo hi"],
        "env": ["PATH=/usr/bin:/bin", "container=podman", "HOME=/root"],
        "cwd": "/",
        "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576},
                    {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304}],
        "oomScoreAdj": 0,
        "apparmorProfile": "containers-default-0.50.1",
        "selinuxLabel": "system_u:system_r:container_t:s0:c1,c2",
        "consoleSize": {"height": 24, "width": 80},
        "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
        "scheduler": {"policy": "SCHED_OTHER", "nice": -5, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
        "execCPUAffinity": {"initial": "0-1", "final": "0-3, 7"},
    },
    "root": {"path": "/var/lib/containers/storage/overlay/abc/merged"},
    "hostname": "8b0d4f0c0a1e",
    "domainname": "example.org",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/etc/hosts", "type": "bind", "source": "/run/containers/hosts",
         "options": ["bind", "rprivate"]},
        {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "idmap"],
         "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
         "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]},
        {"destination": "/tmp"},
    ],
    "hooks": {
        "prestart": [{"path": "/usr/bin/netavark", "args": ["netavark", "setup"], "env": ["A=1"], "timeout": 10}],
        "createRuntime": [{"path": "/usr/libexec/oci/hooks.d/x"}],
        "poststop": [{"path": "/usr/bin/cleanup"}],
    },
    "annotations": {"io.container.manager": "libpod", "org.opencontainers.image.stopSignal": "15"},
    "linux": {
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "sysctl": {"net.ipv4.ping_group_range": "0 0"},
        "resources": {
            "devices": [{"allow": False, "access": "rwm"},
                        {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rwm"}],
            "memory": {"limit": 536870912, "swap": -1, "reservation": 0, "swappiness": 60,
                       "disableOOMKiller": False, "useHierarchy": True, "checkBeforeUpdate": True},
            "cpu": {"shares": 1024, "quota": 100000, "period": 100000, "cpus": "0-3", "mems": "0",
                    "idle": 0, "burst": 0},
            "pids": {"limit": 2048},
            "blockIO": {"weight": 500, "weightDevice": [{"major": 8, "minor": 0, "weight": 300}],
                        "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]},
            "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
            "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]},
            "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
            "unified": {"memory.high": "max", "io.weight": "default 100"},
        },
        "cgroupsPath": "machine.slice:libpod:8b0d4f0c0a1e",
        "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/netns-1"}, {"type": "ipc"},
                       {"type": "uts"}, {"type": "mount"}, {"type": "user"}, {"type": "time"}],
        "timeOffsets": {"monotonic": {"secs": 3600, "nanosecs": 0}, "boottime": {"secs": -5}},
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
        "seccomp": {
            "defaultAction": "SCMP_ACT_ERRNO",
            "defaultErrnoRet": 38,
            "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            "listenerPath": "/run/seccomp.sock",
            "syscalls": [
                {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                          {"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
                {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
            ],
        },
        "rootfsPropagation": "rslave" if False else "slave",
        "maskedPaths": ["/proc/kcore"],
        "readonlyPaths": ["/proc/sys"],
        "mountLabel": "system_u:object_r:container_file_t:s0:c1,c2",
        "intelRdt": {"closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0", "memBwSchema": "MB:0=20",
                     "schemata": ["L2:0=ff"], "enableMonitoring": True},
        "personality": {"domain": "LINUX32", "flags": []},
        "memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": "0-1", "flags": ["MPOL_F_STATIC_NODES"]},
        "netDevices": {"eth1": {"name": "ceth1"}, "ens5": {}},
    },
    "org.example.extension": {"anything": True},
}

MINIMAL = {"ociVersion": "1.0.2", "root": {"path": "rootfs"}}

VALID = {
    "runc-spec": RUNC_SPEC,
    "podman-like": PODMAN_LIKE,
    "minimal": MINIMAL,
    "only-version": {"ociVersion": "1.3.0"},
    "rc-version": {"ociVersion": "1.0.0-rc5"},
    "null-annotations": {"ociVersion": "1.2.0", "annotations": None},
    "integral-float": {"ociVersion": "1.2.0", "process": {"args": ["x"], "cwd": "/", "oomScoreAdj": 1.0}},
    "pids-without-limit": {"ociVersion": "1.3.0", "linux": {"resources": {"pids": {}}}},
}


def _path(parts):
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        else:
            out = p if not out else out + "." + p
    return out


def _ref_paths(doc):
    """All instance locations jsonschema reports (including inside anyOf/oneOf contexts)."""
    paths = set()

    def walk(errors):
        for e in errors:
            paths.add(_path(e.absolute_path))
            walk(e.context or ())

    walk(REF.iter_errors(doc))
    return paths


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_corpus(name):
    doc = VALID[name]
    assert list(REF.iter_errors(doc)) == []
    assert V.validate(doc) is None


def test_runc_spec_output(tmp_path):
    runc = shutil.which("runc") or ("/usr/sbin/runc" if os.path.exists("/usr/sbin/runc") else None)
    if runc is None:
        pytest.skip("runc is not installed")
    subprocess.run([runc, "spec"], cwd=tmp_path, check=True)
    with open(tmp_path / "config.json") as f:
        doc = json.load(f)
    assert list(REF.iter_errors(doc)) == []
    assert V.validate(doc) is None
    subprocess.run([runc, "spec", "--rootless"], cwd=tmp_path / ".", check=False,
                   env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------
# mutations: each must be rejected by both, at a location jsonschema reports


def _set(path, value):
    def mutate(doc):
        cur = doc
        for p in path[:-1]:
            cur = cur[p]
        cur[path[-1]] = value
    return mutate


def _del(path):
    def mutate(doc):
        cur = doc
        for p in path[:-1]:
            cur = cur[p]
        del cur[path[-1]]
    return mutate


MUTATIONS = [
    # (name, base, mutation, expected path)
    ("ociVersion-int", "minimal", _set(["ociVersion"], 1), "ociVersion"),
    ("root-path-missing", "minimal", _set(["root"], {}), "root.path"),
    ("root-path-int", "minimal", _set(["root", "path"], 5), "root.path"),
    ("root-readonly-str", "runc-spec", _set(["root", "readonly"], "yes"), "root.readonly"),
    ("root-string", "minimal", _set(["root"], "rootfs"), "root"),
    ("args-empty", "runc-spec", _set(["process", "args"], []), "process.args"),
    ("args-missing", "runc-spec", _del(["process", "args"]), "process.args"),
    ("args-string", "runc-spec", _set(["process", "args"], "sh"), "process.args"),
    ("args-item-int", "runc-spec", _set(["process", "args"], ["sh", 1]), "process.args[1]"),
    ("cwd-missing", "runc-spec", _del(["process", "cwd"]), "process.cwd"),
    ("cwd-null", "runc-spec", _set(["process", "cwd"], None), "process.cwd"),
    ("terminal-int", "runc-spec", _set(["process", "terminal"], 1), "process.terminal"),
    ("env-string", "runc-spec", _set(["process", "env"], "A=B"), "process.env"),
    ("uid-negative", "runc-spec", _set(["process", "user", "uid"], -1), "process.user.uid"),
    ("uid-bool", "runc-spec", _set(["process", "user", "uid"], True), "process.user.uid"),
    ("uid-float", "runc-spec", _set(["process", "user", "uid"], 1.5), "process.user.uid"),
    ("uid-too-big", "runc-spec", _set(["process", "user", "uid"], 4294967296), "process.user.uid"),
    ("gid-string", "runc-spec", _set(["process", "user", "gid"], "0"), "process.user.gid"),
    ("additionalGids-neg", "podman-like", _set(["process", "user", "additionalGids"], [1, -2]),
     "process.user.additionalGids[1]"),
    ("cap-not-array", "runc-spec", _set(["process", "capabilities", "bounding"], "CAP_KILL"),
     "process.capabilities.bounding"),
    ("rlimit-type-bad", "runc-spec", _set(["process", "rlimits", 0, "type"], "NOFILE"), "process.rlimits[0].type"),
    ("rlimit-soft-missing", "runc-spec", _del(["process", "rlimits", 0, "soft"]), "process.rlimits[0].soft"),
    ("rlimit-hard-negative", "runc-spec", _set(["process", "rlimits", 0, "hard"], -1), "process.rlimits[0].hard"),
    ("oomScoreAdj-bool", "podman-like", _set(["process", "oomScoreAdj"], False), "process.oomScoreAdj"),
    ("oomScoreAdj-str", "podman-like", _set(["process", "oomScoreAdj"], "0"), "process.oomScoreAdj"),
    ("consoleSize-missing-width", "podman-like", _set(["process", "consoleSize"], {"height": 1}),
     "process.consoleSize.width"),
    ("ioPriority-class", "podman-like", _set(["process", "ioPriority", "class"], "BE"), "process.ioPriority.class"),
    ("scheduler-policy", "podman-like", _set(["process", "scheduler", "policy"], "SCHED_X"),
     "process.scheduler.policy"),
    ("scheduler-nice-big", "podman-like", _set(["process", "scheduler", "nice"], 2 ** 31),
     "process.scheduler.nice"),
    ("affinity-bad", "podman-like", _set(["process", "execCPUAffinity", "initial"], "a"),
     "process.execCPUAffinity.initial"),
    ("noNewPrivileges-str", "runc-spec", _set(["process", "noNewPrivileges"], "true"), "process.noNewPrivileges"),
    ("hostname-int", "runc-spec", _set(["hostname"], 7), "hostname"),
    ("mounts-object", "runc-spec", _set(["mounts"], {}), "mounts"),
    ("mount-no-destination", "runc-spec", _del(["mounts", 2, "destination"]), "mounts[2].destination"),
    ("mount-destination-int", "runc-spec", _set(["mounts", 1, "destination"], 3), "mounts[1].destination"),
    ("mount-options-string", "runc-spec", _set(["mounts", 3, "options"], "ro"), "mounts[3].options"),
    ("mount-not-object", "runc-spec", _set(["mounts", 0], "proc"), "mounts[0]"),
    ("mount-idmap-missing-size", "podman-like", _del(["mounts", 2, "uidMappings", 0, "size"]),
     "mounts[2].uidMappings[0].size"),
    ("hook-no-path", "podman-like", _set(["hooks", "prestart", 0], {"args": []}), "hooks.prestart[0].path"),
    ("hook-timeout-zero", "podman-like", _set(["hooks", "prestart", 0, "timeout"], 0), "hooks.prestart[0].timeout"),
    ("hooks-not-array", "podman-like", _set(["hooks", "poststop"], {"path": "/x"}), "hooks.poststop"),
    ("annotation-int", "podman-like", _set(["annotations", "a.b"], 1), "annotations.a.b"),
    ("annotations-list", "podman-like", _set(["annotations"], []), "annotations"),
    ("ns-type-bad", "runc-spec", _set(["linux", "namespaces", 0, "type"], "pids"), "linux.namespaces[0].type"),
    ("ns-type-missing", "runc-spec", _set(["linux", "namespaces", 1], {"path": "/x"}), "linux.namespaces[1].type"),
    ("ns-not-array", "runc-spec", _set(["linux", "namespaces"], {"type": "pid"}), "linux.namespaces"),
    ("uidmap-hostid-neg", "podman-like", _set(["linux", "uidMappings", 0, "hostID"], -1),
     "linux.uidMappings[0].hostID"),
    ("device-type-bad", "podman-like", _set(["linux", "devices", 0, "type"], "x"), "linux.devices[0].type"),
    ("device-filemode-big", "podman-like", _set(["linux", "devices", 0, "fileMode"], 4095),
     "linux.devices[0].fileMode"),
    ("device-no-path", "podman-like", _del(["linux", "devices", 0, "path"]), "linux.devices[0].path"),
    ("devcgroup-allow-missing", "runc-spec", _set(["linux", "resources", "devices", 0], {"access": "rwm"}),
     "linux.resources.devices[0].allow"),
    ("memory-limit-str", "podman-like", _set(["linux", "resources", "memory", "limit"], "1G"),
     "linux.resources.memory.limit"),
    ("cpu-shares-neg", "podman-like", _set(["linux", "resources", "cpu", "shares"], -1),
     "linux.resources.cpu.shares"),
    ("cpu-quota-bool", "podman-like", _set(["linux", "resources", "cpu", "quota"], True),
     "linux.resources.cpu.quota"),
    ("pids-limit-float", "podman-like", _set(["linux", "resources", "pids", "limit"], 1.5),
     "linux.resources.pids.limit"),
    ("blkio-weight-big", "podman-like", _set(["linux", "resources", "blockIO", "weight"], 70000),
     "linux.resources.blockIO.weight"),
    ("throttle-no-major", "podman-like", _del(["linux", "resources", "blockIO", "throttleReadBpsDevice", 0, "major"]),
     "linux.resources.blockIO.throttleReadBpsDevice[0].major"),
    ("hugepage-no-size", "podman-like", _del(["linux", "resources", "hugepageLimits", 0, "pageSize"]),
     "linux.resources.hugepageLimits[0].pageSize"),
    ("rdma-bad", "podman-like", _set(["linux", "resources", "rdma", "mlx5_1", "hcaHandles"], -3),
     "linux.resources.rdma.mlx5_1.hcaHandles"),
    ("unified-int", "podman-like", _set(["linux", "resources", "unified", "memory.high"], 5),
     "linux.resources.unified.memory.high"),
    ("propagation-bad", "podman-like", _set(["linux", "rootfsPropagation"], "sideways"), "linux.rootfsPropagation"),
    ("seccomp-no-default", "podman-like", _del(["linux", "seccomp", "defaultAction"]),
     "linux.seccomp.defaultAction"),
    ("seccomp-default-bad", "podman-like", _set(["linux", "seccomp", "defaultAction"], "ALLOW"),
     "linux.seccomp.defaultAction"),
    ("seccomp-arch-bad", "podman-like", _set(["linux", "seccomp", "architectures", 1], "SCMP_ARCH_Z80"),
     "linux.seccomp.architectures[1]"),
    ("seccomp-flag-bad", "podman-like", _set(["linux", "seccomp", "flags"], ["TSYNC"]), "linux.seccomp.flags[0]"),
    ("syscall-names-empty", "podman-like", _set(["linux", "seccomp", "syscalls", 0, "names"], []),
     "linux.seccomp.syscalls[0].names"),
    ("syscall-action-missing", "podman-like", _del(["linux", "seccomp", "syscalls", 2, "action"]),
     "linux.seccomp.syscalls[2].action"),
    ("syscall-arg-op-bad", "podman-like", _set(["linux", "seccomp", "syscalls", 1, "args", 1, "op"], "EQ"),
     "linux.seccomp.syscalls[1].args[1].op"),
    ("syscall-arg-index-missing", "podman-like", _del(["linux", "seccomp", "syscalls", 1, "args", 0, "index"]),
     "linux.seccomp.syscalls[1].args[0].index"),
    ("sysctl-value-int", "podman-like", _set(["linux", "sysctl", "net.ipv4.ip_forward"], 1),
     "linux.sysctl.net.ipv4.ip_forward"),
    ("maskedPaths-str", "runc-spec", _set(["linux", "maskedPaths"], "/proc"), "linux.maskedPaths"),
    ("membw-bad", "podman-like", _set(["linux", "intelRdt", "memBwSchema"], "L3:0=1"), "linux.intelRdt.memBwSchema"),
    ("personality-domain", "podman-like", _set(["linux", "personality", "domain"], "LINUX64"),
     "linux.personality.domain"),
    ("mempolicy-no-mode", "podman-like", _del(["linux", "memoryPolicy", "mode"]), "linux.memoryPolicy.mode"),
    ("mempolicy-flag-bad", "podman-like", _set(["linux", "memoryPolicy", "flags"], ["MPOL_X"]),
     "linux.memoryPolicy.flags[0]"),
    ("netdevice-name-int", "podman-like", _set(["linux", "netDevices", "eth1", "name"], 1),
     "linux.netDevices.eth1.name"),
    ("netdevice-not-object", "podman-like", _set(["linux", "netDevices", "eth1"], "ceth1"),
     "linux.netDevices.eth1"),
    ("timeoffset-nanosecs-neg", "podman-like", _set(["linux", "timeOffsets", "monotonic", "nanosecs"], -1),
     "linux.timeOffsets.monotonic.nanosecs"),
    ("linux-list", "runc-spec", _set(["linux"], []), "linux"),
    ("cgroupsPath-int", "podman-like", _set(["linux", "cgroupsPath"], 0), "linux.cgroupsPath"),
]


def test_enough_mutations():
    assert len(MUTATIONS) >= 40


@pytest.mark.parametrize("name,base,mutate,expected", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutation_rejected_by_both(name, base, mutate, expected):
    doc = copy.deepcopy(VALID[base])
    mutate(doc)
    ref = _ref_paths(doc)
    assert ref, "jsonschema accepted the mutated document"
    got = V.validate(doc)
    assert got is not None, "generated validator accepted the mutated document"
    path, reason = got
    # jsonschema reports a missing member at the object holding it; we name the member
    where = path.rpartition(".")[0] if reason == "is required" else path
    assert where in ref, (got, ref)
    assert path == expected, got
    assert reason and reason == reason.lower() or reason.startswith("must be one of") or "pattern" in reason


def test_non_object_document():
    for doc in (None, [], "x", 1, True):
        assert V.validate(doc) == ("", "must be an object")
        assert "" in _ref_paths(doc)


# --------------------------------------------------------------------------
# exact messages


def _with(base, mutate):
    doc = copy.deepcopy(VALID[base])
    mutate(doc)
    return V.validate(doc)


def test_messages():
    assert _with("runc-spec", _set(["process", "args"], [])) == ("process.args", "must be a non-empty array")
    assert _with("runc-spec", _del(["process", "cwd"])) == ("process.cwd", "is required")
    assert _with("minimal", _del(["root", "path"])) == ("root.path", "is required")
    assert _with("runc-spec", _set(["process", "user", "uid"], -1)) == ("process.user.uid", "must be >= 0")
    assert _with("runc-spec", _set(["process", "user", "uid"], True)) == ("process.user.uid", "must be an integer")
    assert _with("runc-spec", _set(["hostname"], 1)) == ("hostname", "must be a string")
    assert _with("runc-spec", _set(["linux", "namespaces", 0, "type"], "pids")) == (
        "linux.namespaces[0].type", "must be one of: pid, network, mount, ipc, uts, user, cgroup, time")
    assert _with("runc-spec", _del(["mounts", 2, "destination"])) == ("mounts[2].destination", "is required")
    assert _with("runc-spec", _set(["process", "rlimits", 0, "type"], "NOFILE")) == (
        "process.rlimits[0].type", "must match pattern ^RLIMIT_[A-Z]+$")
    assert _with("runc-spec", _set(["process", "user", "uid"], 2 ** 32)) == (
        "process.user.uid", "must be <= 4294967295")
    assert _with("podman-like", _set(["annotations"], 3)) == ("annotations", "must be an object or null")


def test_integer_semantics_match_jsonschema():
    for value in (0, 1.0, -0.0, 2.0 ** 40, True, False, 1.5, "1", None, [1]):
        doc = {"ociVersion": "1.0.0", "hostname": "h", "process": {"args": ["a"], "cwd": "/", "oomScoreAdj": value}}
        assert (V.validate(doc) is None) == REF.is_valid(doc), value


@pytest.mark.parametrize("kind", ["RLIMIT_NOFILE", "RLIMIT_", "RLIMIT_NOFILE\n", "RLIMIT_NOFILE\n\n", " RLIMIT_CPU",
                                  "RLIMIT_cpu", "rlimit_CPU", "RLIMIT_CPU ", "", "RLIMIT_A1"])
def test_pattern_semantics_agree(kind):
    """Anchors and a trailing newline as jsonschema reads them (re.search, `$` before a final \\n)."""
    rlimits = [{"type": kind, "hard": 1, "soft": 1}]
    doc = {"ociVersion": "1.0.0", "process": {"args": ["a"], "cwd": "/", "rlimits": rlimits}}
    assert (V.validate(doc) is None) == REF.is_valid(doc), kind


@pytest.mark.parametrize("version", [None, "1.4.0", "2.0.0", "0.5.0-dev", "1.0", "", "v1.0.0"])
def test_any_oci_version_or_none_is_valid(version):
    """runc takes a config without ociVersion, or with a version it does not know (spec.py warns)."""
    doc = {} if version is None else {"ociVersion": version}
    assert V.validate(doc) is None and REF.is_valid(doc)


# --------------------------------------------------------------------------
# generator


def test_generated_module_is_up_to_date():
    assert schemagen.check(CONFIG_SCHEMA, os.path.join(ROOT, "pyruntime", "_config_validator.py")), (
        "pyruntime/_config_validator.py is stale: run /usr/bin/python3 schema/schemagen.py")


def test_check_cli_exit_status(tmp_path):
    out = tmp_path / "v.py"
    env = dict(os.environ)
    cmd = [sys.executable, os.path.join(SCHEMA_DIR, "schemagen.py"), "--output", str(out)]
    assert subprocess.run(cmd + ["--check"], env=env, stderr=subprocess.DEVNULL).returncode == 1
    assert subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode == 0
    assert subprocess.run(cmd + ["--check"], env=env).returncode == 0


def test_generated_module_imports_only_re():
    with open(V.__file__) as f:
        src = f.read()
    imports = re.findall(r"^[ \t]*(?:import|from)[ \t]+(\S+)", src, re.M)
    assert imports == ["re"]
    code = ("import sys, json; before = set(sys.modules); import pyruntime._config_validator as v; "
            "v.validate({'ociVersion': '1.0.0'}); "
            "print(sorted(m for m in set(sys.modules) - before if not m.startswith('pyruntime')))")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=ROOT),
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_generator_keywords(tmp_path):
    """Keywords our config schema does not use yet still agree with jsonschema."""
    schema = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 3}]},
            "b": {"oneOf": [{"type": "integer"}, {"type": "number", "maximum": 2}]},
            "c": {"type": "array", "uniqueItems": True, "maxItems": 3, "items": {"const": 1}},
            "d": {"type": "object", "additionalProperties": False, "properties": {"x": {}},
                  "patternProperties": {"^y": {"type": "boolean"}}},
            "e": {"enum": [1, "1", None, [1]]},
            "f": {"allOf": [{"$ref": "#/definitions/pos"}, {"maximum": 9}]},
            "g": {"type": "string", "pattern": "^(a|b)+$"},
        },
        "definitions": {"pos": {"type": "number", "minimum": 0}},
    }
    src = schemagen.render(schema)
    ns = {}
    exec(compile(src, "gen", "exec"), ns)
    ref = jsonschema.Draft7Validator(schema)
    cases = [{"a": "x"}, {"a": 3}, {"a": 2}, {"a": True}, {"b": 1}, {"b": 1.5}, {"b": 3.5}, {"b": 1.0},
             {"c": [1]}, {"c": [1, 1]}, {"c": [1.0, True]}, {"c": [1, 1, 1, 1]}, {"c": [2]},
             {"d": {"x": 5}}, {"d": {"y1": True}}, {"d": {"y1": 1}}, {"d": {"z": 1}},
             {"e": 1}, {"e": True}, {"e": 1.0}, {"e": [1]}, {"e": [True]}, {"e": None}, {"e": "2"},
             {"f": 5}, {"f": -1}, {"f": 10}, {"f": "x"}, {"g": "abba"}, {"g": "abc"}, {"g": "abba\n"}]
    for doc in cases:
        got = ns["validate"](doc)
        assert (got is None) == ref.is_valid(doc), (doc, got)
        if got is not None:
            paths = {_path(e.absolute_path) for e in ref.iter_errors(doc)}
            where = got[0].rpartition(".")[0] if got[1] in ("is required", "is not allowed") else got[0]
            assert where in paths, (doc, got, paths)


def test_unsupported_keyword_is_refused():
    with pytest.raises(schemagen.GenerationError):
        schemagen.render({"type": "string", "minLength": 1})
    with pytest.raises(schemagen.GenerationError):
        schemagen.render({"$ref": "other.json#/x"})


def test_schemagen_import_has_no_side_effects():
    mod = importlib.reload(schemagen)
    assert callable(mod.generate)


# --------------------------------------------------------------------------
# the other schemas


def test_all_schemas_are_valid_draft7():
    for name in ("config-schema.json", "state-schema.json", "features-schema.json"):
        jsonschema.Draft7Validator.check_schema(_load(name))


def test_state_schema():
    v = jsonschema.Draft7Validator(_load("state-schema.json"))
    good = {"ociVersion": "1.2.0", "id": "c1", "status": "created", "pid": 42, "bundle": "/b",
            "annotations": {"a": "b"}}
    assert v.is_valid(good)
    assert v.is_valid({"ociVersion": "1.2.0", "id": "c1", "status": "stopped", "bundle": "/b"})
    for bad in ({**good, "status": "paused"}, {**good, "pid": -1}, {k: good[k] for k in good if k != "bundle"}):
        assert not v.is_valid(bad)


def test_features_schema():
    v = jsonschema.Draft7Validator(_load("features-schema.json"))
    good = {
        "ociVersionMin": "1.0.0", "ociVersionMax": "1.2.0",
        "hooks": ["prestart", "poststop"], "mountOptions": ["ro", "rbind"],
        "potentiallyUnsafeConfigAnnotations": ["bundle"],
        "linux": {"namespaces": ["pid", "time"], "capabilities": ["CAP_CHOWN"],
                  "cgroup": {"v1": True, "v2": True, "systemd": True, "systemdUser": True, "rdma": True},
                  "seccomp": {"enabled": True, "actions": ["SCMP_ACT_ALLOW"], "operators": ["SCMP_CMP_EQ"],
                              "archs": ["SCMP_ARCH_X86_64"], "knownFlags": ["SECCOMP_FILTER_FLAG_LOG"],
                              "supportedFlags": []},
                  "apparmor": {"enabled": True}, "selinux": {"enabled": False}, "intelRdt": {"enabled": False},
                  "mountExtensions": {"idmap": {"enabled": True}}},
        "annotations": {"org.opencontainers.runc.version": "1.1.5"},
    }
    assert v.is_valid(good)
    assert not v.is_valid({"ociVersionMin": "1.0.0"})
    assert not v.is_valid({**good, "linux": {"namespaces": ["nope"]}})
    assert not v.is_valid({**good, "linux": {"capabilities": ["chown"]}})
