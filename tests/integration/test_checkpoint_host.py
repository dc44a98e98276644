"""checkpoint/restore on this host: everything up to CRIU's own work (Debian's criu 3.17 cannot
dump on this kernel; tests/checkpoint runs the real thing in the 6.1 VM). runc's words and exit
codes, nothing left behind by a refused restore, and the container's stdio made checkpointable.
"""
import json
import os
import subprocess

import pytest

import support

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def test_stdio_dev_null_becomes_the_containers_own(bundle, root, container_id):
    """A container started with the caller's /dev/null as stdin/stdout gets its own /dev/null (the
    node on its /dev tmpfs) instead, as runc's reOpenDevNull does: CRIU cannot dump an fd whose
    mount the container does not hold ("Can't lookup mount=N for fd=0 path=/dev/null")."""
    bundle.set_args("sh", "-c", 'for fd in 0 2; do id=$(sed -n "s/^mnt_id:[[:space:]]*//p" /proc/self/fdinfo/$fd); '
                                'grep "^$id " /proc/self/mountinfo | cut -d" " -f5; done')
    bundle.write()
    cid = container_id()
    with open(os.devnull, "r+b") as null:
        proc = subprocess.run([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), cid],
                              stdin=null, stdout=subprocess.PIPE, stderr=null, timeout=30)
    assert proc.returncode == 0
    # both fds are the null node of the container's own /dev (a mount it holds)
    assert proc.stdout.decode().split() == ["/dev", "/dev"], proc.stdout


def rt(root, *args, **kw):
    return support.rt(*args, root=root, **kw)


def test_help_and_the_probes_podman_makes(root):
    proc = rt(root, "checkpoint", "--help")
    assert proc.returncode == 0 and "checkpoint [command options] <container-id>" in proc.stdout
    proc = rt(root, "restore", "--lsm-mount-context")
    assert proc.returncode != 0 and "flag needs an argument: -lsm-mount-context" in proc.stdout + proc.stderr


def test_checkpoint_refusals(bundle, root, container_id, tmp_path):
    """runc's answers before CRIU runs: a missing container, a created one, bad flag values."""
    proc = rt(root, "checkpoint", "--image-path", tmp_path / "i", "nope")
    assert proc.returncode == 1 and "container does not exist" in proc.stderr, proc.stderr
    cid = container_id()
    bundle.set_args("sleep", "1000")
    created, _ = support.rt_create(bundle, cid, root)
    assert created.returncode == 0, created.stderr
    proc = rt(root, "checkpoint", "--image-path", tmp_path / "i", cid)
    assert proc.returncode == 1 and "Container cannot be checkpointed in created state" in proc.stderr
    assert support.state(cid, root)["status"] == "created"
    assert rt(root, "start", cid).returncode == 0
    for flags, words in ((["--manage-cgroups-mode", "props"], "invalid manage-cgroups-mode value"),
                         (["--empty-ns", "pid"], 'pid\\\" is not supported'),  # logrus escapes the quotes
                         (["--page-server", "nohost"], "Use --page-server ADDRESS:PORT to specify page server"),
                         (["--parent-path", "/abs"], "--parent-path must be relative"),
                         (["--parent-path", "missing"], "invalid --parent-path: stat")):
        proc = rt(root, "checkpoint", "--image-path", tmp_path / "i", *flags, cid)
        assert proc.returncode == 1 and words in proc.stderr, (flags, proc.stderr)
        assert support.state(cid, root)["status"] == "running"


def test_restore_refusals_leave_nothing(bundle, root, container_id, tmp_path):
    """A restore that cannot go on says why in runc's words and leaves no state or cgroup."""
    cid = container_id()
    images = tmp_path / "images"
    proc = rt(root, "restore", "-d", "--image-path", images, "--bundle", bundle.path, cid)
    assert proc.returncode == 1, proc
    assert f"open {images}/descriptors.json: no such file or directory" in proc.stderr, proc.stderr
    assert images.is_dir()  # made, as runc's prepareImagePaths does
    assert list(root.iterdir()) == []
    bundle.config["process"]["terminal"] = True
    bundle.write()
    proc = rt(root, "restore", "-d", "--image-path", images, "--bundle", bundle.path, cid)
    assert "cannot allocate tty if runc will detach without setting console socket" in proc.stderr
    bundle.config["process"]["terminal"] = False
    bundle.write()
    proc = rt(root, "restore", "-d", "--console-socket", tmp_path / "s", "--image-path", images,
              "--bundle", bundle.path, cid)
    assert "cannot use console socket if runc will not detach or allocate tty" in proc.stderr
    proc = rt(root, "restore", "-d", "--manage-cgroups-mode", "bad", "--image-path", images, "--bundle",
              bundle.path, cid)
    assert proc.returncode == 1 and "invalid manage-cgroups-mode value" in proc.stderr
    assert list(root.iterdir()) == []
    # an ID in use
    (images / "descriptors.json").write_text(json.dumps(["/dev/null", "pipe:[1]", "pipe:[2]"]))
    other, _ = support.rt_create(bundle, cid, root)
    assert other.returncode == 0, other.stderr
    proc = rt(root, "restore", "-d", "--image-path", images, "--bundle", bundle.path, cid)
    assert proc.returncode == 1 and "container with given ID already exists" in proc.stderr
    assert support.state(cid, root)["status"] == "created"


def test_features_claims_checkpoint_where_criu_is_installed(root):
    from pyruntime import criu
    doc = json.loads(rt(root, "features").stdout)
    want = "true" if criu.available() else "false"
    assert doc["annotations"]["org.opencontainers.pyruntime.checkpoint.enabled"] == want
