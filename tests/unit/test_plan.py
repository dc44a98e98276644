"""Spec -> Plan, asserted on data (no root, no kernel)."""
import os

import pytest

from pyruntime import mounts as M
from pyruntime import plan as P
from pyruntime.defaults import default_config
from pyruntime.errors import ConfigError
from pyruntime.plan_wire import MAGIC, encode

V1_MOUNTINFO = """\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
35 31 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
36 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
37 31 0:32 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:16 - cgroup2 cgroup2 rw
"""
V2_MOUNTINFO = "35 25 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n"


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs" / "etc").mkdir(parents=True)
    (tmp_path / "rootfs" / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n")
    return str(tmp_path)


def config(**over):
    c = default_config()
    c["process"]["terminal"] = False
    c.update(over)
    return c


def build(cfg, bundle, host=None, **kw):
    return P.build_plan(cfg, bundle, host or P.Host(V1_MOUNTINFO, 40, True), **kw)


def by_dest(plan, dest):
    return [m for m in plan.mounts if m.destination == dest]


def test_default_config_namespaces_and_rootfs(bundle):
    plan = build(config(), bundle)
    types = {flag for flag, path in plan.namespaces}
    assert types == {P.CLONE_NEWPID, P.CLONE_NEWNET, P.CLONE_NEWIPC, P.CLONE_NEWUTS, P.CLONE_NEWNS}
    assert all(path == "" for _, path in plan.namespaces)
    assert plan.rootfs == os.path.realpath(os.path.join(bundle, "rootfs"))
    assert plan.flags & P.F_ROOT_READONLY
    assert plan.hostname == "pyruntime"


def test_mount_options_become_flags_and_data(bundle):
    plan = build(config(), bundle)
    dev = by_dest(plan, "/dev")[0]
    assert dev.type == "tmpfs"
    assert dev.flags == M.MS_NOSUID | M.MS_STRICTATIME
    assert dev.data == "mode=755,size=65536k"
    sysfs = by_dest(plan, "/sys")[0]
    assert sysfs.flags == M.MS_NOSUID | M.MS_NOEXEC | M.MS_NODEV | M.MS_RDONLY
    assert sysfs.extra & P.M_PROCLIKE
    assert by_dest(plan, "/proc")[0].extra & P.M_PROCLIKE


def test_bind_mount_is_resolved_against_the_bundle(bundle, monkeypatch):
    monkeypatch.chdir(bundle)
    cfg = config(mounts=[{"destination": "/data", "type": "bind", "source": "hostdir",
                          "options": ["rbind", "ro", "rprivate", "rro"]}])
    m = build(cfg, bundle).mounts[0]
    assert m.source == os.path.join(bundle, "hostdir")
    assert m.type == ""
    assert m.flags == M.MS_BIND | M.MS_REC | M.MS_RDONLY
    assert m.propagation == M.MS_PRIVATE | M.MS_REC
    assert m.attr_set == M.MOUNT_ATTR_RDONLY
    assert m.extra & P.M_BIND


def test_option_order_rw_after_ro_wins():
    o = M.parse_options(["ro", "rw", "nosuid", "suid", "tmpcopyup", "size=1m"])
    assert o.flags == 0 and o.tmpcopyup and o.data == ["size=1m"]


MAPS = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def test_idmap_without_mappings_or_user_namespace_is_refused_with_the_path(bundle):
    cfg = config(mounts=[{"destination": "/x", "type": "bind", "source": "/tmp", "options": ["bind", "idmap"]}])
    with pytest.raises(ConfigError, match="needs uidMappings and gidMappings") as e:
        build(cfg, bundle)
    assert e.value.path == "mounts[0].options"


def test_idmap_on_a_non_bind_mount_is_refused(bundle):
    cfg = config(mounts=[{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"],
                          "uidMappings": MAPS, "gidMappings": MAPS}])
    with pytest.raises(ConfigError, match="only supported for bind mounts") as e:
        build(cfg, bundle)
    assert e.value.path == "mounts[0].options"


def test_idmap_needs_both_mappings(bundle):
    cfg = config(mounts=[{"destination": "/x", "type": "bind", "source": "/tmp", "options": ["rbind", "idmap"],
                          "uidMappings": MAPS}])
    with pytest.raises(ConfigError, match="together") as e:
        build(cfg, bundle)
    assert e.value.path == "mounts[0].uidMappings"


def _idmapped(plan):
    return [m for m in plan.mounts if m.destination.startswith("/x")]


def test_idmap_mappings_and_recursion_in_the_plan(bundle):
    gid = [{"containerID": 0, "hostID": 200000, "size": 10}]
    mounts = [
        {"destination": "/x1", "type": "bind", "source": "/tmp", "options": ["rbind", "idmap"],
         "uidMappings": MAPS, "gidMappings": gid},
        {"destination": "/x2", "type": "bind", "source": "/tmp", "options": ["bind", "ridmap"],
         "uidMappings": MAPS, "gidMappings": gid},
        {"destination": "/x3", "type": "bind", "source": "/tmp", "options": ["rbind"],
         "uidMappings": MAPS, "gidMappings": gid},  # mappings alone: the top mount only (runc)
        {"destination": "/x4", "type": "bind", "source": "/tmp", "options": ["rbind"]},
    ]
    x1, x2, x3, x4 = _idmapped(build(config(mounts=mounts), bundle))
    assert x1.idmap == ([(0, 100000, 65536)], [(0, 200000, 10)], False, "")
    assert x2.idmap[2] is True and x3.idmap[2] is False
    assert x1.extra & P.M_IDMAP and x1.extra & P.M_BIND
    assert x4.idmap is None and not x4.extra & P.M_IDMAP


def test_idmap_alone_takes_the_container_user_namespace_mappings(bundle):
    c = config(mounts=[{"destination": "/x", "type": "bind", "source": "/tmp", "options": ["bind", "idmap"]}])
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = MAPS
    c["linux"]["gidMappings"] = MAPS
    (x,) = _idmapped(build(c, bundle))
    assert x.idmap == ([(0, 100000, 65536)], [(0, 100000, 65536)], False, "")


def test_idmap_alone_in_a_joined_user_namespace_takes_its_path(bundle):
    c = config(mounts=[{"destination": "/x", "type": "bind", "source": "/tmp", "options": ["rbind", "idmap"]}])
    c["linux"]["namespaces"].append({"type": "user", "path": "/proc/self/ns/user"})
    (x,) = _idmapped(build(c, bundle))
    assert x.idmap == ([], [], False, "/proc/self/ns/user")


def test_cgroup_mount_v1_without_cgroupns_binds_host_hierarchies(bundle):
    plan = build(config(), bundle)
    cg = [m for m in plan.mounts if m.destination.startswith("/sys/fs/cgroup")]
    assert cg[0].type == "tmpfs" and cg[0].destination == "/sys/fs/cgroup"
    subs = {m.destination: m for m in cg[1:-1]}
    assert set(subs) == {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/unified"}
    assert all(m.extra & P.M_BIND and m.source.startswith("/sys/fs/cgroup/") for m in subs.values())
    assert cg[-1].extra & P.M_REMOUNT and cg[-1].flags & M.MS_RDONLY


def test_cgroup_mount_v1_with_cgroupns_mounts_fresh_hierarchies(bundle):
    cfg = config()
    cfg["linux"]["namespaces"].append({"type": "cgroup"})
    cg = [m for m in build(cfg, bundle).mounts if m.destination.startswith("/sys/fs/cgroup/")]
    mem = next(m for m in cg if m.destination == "/sys/fs/cgroup/memory")
    assert (mem.type, mem.data) == ("cgroup", "memory")
    assert next(m for m in cg if m.destination == "/sys/fs/cgroup/unified").type == "cgroup2"


def test_cgroup_mount_v2(bundle):
    cfg = config()
    cfg["linux"]["namespaces"].append({"type": "cgroup"})
    cg = [m for m in build(cfg, bundle, P.Host(V2_MOUNTINFO)).mounts if m.destination == "/sys/fs/cgroup"]
    assert len(cg) == 1 and cg[0].type == "cgroup2"


def test_default_devices_and_links(bundle):
    plan = build(config(), bundle)
    devs = {d.path: (d.mode & 0o170000, d.major, d.minor, d.mode & 0o777) for d in plan.devices}
    assert devs["/dev/null"] == (P.S_IFCHR, 1, 3, 0o666)
    assert devs["/dev/tty"] == (P.S_IFCHR, 5, 0, 0o666)
    assert set(devs) == {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}
    assert ("pts/ptmx", "/dev/ptmx") in plan.links and ("/proc/self/fd", "/dev/fd") in plan.links
    assert plan.flags & P.F_SETUP_DEV
    assert not any(d.bind for d in plan.devices)


def test_bind_mounted_dev_skips_device_setup(bundle):
    cfg = config()
    cfg["mounts"] = [{"destination": "/dev", "type": "bind", "source": "/dev", "options": ["rbind"]}]
    plan = build(cfg, bundle)
    assert not plan.flags & P.F_SETUP_DEV and plan.devices == [] and plan.links == []


def test_config_devices_override_defaults_and_bind_in_userns(bundle):
    cfg = config()
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o600}]
    plan = build(cfg, bundle)
    fuse = next(d for d in plan.devices if d.path == "/dev/fuse")
    assert fuse.mode == P.S_IFCHR | 0o600 and fuse.bind
    assert plan.parent.new_userns and plan.parent.uid_mappings == [(0, 100000, 65536)]


def test_user_ns_without_mappings_is_an_error(bundle):
    cfg = config()
    cfg["linux"]["namespaces"].append({"type": "user"})
    with pytest.raises(ConfigError, match="uidMappings"):
        build(cfg, bundle)


def test_device_outside_dev_is_refused(bundle):
    cfg = config()
    cfg["linux"]["devices"] = [{"path": "/etc/x", "type": "c", "major": 1, "minor": 3}]
    with pytest.raises(ConfigError) as e:
        build(cfg, bundle)
    assert e.value.path == "linux.devices[0].path"


def test_mount_namespace_may_be_inherited_but_then_nothing_is_masked(bundle):
    """runtime-spec: a namespace type left out is the runtime's; masking paths in the host's mount
    namespace would mask the host's, so those are refused there (runc's rule)."""
    cfg = config()
    cfg["linux"]["namespaces"] = [{"type": "pid"}]
    cfg.pop("hostname")
    with pytest.raises(ConfigError, match="without a private MNT namespace") as e:
        build(cfg, bundle)
    assert e.value.path == "linux.maskedPaths"
    cfg["linux"]["maskedPaths"] = []
    with pytest.raises(ConfigError) as e:
        build(cfg, bundle)
    assert e.value.path == "linux.readonlyPaths"
    cfg["linux"]["readonlyPaths"] = []
    plan = build(cfg, bundle)
    assert [flag for flag, _ in plan.namespaces] == [P.CLONE_NEWPID]


def test_duplicate_namespace(bundle):
    cfg = config()
    cfg["linux"]["namespaces"].append({"type": "pid"})
    with pytest.raises(ConfigError, match="duplicate"):
        build(cfg, bundle)


def test_hostname_needs_uts(bundle):
    cfg = config()
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "uts"]
    with pytest.raises(ConfigError) as e:
        build(cfg, bundle)
    assert e.value.path == "hostname"


def test_missing_rootfs(bundle):
    cfg = config(root={"path": "nope"})
    with pytest.raises(ConfigError) as e:
        build(cfg, bundle)
    assert e.value.path == "root.path"


def test_terminal_needs_console_socket_when_detached(bundle):
    cfg = config()
    cfg["process"]["terminal"] = True
    with pytest.raises(ConfigError, match="cannot allocate tty"):
        build(cfg, bundle)
    assert build(cfg, bundle, console=True).flags & P.F_TERMINAL
    cfg["process"]["terminal"] = False
    with pytest.raises(ConfigError, match="cannot use console socket"):
        build(cfg, bundle, console=True)


def test_process_identity(bundle):
    cfg = config()
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000, "umask": 0o22, "additionalGids": [5, 6]}
    cfg["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}]
    cfg["process"]["oomScoreAdj"] = 500
    plan = build(cfg, bundle)
    assert (plan.uid, plan.gid, plan.umask, plan.groups) == (1000, 1000, 0o22, [5, 6])
    assert plan.rlimits == [(7, 100, 200)]
    # HOME is the init's to look up inside the container (docs/security.md §1.22), not read here
    assert not any(e.startswith("HOME=") for e in plan.env) and plan.flags & P.F_HOME
    assert plan.oom_score_adj == 500  # the init writes it when the Plan has a T_OOM record
    assert plan.flags & P.F_NO_NEW_PRIVS


def test_capability_masks_and_unknown_names_warn(bundle):
    cfg = config()
    cfg["process"]["capabilities"] = {"bounding": ["CAP_KILL", "CAP_BOGUS"], "effective": ["CAP_KILL"],
                                      "permitted": ["CAP_KILL"], "ambient": []}
    warned = []
    plan = build(cfg, bundle, warn=warned.append)
    assert plan.caps == (1 << 5, 1 << 5, 1 << 5, 0, 0)
    assert any("CAP_BOGUS" in w for w in warned)


def test_no_capabilities_field_is_an_empty_set(bundle):
    """docs/security.md §1.23: no process.capabilities is no capability (runc 1.1, crun), never the
    init's own full set."""
    cfg = config()
    del cfg["process"]["capabilities"]
    assert build(cfg, bundle).caps == (0, 0, 0, 0, 0)


def test_time_offsets_need_a_new_time_namespace(bundle):
    cfg = config()
    cfg["linux"]["timeOffsets"] = {"monotonic": {"secs": 3600}}
    with pytest.raises(ConfigError, match="time namespace"):
        build(cfg, bundle)
    cfg["linux"]["namespaces"].append({"type": "time"})
    assert build(cfg, bundle).time_offsets == [(1, 3600, 0)]


def test_time_offset_nanosecs_below_one_second(bundle):
    """The kernel refuses nanosecs of a second or more (EINVAL): said with the JSON path first."""
    cfg = config()
    cfg["linux"]["namespaces"].append({"type": "time"})
    cfg["linux"]["timeOffsets"] = {"boottime": {"secs": 1, "nanosecs": 999_999_999}}
    assert build(cfg, bundle).time_offsets == [(7, 1, 999_999_999)]
    cfg["linux"]["timeOffsets"]["boottime"]["nanosecs"] = 1_000_000_000
    with pytest.raises(ConfigError, match=r"^config.json: linux.timeOffsets.boottime.nanosecs: 1000000000 is not"):
        build(cfg, bundle)


@pytest.mark.parametrize("value, flag", [
    ("shared", M.MS_SHARED), ("rshared", M.MS_SHARED), ("slave", M.MS_SLAVE), ("rslave", M.MS_SLAVE),
    ("private", M.MS_PRIVATE), ("rprivate", M.MS_PRIVATE), ("unbindable", M.MS_UNBINDABLE),
    ("runbindable", M.MS_UNBINDABLE)])
def test_root_propagation(bundle, value, flag):
    """The recursive forms are what Docker and podman write (the spec's schema lists only the
    plain ones): accepted by the validator too. Applied recursively either way."""
    from pyruntime._config_validator import validate
    cfg = config()
    cfg["linux"]["rootfsPropagation"] = value
    assert validate(cfg) is None
    assert build(cfg, bundle).root_propagation == flag | M.MS_REC


def test_wire_encoding_is_framed(bundle):
    plan = build(config(), bundle)
    plan.preserve_fds = 2
    data = encode(plan, console_fd=7, statedir_fd=8)
    assert int.from_bytes(data[:4], "little") == MAGIC
    # walk the records: every length must land exactly on the next header
    off, tags = 8, []
    while off < len(data):
        tag, n = int.from_bytes(data[off:off + 4], "little"), int.from_bytes(data[off + 4:off + 8], "little")
        tags.append(tag)
        off += 8 + n
    assert off == len(data)
    assert tags.count(15) == len(plan.args) and tags.count(5) == len(plan.mounts)


def test_wire_rejects_nul_in_strings(bundle):
    plan = build(config(), bundle)
    plan.args = ["a\0b"]
    with pytest.raises(ConfigError, match="NUL byte"):
        encode(plan)


@pytest.mark.parametrize("value", [-1001, 1001, 18446744073709551617])
def test_oom_score_adj_outside_the_kernel_range_is_refused(bundle, value):
    cfg = config()
    cfg["process"]["oomScoreAdj"] = value  # the schema allows any integer (a fuzzer's find)
    with pytest.raises(ConfigError, match="between -1000 and 1000") as e:
        build(cfg, bundle)
    assert e.value.path == "process.oomScoreAdj"


@pytest.mark.parametrize("key, value", [("major", -1), ("minor", 1 << 32)])
def test_device_numbers_outside_32_bits_are_refused(bundle, key, value):
    cfg = config()
    dev = {"path": "/dev/x", "type": "c", "major": 1, "minor": 3}
    dev[key] = value
    cfg["linux"]["devices"] = [dev]
    with pytest.raises(ConfigError) as e:
        build(cfg, bundle)
    assert e.value.path == f"linux.devices[0].{key}"


@pytest.mark.parametrize("where, expected", [
    (lambda c: c["root"].__setitem__("path", "a\0b"), "root.path"),
    (lambda c: c["process"]["args"].append("x\0"), "process.args[1]"),
    (lambda c: c["process"]["env"].append("A\0=1"), "process.env[2]"),
    (lambda c: c["mounts"][0].__setitem__("source", "pr\0oc"), "mounts[0].source"),
])
def test_nul_bytes_are_refused_at_load_with_the_json_path(where, expected):
    import json

    from pyruntime import spec
    cfg = config()
    where(cfg)
    with pytest.raises(ConfigError, match="must not contain a NUL byte") as e:
        spec.parse(json.dumps(cfg).encode())
    assert e.value.path == expected


def test_nul_bytes_in_annotations_are_metadata():
    import json

    from pyruntime import spec
    cfg = config()
    cfg["annotations"] = {"k": "v\0w"}
    assert spec.parse(json.dumps(cfg).encode())["annotations"] == {"k": "v\0w"}


def test_clearing_options_are_remembered_for_the_bind_remount():
    """runc remounts a bind that names only clearing options (dev, exec, rw...): the flags it
    clears are kept apart from the ones it sets; a later setting option takes one back."""
    o = M.parse_options(["bind", "dev", "exec", "nosuid", "rw", "symfollow"])
    assert o.flags == M.MS_BIND | M.MS_NOSUID
    assert o.cleared == M.MS_NODEV | M.MS_NOEXEC | M.MS_RDONLY | M.MS_NOSYMFOLLOW
    o = M.parse_options(["rw", "ro", "nosymfollow", "iversion"])
    assert o.cleared == 0 and o.flags == M.MS_RDONLY | M.MS_NOSYMFOLLOW | M.MS_I_VERSION
    o = M.parse_options(["rsymfollow", "rnosymfollow", "rprivate", "shared"])
    assert (o.attr_set, o.attr_clr) == (M.MOUNT_ATTR_NOSYMFOLLOW, 0)
    assert o.propagation == M.MS_SHARED  # one propagation: the last named


def test_cleared_flags_reach_the_plan(bundle):
    cfg = config(mounts=[{"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["bind", "dev"]}])
    (m,) = by_dest(build(cfg, bundle), "/mnt")
    assert (m.flags, m.cleared) == (M.MS_BIND, M.MS_NODEV)


def test_destination_given_as_a_host_path_under_the_rootfs(bundle):
    """runc strips the rootfs prefix from a destination (lexically, as written or resolved)."""
    rootfs = os.path.join(bundle, "rootfs")
    cfg = config(mounts=[
        {"destination": rootfs + "/mnt/x", "type": "bind", "source": "/tmp", "options": ["rbind"]},
        {"destination": os.path.realpath(rootfs) + "/final/", "type": "tmpfs", "source": "tmpfs"},
        {"destination": rootfs + "x/y", "type": "tmpfs", "source": "tmpfs"},  # a sibling: kept as is
    ])
    assert [m.destination for m in build(cfg, bundle).mounts[-3:]] == ["/mnt/x", "/final", rootfs + "x/y"]
    cfg = config(mounts=[{"destination": rootfs, "type": "tmpfs", "source": "tmpfs"}])
    with pytest.raises(ConfigError, match="root of the container"):
        build(cfg, bundle)


def test_read_only_tmpfs_and_dev_turn_read_only_last(bundle):
    """/dev gets its nodes, links and /dev/pts mount point before it turns read-only (runc's
    finalizeRootfs); a read-only tmpfs likewise (tmpcopyup writes into it)."""
    cfg = config()
    for m in cfg["mounts"]:
        if m["destination"] == "/dev":
            m["options"].append("ro")
    cfg["mounts"].append({"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "nodev"]})
    cfg["mounts"].append({"destination": "/b", "type": "bind", "source": "/tmp", "options": ["bind", "ro"]})
    plan = build(cfg, bundle)
    dev, t, b = by_dest(plan, "/dev")[0], by_dest(plan, "/t")[0], by_dest(plan, "/b")[0]
    assert dev.extra & P.M_LATE_RO and not dev.flags & M.MS_RDONLY
    assert t.extra & P.M_LATE_RO and t.flags == M.MS_NODEV
    assert not b.extra & P.M_LATE_RO and b.flags & M.MS_RDONLY
    assert not by_dest(plan, "/sys")[0].extra & P.M_LATE_RO  # sysfs: read-only at once


def test_ro_on_an_rbind_is_the_top_mount_only_but_the_cgroup_binds_are_recursive(bundle):
    """runc 1.3 and the spec: "ro" is MS_RDONLY on the mount (rro is the recursive form); the
    host's cgroup hierarchies the runtime binds in are read-only all the way down."""
    cfg = config()
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": "/tmp", "options": ["rbind", "ro"]})
    (m,) = by_dest(build(cfg, bundle), "/mnt")
    assert m.flags & M.MS_RDONLY and m.attr_set == 0
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "cgroup"]
    cg = [m for m in build(cfg, bundle).mounts if m.destination.startswith("/sys/fs/cgroup") and m.extra & P.M_BIND]
    assert cg and all(m.attr_set == M.MOUNT_ATTR_RDONLY for m in cg)
    cg = [m for m in build(cfg, bundle, P.Host(V2_MOUNTINFO, 40, True)).mounts if m.destination == "/sys/fs/cgroup"]
    assert cg[0].attr_set == M.MOUNT_ATTR_RDONLY


def test_a_bind_source_inside_the_rootfs_is_marked_for_lookup_in_the_root(bundle):
    rootfs = os.path.join(bundle, "rootfs")
    real = os.path.realpath(rootfs)
    cfg = config(mounts=[
        {"destination": "/a", "type": "bind", "source": rootfs + "/mnt/x", "options": ["rbind"]},
        {"destination": "/b", "type": "bind", "source": rootfs, "options": ["rbind"]},
        {"destination": "/c", "type": "bind", "source": "/tmp", "options": ["rbind"]},
    ])
    a, b, c = build(cfg, bundle).mounts[-3:]
    assert (a.source, a.in_root, bool(a.extra & P.M_SRC_IN_ROOT)) == (real + "/mnt/x", "/mnt/x", True)
    assert (b.source, b.in_root, bool(b.extra & P.M_SRC_IN_ROOT)) == (real, "/", True)
    assert (c.source, c.in_root, bool(c.extra & P.M_SRC_IN_ROOT)) == ("/tmp", None, False)
