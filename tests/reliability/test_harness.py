"""The leak checks are not vacuous: a container left behind on purpose is reported (state dir,
cgroups under the session prefix, its init), and `delete --force` then makes the check pass."""

from relutil import leaks, new_id, run, valid_config, write_bundle


def test_leak_check_sees_a_live_container(tmp_path, state_root, busybox_rootfs, mounts_before):
    cid = new_id("h")
    bundle = write_bundle(tmp_path / "b", valid_config(cid), busybox_rootfs)
    try:
        res = run("create", "--bundle", bundle, cid, root=state_root)
        assert res.rc == 0, res
        found = leaks(state_root, [cid], [tmp_path], mounts_before, grace=0)
        text = " ".join(found)
        assert "state left" in text and "cgroups left" in text and "processes left" in text, found
    finally:
        run("delete", "--force", cid, root=state_root)
    assert not leaks(state_root, [cid], [tmp_path], mounts_before)
