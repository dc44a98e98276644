"""Damaged state: a truncated or garbage state.json, a missing exec fifo, a removed cgroup dir, an
init killed between create and start. Each must give a clear one-line error or the right status,
and `delete --force` must still remove the state dir, the init and the cgroup.

When the runtime cannot clean up, the test cleans up itself (kills the init it noted, removes the
cgroup under the session prefix and the state dir) *after* recording the leak, then fails.
Figures: damaged_state.cases, leaks.
"""

import json
import os
import shutil
import time

import pytest
from relutil import (PREFIX, cgroup_dirs_under_prefix, error_problem, leaks, message, new_id, record, run,
                     state_of, valid_config, write_bundle)

import support


def _create(tmp_path, root, rootfs):
    cid = new_id("d")
    bundle = write_bundle(tmp_path / "b", valid_config(cid), rootfs)
    res = run("create", "--bundle", bundle, cid, root=root)
    assert res.rc == 0, res
    st, _ = state_of(cid, root)
    assert st["status"] == "created"
    return cid, st["pid"]


def _manual_cleanup(root, cid, pid):
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 5
    while support.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    for d in sorted((d for d in cgroup_dirs_under_prefix() if f"{PREFIX}/{cid}" in d),
                    key=lambda p: p.count("/"), reverse=True):
        try:
            os.rmdir(d)
        except OSError:
            pass
    shutil.rmtree(root / cid, ignore_errors=True)


def _finish(root, cid, pid, tmp_path, mounts_before, what):
    """delete --force must succeed and leave nothing; record, clean up by hand if needed, assert."""
    dres = run("delete", "--force", cid, root=root)
    left = leaks(root, [cid], [tmp_path], mounts_before)
    record("damaged_state", cases=1, leaks=int(bool(left)))
    if dres.rc != 0 or left:
        _manual_cleanup(root, cid, pid)
    assert dres.rc == 0, f"{what}: delete --force failed: {dres}"
    assert not left, f"{what}: delete --force left: {left}"


GARBAGE = {
    "truncated": None,  # the real state.json cut in half
    "empty": b"",
    "binary": b"\x00\xff\xfe garbage \x01",
    "json-array": b"[]",
    "json-null": b"null",
    "json-string": b'"state"',
    "wrong-types": b'{"pid": "abc", "pid_start": [], "cgroup": 5, "bundle": 7}',
    "huge-pid": b'{"pid": 99999999999999999999, "pid_start": 1}',
    "negative-pid": b'{"pid": -1, "pid_start": 0}',
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_damaged_state_json(kind, tmp_path, state_root, busybox_rootfs, mounts_before):
    cid, pid = _create(tmp_path, state_root, busybox_rootfs)
    path = state_root / cid / "state.json"
    data = GARBAGE[kind]
    if data is None:
        full = path.read_bytes()
        data = full[:len(full) // 2]
    path.write_bytes(data)
    try:
        sres = run("state", cid, root=state_root)
        if sres.rc == 0:
            st = json.loads(sres.out)
            assert st["status"] in ("created", "stopped", "creating"), f"state of a damaged container: {st}"
        else:
            assert error_problem(sres) is None, f"state with {kind} state.json: {error_problem(sres)}: {sres}"
        lres = run("list", root=state_root)
        assert lres.rc == 0, f"list with a {kind} state.json: {lres}"
        for args in (("start", cid), ("kill", cid, "KILL")):
            r = run(*args, root=state_root)
            if r.rc != 0:
                assert error_problem(r) is None, f"{args[0]} with {kind} state.json: {error_problem(r)}: {r}"
    finally:
        _finish(state_root, cid, pid, tmp_path, mounts_before, f"{kind} state.json")


def test_missing_exec_fifo(tmp_path, state_root, busybox_rootfs, mounts_before):
    cid, pid = _create(tmp_path, state_root, busybox_rootfs)
    (state_root / cid / "exec.fifo").unlink()
    try:
        st, sres = state_of(cid, state_root)
        assert st is not None, f"state without exec.fifo: {sres}"
        assert st["status"] in ("created", "running"), st
        r = run("start", cid, root=state_root, timeout=20)
        assert not r.timed_out, f"start without exec.fifo hung: {r}"
        if r.rc != 0:
            assert error_problem(r) is None, f"start without exec.fifo: {error_problem(r)}: {r}"
    finally:
        _finish(state_root, cid, pid, tmp_path, mounts_before, "missing exec.fifo")


def test_removed_cgroup(tmp_path, state_root, busybox_rootfs, mounts_before):
    """The init dies and its cgroup dirs are removed behind the runtime's back."""
    cid, pid = _create(tmp_path, state_root, busybox_rootfs)
    os.kill(pid, 9)
    deadline = time.monotonic() + 5
    while support.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    mine = sorted((d for d in cgroup_dirs_under_prefix() if d.endswith(f"{PREFIX}/{cid}")),
                  key=lambda p: p.count("/"), reverse=True)
    assert mine, "the container has no cgroup under the session prefix"
    for d in mine:
        os.rmdir(d)
    try:
        st, sres = state_of(cid, state_root)
        assert st is not None and st["status"] == "stopped", f"state after the cgroup was removed: {sres}"
        for args in (("kill", cid, "KILL"), ("pause", cid), ("ps", cid)):
            r = run(*args, root=state_root)
            if r.rc != 0:
                assert error_problem(r) is None, f"{args[0]} without a cgroup: {error_problem(r)}: {r}"
        r = run("delete", cid, root=state_root)
        assert r.rc == 0, f"delete of a stopped container whose cgroup is gone: {r}"
    finally:
        _finish(state_root, cid, pid, tmp_path, mounts_before, "removed cgroup")


def test_removed_cgroup_while_created(tmp_path, state_root, busybox_rootfs, mounts_before):
    """A leaf cgroup of one hierarchy removed (the init moved out first): state and delete --force cope."""
    cid, pid = _create(tmp_path, state_root, busybox_rootfs)
    pids_dir = [d for d in cgroup_dirs_under_prefix() if d.endswith(f"{PREFIX}/{cid}") and "/pids/" in d]
    if not pids_dir:
        pytest.skip("no pids hierarchy")
    parent = os.path.dirname(pids_dir[0])  # our prefix dir: ours to use
    with open(os.path.join(parent, "cgroup.procs"), "w") as f:
        f.write(str(pid))
    os.rmdir(pids_dir[0])
    try:
        st, sres = state_of(cid, state_root)
        assert st is not None and st["status"] == "created", f"state: {sres}"
    finally:
        # the init sits in our prefix dir of the pids hierarchy: delete --force must still kill it
        _finish(state_root, cid, pid, tmp_path, mounts_before, "removed pids cgroup")
        assert not support.pid_alive(pid), "delete --force left the init running"


def test_init_killed_before_start(tmp_path, state_root, busybox_rootfs, mounts_before):
    cid, pid = _create(tmp_path, state_root, busybox_rootfs)
    os.kill(pid, 9)
    try:
        deadline = time.monotonic() + 5
        while True:
            st, sres = state_of(cid, state_root)
            assert st is not None, f"state after the init died: {sres}"
            if st["status"] == "stopped" or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert st["status"] == "stopped", st
        assert st["pid"] == 0, st
        r = run("start", cid, root=state_root, timeout=20)
        assert r.rc != 0 and error_problem(r) is None, f"start of a dead init: {r}"
        assert "stopped" in message(r), r
        r = run("delete", cid, root=state_root)
        assert r.rc == 0, f"delete of a stopped container: {r}"
    finally:
        _finish(state_root, cid, pid, tmp_path, mounts_before, "init killed before start")
