"""Fixtures for the security regression suite (docs/security.md §0.2, §0.3).

Safety rules followed by every test here:
  * no dangerous host file is ever a target: procfs victims are /proc/sys/kernel/hostname or
    domainname, always with a private UTS namespace;
  * every "outside the rootfs" target is a fresh host canary directory /tmp/pyrt-host-XXXX that is
    snapshotted before the test and compared after it (host_canary);
  * the host mount table (mountpoint, fstype) must be unchanged by every test (autouse);
  * the CVE-2019-5736 exploit only ever runs against a throw-away copy of the runtime.
Slow race tests are marked `slow` and skipped unless a -m expression is given (pytest -m slow).
"""

import os
import pathlib
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import secutil


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long race/stress test (security suite), run with -m slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("markexpr", ""):
        return
    skip = pytest.mark.skip(reason="slow race test: run with -m slow")
    here = os.path.dirname(os.path.abspath(__file__))
    for item in items:
        if "slow" in item.keywords and str(item.fspath).startswith(here):
            item.add_marker(skip)


class Canary(type(pathlib.Path())):
    """A host canary directory; snapshot() (re)arms it after the test has populated it."""

    def snapshot(self):
        self._before = secutil.snapshot(self)
        return self


@pytest.fixture
def host_canary():
    d = Canary(tempfile.mkdtemp(prefix="pyrt-host-", dir="/tmp"))
    (d / "MARKER").write_text("host\n")
    d.snapshot()
    yield d
    after = secutil.snapshot(d)
    before = d._before
    shutil.rmtree(d, ignore_errors=True)
    assert after == before, (
        f"runtime modified a host path outside the rootfs: added/removed {sorted(set(after) ^ set(before))}, "
        f"changed {sorted(k for k in after if k in before and after[k] != before[k])}")


# Other sessions share this host and run their own containers concurrently (pytest runs under
# /tmp/pytest-of-*, podman/docker storage and netns, runc's bats suite under /tmp/bats-run-*):
# their mounts are not ours to judge.
FOREIGN = ("/tmp/pytest-of-", "/tmp/bats-run-", "/var/lib/", "/run/", "/var/run/", "/sys/fs/cgroup/")


def _mine(rows, tmp_path):
    own = str(tmp_path)
    return sorted(r for r in rows if r[0].startswith(own) or not r[0].startswith(FOREIGN))


@pytest.fixture(autouse=True)
def host_mounts_unchanged(tmp_path):
    before = _mine(secutil.mount_table(), tmp_path)
    yield
    after = _mine(secutil.mount_table(), tmp_path)
    assert after == before, (
        f"host mount table changed: +{sorted(set(after) - set(before))} -{sorted(set(before) - set(after))}")


@pytest.fixture
def console_socket(tmp_path):
    cs = secutil.ConsoleSocket(tmp_path)
    yield cs
    cs.close()
