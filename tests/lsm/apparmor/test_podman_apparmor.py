"""podman with AppArmor on, end to end through the runtime (issue 16): podman loads its own default
profile (containers-default-<version>) and names it in process.apparmorProfile; the container and
a `podman exec` into it run confined by it. podman's storage lives on a tmpfs (the VM's root is
this machine's filesystem, read-only) and its image is the busybox rootfs of the tests."""
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

import support

SLOW = 300  # a podman command under software emulation takes many seconds
BASE = Path("/run/pyrt-podman")


@pytest.fixture(scope="module")
def podman(busybox_tar):
    shutil.rmtree(BASE, ignore_errors=True)
    for d in ("root", "runroot", "tmp"):
        (BASE / d).mkdir(parents=True)
    argv = ["podman", "--root", str(BASE / "root"), "--runroot", str(BASE / "runroot"),
            "--tmpdir", str(BASE / "tmp"), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
            "--events-backend", "none", "--runtime", support.RUNTIME]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR": str(BASE / "tmp"), "HOME": "/root"}

    def run(*args, check=True):
        proc = subprocess.run([*argv, *map(str, args)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env=env, timeout=SLOW)
        assert not check or proc.returncode == 0, f"podman {' '.join(map(str, args))}: {proc.stderr}"
        return proc
    run("import", busybox_tar, "localhost/busybox")
    yield run
    run("rm", "-a", "-f", "-t", "0", check=False)
    subprocess.run(["umount", "-R", str(BASE / "root")], stderr=subprocess.DEVNULL)
    shutil.rmtree(BASE, ignore_errors=True)


def test_podman_run_and_exec_confined_by_its_default_profile(podman):
    out = podman("run", "--rm", "--network", "none", "localhost/busybox", "cat", "/proc/self/attr/current").stdout
    m = re.fullmatch(r"(containers-default-\S+) \(enforce\)\n", out)
    assert m, f"not podman's default profile: {out!r}"
    profile = m.group(1)
    with open("/sys/kernel/security/apparmor/profiles") as f:
        assert f"{profile} (enforce)" in f.read().splitlines()  # podman loaded it itself
    name = f"pyrt-{uuid.uuid4().hex[:8]}"
    podman("run", "-d", "--name", name, "--network", "none", "localhost/busybox", "sleep", "1000")
    try:
        out = podman("exec", name, "cat", "/proc/self/attr/current").stdout
        assert out == f"{profile} (enforce)\n"
        # the profile denies what it says (podman's template: deny @{PROC}/kcore rwklx); without
        # it, /proc/kcore reads as the /dev/null masking it
        out = podman("exec", name, "cat", "/proc/kcore", check=False)
        assert out.returncode != 0 and "Permission denied" in out.stderr, out
    finally:
        podman("rm", "-f", "-t", "0", name, check=False)
