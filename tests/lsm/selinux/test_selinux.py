"""SELinux, for real (issue 16), in the VM booted with SELinux on and Debian's reference policy
loaded, permissive (tests/lsm/selinux/vm-setup.sh says why): process.selinuxLabel is the label of
the container's process and of every exec process (`exec --process-label` overrides it) and of the
keyring the init would make; linux.mountLabel labels the mounts runc labels. Debian's policy has no
container types: the labels are ones it knows."""
import os
import time

from support import rt, rt_create, wait_status

SLOW = 120  # software emulation: a runtime call takes seconds
PLABEL = "system_u:system_r:initrc_t:s0"
OTHER = "system_u:system_r:unconfined_t:s0"
MLABEL = "system_u:object_r:tmpfs_t:s0:c1,c2"  # MCS categories: the option must be quoted
CONTEXT = f'context="{MLABEL}"'


def attr(pid, name):
    with open(f"/proc/{pid}/attr/{name}") as f:
        return f.read().rstrip("\0\n")


def mounts_of(pid):
    """{mount point: super options} of the container's mounts."""
    out = {}
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            fields, _, tail = line.partition(" - ")
            out[fields.split()[4]] = tail.split()[2]
    return out


def test_process_mount_and_keyring_labels(bundle, root, container_id):
    bundle.config["process"]["selinuxLabel"] = PLABEL
    bundle.config["linux"]["mountLabel"] = MLABEL
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, timeout=SLOW)
    assert proc.returncode == 0, proc.stderr
    pid = wait_status(cid, "created", root, timeout=SLOW)["pid"]
    # the waiting init: the labels it wrote for its execve and for the session keyring (runc's)
    assert attr(pid, "exec") == PLABEL
    assert attr(pid, "keycreate") == PLABEL
    assert attr(pid, "current") != PLABEL
    # the mounts runc labels carry context=, the others do not; mqueue's root has it as an xattr
    m = mounts_of(pid)
    for dest in ("/dev", "/dev/pts", "/dev/shm", "/proc/acpi"):  # /proc/acpi: a masked directory
        assert CONTEXT in m[dest], (dest, m[dest])
    for dest in ("/proc", "/sys", "/dev/mqueue"):
        assert "context=" not in m[dest], (dest, m[dest])
    assert os.getxattr(f"/proc/{pid}/root/dev/mqueue", "security.selinux").rstrip(b"\0").decode() == MLABEL
    assert os.getxattr(f"/proc/{pid}/root/dev/shm", "security.selinux").rstrip(b"\0").decode() == MLABEL
    # started: the process runs with the label; so does an exec process, unless told otherwise
    assert rt("start", cid, root=root, timeout=SLOW).returncode == 0
    wait_status(cid, "running", root, timeout=SLOW)
    assert attr(pid, "current") == PLABEL
    out = rt("exec", cid, "cat", "/proc/self/attr/current", root=root, timeout=SLOW)
    assert (out.returncode, out.stdout.rstrip("\0\n")) == (0, PLABEL), out.stderr
    out = rt("exec", "--process-label", OTHER, cid, "cat", "/proc/self/attr/current", root=root, timeout=SLOW)
    assert (out.returncode, out.stdout.rstrip("\0\n")) == (0, OTHER), out.stderr


def test_a_label_the_policy_does_not_know_fails_cleanly(bundle, root, container_id):
    bundle.config["process"]["selinuxLabel"] = "pyrt_u:pyrt_r:pyrt_t:s0"
    bundle.set_args("true")
    proc, _ = rt_create(bundle, container_id(), root, timeout=SLOW)
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "pyrt_u:pyrt_r:pyrt_t:s0" in proc.stderr, proc.stderr
    assert "invalid argument" in proc.stderr.lower(), proc.stderr
    time.sleep(0.2)
    assert list(root.iterdir()) == []
