"""config-linux.md: namespaces, user mappings, devices, cgroups and resources, sysctl, seccomp,
rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, time offsets.

Every docstring starts with the spec reference and the sentence it checks.  Checks from inside use
/checker; cgroup values are read from the host's cgroup filesystem.
"""

import errno
import os
import stat
import subprocess
import time

import pytest

from cutil import (
    assert_create_fails,
    create_ok,
    host_cgroup_dir,
    mounts_at,
    optional_fields,
    require_feature,
    run_checker,
    xfail_runc,
)
from support import rt, rt_create, state

HOST_NS = {n: os.readlink(f"/proc/self/ns/{n}") for n in
           ("cgroup", "ipc", "mnt", "net", "pid", "user", "uts", "time")}
NS_FILE = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
           "cgroup": "cgroup", "user": "user", "time": "time"}

USERNS_MAPS = {"uidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}],
               "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}]}

# --- Namespaces ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ns", ["pid", "network", "ipc", "uts", "mount", "cgroup"])
def test_namespace_new(cbundle, root, container_id, ns):
    """config-linux.md#namespaces: if a namespace type is specified without path, the runtime MUST
    create a new container namespace of that type (its inode differs from the runtime's)."""
    nss = cbundle.config["linux"]["namespaces"]
    if not any(n["type"] == ns for n in nss):
        nss.append({"type": ns})
    info = run_checker(cbundle, root, container_id())
    assert info["ns"][NS_FILE[ns]] != HOST_NS[NS_FILE[ns]]


@pytest.mark.parametrize("ns", ["ipc", "uts", "network"])
def test_namespace_not_specified_inherits(cbundle, root, container_id, ns):
    """config-linux.md#namespaces: if a namespace type is not specified in the namespaces array, the
    container MUST inherit the runtime namespace of that type."""
    cbundle.config["linux"]["namespaces"] = [n for n in cbundle.config["linux"]["namespaces"]
                                             if n["type"] != ns]
    if ns == "network":  # sysfs can only be mounted by the owner of the network namespace
        cbundle.config["mounts"] = [m for m in cbundle.config["mounts"] if m["type"] != "sysfs"]
    if ns == "uts":
        cbundle.config.pop("hostname", None)
    info = run_checker(cbundle, root, container_id())
    assert info["ns"][NS_FILE[ns]] == HOST_NS[NS_FILE[ns]]


@pytest.fixture
def netns_file(tmp_path):
    f = tmp_path / "netns"
    f.touch()
    subprocess.run(["unshare", f"--net={f}", "true"], check=True)
    yield f
    subprocess.run(["umount", str(f)], capture_output=True)


def test_namespace_join_by_path(cbundle, root, container_id, netns_file):
    """config-linux.md#namespaces: if a path is specified, the runtime MUST place the container
    process in that namespace (a network namespace bind-mounted on a file)."""
    for n in cbundle.config["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = str(netns_file)
    ino = os.stat(netns_file).st_ino
    info = run_checker(cbundle, root, container_id())
    assert info["ns"]["net"] == f"net:[{ino}]"


def test_namespace_path_of_wrong_type_errors(bundle, root, container_id, netns_file):
    """config-linux.md#namespaces: the runtime MUST generate an error if path is not associated with
    a namespace of type type (a network namespace given as the uts namespace)."""
    for n in bundle.config["linux"]["namespaces"]:
        if n["type"] == "uts":
            n["path"] = str(netns_file)
    bundle.config.pop("hostname", None)
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_namespace_path_not_a_namespace_errors(bundle, root, container_id, tmp_path):
    """config-linux.md#namespaces: the runtime MUST generate an error if path is not associated with
    a namespace of type type (an ordinary file)."""
    plain = tmp_path / "plain"
    plain.write_text("not a namespace")
    for n in bundle.config["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = str(plain)
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_namespace_duplicate_type_errors(bundle, root, container_id):
    """config-linux.md#namespaces: if a namespaces field contains duplicated namespaces with same
    type, the runtime MUST generate an error."""
    bundle.config["linux"]["namespaces"].append({"type": "ipc"})
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_cgroup_namespace_root(cbundle, root, container_id):
    """config-linux.md#namespaces: cgroup -- the container will have an isolated view of the cgroup
    hierarchy (its own cgroups appear as the root "/")."""
    cbundle.config["linux"]["namespaces"].append({"type": "cgroup"})
    info = run_checker(cbundle, root, container_id())
    for line in info["cgroup"]:
        assert line.split(":", 2)[2] == "/", line


# --- User namespace mappings ---------------------------------------------------------------------


def _traversable(path):
    """The mapped root (host uid 200000) must reach the bundle: o+x on every ancestor (pytest's
    tmp dirs are 0700)."""
    p = os.path.abspath(path)
    while p != "/":
        os.chmod(p, os.stat(p).st_mode | 0o001)
        p = os.path.dirname(p)


def test_user_namespace_mappings(cbundle, root, container_id):
    """config-linux.md#user-namespace-mappings: uidMappings / gidMappings describe the user namespace
    uid/gid mappings from the host to the container (containerID, hostID, size in the uid_map and
    gid_map of the container's new user namespace)."""
    cbundle.config["linux"]["namespaces"].append({"type": "user"})
    cbundle.config["linux"].update(USERNS_MAPS)
    _traversable(cbundle.rootfs)
    info = run_checker(cbundle, root, container_id())
    assert info["ns"]["user"] != HOST_NS["user"]
    assert [ln.split() for ln in info["uid_map"]] == [["0", "200000", "65536"]]
    assert [ln.split() for ln in info["gid_map"]] == [["0", "200000", "65536"]]
    assert info["uid"] == 0 and info["gid"] == 0


def test_user_namespace_does_not_chown_rootfs(cbundle, root, container_id):
    """config-linux.md#user-namespace-mappings: the runtime SHOULD NOT modify the ownership of
    referenced filesystems to realize the mapping."""
    cbundle.config["linux"]["namespaces"].append({"type": "user"})
    cbundle.config["linux"].update(USERNS_MAPS)
    _traversable(cbundle.rootfs)
    before = os.stat(cbundle.rootfs / "etc" / "passwd")
    run_checker(cbundle, root, container_id())
    after = os.stat(cbundle.rootfs / "etc" / "passwd")
    assert (before.st_uid, before.st_gid) == (after.st_uid, after.st_gid) == (0, 0)


# --- Devices -------------------------------------------------------------------------------------


def test_devices_created(cbundle, root, container_id):
    """config-linux.md#devices: devices lists devices that MUST be available in the container, with
    type, major, minor, fileMode, uid and gid."""
    cbundle.config["linux"]["devices"] = [
        {"path": "/dev/conformance-null", "type": "c", "major": 1, "minor": 3,
         "fileMode": 0o640, "uid": 1001, "gid": 1002}]
    cbundle.config["linux"]["resources"] = {"devices": [{"allow": True, "type": "c", "major": 1,
                                                         "minor": 3, "access": "rwm"}]}
    info = run_checker(cbundle, root, container_id(), "stat=/dev/conformance-null",
                       "write=/dev/conformance-null")
    st = info["stats"]["/dev/conformance-null"]
    assert stat.S_ISCHR(st["mode"]) and (st["major"], st["minor"]) == (1, 3)
    assert stat.S_IMODE(st["mode"]) == 0o640
    assert (st["uid"], st["gid"]) == (1001, 1002)
    assert info["writes"]["/dev/conformance-null"] == 0


DEFAULT_DEVICES = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/full": (1, 7),
                   "/dev/random": (1, 8), "/dev/urandom": (1, 9), "/dev/tty": (5, 0)}


def test_default_devices(cbundle, root, container_id):
    """config-linux.md#default-devices: in addition to any devices configured with this setting, the
    runtime MUST also supply /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty
    and /dev/ptmx (a bind-mount or symlink of the container's /dev/pts/ptmx); usable (opened for
    writing)."""
    args = [f"stat={d}" for d in DEFAULT_DEVICES] + ["stat=/dev/ptmx"]
    args += [f"write={d}" for d in ("/dev/null", "/dev/zero", "/dev/full", "/dev/urandom")]
    info = run_checker(cbundle, root, container_id(), *args)
    for path, (major, minor) in DEFAULT_DEVICES.items():
        st = info["stats"][path]
        assert "errno" not in st, f"{path} missing"
        assert stat.S_ISCHR(st["mode"]) and (st["major"], st["minor"]) == (major, minor), path
    for path, err in info["writes"].items():
        assert err == 0, f"open({path}, O_WRONLY): errno {err}"
    ptmx = info["stats"]["/dev/ptmx"]
    assert "errno" not in ptmx
    if stat.S_ISLNK(ptmx["mode"]):
        assert ptmx["link"] in ("pts/ptmx", "/dev/pts/ptmx")
    else:
        assert (ptmx["major"], ptmx["minor"]) == (5, 2)


def test_dev_symlinks(cbundle, root, container_id):
    """config-linux.md#dev-symbolic-links: while creating the container, runtimes MUST create the
    symlinks /dev/fd -> /proc/self/fd, /dev/stdin -> /proc/self/fd/0, /dev/stdout ->
    /proc/self/fd/1, /dev/stderr -> /proc/self/fd/2 if the source file exists after processing
    mounts."""
    want = {"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
            "/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2"}
    info = run_checker(cbundle, root, container_id(), *[f"stat={p}" for p in want])
    for path, target in want.items():
        st = info["stats"][path]
        assert "errno" not in st and stat.S_ISLNK(st["mode"]), path
        assert st["link"] == target, path


@pytest.mark.parametrize("order", ["deny-then-allow", "allow-then-deny"])
def test_device_cgroup_rules_in_order(cbundle, root, container_id, order):
    """config-linux.md#allowed-device-list: devices -- configure the allowed device list; the
    runtime MUST apply entries in the listed order (a later deny-all overrides an earlier allow;
    /dev/fuse, 10:229, not a default device)."""
    cbundle.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10,
                                           "minor": 229, "fileMode": 0o666}]
    deny = {"allow": False, "access": "rwm"}
    allow = {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"}
    rules = [deny, allow] if order == "deny-then-allow" else [allow, deny]
    cbundle.config["linux"]["resources"] = {"devices": rules}
    info = run_checker(cbundle, root, container_id(), "write=/dev/fuse")
    err = info["writes"]["/dev/fuse"]
    if order == "deny-then-allow":
        assert err != errno.EPERM, "the later allow rule was not applied"
    else:
        assert err == errno.EPERM, "the later deny-all rule was not applied"


# --- Control groups ------------------------------------------------------------------------------


def _created_with_resources(bundle, root, cid, resources):
    bundle.config["linux"]["cgroupsPath"] = f"/conformance-{cid}"
    bundle.config["linux"]["resources"] = resources
    bundle.set_args("sleep", "30")
    create_ok(bundle, cid, root)
    return state(cid, root)["pid"]


def test_cgroups_path(cbundle, root, container_id):
    """config-linux.md#cgroups-path: if cgroupsPath is specified, the runtime MUST consistently attach
    to the same place in the cgroups hierarchy given the same value of cgroupsPath (the container's
    cgroup is /<cgroupsPath> in each hierarchy)."""
    cid = container_id()
    cbundle.config["linux"]["cgroupsPath"] = f"/conformance-{cid}"
    for _ in range(2):
        info = run_checker(cbundle, root, cid)
        paths = {ln.split(":", 2)[1]: ln.split(":", 2)[2] for ln in info["cgroup"]}
        assert paths.get("memory") == f"/conformance-{cid}", info["cgroup"]
        assert paths.get("pids") == f"/conformance-{cid}", info["cgroup"]
        assert rt("delete", "--force", cid, root=root).returncode == 0


def test_memory_resources(bundle, root, container_id):
    """config-linux.md#memory: limit sets the limit of memory usage in bytes; reservation sets the
    soft limit (memory.limit_in_bytes / memory.soft_limit_in_bytes of the container's cgroup)."""
    cid = container_id()
    pid = _created_with_resources(bundle, root, cid, {"memory": {"limit": 64 * 1024 * 1024,
                                                                 "reservation": 32 * 1024 * 1024}})
    cg = host_cgroup_dir(pid, "memory")
    assert cg.name == f"conformance-{cid}"
    assert int((cg / "memory.limit_in_bytes").read_text()) == 64 * 1024 * 1024
    assert int((cg / "memory.soft_limit_in_bytes").read_text()) == 32 * 1024 * 1024


def test_pids_resources(bundle, root, container_id):
    """config-linux.md#pids: limit specifies the maximum number of tasks in the cgroup
    (pids.max)."""
    cid = container_id()
    pid = _created_with_resources(bundle, root, cid, {"pids": {"limit": 77}})
    assert (host_cgroup_dir(pid, "pids") / "pids.max").read_text().strip() == "77"


def test_cpu_resources(bundle, root, container_id):
    """config-linux.md#cpu: shares specifies a relative share of CPU time; quota the total amount of
    time in microseconds a cgroup can run during one period; period the period for quota; cpus the
    list of CPUs the container will run on (cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us,
    cpuset.cpus)."""
    cid = container_id()
    pid = _created_with_resources(bundle, root, cid, {"cpu": {"shares": 512, "quota": 50000,
                                                              "period": 100000, "cpus": "0"}})
    cpu = host_cgroup_dir(pid, "cpu")
    assert (cpu / "cpu.shares").read_text().strip() == "512"
    assert (cpu / "cpu.cfs_quota_us").read_text().strip() == "50000"
    assert (cpu / "cpu.cfs_period_us").read_text().strip() == "100000"
    assert (host_cgroup_dir(pid, "cpuset") / "cpuset.cpus").read_text().strip() == "0"


# --- sysctl --------------------------------------------------------------------------------------


def test_sysctl(cbundle, root, container_id):
    """config-linux.md#sysctl: sysctl allows kernel parameters to be modified at runtime for the
    container (namespaced net.ipv4.ip_forward and kernel.shm_rmid_forced)."""
    cbundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}
    info = run_checker(cbundle, root, container_id(), "read=/proc/sys/net/ipv4/ip_forward",
                       "read=/proc/sys/kernel/shm_rmid_forced")
    assert info["files"]["/proc/sys/net/ipv4/ip_forward"].strip() == "1"
    assert info["files"]["/proc/sys/kernel/shm_rmid_forced"].strip() == "1"


# --- Seccomp -------------------------------------------------------------------------------------


def _seccomp(action="SCMP_ACT_ERRNO", **extra):
    rule = {"names": ["mkdir", "mkdirat"], "action": action, **extra}
    return {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [rule]}


def test_seccomp_errno_ret(cbundle, root, container_id):
    """config-linux.md#seccomp: syscalls -- action for the matched syscalls; errnoRet is the errno
    return code to use (and Seccomp: 2, filter mode, in /proc/self/status)."""
    require_feature("linux.seccomp")
    cbundle.config["linux"]["seccomp"] = _seccomp(errnoRet=errno.ENOSPC)
    info = run_checker(cbundle, root, container_id(), "mkdir=/tmp/blocked")
    assert info["mkdirs"]["/tmp/blocked"] == errno.ENOSPC
    assert info["status"]["Seccomp"] == "2"


def test_seccomp_errno_default_eperm(cbundle, root, container_id):
    """config-linux.md#seccomp: errnoRet -- if not specified then its default value is EPERM."""
    require_feature("linux.seccomp")
    cbundle.config["linux"]["seccomp"] = _seccomp()
    info = run_checker(cbundle, root, container_id(), "mkdir=/tmp/blocked")
    assert info["mkdirs"]["/tmp/blocked"] == errno.EPERM


def test_seccomp_default_action(cbundle, root, container_id):
    """config-linux.md#seccomp: defaultAction is the default action for seccomp; syscalls matched by
    a rule take the rule's action (default ERRNO, getpid and friends allowed: mkdir fails)."""
    require_feature("linux.seccomp")
    cbundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": errno.EACCES,
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
                     {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
    # everything else the checker and runtime need must be allowed: flip it around
    cbundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
    info = run_checker(cbundle, root, container_id(), "mkdir=/tmp/blocked", "create=/tmp/allowed")
    assert info["mkdirs"]["/tmp/blocked"] == errno.EACCES
    assert info["creates"]["/tmp/allowed"] == 0


@xfail_runc("accepts errnoRet on a non-errno action (SCMP_ACT_KILL) and ignores it")
def test_seccomp_errno_ret_on_non_errno_action_errors(bundle, root, container_id):
    """config-linux.md#seccomp: errnoRet -- when the action doesn't support an errno, the runtime
    MUST print an error and fail to load the seccomp filter (create fails)."""
    require_feature("linux.seccomp")
    bundle.config["linux"]["seccomp"] = _seccomp(action="SCMP_ACT_KILL", errnoRet=1)
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_seccomp_unknown_action_errors(bundle, root, container_id):
    """config-linux.md#seccomp: action -- a valid value of the listed actions; config.md#valid-values:
    runtimes MUST generate an error when invalid or unsupported values are encountered."""
    require_feature("linux.seccomp")
    bundle.config["linux"]["seccomp"] = _seccomp(action="SCMP_ACT_BOGUS")
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


# --- rootfsPropagation ---------------------------------------------------------------------------


@pytest.mark.parametrize("prop,marker", [
    ("private", None),
    pytest.param("shared", "shared:", marks=xfail_runc(
        "makes the mount tree rshared, then binds the rootfs under a private parent and pivots: "
        "the container's / ends up private")),
    pytest.param("unbindable", "unbindable", marks=xfail_runc(
        "makes the tree runbindable before bind-mounting the rootfs onto itself: the bind fails "
        "with EINVAL")),
])
def test_rootfs_propagation(cbundle, root, container_id, prop, marker):
    """config-linux.md#rootfs-mount-propagation: rootfsPropagation sets the rootfs's mount
    propagation; its value is either shared, slave, private or unbindable (the optional fields of
    the container's / in mountinfo)."""
    cbundle.config["linux"]["rootfsPropagation"] = prop
    info = run_checker(cbundle, root, container_id())
    top = mounts_at(info, "/")[-1]
    opts = optional_fields(top)
    if marker is None:
        assert not opts, opts
    else:
        assert any(o.startswith(marker) for o in opts), opts


# --- maskedPaths / readonlyPaths -----------------------------------------------------------------


def test_masked_paths(cbundle, root, container_id):
    """config-linux.md#masked-paths: the runtime MUST mask these paths so that they cannot be read
    (a masked file reads empty or fails; a masked directory shows no entries)."""
    (cbundle.rootfs / "secret").mkdir()
    (cbundle.rootfs / "secret" / "key").write_text("do-not-read")
    (cbundle.rootfs / "etc" / "secret.txt").write_text("do-not-read")
    cbundle.config["linux"]["maskedPaths"] = ["/secret", "/etc/secret.txt", "/proc/kcore"]
    info = run_checker(cbundle, root, container_id(), "ls=/secret", "read=/etc/secret.txt",
                       "read=/secret/key", "read=/proc/kcore")
    assert info["dirs"]["/secret"] in ([], ) or "errno" in info["dirs"]["/secret"]
    for f in ("/etc/secret.txt", "/secret/key", "/proc/kcore"):
        v = info["files"][f]
        assert v == "" or isinstance(v, dict), f"{f} readable: {v[:40]!r}"


def test_masked_path_missing_is_ignored(cbundle, root, container_id):
    """config-linux.md#masked-paths: maskedPaths masks over the provided paths inside the container
    (a path that does not exist in the container has nothing to mask; create succeeds)."""
    cbundle.config["linux"]["maskedPaths"] = ["/no/such/path"]
    run_checker(cbundle, root, container_id())


def test_readonly_paths(cbundle, root, container_id):
    """config-linux.md#readonly-paths: the runtime MUST set these paths as read-only inside the
    container (a directory and a file of the rootfs, and /proc/sys)."""
    (cbundle.rootfs / "rodir").mkdir()
    (cbundle.rootfs / "etc" / "ro.txt").write_text("x")
    cbundle.config["linux"]["readonlyPaths"] = ["/rodir", "/etc/ro.txt", "/proc/sys"]
    info = run_checker(cbundle, root, container_id(), "create=/rodir/new", "write=/etc/ro.txt",
                       "write=/proc/sys/kernel/hostname", "create=/tmp/still-writable")
    assert info["creates"]["/rodir/new"] == errno.EROFS
    assert info["writes"]["/etc/ro.txt"] == errno.EROFS
    assert info["writes"]["/proc/sys/kernel/hostname"] == errno.EROFS
    assert info["creates"]["/tmp/still-writable"] == 0


# --- mountLabel, personality, time offsets -------------------------------------------------------


def test_mount_label(bundle, root, container_id):
    """config-linux.md#mount-label: mountLabel will set the SELinux context for the mounts in the
    container. The label is /dev/shm's on the host (one its policy knows); the container's /dev/shm
    tmpfs carries it (tests/lsm/selinux runs this and more in a VM with SELinux on)."""
    if not os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("mountLabel (SELinux) is not testable: SELinux is not enabled on this host "
                    "(tests/lsm/selinux tests it in a VM)")
    label = os.getxattr("/dev/shm", "security.selinux").rstrip(b"\0").decode()
    bundle.config["linux"]["mountLabel"] = label
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    with open(f"/proc/{pid}/mountinfo") as f:
        shm = [line.partition(" - ")[2] for line in f if line.split()[4] == "/dev/shm"]
    assert shm and f"context={label}" in shm[-1].replace('"', ""), shm


@xfail_runc("1.1.5 predates linux.personality (runtime-spec 1.1): it is ignored")
def test_personality_linux32(cbundle, root, container_id):
    """config-linux.md#personality: domain -- the execution domain; LINUX32 sets the 32-bit
    execution domain (personality(0xffffffff) returns PER_LINUX32 = 0x0008)."""
    cbundle.config["linux"]["personality"] = {"domain": "LINUX32"}
    assert run_checker(cbundle, root, container_id())["personality"] & 0xFF == 0x0008


@xfail_runc("1.1.5 has no time namespace support (runc 1.2)")
def test_time_offsets(cbundle, root, container_id):
    """config-linux.md#offset-for-time-namespace: timeOffsets sets the offset for the time namespace
    (monotonic and boottime clocks shifted by secs)."""
    cbundle.config["linux"]["namespaces"].append({"type": "time"})
    cbundle.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0},
                                              "boottime": {"secs": 172800, "nanosecs": 0}}
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    b0 = time.clock_gettime(time.CLOCK_BOOTTIME)
    info = run_checker(cbundle, root, container_id())
    assert info["ns"]["time"] != HOST_NS["time"]
    assert 86400 <= info["clocks"]["monotonic"] - t0 < 86400 + 30
    assert 172800 <= info["clocks"]["boottime"] - b0 < 172800 + 30
