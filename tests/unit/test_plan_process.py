"""Process attributes and sysctl rules of the Plan (issue 4), asserted on data."""
import pytest

from pyruntime import plan as P
from pyruntime.defaults import default_config
from pyruntime.errors import ConfigError
from pyruntime.plan_wire import encode


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs").mkdir()
    return str(tmp_path)


def cfg():
    c = default_config()
    c["process"]["terminal"] = False
    return c


def build(c, bundle):
    return P.build_plan(c, bundle, P.Host("", 40, False))


@pytest.mark.parametrize("key,path", [("kernel.shmmni", "kernel/shmmni"),
                                      ("net/ipv4/ip_forward", "net/ipv4/ip_forward"),
                                      ("fs.mqueue.msg_max", "fs/mqueue/msg_max"),
                                      ("kernel.domainname", "kernel/domainname")])
def test_namespaced_sysctls_are_allowed(bundle, key, path):
    c = cfg()
    c["linux"]["sysctl"] = {key: "1"}
    assert build(c, bundle).sysctl == [(path, "1")]


@pytest.mark.parametrize("key,why", [("kernel.printk", "not in a separate kernel namespace"),
                                     ("kernel.hostname", "use the hostname field"),
                                     ("net..x", "invalid sysctl name"), ("../x", "invalid sysctl name")])
def test_other_sysctls_are_refused(bundle, key, why):
    c = cfg()
    c["linux"]["sysctl"] = {key: "1"}
    with pytest.raises(ConfigError, match=why) as e:
        build(c, bundle)
    assert e.value.path == f"linux.sysctl.{key}"


def test_net_sysctl_needs_own_network_namespace(bundle):
    c = cfg()
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
    c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    with pytest.raises(ConfigError, match="host's network namespace"):
        build(c, bundle)
    c["linux"]["namespaces"].append({"type": "network", "path": "/proc/self/ns/net"})
    with pytest.raises(ConfigError, match="host's network namespace"):
        build(c, bundle)


def test_scheduler_ioprio_affinity_personality(bundle):
    c = cfg()
    c["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}
    c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 7}
    c["process"]["execCPUAffinity"] = {"initial": "0-1", "final": "1,3"}
    c["linux"]["personality"] = {"domain": "LINUX32"}
    plan = build(c, bundle)
    assert plan.sched == (3, 5, 0, 1, 0, 0, 0)
    assert plan.ioprio == 3 << 13 | 7
    assert plan.affinity == [b"", b""]  # execCPUAffinity is exec's (config.md): the init resets its own
    assert plan.personality == 8
    plan = P.build_exec_plan(dict(c["process"]), c, 5, P.Host("", 40, False))
    assert plan.affinity == [(0b11).to_bytes(8, "little"), (0b1010).to_bytes(8, "little")]
    tags = []
    data = encode(plan)
    off = 8
    while off < len(data):
        tags.append(int.from_bytes(data[off:off + 4], "little"))
        off += 8 + int.from_bytes(data[off + 4:off + 8], "little")
    assert {26, 27, 28, 29} <= set(tags) and tags.count(29) == 2


def test_exec_takes_the_configs_exec_cpu_affinity_unless_it_names_one():
    c = cfg()
    c["process"]["execCPUAffinity"] = {"initial": "1", "final": "0"}
    proc = {"args": ["true"], "cwd": "/"}
    assert P.build_exec_plan(proc, c, 5, P.Host("", 40, False)).affinity == [b"\2" + bytes(7), b"\1" + bytes(7)]
    proc["execCPUAffinity"] = {"final": "2"}
    assert P.build_exec_plan(proc, c, 5, P.Host("", 40, False)).affinity == [b"", b"\4" + bytes(7)]


@pytest.mark.parametrize("text", ["", "a", "3-1", "1-", "99999"])
def test_bad_cpu_lists(text):
    with pytest.raises(ConfigError):
        P.cpu_mask(text, "process.execCPUAffinity.final")


def test_bad_io_priority_and_policy(bundle):
    c = cfg()
    c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 9}
    with pytest.raises(ConfigError) as e:
        build(c, bundle)
    assert e.value.path == "process.ioPriority.priority"


# -- HOME (docs/security.md §1.22): decided here, looked up by the init inside the container -------

@pytest.mark.parametrize("env,want_env,lookup", [
    (["A=1"], ["A=1"], True),
    (["HOME=/h", "A=1"], ["HOME=/h", "A=1"], False),
    (["HOME="], [], True),                        # runc replaces an empty HOME
    (["HOME=/h", "HOME="], [], True),             # the last one counts (runc deduplicates)
    (["HOME=", "HOME=/h"], ["HOME=/h"], False),
    (["HOME=/a", "A=1", "HOME=/h"], ["A=1", "HOME=/h"], False),
    (None, [], False),                            # no env at all: none added (runc 1.3)
])
def test_home_decision(bundle, env, want_env, lookup):
    c = cfg()
    if env is None:
        del c["process"]["env"]
    else:
        c["process"]["env"] = env
    plan = build(c, bundle)
    assert plan.env == want_env
    assert bool(plan.flags & P.F_HOME) == lookup


@pytest.mark.parametrize("env,want", [
    (["ONE=two", "ONE=", "PATH=/bin"], ["ONE=", "PATH=/bin"]),          # runc's env.bats
    (["ONE=two", "ONE=three"], ["ONE=three"]),
    (["A=1", "B=2", "A=3", "C=4"], ["B=2", "A=3", "C=4"]),              # in the place of the last
    (["X=a=b", "X=c=d"], ["X=c=d"]),                                    # the name ends at the first =
])
def test_env_duplicates_last_wins_for_every_key(bundle, env, want):
    c = cfg()
    c["process"]["env"] = env
    assert build(c, bundle).env == want
    exec_plan = P.build_exec_plan(dict(c["process"]), c, 5, P.Host("", 40, False))
    assert exec_plan.env == want


@pytest.mark.parametrize("entry,reason", [
    ("NOEQUALS", "invalid environment variable: missing '='"),
    ("=value", "invalid environment variable: name cannot be empty"),
    ("K=a\0b", 'invalid environment variable "K": contains nul byte (\\x00)'),
])
def test_env_entries_runc_refuses(bundle, entry, reason):
    c = cfg()
    c["process"]["env"] = ["A=1", entry]
    with pytest.raises(ConfigError) as e:
        build(c, bundle)
    assert (e.value.path, e.value.reason) == ("process.env[1]", reason)


def test_plan_never_reads_the_rootfs_passwd(tmp_path):
    """Guards: plan.py opened <rootfs>/etc/passwd as host root (a FIFO there hung it forever)."""
    import os
    import signal
    (tmp_path / "rootfs" / "etc").mkdir(parents=True)
    os.mkfifo(tmp_path / "rootfs" / "etc" / "passwd")

    def hung(*_):
        raise TimeoutError("build_plan blocked on the rootfs's /etc/passwd")
    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        plan = build(cfg(), str(tmp_path))
        exec_plan = P.build_exec_plan(cfg()["process"], cfg(), 5, P.Host("", 40, False))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert plan.flags & P.F_HOME and exec_plan.flags & P.F_HOME


# -- capabilities (docs/security.md §1.23) ---------------------------------------------------------

def test_exec_without_capabilities_inherits_the_containers(bundle):
    c = cfg()
    c["process"]["capabilities"] = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}
    proc = {"args": ["id"], "cwd": "/", "env": []}
    plan = P.build_exec_plan(proc, c, 5, P.Host("", 40, False))
    assert plan.caps == (1 << 5, 1 << 5, 1 << 5, 0, 0)
    proc["capabilities"] = {}
    assert P.build_exec_plan(proc, c, 5, P.Host("", 40, False)).caps == (0, 0, 0, 0, 0)
    del c["process"]["capabilities"], proc["capabilities"]
    assert P.build_exec_plan(proc, c, 5, P.Host("", 40, False)).caps == (0, 0, 0, 0, 0)


def test_ambient_not_inheritable_is_dropped_with_runcs_warning(bundle):
    c = cfg()
    c["process"]["capabilities"] = {"bounding": ["CAP_KILL", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
                                    "effective": ["CAP_KILL"], "inheritable": ["CAP_KILL"],
                                    "ambient": ["CAP_KILL", "CAP_CHOWN"]}
    warnings = []
    plan = P.build_plan(c, str(bundle), P.Host("", 40, False), warn=warnings.append)
    assert plan.caps[4] == 1 << 5  # CAP_KILL only
    assert warnings == ["can't raise ambient capability CAP_CHOWN: operation not permitted "
                        "(it is not in both the inheritable and permitted sets)"]


# -- paths (docs/security.md §1.28) ----------------------------------------------------------------

@pytest.mark.parametrize("path,want", [
    ("/proc", "/proc"), ("//proc", "/proc"), ("//proc/", "/proc"), ("///proc", "/proc"), ("/./proc", "/proc"),
    ("/x/../proc", "/proc"), ("/../../proc", "/proc"), ("proc", "/proc"), ("//", "/"), ("a//b/./c/", "/a/b/c"),
])
def test_clean_path(path, want):
    assert P.clean_path(path) == want


def test_paths_the_init_checks_are_clean(bundle):
    """Guards: "//proc" reached the init as "//proc" and passed its "/proc must be proc" check."""
    c = cfg()
    c["mounts"] = [{"destination": "//proc", "type": "tmpfs", "source": "tmpfs"},
                   {"destination": "//dev", "type": "tmpfs", "source": "tmpfs"}]
    c["linux"]["devices"] = [{"path": "//dev/fuse", "type": "c", "major": 10, "minor": 229}]
    c["linux"]["maskedPaths"] = ["//proc/kcore"]
    c["linux"]["readonlyPaths"] = ["//proc/sys/"]
    plan = build(c, bundle)
    assert [m.destination for m in plan.mounts] == ["/proc", "/dev"]
    assert "/dev/fuse" in [d.path for d in plan.devices]
    assert plan.masked == ["/proc/kcore"] and plan.readonly == ["/proc/sys"]
