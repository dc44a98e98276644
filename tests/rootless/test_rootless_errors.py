"""Bad input from an unprivileged caller: a user without subordinate ids asking for more than its
own id, a mapping outside the user's ranges, host root's uid, a state root it may not write.
Each is one line on stderr naming what is wrong, exit status 1, and nothing left: no state, no
process (the conftest checks the users' processes after every test)."""

from __future__ import annotations

import uuid

import rlutil


def cid():
    return f"rle-{uuid.uuid4().hex[:8]}"


def _two_ranges(bundle, uid, gid, start):
    c = rlutil.load(bundle)
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": uid, "size": 1},
                                 {"containerID": 1, "hostID": start, "size": 65536}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": gid, "size": 1},
                                 {"containerID": 1, "hostID": start, "size": 65536}]
    rlutil.save(bundle, c)


def _one_line_error(proc):
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "level=error" in lines[0], proc.stderr
    return lines[0]


def test_no_subordinate_range(rl_user_nosub, rl_bundle, tmp_path):
    user = rl_user_nosub
    xdg = rlutil.user_dir(user, tmp_path / "xdg-nosub")
    b = rl_bundle(user=user)
    _two_ranges(b, user.uid, user.gid, 100000)
    line = _one_line_error(rlutil.rt(user, "run", "--bundle", b, cid(), env=user.env(XDG_RUNTIME_DIR=xdg)))
    assert "linux.uidMappings" in line
    assert f'user \\"{user.name}\\" has no subordinate uid range in /etc/subuid' in line
    assert f"can map only uid {user.uid}" in line
    assert list((xdg / "pyruntime").iterdir()) == []


def test_a_range_the_user_may_not_use(rl_user, rl_xdg, rl_bundle):
    start, count = rl_user.subuids()[0]
    outside = start + count + 1_000_000
    b = rl_bundle()
    _two_ranges(b, rl_user.uid, rl_user.gid, outside)
    line = _one_line_error(rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg)))
    assert "linux.uidMappings[1]" in line
    assert f"host uids {outside}-{outside + 65535} may not be used by user" in line
    assert f"{start}-{start + count - 1}" in line and f"its own uid is {rl_user.uid}" in line
    assert list((rl_xdg / "pyruntime").iterdir()) == []


def test_host_root_is_not_the_users_to_map(rl_user, rl_xdg, rl_bundle):
    b = rl_bundle()
    c = rlutil.load(b)
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 1}]
    rlutil.save(b, c)
    line = _one_line_error(rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=rl_xdg)))
    assert "linux.uidMappings[0]" in line and "host uids 0-0 may not be used by user" in line
    assert list((rl_xdg / "pyruntime").iterdir()) == []


def test_a_root_the_user_may_not_write(rl_user, rl_bundle, tmp_path):
    b = rl_bundle()
    locked = tmp_path / "root-owned"
    locked.mkdir(mode=0o755)
    rlutil.reachable(locked)
    line = _one_line_error(rlutil.rt(rl_user, "run", "--bundle", b, cid(), root=locked / "state"))
    assert f"cannot create the container's state directory {locked}/state/" in line
    assert "permission denied" in line and "needs --root, or XDG_RUNTIME_DIR" in line
    assert list(locked.iterdir()) == []


def test_no_xdg_runtime_dir_means_run_pyruntime(rl_user, rl_bundle):
    """runc's rule: without XDG_RUNTIME_DIR a user gets /run/<name>, which it may not write."""
    b = rl_bundle()
    name = cid()
    line = _one_line_error(rlutil.rt(rl_user, "run", "--bundle", b, name, env=rl_user.env()))
    assert f"cannot create the container's state directory /run/pyruntime/{name}: permission denied" in line
    assert "needs --root, or XDG_RUNTIME_DIR" in line


def test_an_xdg_runtime_dir_the_user_may_not_write(rl_user, rl_bundle, tmp_path):
    b = rl_bundle()
    xdg = tmp_path / "xdg-root-owned"
    xdg.mkdir(mode=0o755)
    rlutil.reachable(xdg)
    line = _one_line_error(rlutil.rt(rl_user, "run", "--bundle", b, cid(), env=rl_user.env(XDG_RUNTIME_DIR=xdg)))
    assert f"the path in $XDG_RUNTIME_DIR must be writable by the user: {xdg}/pyruntime: permission denied" in line
    assert list(xdg.iterdir()) == []
