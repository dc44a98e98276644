"""AppArmor and SELinux for real: run inside a VM by tests/vm/run-in-vm.sh (this machine's kernel
has no LSM). tests/lsm/apparmor boots the VM's kernel as it comes (AppArmor on), tests/lsm/selinux
with `security=selinux selinux=1 enforcing=0` (docs/architecture.md). Elsewhere the tests skip; in the
VM (PYRUNTIME_VM=1) an LSM that is not on is a failure, never a skip."""
import os
import shutil
import uuid
from pathlib import Path

import pytest

import support

IN_VM = os.environ.get("PYRUNTIME_VM") == "1"
HERE = Path(__file__).resolve().parent


def lsm_on(name):
    try:
        with open("/sys/kernel/security/lsm") as f:
            return name in f.read().split(",")
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    """tests/lsm/<lsm>/...: skipped outside the VM when <lsm> is not an active LSM; in the VM they
    run (and fail) regardless."""
    if IN_VM:
        return
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if HERE in path.parents and not lsm_on(path.parent.name):
            item.add_marker(pytest.mark.skip(reason=f"{path.parent.name} is not on: run in the VM "
                                                    "(tests/vm/run-in-vm.sh)"))


@pytest.fixture(scope="session")
def busybox_rootfs():
    """The rootfs and bundles on /run too: copying a rootfs onto the VM's 9p TMPDIR takes tens of
    seconds under software emulation, onto a tmpfs a few."""
    base = Path("/run") / f"pyrt-lsm-rootfs-{uuid.uuid4().hex[:8]}"
    yield support.build_busybox_rootfs(base / "rootfs")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def busybox_tar():
    """The busybox image as a tar (scripts/build-busybox-rootfs.sh), for podman and docker import."""
    base = Path("/run") / f"pyrt-lsm-image-{uuid.uuid4().hex[:8]}"
    support.build_busybox_rootfs(base / "rootfs")
    yield base / "busybox.tar"
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def make_bundle(busybox_rootfs):
    base = Path("/run") / f"pyrt-lsm-bundles-{uuid.uuid4().hex[:8]}"
    base.mkdir()

    def make(name="bundle", args=("sh",)):
        return support.Bundle(base / name, busybox_rootfs, args)
    yield make
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def root():
    """--root on /run (a tmpfs in the VM): its shared TMPDIR is 9p, which cannot hold the exec fifo."""
    path = Path("/run") / f"pyrt-lsm-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    yield path  # container_id's teardown deletes the containers and checks nothing is left
    shutil.rmtree(path, ignore_errors=True)
