"""The container's filesystem: root, mounts, devices, masked/readonly paths, propagation."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

import support
from support import rt_create, rt_run, state


def run_out(bundle, cid, root, script, extra=()):
    bundle.set_args("sh", "-c", script)
    proc = rt_run(bundle, cid, root, extra=extra)
    assert proc.returncode == 0, f"run failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout


def add_mount(bundle, destination, type_, source, options=()):
    m = {"destination": destination, "type": type_, "source": str(source)}
    if options:
        m["options"] = list(options)
    bundle.config["mounts"].append(m)


WRITE = "touch {0} 2>/dev/null && echo writable || echo readonly"


# -- root ----------------------------------------------------------------------------------------

def test_root_readonly(bundle, root, container_id):
    bundle.config["root"]["readonly"] = True
    out = run_out(bundle, container_id(), root, WRITE.format("/ro-probe") + "; " + WRITE.format("/dev/shm/x"))
    assert out.split() == ["readonly", "writable"]
    assert not (bundle.rootfs / "ro-probe").exists()


def test_root_writable(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, WRITE.format("/rw-probe"))
    assert out.strip() == "writable"
    assert (bundle.rootfs / "rw-probe").exists()


def test_root_path_relative_subdir(make_bundle, root, container_id):
    b = make_bundle()
    (b.path / "images").mkdir()
    os.rename(b.rootfs, b.path / "images" / "rootfs")
    (b.path / "images" / "rootfs" / "which").write_text("relative\n")
    b.config["root"]["path"] = "images/rootfs"
    cid = container_id()
    out = run_out(b, cid, root, "cat /which")
    assert out == "relative\n"


def test_root_path_absolute(tmp_path, make_bundle, root, container_id):
    b = make_bundle()
    elsewhere = tmp_path / "elsewhere-rootfs"
    os.rename(b.rootfs, elsewhere)
    (elsewhere / "which").write_text("absolute\n")
    b.config["root"]["path"] = str(elsewhere)
    cid = container_id()
    b.set_args("sleep", "1000")
    proc, _ = rt_create(b, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert state(cid, root)["rootfs"] == str(elsewhere)
    support.rt("delete", "--force", cid, root=root)
    out = run_out(b, container_id(), root, "cat /which")
    assert out == "absolute\n"


# -- bind mounts ---------------------------------------------------------------------------------

def test_bind_mount_rw(tmp_path, bundle, root, container_id):
    host = tmp_path / "shared-rw"
    host.mkdir()
    (host / "from-host").write_text("hello from host\n")
    add_mount(bundle, "/mnt/shared", "bind", host, ["rbind", "rw"])
    out = run_out(bundle, container_id(), root, "cat /mnt/shared/from-host; echo back > /mnt/shared/from-container")
    assert out == "hello from host\n"
    assert (host / "from-container").read_text() == "back\n"


def test_bind_mount_ro(tmp_path, bundle, root, container_id):
    host = tmp_path / "shared-ro"
    host.mkdir()
    (host / "from-host").write_text("read me\n")
    add_mount(bundle, "/mnt/ro", "bind", host, ["rbind", "ro"])
    out = run_out(bundle, container_id(), root, "cat /mnt/ro/from-host; " + WRITE.format("/mnt/ro/new"))
    assert out.splitlines() == ["read me", "readonly"]
    assert not (host / "new").exists()


def test_bind_mount_file(tmp_path, bundle, root, container_id):
    host = tmp_path / "single-file"
    host.write_text("just a file\n")
    add_mount(bundle, "/etc/extra/injected.conf", "bind", host, ["bind", "ro"])
    out = run_out(bundle, container_id(), root, "cat /etc/extra/injected.conf; stat -c %F /etc/extra/injected.conf")
    assert out.splitlines() == ["just a file", "regular file"]


def test_bind_mount_relative_source(bundle, root, container_id):
    (bundle.path / "relsrc").mkdir()
    (bundle.path / "relsrc" / "f").write_text("relative source\n")
    add_mount(bundle, "/mnt/rel", "bind", "relsrc", ["rbind"])
    out = run_out(bundle, container_id(), root, "cat /mnt/rel/f")
    assert out == "relative source\n"


def test_recursive_readonly_bind(tmp_path, bundle, root, container_id):
    host = tmp_path / "rro-src"
    (host / "sub").mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "rro-sub", str(host / "sub")], check=True)
    try:
        add_mount(bundle, "/mnt/rro", "bind", host, ["rbind", "rro"])
        add_mount(bundle, "/mnt/ro", "bind", host, ["rbind", "ro"])
        out = run_out(bundle, container_id(), root, "; ".join([
            WRITE.format("/mnt/rro/top"), WRITE.format("/mnt/rro/sub/inner"),
            WRITE.format("/mnt/ro/top"), WRITE.format("/mnt/ro/sub/inner2")]))
        # rro: the submount is read-only too. Plain ro is MS_RDONLY on the top mount only, as in
        # runc 1.3 and mount(8) (docs/compatibility.md argues it)
        assert out.split() == ["readonly", "readonly", "readonly", "writable"]
        assert not (host / "sub" / "inner").exists()
        assert (host / "sub" / "inner2").exists()
    finally:
        subprocess.run(["umount", "-l", str(host / "sub")])


# -- tmpfs ---------------------------------------------------------------------------------------

def test_tmpfs_options(bundle, root, container_id):
    add_mount(bundle, "/scratch", "tmpfs", "tmpfs", ["nosuid", "size=2m", "mode=1770"])
    out = run_out(bundle, container_id(), root,
                  "stat -c %a /scratch; df -k /scratch | tail -n 1; grep ' /scratch ' /proc/mounts")
    lines = out.splitlines()
    assert lines[0] == "1770"
    assert lines[1].split()[1] == "2048"
    assert "tmpfs" in lines[2] and "nosuid" in lines[2]


def test_tmpcopyup(bundle, root, container_id):
    add_mount(bundle, "/etc", "tmpfs", "tmpfs", ["tmpcopyup", "mode=755"])
    passwd = (bundle.rootfs / "etc" / "passwd").read_text()
    out = run_out(bundle, container_id(), root,
                  "grep ' /etc ' /proc/mounts | cut -d' ' -f3; cat /etc/passwd; echo new > /etc/created")
    fstype, _, rest = out.partition("\n")
    assert fstype == "tmpfs"
    assert rest == passwd and "root:" in rest
    assert not (bundle.rootfs / "etc" / "created").exists()


def test_mount_destination_nested_created(bundle, root, container_id):
    assert not (bundle.rootfs / "deep").exists()
    add_mount(bundle, "/deep/er/still/mnt", "tmpfs", "tmpfs", ["size=1m"])
    out = run_out(bundle, container_id(), root, "grep ' /deep/er/still/mnt ' /proc/mounts | cut -d' ' -f3")
    assert out.strip() == "tmpfs"
    assert (bundle.rootfs / "deep" / "er" / "still" / "mnt").is_dir()


@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_symlink_destination_stays_in_rootfs(tmp_path, bundle, root, container_id, kind):
    canary = Path("/tmp") / f"host-canary-{uuid.uuid4().hex[:8]}"
    canary.mkdir()
    (canary / "keep").write_text("host\n")
    try:
        target = str(canary) if kind == "absolute" else "../../../../../../../../.." + str(canary)
        (bundle.rootfs / "evil").symlink_to(target)
        add_mount(bundle, "/evil", "tmpfs", "tmpfs", ["size=1m"])
        src = tmp_path / "bindsrc"
        src.mkdir()
        (src / "b").write_text("bind\n")
        (bundle.rootfs / "evil2").symlink_to(target)
        add_mount(bundle, "/evil2/bound", "bind", src, ["rbind"])
        bundle.set_args("sh", "-c", "echo pwned > /evil/pwned; ls /evil2/bound")
        proc = rt_run(bundle, container_id(), root)
        # whether the runtime refuses or resolves inside the rootfs, the host must not change
        assert sorted(os.listdir(canary)) == ["keep"]
        assert (canary / "keep").read_text() == "host\n"
        with open("/proc/self/mountinfo") as f:
            assert str(canary) not in f.read()
        if proc.returncode == 0:
            inside = bundle.rootfs / canary.relative_to("/")
            assert inside.is_dir() and proc.stdout.split() == ["b"]
    finally:
        for p in canary.iterdir():
            p.unlink()
        canary.rmdir()


# -- /dev ----------------------------------------------------------------------------------------

def test_default_devices(bundle, root, container_id):
    out = run_out(bundle, container_id(), root,
                  "for d in null zero full random urandom tty; do stat -c '%n %F %t:%T %a' /dev/$d; done")
    got = out.splitlines()
    assert got == [
        "/dev/null character special file 1:3 666",
        "/dev/zero character special file 1:5 666",
        "/dev/full character special file 1:7 666",
        "/dev/random character special file 1:8 666",
        "/dev/urandom character special file 1:9 666",
        "/dev/tty character special file 5:0 666",
    ]


def test_default_dev_links(bundle, root, container_id):
    out = run_out(bundle, container_id(), root,
                  "for l in ptmx fd stdin stdout stderr; do echo $l $(readlink /dev/$l); done; "
                  "ls /dev/fd/ >/dev/null && echo fd-ok; stat -c %t:%T /dev/pts/ptmx")
    assert out.splitlines() == [
        "ptmx pts/ptmx",
        "fd /proc/self/fd",
        "stdin /proc/self/fd/0",
        "stdout /proc/self/fd/1",
        "stderr /proc/self/fd/2",
        "fd-ok",
        "5:2",
    ]


def test_linux_devices_extra_node(bundle, root, container_id):
    bundle.config["linux"]["devices"] = [
        {"path": "/dev/mydev", "type": "c", "major": 1, "minor": 7, "fileMode": 0o640, "uid": 0, "gid": 0},
        {"path": "/dev/sub/blk", "type": "b", "major": 7, "minor": 0, "fileMode": 0o600},
    ]
    out = run_out(bundle, container_id(), root,
                  "stat -c '%F %t:%T %a %u:%g' /dev/mydev /dev/sub/blk; head -c 4 /dev/mydev | wc -c")
    assert out.splitlines() == [
        "character special file 1:7 640 0:0",
        "block special file 7:0 600 0:0",
        "4",
    ]


def test_devpts_mqueue_shm_mounted(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, "cut -d' ' -f2,3 /proc/mounts")
    mounts = set(out.splitlines())
    for expected in ("/dev/pts devpts", "/dev/mqueue mqueue", "/dev/shm tmpfs", "/proc proc", "/sys sysfs",
                     "/dev tmpfs"):
        assert expected in mounts, (expected, out)


# -- masked / readonly paths ---------------------------------------------------------------------

def test_masked_paths(bundle, root, container_id):
    (bundle.rootfs / "secret.txt").write_text("top secret\n")
    (bundle.rootfs / "secretdir").mkdir()
    (bundle.rootfs / "secretdir" / "inner").write_text("also secret\n")
    bundle.config["linux"]["maskedPaths"] += ["/secret.txt", "/secretdir", "/does/not/exist"]
    out = run_out(bundle, container_id(), root,
                  "echo \"[$(cat /secret.txt)]\"; echo \"[$(ls -A /secretdir)]\"; "
                  "echo \"[$(head -c 10 /proc/kcore | wc -c)]\"; "
                  "cat /secret.txt; cat /secretdir/inner 2>/dev/null || echo gone")
    assert out.splitlines() == ["[]", "[]", "[0]", "gone"]
    assert (bundle.rootfs / "secret.txt").read_text() == "top secret\n"


def test_readonly_paths(bundle, root, container_id):
    (bundle.rootfs / "rodir").mkdir()
    (bundle.rootfs / "rodir" / "f").write_text("orig\n")
    (bundle.rootfs / "rwdir").mkdir()
    bundle.config["linux"]["readonlyPaths"] += ["/rodir", "/does/not/exist"]
    out = run_out(bundle, container_id(), root, "; ".join([
        WRITE.format("/rodir/new"),
        "(echo changed > /rodir/f) 2>/dev/null && echo writable || echo readonly",
        WRITE.format("/rwdir/new"),
        "(echo 1 > /proc/sys/kernel/sysrq) 2>/dev/null && echo writable || echo readonly",
        "cat /rodir/f"]))
    assert out.split() == ["readonly", "readonly", "writable", "readonly", "orig"]


# -- propagation / pivot -------------------------------------------------------------------------

def _root_mount_optional(out):
    for line in out.splitlines():
        f = line.split()
        if f[4] == "/":
            return f[6:f.index("-")]
    raise AssertionError(f"no / in mountinfo: {out}")


def test_rootfs_propagation_private(bundle, root, container_id):
    bundle.config["linux"]["rootfsPropagation"] = "private"
    out = run_out(bundle, container_id(), root, "cat /proc/self/mountinfo")
    assert _root_mount_optional(out) == []


PROPAGATION_SCRIPT = (
    "mount -t tmpfs c-made /shared-in/fromc || echo mount-failed; touch /ready; "
    "while [ ! -e /go ]; do sleep 0.05; done; "
    "grep -q ' /shared-in/late ' /proc/self/mountinfo && echo in > /result.tmp || echo notin > /result.tmp; "
    "mv /result.tmp /result"
)


@pytest.mark.parametrize("prop, host_to_container, container_to_host", [
    (None, True, False),        # default: rslave (runc)
    ("slave", True, False),
    ("private", False, False),
    ("shared", True, True),
])
def test_rootfs_propagation_observed(tmp_path, bundle, root, container_id, prop, host_to_container,
                                     container_to_host):
    """A shared host mount bound into the container: which way do later mounts travel?"""
    shared = tmp_path / "shared-host"
    shared.mkdir()
    subprocess.run(["mount", "--bind", str(shared), str(shared)], check=True)
    try:
        subprocess.run(["mount", "--make-shared", str(shared)], check=True)
        (shared / "fromc").mkdir()
        (shared / "late").mkdir()
        if prop:
            bundle.config["linux"]["rootfsPropagation"] = prop
        for k in bundle.config["process"]["capabilities"].values():
            k.append("CAP_SYS_ADMIN")
        add_mount(bundle, "/shared-in", "bind", shared, ["rbind"])
        bundle.set_args("sh", "-c", PROPAGATION_SCRIPT)
        cid = container_id()
        proc, out = rt_create(bundle, cid, root, command=("run", "-d"))
        assert proc.returncode == 0, proc.stderr
        support.wait_for_path(bundle.rootfs / "ready")
        assert "mount-failed" not in out.read_text()
        subprocess.run(["mount", "-t", "tmpfs", "host-made", str(shared / "late")], check=True)
        (bundle.rootfs / "go").write_text("")
        result = support.wait_for_path(bundle.rootfs / "result").read_text().strip()
        with open("/proc/self/mountinfo") as f:
            host_sees = f" {shared}/fromc " in f.read()
        assert (result == "in") == host_to_container, result
        assert host_sees == container_to_host
    finally:
        subprocess.run(["umount", "-R", "-l", str(shared)])


def test_rootfs_propagation_default_not_shared(bundle, root, container_id):
    out = run_out(bundle, container_id(), root, "cat /proc/self/mountinfo")
    assert not any(o.startswith("shared:") for o in _root_mount_optional(out))


def test_no_pivot(bundle, root, container_id):
    (bundle.rootfs / "i-am-root").write_text("yes\n")
    out = run_out(bundle, container_id(), root,
                  f"cat /i-am-root; test -e {support.REPO} && echo host-visible || echo host-hidden; "
                  "grep -c . /proc/self/mountinfo >/dev/null && echo mi", extra=("--no-pivot",))
    assert out.splitlines() == ["yes", "host-hidden", "mi"]


# -- idmapped bind mounts ------------------------------------------------------------------------

def _owned_tree(base):
    """A host directory with files owned by 0:0 and 1:1, and a tmpfs submount holding a 0:0 file."""
    base.mkdir()
    (base / "root-file").write_text("r")
    (base / "one-file").write_text("1")
    os.chown(base / "one-file", 1, 1)
    (base / "sub").mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "idmap-sub", str(base / "sub")], check=True)
    (base / "sub" / "inner").write_text("i")
    return base


STAT = "stat -c %u:%g {0}"


def test_idmapped_bind_without_user_namespace(tmp_path, bundle, root, container_id):
    """mounts[].uidMappings/gidMappings + idmap: on-disk 0 appears as 1000 and 1 as 1001 through
    the mount; a file made there by uid 1000 lands on disk as 0. The source keeps its owners."""
    src = _owned_tree(tmp_path / "src")
    maps = [{"containerID": 0, "hostID": 1000, "size": 10}]
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    try:
        bundle.config["mounts"].append({"destination": "/mnt/id", "type": "bind", "source": str(src),
                                        "options": ["bind", "idmap"], "uidMappings": maps, "gidMappings": maps})
        out = run_out(bundle, container_id(), root, "; ".join(
            [STAT.format("/mnt/id/root-file"), STAT.format("/mnt/id/one-file"), "touch /mnt/id/new",
             STAT.format("/mnt/id/new")]))
        assert out.split() == ["1000:1000", "1001:1001", "1000:1000"], out
        assert (os.stat(src / "new").st_uid, os.stat(src / "new").st_gid) == (0, 0)
        assert os.stat(src / "root-file").st_uid == 0 and os.stat(src / "one-file").st_uid == 1
    finally:
        subprocess.run(["umount", "-l", str(src / "sub")])


def test_idmapped_bind_in_a_user_namespace_ridmap_and_idmap(tmp_path, bundle, root, container_id):
    """runc's idmap.bats case: the container maps 0 -> 100000; the mount maps host 0 -> 100000 too,
    so inside the files show their on-disk owners. ridmap on an rbind maps the tmpfs submount as
    well; idmap on an rbind brings the submount along unmapped (nobody inside)."""
    src = _owned_tree(tmp_path / "src")
    userns = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c = bundle.config
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = userns
    c["linux"]["gidMappings"] = userns
    support.reachable_by_mapped_root(bundle)
    for d in ("r", "i"):  # mapped root cannot create them in a rootfs the host's root owns
        (bundle.rootfs / "mnt" / d).mkdir(parents=True)
    try:
        c["mounts"].append({"destination": "/mnt/r", "type": "bind", "source": str(src),
                            "options": ["rbind", "ridmap"], "uidMappings": userns, "gidMappings": userns})
        # the option alone: the container's own mappings
        c["mounts"].append({"destination": "/mnt/i", "type": "bind", "source": str(src),
                            "options": ["rbind", "idmap"]})
        out = run_out(bundle, container_id(), root, "; ".join(
            [STAT.format(p) for p in ("/mnt/r/root-file", "/mnt/r/one-file", "/mnt/r/sub/inner",
                                      "/mnt/i/root-file", "/mnt/i/one-file", "/mnt/i/sub/inner")]))
        assert out.split() == ["0:0", "1:1", "0:0", "0:0", "1:1", "65534:65534"], out
    finally:
        subprocess.run(["umount", "-l", str(src / "sub")])


@pytest.mark.parametrize("source, expected", [
    ("nope", "idmapped mount: open_tree: no such file or directory"),
    ("/sys/kernel", "idmapped mount: mount_setattr(MOUNT_ATTR_IDMAP): invalid argument"),  # sysfs: no idmap
])
def test_idmapped_bind_that_cannot_be_made_is_one_line(tmp_path, bundle, root, container_id, source, expected):
    maps = [{"containerID": 0, "hostID": 1000, "size": 10}]
    bundle.config["mounts"].append({"destination": "/mnt/id", "type": "bind", "source": str(tmp_path / source),
                                    "options": ["bind", "idmap"], "uidMappings": maps, "gidMappings": maps})
    cid = container_id()
    bundle.set_args("true")
    proc = rt_run(bundle, cid, root)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert expected in lines[0], lines[0]
    assert not (Path(root) / cid).exists()
