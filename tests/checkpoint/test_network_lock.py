"""How restore reads CRIU's network lock in a network namespace joined by path
(pyruntime/checkpoint.py network_locked), with real namespaces and the machine's own iptables: no
CRIU needed, so this runs on this machine as well as in the VM.

The lock and unlock below are the rules CRIU 3.17 feeds `iptables-restore -w --noflush`
(criu/net.c): a dump that ends the container leaves the lock in a namespace that outlives it; the
restore's unlock removes one lock only. Locking again over it (what CRIU does when the network
namespace is in empty_ns) leaves the namespace dropping every packet: this file shows both halves.
"""
import os
import shutil
import subprocess
import uuid

import pytest

from pyruntime import checkpoint as CR

LOCK = """*filter
:CRIU - [0:0]
-I INPUT -j CRIU
-I OUTPUT -j CRIU
-A CRIU -m mark --mark 49428 -j ACCEPT
-A CRIU -j DROP
COMMIT
"""
UNLOCK = """*filter
:CRIU - [0:0]
-D INPUT -j CRIU
-D OUTPUT -j CRIU
-X CRIU
COMMIT
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("iptables-restore")
                                or not shutil.which("nsenter") or not shutil.which("ip"),
                                reason="needs root, ip, nsenter and iptables (tests/checkpoint/host-packages)")


@pytest.fixture
def netns():
    name = f"pyrt-lk-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY | os.O_CLOEXEC)
    yield name, fd
    os.close(fd)
    subprocess.run(["ip", "netns", "del", name], check=False)


def iptables_restore(name, rules):
    return subprocess.run(["ip", "netns", "exec", name, "iptables-restore", "-w", "--noflush"], input=rules,
                          capture_output=True, text=True)


def rules(name):
    return subprocess.run(["ip", "netns", "exec", name, "iptables", "-w", "-S"], capture_output=True, text=True,
                          check=True).stdout


def test_restore_reads_the_lock_the_dump_left(netns):
    name, fd = netns
    path = f"/run/netns/{name}"
    warnings = []
    assert CR.network_locked(fd, path, warnings.append) is False  # a new namespace: CRIU locks it
    assert iptables_restore(name, LOCK).returncode == 0  # what the dump leaves
    assert CR.network_locked(fd, path, warnings.append) is True  # CRIU must not lock it again
    assert warnings == []
    # one lock: CRIU's unlock at the end of the restore removes it
    assert iptables_restore(name, UNLOCK).returncode == 0
    assert "CRIU" not in rules(name)
    assert CR.network_locked(fd, path, warnings.append) is False


def test_two_locks_stay_and_are_named(netns):
    """Locked over the dump's lock, the namespace keeps both: CRIU's unlock fails (iptables-nft
    exits 4, CHAIN_DEL busy; legacy 1). Restore says so when it finds such a namespace."""
    name, fd = netns
    assert iptables_restore(name, LOCK).returncode == 0
    assert iptables_restore(name, LOCK).returncode == 0
    unlock = iptables_restore(name, UNLOCK)
    assert unlock.returncode != 0, unlock
    assert rules(name).count("-A INPUT -j CRIU") == 2
    warnings = []
    assert CR.network_locked(fd, f"/run/netns/{name}", warnings.append) is True
    assert len(warnings) == 1 and "holds CRIU's network lock 2 times" in warnings[0], warnings


def test_unreadable_rules_fall_back_to_locking(netns, monkeypatch):
    """No iptables on the PATH CRIU gets: restore says it cannot tell and lets CRIU lock (runc's way)."""
    name, fd = netns
    empty = f"/run/pyrt-empty-{uuid.uuid4().hex[:6]}"
    os.mkdir(empty)
    try:
        monkeypatch.setenv("PATH", empty)
        warnings = []
        assert CR.network_locked(fd, "/x", warnings.append) is False
        assert len(warnings) == 1 and warnings[0].startswith("cannot read the iptables rules of network "
                                                             "namespace /x ("), warnings
    finally:
        os.rmdir(empty)
