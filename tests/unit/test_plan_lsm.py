"""AppArmor and SELinux in the Plan (issue 16), asserted on data: which attr files the init writes
with what, which mounts carry the mount label, and runc's rules on a host without the LSM. The
host facts are given (this machine's kernel has no LSM); tests/lsm/ runs them for real in a VM."""
import struct

import pytest

from pyruntime import container
from pyruntime import plan as P
from pyruntime import plan_wire as W
from pyruntime.defaults import default_config
from pyruntime.errors import ConfigError

V1_MOUNTINFO = """\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
35 31 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
"""
SELINUXFS = "40 25 0:40 / /sys/fs/selinux rw,nosuid,noexec,relatime shared:20 - selinuxfs selinuxfs rw\n"
AA_ATTR = "thread-self/attr/apparmor/exec"
MLABEL = "system_u:object_r:container_file_t:s0:c1,c2"
PLABEL = "system_u:system_r:container_t:s0:c1,c2"


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs").mkdir()
    return str(tmp_path)


def cfg(**process):
    c = default_config()
    c["process"]["terminal"] = False
    c["process"].update(process)
    return c


def host(apparmor="", selinux=False, mountinfo=V1_MOUNTINFO):
    return P.Host(mountinfo, 40, True, apparmor=apparmor, selinux=selinux)


def records(data, tag):
    """The payloads of every record `tag` in an encoded Plan."""
    out, off = [], 8
    while off < len(data):
        t, n = struct.unpack_from("<II", data, off)
        if t == tag:
            out.append(data[off + 8:off + 8 + n])
        off += 8 + n
    return out


def strings(payload):
    return [s.decode() for s in payload.split(b"\0")[:-1]]


# --- AppArmor -----------------------------------------------------------------------------------


def test_apparmor_profile_is_written_for_the_execve(bundle):
    plan = P.build_plan(cfg(apparmorProfile="docker-default"), bundle, host(apparmor=AA_ATTR))
    assert plan.lsm == [(P.LSM_EXEC, AA_ATTR, "exec docker-default", 'apply AppArmor profile "docker-default"')]
    (rec,) = records(W.encode(plan), W.T_LSM)
    assert struct.unpack_from("<I", rec)[0] == P.LSM_EXEC
    assert strings(rec[4:]) == [AA_ATTR, "exec docker-default", 'apply AppArmor profile "docker-default"']


def test_apparmor_on_a_kernel_before_5_1_uses_attr_exec(bundle):
    plan = P.build_plan(cfg(apparmorProfile="p"), bundle, host(apparmor="thread-self/attr/exec"))
    assert [(w, a, v) for w, a, v, _ in plan.lsm] == [(P.LSM_EXEC, "thread-self/attr/exec", "exec p")]


def test_apparmor_profile_without_apparmor_is_refused(bundle):
    """runc fails writing the attribute (EINVAL) at create; we refuse before starting anything."""
    with pytest.raises(ConfigError, match='AppArmor profile "docker-default" was requested but AppArmor is not '
                                          'enabled on this host') as e:
        P.build_plan(cfg(apparmorProfile="docker-default"), bundle, host(apparmor=""))
    assert e.value.path == "process.apparmorProfile"


def test_apparmor_probe(monkeypatch):
    files = {}
    monkeypatch.setattr(P, "_read", files.get)
    exists = set()
    monkeypatch.setattr(P.os.path, "exists", exists.__contains__)
    monkeypatch.setattr(P.os.path, "isdir", lambda p: p == "/sys/module")
    assert P.apparmor_attr() == ""  # no apparmor module in this kernel
    files["/sys/module/apparmor/parameters/enabled"] = "N\n"
    assert P.apparmor_attr() == ""
    files["/sys/module/apparmor/parameters/enabled"] = "Y\n"
    assert P.apparmor_attr() == "thread-self/attr/exec"
    exists.add("/proc/self/attr/apparmor/exec")
    assert P.apparmor_attr() == AA_ATTR
    monkeypatch.setattr(P.os.path, "isdir", lambda p: False)
    del files["/sys/module/apparmor/parameters/enabled"]
    assert P.apparmor_attr() == AA_ATTR  # no sysfs to ask: the write decides, as in runc


# --- SELinux ------------------------------------------------------------------------------------


def test_selinux_label_for_the_execve_and_the_keyring(bundle):
    plan = P.build_plan(cfg(selinuxLabel=PLABEL), bundle, host(selinux=True))
    assert [(w, a, v) for w, a, v, _ in plan.lsm] == [(P.LSM_KEYRING, "self/attr/keycreate", PLABEL),
                                                      (P.LSM_EXEC, "thread-self/attr/exec", PLABEL)]
    assert [strings(r[4:])[:2] for r in records(W.encode(plan), W.T_LSM)] == [
        ["self/attr/keycreate", PLABEL], ["thread-self/attr/exec", PLABEL]]


def test_selinux_label_without_selinux_is_refused_with_runcs_words(bundle):
    with pytest.raises(ConfigError, match="selinux label is specified in config, but selinux is disabled "
                                          "or not supported") as e:
        P.build_plan(cfg(selinuxLabel=PLABEL), bundle, host(selinux=False))
    assert e.value.path == "process.selinuxLabel"


def test_selinux_probe_is_go_selinux_get_enabled(monkeypatch):
    files = {"/proc/self/attr/current": "system_u:system_r:initrc_t:s0\0"}
    monkeypatch.setattr(P, "_read", files.get)
    assert P.selinux_enabled(V1_MOUNTINFO) is False  # no selinuxfs
    assert P.selinux_enabled(V1_MOUNTINFO + SELINUXFS) is True
    assert P.selinux_enabled(V1_MOUNTINFO + SELINUXFS.replace("rw,nosuid", "ro,nosuid")) is False
    files["/proc/self/attr/current"] = "kernel\0"  # no policy loaded
    assert P.selinux_enabled(V1_MOUNTINFO + SELINUXFS) is False
    del files["/proc/self/attr/current"]  # no LSM answers
    assert P.selinux_enabled(V1_MOUNTINFO + SELINUXFS) is False


def test_no_lsm_field_probes_nothing(bundle, monkeypatch):
    """The hot path: a config without LSM fields never reads an LSM file."""
    def boom(*a):
        raise AssertionError("probed")
    monkeypatch.setattr(P, "apparmor_attr", boom)
    monkeypatch.setattr(P, "selinux_enabled", boom)
    plan = P.build_plan(cfg(), bundle, P.Host(V1_MOUNTINFO, 40, True))
    assert plan.lsm == []
    assert records(W.encode(plan), W.T_LSM) == [] and records(W.encode(plan), W.T_MOUNT_LABEL) == []


# --- linux.mountLabel ---------------------------------------------------------------------------


def labelled(bundle, selinux=True):
    c = cfg()
    c["linux"]["mountLabel"] = MLABEL
    return P.build_plan(c, bundle, host(selinux=selinux))


def test_mount_label_goes_where_runc_puts_it(bundle):
    plan = labelled(bundle)
    ctx = f'context="{MLABEL}"'
    data = {m.destination: m.data for m in plan.mounts if not m.extra & P.M_REMOUNT}
    assert data["/dev"] == "mode=755,size=65536k," + ctx
    assert data["/dev/pts"] == "newinstance,ptmxmode=0666,mode=0620,gid=5," + ctx
    assert data["/dev/shm"] == "mode=1777,size=65536k," + ctx
    assert data["/sys/fs/cgroup"] == "mode=755," + ctx  # the tmpfs holding the v1 hierarchies
    for dest in ("/proc", "/sys", "/dev/mqueue", "/sys/fs/cgroup/memory"):
        assert "context=" not in data[dest], dest
    # mqueue: the label on its root instead (runc's SetFileLabel)
    assert [(m.destination, m.label) for m in plan.mounts if m.label] == [("/dev/mqueue", MLABEL)]
    assert plan.mask_data == "size=0k,nr_inodes=1," + ctx
    encoded = W.encode(plan)
    (lab,) = records(encoded, W.T_MOUNT_LABEL)
    index = [m.destination for m in plan.mounts].index("/dev/mqueue")
    assert struct.unpack_from("<I", lab)[0] == index and strings(lab[4:]) == [MLABEL]
    assert [strings(r) for r in records(encoded, W.T_MASK_DATA)] == [["size=0k,nr_inodes=1," + ctx]]


def test_binds_and_remounts_take_no_label(bundle):
    c = cfg()
    c["linux"]["mountLabel"] = MLABEL
    c["mounts"].append({"destination": "/data", "type": "bind", "source": "/tmp", "options": ["rbind", "ro"]})
    c["mounts"].append({"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]})
    plan = P.build_plan(c, bundle, host(selinux=True))
    data = {m.destination: m.data for m in plan.mounts if not m.extra & P.M_REMOUNT}
    assert data["/data"] == ""
    assert data["/run"] == f'context="{MLABEL}"'
    assert all(not m.data for m in plan.mounts if m.extra & P.M_REMOUNT)


def test_mount_label_without_selinux_is_passed_on_as_runc_does(bundle):
    """runc adds context= all the same and the kernel refuses it: the same Plan, with a note for
    the --debug log; only mqueue's label (an xattr) is skipped, as runc's SetFileLabel does."""
    plan = labelled(bundle, selinux=False)
    assert by(plan, "/dev").data.endswith(f',context="{MLABEL}"')
    assert all(m.label is None for m in plan.mounts)
    assert any("SELinux is not enabled" in n for n in plan.parent.notes)


def test_mount_label_with_a_quote_is_refused(bundle):
    c = cfg()
    c["linux"]["mountLabel"] = 'a"b'
    with pytest.raises(ConfigError) as e:
        P.build_plan(c, bundle, host(selinux=True))
    assert e.value.path == "linux.mountLabel"


def by(plan, dest):
    (m,) = [m for m in plan.mounts if m.destination == dest]
    return m


# --- exec ---------------------------------------------------------------------------------------


def exec_config(bundle, **process):
    c = cfg(**process)
    c["root"]["path"] = bundle + "/rootfs"
    return c


def test_exec_inherits_the_containers_profile_and_label(bundle):
    c = exec_config(bundle, apparmorProfile="ctr-profile", selinuxLabel=PLABEL)
    proc = {"args": ["sh"], "cwd": "/"}  # a --process file naming neither
    plan = P.build_exec_plan(proc, c, 7, host(apparmor=AA_ATTR, selinux=True))
    assert [(a, v) for w, a, v, _ in plan.lsm if w == P.LSM_EXEC] == [
        (AA_ATTR, "exec ctr-profile"), ("thread-self/attr/exec", PLABEL)]


def test_exec_process_overrides_them(bundle):
    c = exec_config(bundle, apparmorProfile="ctr-profile", selinuxLabel=PLABEL)
    proc = {"args": ["sh"], "cwd": "/", "apparmorProfile": "other", "selinuxLabel": "u:r:t:s0"}
    plan = P.build_exec_plan(proc, c, 7, host(apparmor=AA_ATTR, selinux=True))
    assert [(a, v) for w, a, v, _ in plan.lsm if w == P.LSM_EXEC] == [
        (AA_ATTR, "exec other"), ("thread-self/attr/exec", "u:r:t:s0")]


def test_exec_flags_apparmor_and_process_label(bundle):
    c = exec_config(bundle, apparmorProfile="ctr-profile")
    proc = container._exec_process(c, None, ["sh"], apparmor="flagged", process_label="u:r:t:s0")
    assert (proc["apparmorProfile"], proc["selinuxLabel"]) == ("flagged", "u:r:t:s0")
    proc = container._exec_process(c, None, ["sh"])
    assert (proc["apparmorProfile"], proc.get("selinuxLabel")) == ("ctr-profile", None)


def test_exec_profile_without_apparmor_is_refused(bundle):
    c = exec_config(bundle)
    with pytest.raises(ConfigError) as e:
        P.build_exec_plan({"args": ["sh"], "cwd": "/", "apparmorProfile": "x"}, c, 7, host(apparmor=""))
    assert e.value.path == "process.apparmorProfile"
