"""Kill at every step: `create` SIGKILLed at each named step (PYRUNTIME_FAULT_AT, pyruntime/trace.py),
then `state` must answer honestly and `delete --force` must remove every trace. Also `start`
SIGKILLed right after it is spawned (at a spread of delays).

Figures: kill_steps.kill_points (steps killed), start_kills, leaks.
"""

import json
import subprocess
import time

import pytest
from relutil import (error_problem, leaks, message, new_id, record, run, scale, state_of, valid_config,
                      write_bundle)

import support


def _installed_steps():
    """trace.STEPS of the runtime under test (its own interpreter: the source tree may differ)."""
    interp = support.runtime_interpreter() or "python3"
    out = subprocess.run([interp, "-c", "import pyruntime.trace as t, json; print(json.dumps(t.STEPS))"],
                         capture_output=True, text=True, cwd="/", check=True).stdout
    return tuple(json.loads(out))


STEPS = _installed_steps() if not support.IS_RUNC and not support.IS_CRUN else ()

# the config (and flags) that make create reach a step that only some creates pass through
NEEDS = {
    "mapped": "userns",
    "hooks": "hooks",
    "pidfile": "pidfile",
}


def _config_for(step, cid):
    c = valid_config(cid)
    need = NEEDS.get(step)
    if need == "userns":
        c["linux"]["namespaces"].append({"type": "user"})
        c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 65536}]
        c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 0, "size": 65536}]
    elif need == "hooks":
        c["hooks"] = {"createRuntime": [{"path": "/bin/true"}]}
    return c


HONEST = {"creating", "stopped", "created"}


@pytest.mark.parametrize("step", STEPS)
def test_create_killed_at_step(step, tmp_path, state_root, busybox_rootfs, mounts_before):
    cid = new_id("k")
    bundle = write_bundle(tmp_path / "b", _config_for(step, cid), busybox_rootfs)
    extra = ["--pid-file", str(tmp_path / "pid")] if NEEDS.get(step) == "pidfile" else []
    try:
        res = run("create", *extra, "--bundle", bundle, cid, root=state_root,
                  env={"PYRUNTIME_FAULT_AT": step})
        record("kill_steps", kill_points=1)
        assert not res.timed_out, f"create with PYRUNTIME_FAULT_AT={step} hung: {res}"
        assert res.rc == -9, f"create with PYRUNTIME_FAULT_AT={step} was not killed at that step: {res}"

        st, sres = state_of(cid, state_root)
        record("kill_steps", **{f"state_after_{step}": st["status"] if st else "does not exist"})
        if st is None:
            # only honest if nothing was claimed yet
            assert not (state_root / cid).exists(), f"state failed on an existing state dir after {step}: {sres}"
            assert error_problem(sres) is None, f"state after {step}: {error_problem(sres)}: {sres}"
            assert "does not exist" in message(sres), sres
        else:
            assert st["status"] in HONEST, f"state after a kill at {step}: {st}"
            if st["status"] != "created":
                assert st["pid"] == 0, f"a non-created container reports a pid after {step}: {st}"
            # listing must cope with it too
            lres = run("list", "--format", "json", root=state_root)
            assert lres.rc == 0, f"list after a kill at {step}: {lres}"
        # start of a half-made container: a clean error, never a traceback
        if st is not None and st["status"] != "created":
            sres = run("start", cid, root=state_root)
            assert error_problem(sres) is None, f"start after a kill at {step}: {error_problem(sres)}: {sres}"

        dres = run("delete", "--force", cid, root=state_root)
        assert dres.rc == 0, f"delete --force after a kill at {step}: {dres}"
    finally:
        run("delete", "--force", cid, root=state_root)
    left = leaks(state_root, [cid], [tmp_path], mounts_before)
    record("kill_steps", leaks=int(bool(left)))
    assert not left, f"after a kill at {step} and delete --force: {left}"


DELAYS = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05)


@pytest.mark.parametrize("delay", DELAYS)
def test_start_killed_midway(delay, tmp_path, state_root, busybox_rootfs, mounts_before):
    rounds = scale(2, 10)
    cids = []
    try:
        for i in range(rounds):
            cid = new_id("s")
            cids.append(cid)
            bundle = write_bundle(tmp_path / f"b{i}", valid_config(cid), busybox_rootfs)
            res = run("create", "--bundle", bundle, cid, root=state_root)
            assert res.rc == 0, res

            def kill_soon(p):
                if delay:
                    time.sleep(delay)
                p.kill()
            sres = run("start", cid, root=state_root, on_spawn=kill_soon)
            record("kill_steps", start_kills=1)
            assert not sres.timed_out, sres
            if sres.rc not in (0, -9):
                assert error_problem(sres) is None, f"start: {error_problem(sres)}: {sres}"
            st, stres = state_of(cid, state_root)
            assert st is not None, f"state after a killed start: {stres}"
            assert st["status"] in ("created", "running", "stopped"), st
            if st["status"] == "created":
                # the start never happened: a second start must work
                again = run("start", cid, root=state_root)
                assert again.rc == 0, f"start after a killed start left it created: {again}"
                assert state_of(cid, state_root)[0]["status"] == "running"
            dres = run("delete", "--force", cid, root=state_root)
            assert dres.rc == 0, f"delete --force after a killed start: {dres}"
    finally:
        for cid in cids:
            run("delete", "--force", cid, root=state_root)
    left = leaks(state_root, cids, [tmp_path], mounts_before)
    record("kill_steps", leaks=int(bool(left)))
    assert not left, f"after killed starts and delete --force: {left}"
