"""A read-only or full --root: `create` gives a clear one-line error and changes nothing (no new
file under the root, no cgroup under the session prefix, no process left); read-only commands
(`list`, `state`) still answer.

The roots are small tmpfs mounts under the test's tmp dir, unmounted before the leak check.
Figures: bad_root.cases, leaks.
"""

import os
import subprocess

import pytest
from relutil import (error_problem, leaks, new_id, record, run, valid_config, write_bundle)


def _mount(target, options):
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "pyrt-rel", str(target)], check=True)


def _umount(target):
    subprocess.run(["umount", "-l", str(target)], check=False)


def _snapshot(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out.append((p, st.st_mode, st.st_size))
    return sorted(out)


def _fill(target, inodes=True):
    """Fill a tmpfs: bytes into one file until ENOSPC, then (inodes) empty files until the inodes run out."""
    try:
        with open(target / "filler", "wb") as f:
            chunk = b"\0" * 4096
            while True:
                f.write(chunk)
                f.flush()
    except OSError:
        pass
    if not inodes:
        return
    i = 0
    try:
        while True:
            (target / f"i{i}").touch()
            i += 1
    except OSError:
        pass


CASES = {
    # name: (tmpfs options, remount ro after preparing?, fill?, root below the mount)
    "readonly": ("size=1m", True, False, ""),
    "readonly-missing-subdir": ("size=1m", True, False, "sub/state"),
    "full": ("size=64k,nr_inodes=64", False, True, ""),
    "full-missing-subdir": ("size=64k,nr_inodes=64", False, True, "sub"),
    "full-bytes-only": ("size=64k", False, "bytes", ""),  # mkdir works, writing state.json does not
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_root(case, tmp_path, busybox_rootfs, mounts_before):
    options, readonly, fill, sub = CASES[case]
    mnt = tmp_path / "mnt"
    cid = new_id("b")
    bundle = write_bundle(tmp_path / "b", valid_config(cid), busybox_rootfs)
    root = mnt / sub if sub else mnt
    _mount(mnt, options)
    try:
        os.chmod(mnt, 0o700)
        if fill:
            _fill(mnt, inodes=fill != "bytes")
        if readonly:
            subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        before = _snapshot(mnt)
        res = run("create", "--bundle", bundle, cid, root=root, timeout=30)
        record("bad_root", cases=1)
        problem = None if res.rc != 0 else "create succeeded"
        problem = problem or error_problem(res)
        after = _snapshot(mnt)
        lres = run("list", root=root)
        sres = run("state", cid, root=root)
        dres = run("delete", "--force", cid, root=root)
    finally:
        _umount(mnt)
    left = leaks(tmp_path / "no-root", [cid], [tmp_path], mounts_before)
    record("bad_root", leaks=int(bool(left) or after != before))
    assert problem is None, f"{case} --root: create: {problem}: {res}"
    assert after == before, f"{case} --root: create changed it: +{sorted(set(after) - set(before))}"
    assert not left, f"{case} --root: left {left}"
    assert lres.rc == 0, f"{case} --root: list: {lres}"
    assert sres.rc != 0 and error_problem(sres) is None, f"{case} --root: state: {sres}"
    assert error_problem(dres) is None or dres.rc == 0, f"{case} --root: delete --force: {dres}"
