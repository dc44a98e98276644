"""procfs: docs/security.md §1.3 (CVE-2019-16884), §1.4/§1.7 (CVE-2019-19921, CVE-2023-27561/28642),
§1.14 (CVE-2025-52881), §1.28 (destinations normalised before the /proc checks) and sysctl
validation (CRI-O CVE-2022-0811 class).

Victims are only /proc/sys/kernel/hostname and domainname, always with a private UTS namespace."""

import os

import pytest

import secutil
import support
from secutil import add_mount, drop_mount

HOSTNAME = "/proc/sys/kernel/hostname"
DOMAINNAME = "/proc/sys/kernel/domainname"


@pytest.fixture
def host_uts():
    before = (secutil.read_host(HOSTNAME), secutil.read_host(DOMAINNAME))
    yield
    assert (secutil.read_host(HOSTNAME), secutil.read_host(DOMAINNAME)) == before, "host hostname/domainname changed"


def _fails(proc, *words):
    assert proc.returncode != 0, f"run succeeded: {proc.stdout}"
    text = proc.stderr.lower()
    assert any(w in text for w in words), proc.stderr


# -- §1.3 CVE-2019-16884 -------------------------------------------------------------------------

def _fakeproc(bundle):
    fake = bundle.path / "fakeproc"
    (fake / "self" / "attr").mkdir(parents=True)
    for f in ("exec", "current"):
        (fake / "self" / "attr" / f).write_text("unconfined\n")
    (fake / "sys" / "kernel").mkdir(parents=True)
    return fake


@pytest.mark.parametrize("replace", [False, True], ids=["over-proc", "instead-of-proc"])
def test_16884_bind_over_proc_refused(replace, bundle, root, container_id, host_uts):
    fake = _fakeproc(bundle)
    if replace:
        drop_mount(bundle, "/proc")
    add_mount(bundle, "/proc", "bind", fake, ["rbind"])
    proc = secutil.sh(bundle, container_id(), root, "stat -f -c %T /proc; cat /proc/self/attr/current")
    _fails(proc, "proc")


@pytest.mark.parametrize("dest", ["/proc/self/attr", "/proc/1", "/proc/sys/kernel/domainname",
                                  "/proc/sysrq-trigger", "/proc/sys"])
def test_16884_proc_submounts_refused(dest, bundle, root, container_id, host_uts):
    src = bundle.path / "subsrc"
    if dest in ("/proc/self/attr", "/proc/1", "/proc/sys"):
        src.mkdir()
    else:
        src.write_text("FAKE\n")
    add_mount(bundle, dest, "bind", src, ["bind"])
    proc = secutil.sh(bundle, container_id(), root, f"stat -f -c %T {dest}")
    _fails(proc, "proc")


@pytest.mark.parametrize("dest", ["//proc", "//proc/", "/./proc", "/x/../proc"])
def test_proc_destination_normalised_before_the_check(dest, bundle, root, container_id, host_uts):
    """docs/security.md §1.28. Guards: destinations were normalised with os.path.normpath, which
    keeps a leading "//" (POSIX lets it mean something else), so a tmpfs at "//proc" passed the
    "/proc must be a proc mount" check that "/proc" fails, and the container ran on a fake /proc."""
    drop_mount(bundle, "/proc")
    add_mount(bundle, dest, "tmpfs", "tmpfs", index=0)
    proc = secutil.sh(bundle, container_id(), root, "stat -f -c %T /proc")
    _fails(proc, "/proc must be a proc mount")


def test_16884_lxcfs_allowlist_accepted(bundle, root, container_id):
    """Positive control: /proc/cpuinfo (lxcfs-style) may be a bind of a bundle file."""
    src = bundle.path / "cpuinfo"
    src.write_text("processor : fake\n")
    add_mount(bundle, "/proc/cpuinfo", "bind", src, ["bind", "ro"])
    proc = secutil.sh(bundle, container_id(), root, "cat /proc/cpuinfo")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "processor : fake\n"


def test_16884_host_proc_bind_allowed(bundle, root, container_id):
    """Positive control: an rbind of the host's procfs at /proc is allowed (no pid namespace)."""
    drop_mount(bundle, "/proc")
    add_mount(bundle, "/proc", "bind", "/proc", ["rbind"], index=0)
    ns = bundle.config["linux"]["namespaces"]
    bundle.config["linux"]["namespaces"] = [n for n in ns if n["type"] != "pid"]
    bundle.config["linux"]["maskedPaths"] = []
    bundle.config["linux"]["readonlyPaths"] = []
    proc = secutil.sh(bundle, container_id(), root, "stat -f -c %T /proc")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "proc"


# -- §1.7 CVE-2023-27561 / CVE-2023-28642 / CVE-2019-19921 ---------------------------------------

@pytest.mark.parametrize("which,target", [
    ("proc", "/bad-proc"), ("proc", "bad-proc"), ("sys", "/bad-sys"), ("proc", "HOST"), ("proc", "RELHOST")])
def test_27561_proc_symlink(which, target, bundle, root, container_id, host_canary, host_uts):
    link = bundle.rootfs / which
    os.rmdir(link)
    if target == "HOST":
        target = str(host_canary)
    elif target == "RELHOST":
        target = "../../../../../../../../.." + str(host_canary)
    else:
        (bundle.rootfs / target.lstrip("/")).mkdir()
    os.symlink(target, link)
    proc = secutil.sh(bundle, container_id(), root, f"stat -f -c %T /{which}")
    _fails(proc, "ordinary directory", "symlink")


@pytest.mark.parametrize("which", ["proc", "sys"])
def test_27561_proc_regular_file(which, bundle, root, container_id):
    os.rmdir(bundle.rootfs / which)
    (bundle.rootfs / which).write_text("not a directory\n")
    proc = secutil.sh(bundle, container_id(), root, "true")
    _fails(proc, "ordinary directory", "not a directory")


@pytest.mark.slow
def test_19921_proc_race(bundle, root, container_id, host_uts):
    (bundle.rootfs / "fake").mkdir()
    (bundle.rootfs / "fake" / "self").mkdir()
    os.symlink("/fake", bundle.rootfs / "proc-alt")
    masked = next((f for f in ("/proc/kcore", "/proc/timer_list", "/proc/keys") if os.path.exists(f)), "/proc/keys")
    bundle.set_args("sh", "-c", f"stat -f -c %T /proc; stat -c '%t:%T' {masked}")
    bad = []
    for _ in range(300):
        cid = container_id()
        with secutil.Racer(bundle.rootfs / "proc", bundle.rootfs / "proc-alt"):
            r, out = support.rt_create(bundle, cid, root)
        if r.returncode == 0 and secutil.start_and_wait(cid, root):
            lines = out.read_text().split()
            if lines[:2] != ["proc", "1:3"]:
                bad.append(lines)
        support.rt("delete", "-f", cid, root=root)
        assert os.path.isdir(bundle.rootfs / "proc") and not os.path.islink(bundle.rootfs / "proc")
    assert not bad, bad[:5]


# -- §1.14 CVE-2025-52881 -------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["after-proc", "before-proc", "proc-self-attr"])
def test_52881_mount_target_symlink_into_proc(variant, bundle, root, container_id, host_uts):
    fake = bundle.path / "fake"
    if variant == "proc-self-attr":
        os.symlink("/proc/self", bundle.rootfs / "evil")
        fake.mkdir()
        (fake / "FAKE").write_text("FAKE\n")
        dest = "/evil/attr"
    else:
        os.symlink("/proc/sys/kernel", bundle.rootfs / "evil")
        fake.write_text("FAKE\n")
        dest = "/evil/domainname"
    before = secutil.snapshot(bundle.path / "fake") if fake.is_dir() else fake.read_text()
    add_mount(bundle, dest, "bind", fake, ["bind"], index=0 if variant == "before-proc" else None)
    bundle.config["linux"]["sysctl"] = {"kernel.domainname": "pyrt-real"}
    proc = secutil.sh(bundle, container_id(), root,
                      "stat -f -c %T /proc/sys/kernel/domainname; cat /proc/sys/kernel/domainname; "
                      "stat -f -c %T /proc/self/attr 2>&1")
    if proc.returncode == 0:
        lines = proc.stdout.split()
        assert lines[:2] == ["proc", "pyrt-real"], proc.stdout
        assert lines[2] == "proc", proc.stdout
    after = secutil.snapshot(bundle.path / "fake") if fake.is_dir() else fake.read_text()
    assert after == before, "the bind source was written through"


@pytest.mark.parametrize("dest", ["/proc/self/attr", "/proc/sysrq-trigger", "/proc/sys/kernel/domainname"])
def test_52881_direct_proc_targets_refused(dest, bundle, root, container_id, host_uts):
    test_16884_proc_submounts_refused(dest, bundle, root, container_id, None)


def test_52881_sysctl_lands_on_real_procfs(bundle, root, container_id, host_uts):
    fwd = "/proc/sys/net/ipv4/ip_forward"
    host_fwd = secutil.read_host(fwd)
    bundle.config["linux"]["sysctl"] = {"kernel.domainname": "pyrt-dom", "net.ipv4.ip_forward": "1"}
    proc = secutil.sh(bundle, container_id(), root,
                      "cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward; stat -f -c %T /proc/sys/kernel")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["pyrt-dom", "1", "proc"]
    assert secutil.read_host(fwd) == host_fwd


def _sysctl_rejected(bundle, root, cid, sysctl, nsdrop=()):
    bundle.config["linux"]["sysctl"] = sysctl
    ns = bundle.config["linux"]["namespaces"]
    bundle.config["linux"]["namespaces"] = [n for n in ns if n["type"] not in nsdrop]
    if "uts" in nsdrop:
        bundle.config.pop("hostname", None)
    r, _ = support.rt_create(bundle, cid, root)
    # rejected before anything was written: no container, no state left
    assert r.returncode != 0, f"sysctl {sysctl} was accepted"
    assert "sysctl" in r.stderr, r.stderr
    assert support.rt("state", cid, root=root).returncode != 0
    bundle.config["linux"]["namespaces"] = ns


def test_sysctl_validation(bundle, root, container_id, host_uts):
    core = secutil.read_host("/proc/sys/kernel/core_pattern").rstrip("\n")
    fwd = secutil.read_host("/proc/sys/net/ipv4/ip_forward").rstrip("\n")
    shm = secutil.read_host("/proc/sys/kernel/shmmax").rstrip("\n")
    # non-namespaced (the value is the host's own: harmless even if it were written)
    _sysctl_rejected(bundle, root, container_id(), {"kernel.core_pattern": core})
    # namespaced, but the container does not have that namespace
    _sysctl_rejected(bundle, root, container_id(), {"net.ipv4.ip_forward": fwd}, nsdrop=("network",))
    _sysctl_rejected(bundle, root, container_id(), {"kernel.shmmax": shm}, nsdrop=("ipc",))
    _sysctl_rejected(bundle, root, container_id(), {"kernel.domainname": "x"}, nsdrop=("uts",))
    _sysctl_rejected(bundle, root, container_id(), {"kernel.hostname": "x"})
    # malformed keys
    for key in ("net/../kernel/core_pattern", "/kernel.domainname", "kernel..domainname", "kernel.domainname.",
                "kernel.domainname\0x", "", "net.ipv4.ip_forward/../../kernel/core_pattern", "kernel.domainname\n"):
        _sysctl_rejected(bundle, root, container_id(), {key: core})


def test_sysctl_value_injection(bundle, root, container_id, host_uts):
    """CRI-O cr8escape class: a value is written verbatim in one write() to one file, or rejected."""
    core = secutil.read_host("/proc/sys/kernel/core_pattern")
    bundle.config["linux"]["sysctl"] = {"kernel.domainname": "ab\nkernel.core_pattern=|/x"}
    proc = secutil.sh(bundle, container_id(), root, "cat /proc/sys/kernel/domainname; hostname")
    assert secutil.read_host("/proc/sys/kernel/core_pattern") == core
    if proc.returncode == 0:
        assert "core_pattern" not in proc.stdout.split()[0] or proc.stdout.startswith("ab"), proc.stdout


@pytest.mark.slow
def test_52881_race(bundle, root, container_id, host_uts):
    (bundle.rootfs / "vol" / "t").mkdir(parents=True)
    os.symlink("/proc/sys/kernel", bundle.rootfs / "vol" / "l")
    fake = bundle.path / "fake"
    fake.write_text("FAKE\n")
    add_mount(bundle, "/vol/t/domainname", "bind", fake, ["bind"])
    bundle.config["linux"]["sysctl"] = {"kernel.domainname": "REAL"}
    bundle.set_args("sh", "-c", "stat -f -c %T /proc/sys/kernel/domainname; cat /proc/sys/kernel/domainname")
    bad = []
    for _ in range(300):
        cid = container_id()
        with secutil.Racer(bundle.rootfs / "vol" / "t", bundle.rootfs / "vol" / "l"):
            r, out = support.rt_create(bundle, cid, root)
        if r.returncode == 0 and secutil.start_and_wait(cid, root):
            lines = out.read_text().split()
            if lines != ["proc", "REAL"]:
                bad.append(lines)
        support.rt("delete", "-f", cid, root=root)
        assert fake.read_text() == "FAKE\n"
    assert not bad, bad[:5]
