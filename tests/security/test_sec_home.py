"""HOME comes from the passwd the container sees, read by the init inside the container:
docs/security.md §1.22. The runtime used to open <rootfs>/etc/passwd in its own process, as host
root: outside the container's mount namespace, cgroup and device rules, following whatever the
image put there (a FIFO hung `create`, a device node was read as host root)."""

import os
import shutil
import stat
import subprocess

import pytest

import secutil
import support
from support import rt, rt_create


def home_of(bundle, cid, root, timeout=20):
    try:
        proc = secutil.run(bundle, cid, root, ["sh", "-c", 'echo "HOME=[$HOME]"'], timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"run did not finish in {timeout}s: the runtime blocked reading the container's passwd")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_home_from_the_passwd_the_container_sees(bundle, root, container_id):
    """Guards: HOME was read from the image's file on the host, not from the /etc the container
    sees (here a bind mount over it), as runc reads it after pivot_root."""
    etc = bundle.path / "etc-mounted"
    shutil.copytree(bundle.rootfs / "etc", etc)
    (etc / "passwd").write_text("root:x:0:0:root:/from-the-mount:/bin/sh\n")
    secutil.add_mount(bundle, "/etc", "bind", etc, ["bind", "ro"])
    assert home_of(bundle, container_id(), root) == "HOME=[/from-the-mount]"


def test_home_passwd_fifo_does_not_hang(bundle, root, container_id):
    """Guards: a FIFO at /etc/passwd hung `create` forever (the runtime opened it blocking)."""
    passwd = bundle.rootfs / "etc" / "passwd"
    passwd.unlink()
    os.mkfifo(passwd)
    assert home_of(bundle, container_id(), root) == "HOME=[/]"


@pytest.fixture
def loop_passwd(tmp_path):
    """A block device of the host whose content is a passwd line with HOME=/LEAKED."""
    if not shutil.which("losetup") or not os.path.exists("/dev/loop-control"):
        pytest.skip("loop devices needed")
    img = tmp_path / "passwd.img"
    img.write_bytes(b"root:x:0:0:root:/LEAKED:/bin/sh\n".ljust(1 << 20, b"\n"))
    dev = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True)
    if dev.returncode:
        pytest.skip(f"losetup: {dev.stderr.strip()}")
    path = dev.stdout.strip()
    try:
        yield os.stat(path).st_rdev
    finally:
        subprocess.run(["losetup", "-d", path])


def test_home_passwd_device_node_is_not_read(loop_passwd, bundle, root, container_id):
    """Guards: a block device node at /etc/passwd was opened and read as host root (here a loop
    device whose first line gives HOME=/LEAKED); inside the container the init refuses anything
    but a regular file, and the device cgroup applies to it."""
    passwd = bundle.rootfs / "etc" / "passwd"
    passwd.unlink()
    os.mknod(passwd, stat.S_IFBLK | 0o644, loop_passwd)
    assert home_of(bundle, container_id(), root) == "HOME=[/]"


def test_home_line_over_64k(bundle, root, container_id):
    """Guards: the passwd was read without a bound on a line (runc 1.3's reader stops at a line of
    64 KiB: "bufio.Scanner: token too long", and HOME falls back to "/")."""
    (bundle.rootfs / "etc" / "passwd").write_text("x" * 70000 + "\nroot:x:0:0:root:/after-the-long-line:/bin/sh\n")
    assert home_of(bundle, container_id(), root) == "HOME=[/]"


def test_empty_home_is_looked_up(bundle, root, container_id):
    """Guards: an empty HOME= in process.env stayed empty; runc replaces it with the passwd's."""
    bundle.config["process"]["env"].append("HOME=")
    assert home_of(bundle, container_id(), root) == "HOME=[/root]"


def test_set_home_is_kept(bundle, root, container_id):
    """A HOME given in process.env is never looked up (the passwd here would hang a reader)."""
    passwd = bundle.rootfs / "etc" / "passwd"
    passwd.unlink()
    os.mkfifo(passwd)
    bundle.config["process"]["env"].append("HOME=/given")
    assert home_of(bundle, container_id(), root) == "HOME=[/given]"


def test_exec_home_from_inside_the_container(bundle, root, container_id):
    """exec looks HOME up inside the container too. Guards: it read the image's file on the host
    (not the bind-mounted /etc the container sees), and a FIFO there hung `exec`."""
    etc = bundle.path / "etc-mounted"
    shutil.copytree(bundle.rootfs / "etc", etc)
    (etc / "passwd").write_text("root:x:0:0:root:/from-the-mount:/bin/sh\n")
    secutil.add_mount(bundle, "/etc", "bind", etc, ["bind"])
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    e = rt("exec", cid, "sh", "-c", 'echo "HOME=[$HOME]"', root=root)
    assert e.returncode == 0, e.stderr
    assert e.stdout.strip() == "HOME=[/from-the-mount]"
    (etc / "passwd").unlink()
    os.mkfifo(etc / "passwd")
    (bundle.rootfs / "etc" / "passwd").unlink()
    os.mkfifo(bundle.rootfs / "etc" / "passwd")
    try:
        e = rt("exec", cid, "sh", "-c", 'echo "HOME=[$HOME]"', root=root, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("exec blocked reading a FIFO at /etc/passwd")
    assert e.returncode == 0, e.stderr
    assert e.stdout.strip() == "HOME=[/]"
    support.rt("delete", "-f", cid, root=root)
