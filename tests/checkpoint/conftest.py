"""tests/checkpoint runs inside the 6.1 VM (tests/vm/run-in-vm.sh). Its files live on a tmpfs under
/run: the VM's TMPDIR is a 9p directory shared with the host, where fifos do not open and CRIU
cannot checkpoint (and copying a rootfs there is slow under software emulation)."""
import shutil
import uuid
from pathlib import Path

import pytest

import support


@pytest.fixture(scope="session")
def busybox_rootfs():
    base = Path("/run") / f"pyrt-ckpt-rootfs-{uuid.uuid4().hex[:8]}"
    yield support.build_busybox_rootfs(base / "rootfs")
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def tmp_path():
    path = Path("/run") / f"pyrt-ckpt-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)
