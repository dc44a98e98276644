"""Rootless tests: the runtime run by a real unprivileged user made here with useradd (subordinate
ids from /etc/subuid, /etc/subgid), directly and under rootless podman.

Fixtures:
  rl_user (session)        a user with subordinate uid/gid ranges; removed (userdel) at the end
  rl_user_nosub (session)  a user without any
  rl_rootfs (session)      a busybox rootfs the users can read
  rl_xdg                   a fresh XDG_RUNTIME_DIR owned by rl_user (0700)
  rl_bundle                factory rl_bundle(args=("true",), user=rl_user) -> a bundle the user
                           owns, its config.json from `spec --rootless` run by that user
At teardown every test checks that none of its users' processes are left and that the state
roots it used hold nothing."""

from __future__ import annotations

import os
import uuid

import pytest

import rlutil
import support


@pytest.fixture(scope="session", autouse=True)
def _root_and_runtime():
    if os.geteuid() != 0:
        pytest.fail("the rootless tests make users: run them as root")
    if rlutil.which("newuidmap") is None:
        pytest.fail("newuidmap is missing: run scripts/setup.sh (it installs Debian's uidmap)")
    rlutil.reachable(support.REPO)


def _ready(user):
    proc = user.run([rlutil.RUNTIME, "--version"])
    if proc.returncode != 0:
        pytest.fail(f"{user.name} cannot run {rlutil.RUNTIME}: {proc.stderr.strip()} "
                    f"(every directory above it needs o+x and its files o+r)")
    return user


@pytest.fixture(scope="session")
def rl_user():
    user = rlutil.User.create(subids=True)
    try:
        yield _ready(user)
    finally:
        user.remove()


@pytest.fixture(scope="session")
def rl_user_nosub():
    user = rlutil.User.create(subids=False)
    try:
        yield _ready(user)
    finally:
        user.remove()


@pytest.fixture(scope="session")
def rl_rootfs(busybox_rootfs):
    rlutil.reachable(busybox_rootfs)
    return busybox_rootfs


@pytest.fixture
def rl_xdg(tmp_path, rl_user):
    return rlutil.user_dir(rl_user, tmp_path / f"xdg-{rl_user.uid}")


@pytest.fixture
def rl_bundle(tmp_path, rl_rootfs, rl_user):
    made = []

    def make(args=("true",), user=None):
        user = user or rl_user
        b = rlutil.user_bundle(user, tmp_path / f"bundle-{uuid.uuid4().hex[:6]}", rl_rootfs, args)
        made.append(b)
        return b
    return make


@pytest.fixture(autouse=True)
def _nothing_left(request):
    yield
    users = [request.getfixturevalue(n) for n in ("rl_user", "rl_user_nosub") if n in request.fixturenames]
    left = {u.name: u.processes() for u in users}
    for u in users:
        u.kill_all()
    assert not any(left.values()), f"processes left behind: {left}"
