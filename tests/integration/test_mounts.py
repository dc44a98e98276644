"""Mounts as runc 1.3 makes them: where the runtime opens a source, which flags a bind mount ends
with, tmpfs modes, late read-only, shared masks, --no-pivot, rootfsPropagation, and a container
that stays in the runtime's mount namespace. Each case is one a client or runc's suite relies on."""

import os
import subprocess
from pathlib import Path

import pytest

import support
from support import rt, rt_create, rt_run


def run_out(bundle, cid, root, script, extra=()):
    bundle.set_args("sh", "-c", script)
    proc = rt_run(bundle, cid, root, extra=extra)
    assert proc.returncode == 0, f"run failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout


def add_mount(bundle, destination, type_, source, options=(), **more):
    m = {"destination": str(destination), "type": type_, "source": str(source), **more}
    if options:
        m["options"] = list(options)
    bundle.config["mounts"].append(m)


USERNS = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def in_userns(bundle, *dirs):
    """A user namespace mapping 0 -> 100000; the mount points the mapped root cannot create in a
    rootfs the host's root owns are made here."""
    c = bundle.config
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = USERNS
    c["linux"]["gidMappings"] = USERNS
    support.reachable_by_mapped_root(bundle)
    for d in dirs:
        (bundle.rootfs / d.lstrip("/")).mkdir(parents=True, exist_ok=True)


def mount_options(out, where):
    """The per-mount options of `where` in /proc/self/mounts text, as a set."""
    for line in out.splitlines():
        f = line.split()
        if len(f) > 3 and f[1] == where:
            return set(f[3].split(","))
    raise AssertionError(f"{where} not mounted: {out}")


@pytest.fixture
def host_tmpfs(tmp_path):
    """A tmpfs of the host whose per-mount flags a test sets (mount --bind -o remount,...)."""
    made = []

    def make(name, flags):
        d = tmp_path / name
        d.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", name, str(d)], check=True)
        made.append(d)
        (d / "file").write_text("x")
        subprocess.run(["mount", "--bind", "-o", f"remount,{flags}", str(d)], check=True)
        return d
    yield make
    for d in made:
        subprocess.run(["umount", "-l", str(d)])


# -- sources the runtime opens -------------------------------------------------------------------

def test_bind_sources_under_0700_directories_in_a_user_namespace(tmp_path, bundle, root, container_id):
    """The container's root (host uid 100000) cannot search a 0700 directory of the host's root:
    the runtime opens the source and hands it over (runc's mount fds); exec sees the mounts."""
    for n in (1, 2):
        (tmp_path / f"locked-{n}" / "dir").mkdir(parents=True)
        (tmp_path / f"locked-{n}" / "dir" / "foo.txt").write_text(f"{n}\n")
        os.chmod(tmp_path / f"locked-{n}", 0o700)
        add_mount(bundle, f"/tmp/mount-{n}", "bind", tmp_path / f"locked-{n}" / "dir", ["bind"])
    in_userns(bundle, "/tmp/mount-1", "/tmp/mount-2")
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    try:
        assert proc.returncode == 0, proc.stderr
        got = rt("exec", cid, "cat", "/tmp/mount-1/foo.txt", "/tmp/mount-2/foo.txt", root=root)
        assert (got.returncode, got.stdout) == (0, "1\n2\n"), got.stderr
    finally:
        rt("delete", "--force", cid, root=root)


@pytest.mark.parametrize("userns", [False, True], ids=["host-ids", "userns"])
def test_mount_order_sources_and_host_path_destinations(tmp_path, bundle, root, container_id, userns):
    """runc's mount-order case: later mounts take earlier mounts of the container as their source
    (named by host path under the rootfs, as is their destination), idmapped ones included; the
    sources sit under a directory only the host's root may search."""
    src = tmp_path / "bind-src"
    for sub in ("a/x", "b/y", "c/z"):
        (src / sub).mkdir(parents=True)
        (src / sub / "file").write_text(sub + "\n")
    os.chmod(src, 0o700)
    rootfs = str(bundle.rootfs)
    (bundle.rootfs / "mnt").mkdir()
    (bundle.rootfs / "final").mkdir()
    maps = {"uidMappings": USERNS, "gidMappings": USERNS}
    add_mount(bundle, "/mnt", "bind", src / "a", ["rbind", "rprivate"])
    add_mount(bundle, "/mnt/x", "bind", src / "b", ["rbind", "rprivate"])
    add_mount(bundle, "/mnt/x/y", "bind", src / "c", ["rbind", "rprivate"])
    add_mount(bundle, "/mnt/x/y/z", "bind", src / "a", ["rbind", "rprivate"])
    add_mount(bundle, rootfs + "/mnt/x/y/z/x", "bind", rootfs + "/mnt/x", ["rbind", "idmap", "rprivate"], **maps)
    add_mount(bundle, rootfs + "/mnt/x/y/z", "bind", rootfs + "/mnt/x/y", ["rbind", "idmap", "rprivate"], **maps)
    add_mount(bundle, rootfs + "/final", "bind", rootfs + "/mnt", ["rbind", "idmap", "rprivate"], **maps)
    if userns:
        in_userns(bundle)
    out = run_out(bundle, container_id(), root, "cat /final/x/y/z/z/x/y/z/x/file")
    assert out == "a/x\n"


def test_idmap_mappings_without_the_option_map_the_top_mount_only(tmp_path, bundle, root, container_id):
    """uidMappings/gidMappings without idmap or ridmap on an rbind: the submount is not mapped
    (runc)."""
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    (src / "top").write_text("t")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "idmap-sub", str(src / "sub")], check=True)
    try:
        (src / "sub" / "inner").write_text("i")
        maps = [{"containerID": 0, "hostID": 1000, "size": 10}]
        add_mount(bundle, "/mnt/t", "bind", src, ["rbind"], uidMappings=maps, gidMappings=maps)
        out = run_out(bundle, container_id(), root, "stat -c %u:%g /mnt/t/top /mnt/t/sub/inner")
        assert out.split() == ["1000:1000", "0:0"]
    finally:
        subprocess.run(["umount", "-l", str(src / "sub")])


# -- bind mount flags ----------------------------------------------------------------------------

def test_a_bind_with_only_a_clearing_option_is_remounted(bundle, root, container_id, host_tmpfs):
    """runc (not mount(8)): "dev" alone still means "exactly these flags": the source's ro and
    noexec go, its atime stays."""
    src = host_tmpfs("src", "ro,noexec,nodiratime")
    add_mount(bundle, "/mnt", "bind", src, ["bind", "dev"])
    add_mount(bundle, "/keep", "bind", src, ["bind"])  # no option at all: the source's flags
    out = run_out(bundle, container_id(), root, "cat /proc/self/mounts")
    assert {"rw", "nodiratime"} <= mount_options(out, "/mnt") and "noexec" not in mount_options(out, "/mnt")
    assert {"ro", "noexec", "nodiratime"} <= mount_options(out, "/keep")


def test_bind_flags_without_a_user_namespace_are_exactly_the_ones_given(bundle, root, container_id, host_tmpfs):
    src = host_tmpfs("src", "nosuid,nodev,noexec")
    add_mount(bundle, "/mnt", "bind", src, ["bind", "dev", "suid", "exec"])
    add_mount(bundle, "/ro", "bind", src, ["bind", "ro"])
    out = run_out(bundle, container_id(), root, "cat /proc/self/mounts")
    assert not {"nosuid", "nodev", "noexec"} & mount_options(out, "/mnt")
    assert "ro" in mount_options(out, "/ro") and not {"nosuid", "nodev", "noexec"} & mount_options(out, "/ro")


def test_bind_flags_in_a_user_namespace_keep_the_locked_ones(bundle, root, container_id, host_tmpfs):
    """Inside a user namespace the source's nosuid/nodev/noexec/ro are locked: a remount keeps
    them (the request's flags are added), and an explicit clearing of one fails the create with
    one line naming it."""
    src = host_tmpfs("src", "nosuid,nodev,noexec,noatime")
    ro = host_tmpfs("rosrc", "ro")
    add_mount(bundle, "/mnt", "bind", src, ["bind", "ro"])
    add_mount(bundle, "/implied", "bind", ro, ["bind", "nosuid", "nodev"])
    in_userns(bundle, "/mnt", "/implied", "/explicit")
    out = run_out(bundle, container_id(), root, "cat /proc/self/mounts")
    assert {"ro", "nosuid", "nodev", "noexec", "noatime"} <= mount_options(out, "/mnt")
    assert {"ro", "nosuid", "nodev"} <= mount_options(out, "/implied")
    add_mount(bundle, "/explicit", "bind", ro, ["bind", "rw"])
    bundle.set_args("true")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot clear locked flags MS_RDONLY: operation not permitted" in lines[0], lines


# -- tmpfs ---------------------------------------------------------------------------------------

def test_tmpfs_takes_the_mode_of_the_directory_it_covers(bundle, root, container_id):
    (bundle.rootfs / "covered").mkdir()
    os.chmod(bundle.rootfs / "covered", 0o710)
    (bundle.rootfs / "allbits").mkdir()
    os.chmod(bundle.rootfs / "allbits", 0o7777)
    (bundle.rootfs / "given").mkdir()
    os.chmod(bundle.rootfs / "given", 0o710)
    add_mount(bundle, "/covered", "tmpfs", "tmpfs", ["nodev"])
    add_mount(bundle, "/allbits", "tmpfs", "tmpfs")
    add_mount(bundle, "/given", "tmpfs", "tmpfs", ["mode=1500"])
    add_mount(bundle, "/new/dir", "tmpfs", "tmpfs")
    out = run_out(bundle, container_id(), root, "stat -c %a /covered /allbits /given /new/dir")
    assert out.split() == ["710", "7777", "1500", "1777"]  # a new one: tmpfs's own default
    assert oct(os.stat(bundle.rootfs / "given").st_mode & 0o7777) == "0o710"  # not chmod-ed
    assert oct(os.stat(bundle.rootfs / "new" / "dir").st_mode & 0o7777) == "0o755"


def test_tmpcopyup_keeps_modes_whatever_the_umask(bundle, root, container_id):
    (bundle.rootfs / "dir1" / "dir2").mkdir(parents=True)
    os.chmod(bundle.rootfs / "dir1" / "dir2", 0o777)
    add_mount(bundle, "/dir1", "tmpfs", "tmpfs", ["tmpcopyup"])
    bundle.set_args("stat", "-c", "%a", "/dir1/dir2")
    old = os.umask(0o022)
    try:
        proc = rt_run(bundle, container_id(), root)
    finally:
        os.umask(old)
    assert (proc.returncode, proc.stdout) == (0, "777\n"), proc.stderr


def test_read_only_dev_and_tmpfs_turn_read_only_once_filled(bundle, root, container_id):
    for m in bundle.config["mounts"]:
        if m["destination"] == "/dev":
            m["options"].append("ro")
    (bundle.rootfs / "etc" / "copied").write_text("c\n")
    add_mount(bundle, "/etc", "tmpfs", "tmpfs", ["ro", "tmpcopyup"])
    out = run_out(bundle, container_id(), root,
                  "cat /proc/self/mounts; cat /etc/copied; test -c /dev/null && test -d /dev/pts && echo devs")
    assert "ro" in mount_options(out, "/dev") and "ro" in mount_options(out, "/etc")
    assert out.splitlines()[-2:] == ["c", "devs"]


# -- proc, masks, --no-pivot ---------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/bad-proc", "/dangling"])
def test_proc_on_a_symlink_is_refused_in_runcs_words(bundle, root, container_id, target):
    os.rmdir(bundle.rootfs / "proc")
    if target == "/bad-proc":
        (bundle.rootfs / "bad-proc").mkdir()
    (bundle.rootfs / "proc").symlink_to(target)
    bundle.set_args("true")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode != 0
    assert 'proc' in proc.stderr and 'must be mounted on ordinary directory' in proc.stderr
    assert not (bundle.rootfs / "dangling").exists()  # nothing made through the link


def test_masked_directories_share_one_read_only_tmpfs(bundle, root, container_id):
    for d in ("m1", "m2", "m3"):
        (bundle.rootfs / d).mkdir()
        (bundle.rootfs / d / "secret").write_text("s")
    bundle.config["linux"]["maskedPaths"] += ["/m1", "/m2", "/m3"]
    out = run_out(bundle, container_id(), root,
                  "stat -c %d /m1 /m2 /m3; ls -A /m2; touch /m3/x 2>/dev/null && echo writable || echo readonly")
    lines = out.split()
    assert len(set(lines[:3])) == 1 and lines[3:] == ["readonly"]


def test_no_pivot_leaves_no_host_procfs_to_unlock_a_new_one(bundle, root, container_id):
    """Under --no-pivot the host's tree stays in the namespace (below the chroot). While a full,
    uncovered procfs is there, the kernel lets a user namespace of the container mount a fresh one
    (runc's no_pivot.bats): the runtime must have detached it."""
    caps = bundle.config["process"]["capabilities"]
    for kind in ("bounding", "effective", "permitted"):
        caps[kind].append("CAP_SETFCAP")  # unshare -r maps uid 0
    bundle.set_args("unshare", "-mrpf", "sh", "-c", "mount -t proc none /proc && echo mounted")
    proc = rt_run(bundle, container_id(), root, extra=("--no-pivot",))
    assert "mounted" not in proc.stdout
    assert proc.returncode != 0 and "permission denied" in proc.stderr, proc.stderr


# -- propagation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("prop", ["rshared", "shared", "rslave", "rprivate", "runbindable"])
def test_root_propagation_on_a_rootfs_that_is_a_mount_point(tmp_path, make_bundle, root, container_id, prop):
    """podman's rootfs is a mount (overlay) on a shared tree; with -v ...:rshared it writes
    rootfsPropagation "rshared": pivot_root must not fail (the rootfs's mount goes private
    first, as runc does), and the new root gets what was asked. A volume is bound in too
    (unbindable only once the binds are made)."""
    b = make_bundle()
    (tmp_path / "vol").mkdir()
    (tmp_path / "vol" / "v").write_text("v\n")
    add_mount(b, "/vol", "bind", tmp_path / "vol", ["rbind"])
    subprocess.run(["mount", "--bind", str(b.rootfs), str(b.rootfs)], check=True)
    try:
        subprocess.run(["mount", "--make-shared", str(b.rootfs)], check=True)
        b.config["linux"]["rootfsPropagation"] = prop
        out = run_out(b, container_id(), root, "cat /vol/v; cat /proc/self/mountinfo")
        assert out.startswith("v\n")
        root_line = next(line for line in out.splitlines()[1:] if line.split()[4] == "/")
        optional = root_line.split(" - ")[0].split()[6:]
        assert any(o.startswith("shared:") for o in optional) == prop.endswith("shared"), root_line
        assert ("unbindable" in optional) == prop.endswith("unbindable"), root_line
    finally:
        subprocess.run(["umount", "-R", "-l", str(b.rootfs)])


# -- no mount namespace --------------------------------------------------------------------------

def test_without_a_mount_namespace_the_container_uses_the_runtimes(bundle, root, container_id):
    """runtime-spec: a namespace type left out is inherited. The container's mounts are then the
    host's (runc leaves them behind too); masked and read-only paths are refused there."""
    c = bundle.config
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "mount"]
    bundle.set_args("true")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode != 0 and "without a private MNT namespace" in proc.stderr
    c["linux"]["maskedPaths"] = []
    c["linux"]["readonlyPaths"] = []
    try:
        out = run_out(bundle, container_id(), root, "ls /; readlink /proc/1/ns/mnt")
        assert "bin" in out.split()
        with open("/proc/self/mountinfo") as f:
            host = f.read()
        assert f" {bundle.rootfs}/proc " in host  # the container's proc, in the host's namespace
        assert out.split()[-1] == os.readlink("/proc/self/ns/mnt")
    finally:
        subprocess.run(["umount", "-R", "-l", str(bundle.rootfs)])


def test_ro_on_an_rbind_spares_data_submounts_but_not_kernel_interfaces(tmp_path, bundle, root, container_id):
    """"ro" is the top mount's flag (runc 1.3: a tmpfs below stays writable), but a procfs below a
    read-only rbind (think -v /:/host:ro) turns read-only with it: its /proc/sys must not be a
    way around "ro" (CVE-2023-25809's class). The write target is the container's own hostname."""
    tree = tmp_path / "tree"
    (tree / "data").mkdir(parents=True)
    (tree / "kproc").mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "data-sub", str(tree / "data")], check=True)
    subprocess.run(["mount", "-t", "proc", "proc", str(tree / "kproc")], check=True)
    try:
        add_mount(bundle, "/mnt/t", "bind", tree, ["rbind", "ro"])
        out = run_out(bundle, container_id(), root, "; ".join([
            "touch /mnt/t/top 2>/dev/null && echo writable || echo readonly",
            "touch /mnt/t/data/x 2>/dev/null && echo writable || echo readonly",
            "(echo probe > /mnt/t/kproc/sys/kernel/hostname) 2>/dev/null && echo writable || echo readonly"]))
        assert out.split() == ["readonly", "writable", "readonly"]
    finally:
        subprocess.run(["umount", "-l", str(tree / "kproc")])
        subprocess.run(["umount", "-l", str(tree / "data")])


PROBE = """
import os, sys
from pyruntime.launch import SOURCE_PLAIN, SOURCE_TREE, mount_source
from pyruntime.plan import Mount
src, pid, userns = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kind, fd = mount_source(Mount(src, "/x", "", 0x1000), pid)
print(kind == SOURCE_PLAIN, sorted(os.listdir(f"/proc/self/fd/{fd}")))
kind, fd = mount_source(Mount(src, "/x", "", 0x1000, idmap=([], [], False, userns)), os.getpid())
st = os.stat("host-file", dir_fd=fd)
print(kind == SOURCE_TREE, st.st_uid, st.st_gid)
"""


def test_the_runtime_opens_sources_in_the_containers_mount_namespace(tmp_path):
    """launch.mount_source, as the parent answers the init's MSG_MOUNT_PLEASE: the source is
    looked up in the given process's mount namespace (a tmpfs only mounted there is found), and an
    idmap that names a joined user namespace takes that namespace's mapping (0 -> 100000 here).
    Run by the installed package (-I: not this checkout, whose extension is not built)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "host-file").write_text("h")
    ready = tmp_path / "ready"
    other = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                              f"mount -t tmpfs only-there {src} && touch {src}/ns-file {ready} && exec sleep 60"])
    userns = subprocess.Popen(["unshare", "-U", "sleep", "60"])
    try:
        support.wait_for_path(ready)
        for name in ("uid_map", "gid_map"):
            Path(f"/proc/{userns.pid}/{name}").write_text("0 100000 65536\n")
        python = Path(support.RUNTIME).parent / "python"
        proc = subprocess.run([str(python), "-I", "-c", PROBE, str(src), str(other.pid),
                               f"/proc/{userns.pid}/ns/user"], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["True ['ns-file']", "True 100000 100000"]
    finally:
        for p in (other, userns):
            p.kill()
            p.wait()


@pytest.mark.parametrize("idmap", [False, True], ids=["bind", "idmap"])
def test_a_source_inside_the_rootfs_is_looked_up_in_the_root(tmp_path, bundle, root, container_id, idmap):
    """A bind source named by a host path under the rootfs goes through the image's symlinks as
    the container would: rootfs/evil -> /etc is the image's /etc, never the host's (the runtime
    must not follow the image's links from the host's side, whoever opens the source)."""
    (bundle.rootfs / "evil").symlink_to("/etc")
    (bundle.rootfs / "etc" / "image-marker").write_text("image\n")
    maps = {"uidMappings": USERNS, "gidMappings": USERNS} if idmap else {}
    add_mount(bundle, "/seen", "bind", f"{bundle.rootfs}/evil", ["rbind"] + (["idmap"] if idmap else []), **maps)
    out = run_out(bundle, container_id(), root, "cat /seen/image-marker 2>&1 || true")
    assert out == "image\n"  # the host's /etc has no such file
