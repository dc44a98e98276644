"""NOTIFY_SOCKET as runc: the container gets /run/notify/notify.sock; `start` returns once the
container said READY=1, forwarded to the caller's socket with MAINPID = the init's host pid."""
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from support import RUNTIME, rt, state

SRC = Path(__file__).parent / "data" / "sd-notify.c"


@pytest.fixture
def notify_bundle(bundle, tmp_path):
    if not shutil.which("gcc"):
        pytest.fail("gcc is needed to build the static sd-notify probe (scripts/setup.sh installs it)")
    out = bundle.rootfs / "bin" / "sd-notify"
    subprocess.run(["gcc", "-static", "-O2", "-o", str(out), str(SRC)], check=True)
    return bundle


def _runtime(args, env, **kw):
    return subprocess.run([RUNTIME, *args], env=env, stdin=subprocess.DEVNULL, **kw)


def test_start_waits_for_ready_and_forwards_it(notify_bundle, root, container_id, tmp_path):
    host = str(tmp_path / "host.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(host)
    srv.settimeout(20)
    notify_bundle.set_args("sh", "-c", 'echo "$NOTIFY_SOCKET" > /tmp/where; sleep 0.5; sd-notify; sleep 30')
    notify_bundle.config["root"]["readonly"] = False
    notify_bundle.write()
    env = dict(os.environ, NOTIFY_SOCKET=host)
    cid = container_id()
    with open(tmp_path / "out", "w") as out:
        r = _runtime(["--root", str(root), "create", "-b", str(notify_bundle.path), cid], env,
                     stdout=out, stderr=subprocess.STDOUT)
    assert r.returncode == 0, (tmp_path / "out").read_text()
    t0 = time.monotonic()
    r = _runtime(["--root", str(root), "start", cid], env, capture_output=True, text=True, timeout=30)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert took >= 0.4, f"start returned before the container was ready ({took:.2f}s)"
    msg = srv.recv(4096).decode()
    assert msg.split() == ["READY=1", f"MAINPID={state(cid, root)['pid']}"]
    assert (notify_bundle.rootfs / "tmp" / "where").read_text().strip() == "/run/notify/notify.sock"
    rt("delete", "-f", cid, root=root)
    assert not (root / cid).exists()


def test_without_notify_socket_nothing_changes(notify_bundle, root, container_id):
    notify_bundle.set_args("sh", "-c", 'echo "[$NOTIFY_SOCKET]"; ls /run/notify 2>&1 | head -1')
    notify_bundle.write()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    r = _runtime(["--root", str(root), "run", "-b", str(notify_bundle.path), container_id()], env,
                 capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first == "[]" and "No such file or directory" in second
