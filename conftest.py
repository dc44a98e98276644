"""Fixtures shared by tests/ and conformance/.  The helpers themselves live in tests/support.py.

Fixtures:
  busybox_rootfs (session) -> Path of a busybox rootfs built once per session
  root                     -> Path of a fresh, per-test state root (pass as root= / --root)
  make_bundle              -> factory make_bundle(name="bundle", args=("sh",)) -> support.Bundle
  bundle                   -> support.Bundle at <tmp>/bundle (args ["sh"]; edit .config, then .write())
  container_id             -> factory container_id(prefix="c") -> a new unique id; at teardown every id
                              handed out gets `delete --force`, then no state dir may remain under root
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

import support


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "runc_compat: runc behaviour clients rely on, not a MUST of the runtime-spec"
    )


def pytest_report_header(config):
    return f"runtime under test: {support.RUNTIME}"


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory):
    return support.build_busybox_rootfs(tmp_path_factory.mktemp("busybox") / "rootfs")


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def make_bundle(tmp_path, busybox_rootfs):
    def make(name="bundle", args=("sh",)):
        return support.Bundle(tmp_path / name, busybox_rootfs, args)

    return make


@pytest.fixture
def bundle(make_bundle):
    return make_bundle("bundle")


@pytest.fixture
def container_id(root):
    ids = []

    def new_id(prefix="c"):
        cid = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        ids.append(cid)
        return cid

    yield new_id

    if not os.path.exists(support.RUNTIME):
        return  # the test itself already failed on the missing runtime
    problems = []
    for cid in ids:
        try:
            proc = support.rt("delete", "--force", cid, root=root, timeout=30)
        except subprocess.TimeoutExpired:
            problems.append(f"delete --force {cid} timed out")
            continue
        if proc.returncode != 0:
            problems.append(f"delete --force {cid} exited {proc.returncode}: {proc.stderr.strip()}")
    if root.exists():
        left = sorted(p.name for p in root.iterdir() if p.is_dir())
        if left:
            problems.append(f"state left under {root}: {left}")
    assert not problems, "; ".join(problems)
