"""Client drop-in tests: podman (through conmon), containerd (ctr, and the CRI runtime-handler
path of a config.toml BinaryName entry) and Docker drive the runtime under test for real.

The session fixture `clients` runs scripts/clients-setup.sh once (installs the clients, imports
localhost/busybox, starts containerd and dockerd when they are not running) and, at the end, stops
the daemons it saw that script start. PYRUNTIME_SKIP_CLIENTS=1 skips this directory; nothing else
does: a missing client or a failed setup is an error, never a silent skip."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import clientutil

HERE = Path(__file__).resolve().parent
SETUP = clientutil.REPO / "scripts" / "clients-setup.sh"
STATE = Path(os.environ.get("PYRUNTIME_CLIENTS_STATE", "/run/pyruntime-clients"))
DAEMONS = ("dockerd", "containerd")  # stop order


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PYRUNTIME_SKIP_CLIENTS") != "1":
        return
    skip = pytest.mark.skip(reason="PYRUNTIME_SKIP_CLIENTS=1")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


def _pid_of(daemon):
    try:
        pid = int((STATE / f"{daemon}.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return pid if os.path.basename(exe) == daemon else None


def _stop(pid, timeout=20.0):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session", autouse=True)
def clients():
    if os.geteuid() != 0:
        pytest.fail("the client tests need root (set PYRUNTIME_SKIP_CLIENTS=1 to skip them)")
    before = {d: _pid_of(d) for d in DAEMONS}
    env = dict(os.environ, PYRUNTIME=clientutil.RUNTIME, PYRUNTIME_CLIENTS_STATE=str(STATE))
    try:
        proc = subprocess.run(
            ["bash", str(SETUP)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=900, env=env,
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"scripts/clients-setup.sh timed out: {e.stderr}")
    if proc.returncode != 0:
        pytest.fail(f"scripts/clients-setup.sh failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    started = {d: _pid_of(d) for d in DAEMONS}
    started = {d: pid for d, pid in started.items() if pid and pid != before[d]}
    yield
    for daemon in DAEMONS:
        if daemon in started:
            _stop(started[daemon])
            try:
                (STATE / f"{daemon}.pid").unlink()
            except OSError:
                pass
