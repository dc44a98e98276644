"""AppArmor, for real (issue 16): a profile loaded with apparmor_parser confines the container's
process from its execve on and every exec process the same way; a profile that is not loaded fails
create and exec cleanly, never an unconfined container. Run in the VM (tests/lsm/conftest.py)."""
import json
import subprocess
import time
import uuid

import pytest

from support import rt, rt_create, wait_status

# everything allowed but writing under /denied (tmpfs mounts of the container, both)
PROFILE = """profile %s flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  mount,
  umount,
  pivot_root,
  signal,
  ptrace,
  unix,
  deny /denied/** w,
}
"""
SLOW = 120  # software emulation: a runtime call takes seconds


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    name = f"pyrt-test-{uuid.uuid4().hex[:6]}"
    path = tmp_path_factory.mktemp("apparmor") / "profile"
    path.write_text(PROFILE % name)
    subprocess.run(["apparmor_parser", "-K", "-r", str(path)], check=True, timeout=SLOW)
    yield name
    subprocess.run(["apparmor_parser", "-K", "-R", str(path)], timeout=SLOW)


def confined_bundle(bundle, profile, *args):
    bundle.config["process"]["apparmorProfile"] = profile
    for d in ("/allowed", "/denied"):
        bundle.config["mounts"].append({"destination": d, "type": "tmpfs", "source": "tmpfs"})
        (bundle.rootfs / d[1:]).mkdir(exist_ok=True)
    bundle.set_args(*args)
    return bundle


TRY = ("cat /proc/self/attr/current; (echo a > /allowed/x) 2>&1 && echo allowed; "
       "(echo d > /denied/x) 2>&1 || echo denied")


def test_profile_confines_the_process_and_every_exec(bundle, root, container_id, profile):
    confined_bundle(bundle, profile, "sh", "-c", f"({TRY}) > /allowed/init; exec sleep 1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"), timeout=SLOW)
    assert proc.returncode == 0, proc.stderr
    pid = wait_status(cid, "running", root, timeout=SLOW)["pid"]
    # the init, seen from the host, and what it saw itself
    assert open(f"/proc/{pid}/attr/current").read().strip() == f"{profile} (enforce)"
    init = rt("exec", cid, "cat", "/allowed/init", root=root, timeout=SLOW)
    assert init.returncode == 0, init.stderr
    lines = init.stdout.splitlines()
    assert lines[0] == f"{profile} (enforce)"
    assert "allowed" in lines and "denied" in lines, lines
    assert any("Permission denied" in line for line in lines), lines
    # an exec process: the container's profile (runc: unless the process names another)
    out = rt("exec", cid, "sh", "-c", TRY, root=root, timeout=SLOW)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == f"{profile} (enforce)"
    assert "allowed" in out.stdout and "Permission denied" in out.stdout and "denied" in out.stdout.split()
    # a --process file naming no profile gets the container's too
    pfile = bundle.path / "process.json"
    pfile.write_text(json.dumps({"args": ["cat", "/proc/self/attr/current"], "cwd": "/",
                                 "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}))
    out = rt("exec", "--process", pfile, cid, root=root, timeout=SLOW)
    assert (out.returncode, out.stdout.strip()) == (0, f"{profile} (enforce)"), out.stderr
    # exec --apparmor overrides it
    out = rt("exec", "--apparmor", "unconfined", cid, "cat", "/proc/self/attr/current", root=root, timeout=SLOW)
    assert (out.returncode, out.stdout.strip()) == (0, "unconfined"), out.stderr


def test_a_profile_not_loaded_fails_create_and_exec(bundle, root, container_id, profile):
    confined_bundle(bundle, "pyrt-not-loaded", "sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, timeout=SLOW)
    assert proc.returncode != 0
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and "pyrt-not-loaded" in line and "no such profile is loaded" in line, line
    assert list(root.iterdir()) == []
    # exec: a running confined container, and a profile that is not loaded
    confined_bundle(bundle, profile, "sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"), timeout=SLOW)
    assert proc.returncode == 0, proc.stderr
    pid = wait_status(cid, "running", root, timeout=SLOW)["pid"]
    out = rt("exec", "--apparmor", "pyrt-not-loaded", cid, "sh", "-c", "echo ran; sleep 1000", root=root,
             timeout=SLOW)
    assert out.returncode == 255 and "ran" not in out.stdout
    assert "no such profile is loaded" in out.stderr, out.stderr
    time.sleep(0.5)
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        assert f.read().split() == [], "something runs next to the init"
