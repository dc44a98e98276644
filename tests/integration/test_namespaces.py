"""The container's namespaces, observed from inside (and from the host where it matters)."""

import os
import socket
import subprocess

import pytest

import support
from support import rt_create, rt_run, state, wait_status, wait_for_path


def run_out(bundle, cid, root, script):
    bundle.set_args("sh", "-c", script)
    proc = rt_run(bundle, cid, root)
    assert proc.returncode == 0, f"run failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout


def ns_of(kind, pid="self"):
    return os.readlink(f"/proc/{pid}/ns/{kind}")


def start_sleeper(bundle, cid, root):
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    return wait_status(cid, "running", root)


def test_pid_namespace(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, "echo $$; readlink /proc/self/ns/pid; ls /proc | grep -c '^[0-9]'")
    pid, ns, count = out.split()
    assert pid == "1"
    assert ns != ns_of("pid")
    assert int(count) <= 3  # sh, ls, grep: nothing of the host


def test_uts_namespace_hostname(bundle, root, container_id):
    bundle.config["hostname"] = "ns-test-host"
    out = run_out(bundle, container_id(), root, "hostname; readlink /proc/self/ns/uts")
    host, ns = out.split()
    assert host == "ns-test-host"
    assert ns != ns_of("uts")
    assert socket.gethostname() != "ns-test-host"


def test_uts_domainname(bundle, root, container_id):
    # runtime-spec 1.1 field; runc 1.1.5 ignores it
    bundle.config["domainname"] = "ns-test-domain"
    out = run_out(bundle, container_id(), root, "cat /proc/sys/kernel/domainname")
    assert out.strip() == "ns-test-domain"


def test_ipc_namespace(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, "readlink /proc/self/ns/ipc")
    assert out.strip().startswith("ipc:[")
    assert out.strip() != ns_of("ipc")


def test_network_namespace_only_lo(bundle, root, container_id):
    out = run_out(bundle, container_id(), root,
                  "ls /sys/class/net; echo --; tail -n +3 /proc/net/dev | cut -d: -f1; echo --; "
                  "readlink /proc/self/ns/net")
    sys_net, proc_net, ns = out.split("--\n")
    assert sys_net.split() == ["lo"]
    assert proc_net.split() == ["lo"]
    assert ns.strip() != ns_of("net")


def test_no_network_namespace_shares_host(bundle, root, container_id):
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                            if n["type"] != "network"]
    out = run_out(bundle, container_id(), root, "readlink /proc/self/ns/net")
    assert out.strip() == ns_of("net")


def test_mount_namespace_private(bundle, root, container_id):
    caps = bundle.config["process"]["capabilities"]
    for k in caps:
        caps[k].append("CAP_SYS_ADMIN")
    bundle.config["process"]["args"] = [
        "sh", "-c",
        "mkdir -p /inside && mount -t tmpfs -o size=1m inner-tmpfs /inside && echo hi > /inside/f "
        "&& cat /inside/f > /mounted.tmp && mv /mounted.tmp /mounted && sleep 1000",
    ]
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    wait_for_path(bundle.rootfs / "mounted")
    assert (bundle.rootfs / "mounted").read_text() == "hi\n"
    pid = state(cid, root)["pid"]
    assert ns_of("mnt", pid) != ns_of("mnt")
    # the mount exists in the container ...
    with open(f"/proc/{pid}/mountinfo") as f:
        assert "inner-tmpfs" in f.read()
    # ... and not on the host, where the directory stays empty
    with open("/proc/self/mountinfo") as f:
        host = f.read()
    assert "inner-tmpfs" not in host
    assert str(bundle.rootfs) not in host
    assert list((bundle.rootfs / "inside").iterdir()) == []


def test_cgroup_namespace(bundle, root, container_id):
    bundle.config["linux"]["namespaces"].append({"type": "cgroup"})
    bundle.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                                    "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    out = run_out(bundle, container_id(), root,
                  "readlink /proc/self/ns/cgroup; echo --; cat /proc/self/cgroup; echo --; ls /sys/fs/cgroup")
    ns, cgroups, listing = out.split("--\n")
    assert ns.strip() != ns_of("cgroup")
    paths = [line.split(":", 2)[2] for line in cgroups.split()]
    assert paths and all(p == "/" for p in paths), cgroups
    assert "memory" in listing.split() or "cgroup.procs" in listing.split(), listing


def test_no_cgroup_namespace_shares_host(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, "readlink /proc/self/ns/cgroup")
    assert out.strip() == ns_of("cgroup")


USERNS_MAPS = {
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
}


def _userns_bundle(bundle):
    bundle.config["linux"]["namespaces"].append({"type": "user"})
    bundle.config["linux"].update(USERNS_MAPS)
    # the image belongs to host root, which is unmapped (nobody) inside: writing needs an owner
    subprocess.run(["chown", "-R", "100000:100000", str(bundle.rootfs)], check=True)
    support.reachable_by_mapped_root(bundle)
    return bundle


def test_user_namespace_mappings(bundle, root, container_id):
    _userns_bundle(bundle)
    bundle.config["process"]["args"] = [
        "sh", "-c", "id -u > /out; id -g >> /out; cat /proc/self/uid_map >> /out; echo ok > /done; sleep 1000",
    ]
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    wait_for_path(bundle.rootfs / "done")
    lines = (bundle.rootfs / "out").read_text().splitlines()
    assert lines[0] == "0" and lines[1] == "0"
    assert lines[2].split() == ["0", "100000", "65536"]
    pid = state(cid, root)["pid"]
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    assert status["Uid"].split() == ["100000"] * 4
    assert status["Gid"].split() == ["100000"] * 4
    assert ns_of("user", pid) != ns_of("user")
    # files the container creates belong to the mapped host ids
    st = os.stat(bundle.rootfs / "out")
    assert (st.st_uid, st.st_gid) == (100000, 100000)


def test_user_namespace_unmapped_files_are_nobody(bundle, root, container_id):
    _userns_bundle(bundle)
    (bundle.rootfs / "hostroot").write_text("x")
    os.chown(bundle.rootfs / "hostroot", 0, 0)
    out = run_out(bundle, container_id(), root, "stat -c '%u' /hostroot /bin/busybox")
    assert out.split() == ["65534", "0"]


def test_join_namespaces_by_path(make_bundle, root, container_id):
    a = make_bundle("a")
    a.config["hostname"] = "alpha-host"
    a_id = container_id("a")
    pid = start_sleeper(a, a_id, root)["pid"]

    b = make_bundle("b")
    b.config.pop("hostname")
    nss = [n for n in b.config["linux"]["namespaces"] if n["type"] not in ("network", "uts")]
    nss += [{"type": "network", "path": f"/proc/{pid}/ns/net"}, {"type": "uts", "path": f"/proc/{pid}/ns/uts"}]
    b.config["linux"]["namespaces"] = nss
    out = run_out(b, container_id("b"), root, "hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/uts")
    host, net, uts = out.split()
    assert host == "alpha-host"
    assert net == ns_of("net", pid) and uts == ns_of("uts", pid)
    assert net != ns_of("net")


def test_join_missing_namespace_path_fails(bundle, root, container_id):
    nss = [n for n in bundle.config["linux"]["namespaces"] if n["type"] != "network"]
    bundle.config["linux"]["namespaces"] = nss + [{"type": "network", "path": "/proc/999999999/ns/net"}]
    bundle.set_args("true")
    proc, _ = rt_create(bundle, container_id(), root)
    assert proc.returncode != 0
    assert "/proc/999999999/ns/net" in proc.stderr


DAY = 86400


def test_time_namespace_offsets(bundle, root, container_id):
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces")
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {
        "boottime": {"secs": 1000 * DAY, "nanosecs": 0},
        "monotonic": {"secs": 500 * DAY, "nanosecs": 0},
    }
    with open("/proc/uptime") as f:
        host_up = float(f.read().split()[0])
    out = run_out(bundle, container_id(), root,
                  "cat /proc/uptime; readlink /proc/self/ns/time; cat /proc/self/timens_offsets")
    lines = out.splitlines()
    up = float(lines[0].split()[0])
    assert 1000 * DAY + host_up - 5 < up < 1000 * DAY + host_up + 60, (up, host_up)
    assert lines[1] != ns_of("time")
    offsets = {l.split()[0]: l.split()[1] for l in lines[2:]}
    assert offsets.get("monotonic") == str(500 * DAY) and offsets.get("boottime") == str(1000 * DAY), lines


def test_hostname_without_uts_namespace_is_error(bundle, root, container_id):
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                            if n["type"] != "uts"]
    bundle.config["hostname"] = "nope"
    bundle.set_args("true")
    before = socket.gethostname()
    proc, _ = rt_create(bundle, container_id(), root)
    assert proc.returncode != 0
    assert "hostname" in proc.stderr.lower() and "uts" in proc.stderr.lower(), proc.stderr
    assert socket.gethostname() == before


def test_time_namespace_offsets_with_a_user_namespace(bundle, root, container_id):
    """Root inside is not host root: the init writes the offsets through the file it opened before
    it was made non-dumpable and entered the user namespace (ns.c; opened later: EACCES)."""
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces")
    _userns_bundle(bundle)
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 7881, "nanosecs": 2718281},
                                             "boottime": {"secs": 1337, "nanosecs": 3141519}}
    out = run_out(bundle, container_id(), root, "cat /proc/self/timens_offsets")
    assert [l.split() for l in out.splitlines()] == [["monotonic", "7881", "2718281"],
                                                     ["boottime", "1337", "3141519"]], out


def _user_ns_owner(bundle, root, cid):
    """A running container in a user namespace of its own; its init pid."""
    _userns_bundle(bundle)
    return start_sleeper(bundle, cid, root)["pid"]


def test_join_another_containers_user_namespace(make_bundle, root, container_id):
    """Joined by path, without mappings of its own: the init becomes root in it (runc), so it can
    make its mounts (devpts: EOVERFLOW as an unmapped host root) and run."""
    a = make_bundle("a")
    a_id = container_id("a")
    pid = _user_ns_owner(a, root, a_id)
    b = make_bundle("b")
    _userns_bundle(b)
    for n in b.config["linux"]["namespaces"]:
        if n["type"] == "user":
            n["path"] = f"/proc/{pid}/ns/user"
    del b.config["linux"]["uidMappings"], b.config["linux"]["gidMappings"]
    out = run_out(b, container_id("b"), root, "id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user")
    lines = out.splitlines()
    assert lines[0] == "0", out
    assert lines[1].split() == ["0", "100000", "65536"], out
    assert lines[2] == ns_of("user", pid)


def test_join_a_network_namespace_the_joined_user_namespace_does_not_own(make_bundle, root, container_id, tmp_path):
    """runc's order: what host root may join is joined before the user namespace, so a network
    namespace owned by the host's user namespace can be joined with another one's user namespace."""
    a = make_bundle("a")
    a_id = container_id("a")
    pid = _user_ns_owner(a, root, a_id)
    netns = tmp_path / "netns"
    netns.touch()
    subprocess.run(["unshare", "-n", "--", "mount", "--bind", "/proc/self/ns/net", str(netns)], check=True)
    try:
        b = make_bundle("b")
        _userns_bundle(b)
        for n in b.config["linux"]["namespaces"]:
            if n["type"] == "user":
                n["path"] = f"/proc/{pid}/ns/user"
            if n["type"] == "network":
                n["path"] = str(netns)
        del b.config["linux"]["uidMappings"], b.config["linux"]["gidMappings"]
        # no sysfs without rights over the network namespace: the host's, bound
        b.config["mounts"] = [m if m["type"] != "sysfs" else
                              {"destination": m["destination"], "type": "bind", "source": "/sys", "options": ["rbind"]}
                              for m in b.config["mounts"]]
        out = run_out(b, container_id("b"), root, "readlink /proc/self/ns/user; readlink /proc/self/ns/net")
        user, net = out.split()
        assert user == ns_of("user", pid)
        assert net == f"net:[{os.stat(netns).st_ino}]"
    finally:
        subprocess.run(["umount", str(netns)])
