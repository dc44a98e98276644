"""The init's stages speak to the parent in the order the parent needs (pyruntime/_native/main.c).

Stage 1 forks stage 2 and sends its pid; both share the sync socket. If stage 1 is preempted
right after fork(), stage 2 must still not send MSG_READY (or anything else) before that pid: the
parent would otherwise have no pid for the container ("init sent message 7 before its pid"). Under
load this happened about once in 3000 creates; here strace's syscall-delay injection holds stage 1
for 300 ms on its way out of fork() (clone), which makes the order deterministic. The CLI's
posix_spawn and stage 0 use clone3, so only stage 1's fork is delayed; the test checks strace
really delayed a clone, so it cannot pass without exercising the race.
"""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import support
from support import rt, state

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")

DELAY_US = 300_000


def _under_strace(argv, out, timeout=30):
    """Run argv under `strace -f` with every clone() return delayed; the runtime's exit status and
    stderr. strace keeps following the orphaned init, so it is stopped (detaching) once the
    runtime itself has exited."""
    strace = shutil.which("strace")
    assert strace, "strace is required (scripts/setup.sh installs it)"
    log = out.with_suffix(".strace")
    err = out.with_suffix(".err")
    with open(err, "wb") as ferr:
        p = subprocess.Popen([strace, "-f", "-q", "-I1", "-o", str(log), "-e", "trace=clone,clone3",
                              "-e", f"inject=clone:delay_exit={DELAY_US}", *argv],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=ferr)
    deadline = time.monotonic() + timeout
    rc = None
    try:
        while rc is None and time.monotonic() < deadline:
            time.sleep(0.05)
            text = log.read_text(errors="replace") if log.exists() else ""
            first = re.match(r"(\d+)\s", text)  # strace pads the pid to 5 columns: "2670  clone3(..."
            if first:
                m = re.search(rf"^{first.group(1)}\s+\+\+\+ exited with (\d+) \+\+\+", text, re.M)
                if m:
                    rc = int(m.group(1))
            if p.poll() is not None and rc is None:
                break
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)  # strace detaches from what it still traces
        p.wait(10)
    text = log.read_text(errors="replace")
    assert re.search(r"clone\(.*\(DELAYED\)", text), f"strace did not delay stage 1's fork:\n{text[-2000:]}"
    assert rc is not None, f"the runtime's exit is not in the strace log:\n{text[-2000:]}"
    return rc, err.read_text(errors="replace")


def test_create_waits_for_stage1_to_send_the_pid(tmp_path, bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "100").write()
    rc, err = _under_strace([support.RUNTIME, "--root", str(root), "create", "--bundle", str(bundle.path), cid],
                            tmp_path / "create")
    try:
        assert rc == 0, f"create failed ({rc}): {err.strip()}"
        st = state(cid, root)
        assert st["status"] == "created"
        assert st["pid"] > 0 and support.pid_alive(st["pid"])
    finally:
        rt("delete", "--force", cid, root=root)


def test_exec_waits_for_stage1_to_send_the_pid(tmp_path, bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "100")
    proc, _ = support.rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    try:
        rc, err = _under_strace([support.RUNTIME, "--root", str(root), "exec", cid, "true"], tmp_path / "exec")
        assert rc == 0, f"exec failed ({rc}): {err.strip()}"
    finally:
        rt("delete", "--force", cid, root=root)
