"""pyruntime/mountinfo.py: the runtime's one mountinfo parser (proc(5)), on data."""
from pyruntime import criu_plan, mountinfo
from pyruntime import plan as P
from pyruntime.cgroups import parse_mountinfo

TEXT = (
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755\n"
    "31 30 0:27 /sub /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    "32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw master:6 - cgroup cgroup rw,cpu,cpuacct\n"
    "40 22 0:40 / /mnt/with\\040space\\134x rw - tmpfs my\\040src rw\n"
    "garbage without a separator\n"
    "41 22 0:41 / /short - \n"
)


def test_fields_and_escapes():
    ms = mountinfo.parse(TEXT)
    assert [m.mountpoint for m in ms] == ["/", "/sys/fs/cgroup", "/sys/fs/cgroup/unified",
                                         "/sys/fs/cgroup/cpu,cpuacct", "/mnt/with space\\x"]
    m = ms[2]
    assert (m.mount_id, m.parent_id, m.root, m.options, m.fstype, m.source, m.super_options) == (
        "31", "30", "/sub", "rw,nosuid", "cgroup2", "cgroup2", "rw,nsdelegate")
    assert ms[4].source == "my src"


def test_filter_by_type():
    assert [m.fstype for m in mountinfo.parse(TEXT, ("cgroup", "cgroup2"))] == ["cgroup2", "cgroup"]


def test_every_user_reads_the_same_lines():
    assert parse_mountinfo(TEXT) == [("/sys/fs/cgroup/unified", "/sub", "cgroup2", "rw,nsdelegate"),
                                     ("/sys/fs/cgroup/cpu,cpuacct", "/", "cgroup", "rw,cpu,cpuacct")]
    assert P.host_cgroup_layout(TEXT) == [("/sys/fs/cgroup/unified", "cgroup2", "rw,nsdelegate"),
                                          ("/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct")]
    assert criu_plan.mounts_of(TEXT)["/mnt/with space\\x"] == "tmpfs"
    assert P.selinux_enabled(TEXT) is False
