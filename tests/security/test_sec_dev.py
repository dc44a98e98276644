"""/dev and the console: docs/security.md §1.13 (CVE-2025-52565), §1.16 (CVE-2026-41579 / 47766) and
§1.17 (crun CVE-2026-88264 / 88265, runc #3674 host /dev/null chown).

§1.18 (device cgroup rules) is owned by the cgroup work and not tested here."""

import os
import shutil
import stat
import subprocess

import pytest

import secutil
import support
from secutil import drop_mount

HOSTNAME = "/proc/sys/kernel/hostname"


@pytest.fixture
def host_uts():
    before = (secutil.read_host(HOSTNAME), secutil.read_host("/proc/sys/kernel/domainname"))
    yield
    assert (secutil.read_host(HOSTNAME), secutil.read_host("/proc/sys/kernel/domainname")) == before


def _terminal_run(bundle, cid, root, console_socket, script):
    bundle.config["process"]["terminal"] = True
    r, _ = secutil.create(bundle, cid, root, ["sh", "-c", script], extra=("--console-socket", console_socket.path))
    if r.returncode != 0:
        return r, None
    support.rt("start", cid, root=root)
    return r, console_socket.wait()


# -- §1.13 CVE-2025-52565 -------------------------------------------------------------------------

def test_52565_console_is_our_pty(bundle, root, container_id, console_socket):
    r, out = _terminal_run(bundle, container_id(), root, console_socket,
                           'stat -L -c "%t:%T" /dev/console /proc/self/fd/0; stat -f -c %T /dev/console; '
                           'grep " /dev/console " /proc/self/mountinfo | wc -l')
    assert r.returncode == 0, r.stderr
    lines = out.split()
    assert len(lines) >= 4, out
    assert lines[0] == lines[1] and lines[0].startswith("88:"), out
    assert lines[2] == "devpts", out


@pytest.mark.parametrize("readonly", [False, True], ids=["rw", "ro-rootfs"])
def test_52565_console_target_symlink(readonly, bundle, root, container_id, console_socket, host_uts):
    """The image's /dev/console is a symlink to a procfs file: the pty must never land there."""
    drop_mount(bundle, "/dev")
    drop_mount(bundle, "/dev/shm")
    drop_mount(bundle, "/dev/mqueue")
    dev = bundle.rootfs / "dev"
    (dev / "pts").mkdir(parents=True, exist_ok=True)
    if (dev / "console").exists() or (dev / "console").is_symlink():
        (dev / "console").unlink()
    os.symlink("/proc/sys/kernel/hostname", dev / "console")
    bundle.config["root"]["readonly"] = readonly
    r, out = _terminal_run(bundle, container_id(), root, console_socket,
                           'stat -L -c "%t:%T %F" /dev/console; stat -f -c %T /proc/sys/kernel/hostname; '
                           'stat -c "%F" /proc/sys/kernel/hostname')
    if r.returncode == 0:
        lines = out.splitlines()
        assert lines[0].startswith("88:") and lines[0].endswith("character special file"), out
        assert lines[1] == "proc", out
        assert lines[2] in ("regular empty file", "regular file"), out
    assert os.readlink(dev / "console") == "/proc/sys/kernel/hostname"


def test_52565_peer_via_tiocgptpeer(bundle, root, container_id, tmp_path, console_socket):
    if not shutil.which("strace"):
        pytest.skip("strace needed")
    bundle.config["process"]["terminal"] = True
    bundle.set_args("true")
    bundle.write()
    log = tmp_path / "strace.log"
    cid = container_id()
    # strace -f follows the container init until it exits: start it once it is created
    with open(tmp_path / "out", "wb") as f:
        p = subprocess.Popen(["strace", "-f", "-e", "trace=ioctl,openat,open,openat2", "-o", str(log),
                              support.RUNTIME, "--root", str(root), "create", "--console-socket", console_socket.path,
                              "--bundle", str(bundle.path), cid], stdin=subprocess.DEVNULL, stdout=f,
                             stderr=subprocess.STDOUT)
        try:
            support.wait_status(cid, "created", root, timeout=30)
            support.rt("start", cid, root=root)
            p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    text = log.read_text()
    assert "TIOCGPTPEER" in text or "0x5441" in text, "no TIOCGPTPEER ioctl"
    import re
    assert not re.search(r'open(at2?)?\([^)]*"/dev/pts/\d+"', text), "a pty peer was opened by path"


def test_52565_masks_after_console(bundle, root, container_id, console_socket):
    r, out = _terminal_run(bundle, container_id(), root, console_socket,
                           "echo x > /proc/sys/kernel/domainname; stat -c '%t:%T' /proc/timer_list /proc/keys 2>&1")
    assert r.returncode == 0, r.stderr
    assert "Read-only file system" in out, out
    assert "1:3" in out, out


# -- §1.16 CVE-2026-41579 / CVE-2026-47766 --------------------------------------------------------

@pytest.mark.parametrize("variant", ["no-dev-mount", "dev-tmpfs", "relative", "terminal"])
def test_dev_symlink(variant, bundle, root, container_id, host_canary, console_socket):
    (host_canary / "ptmx").write_text("outside marker\n")
    host_canary.snapshot()
    dev = bundle.rootfs / "dev"
    shutil.rmtree(dev)
    target = ("../../../../../../../.." + str(host_canary)) if variant == "relative" else str(host_canary)
    os.symlink(target, dev)
    bundle.config["root"]["readonly"] = True
    if variant != "dev-tmpfs":
        bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] == "/proc"]
    if variant == "terminal":
        bundle.config["mounts"].append({"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                                        "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666"]})
        _terminal_run(bundle, container_id(), root, console_socket, "true")
    else:
        secutil.run(bundle, container_id(), root, ["true"])
    # whether the container ran or was refused, the host's ptmx stand-in must be untouched
    assert sorted(os.listdir(host_canary)) == ["MARKER", "ptmx"]
    assert not (host_canary / "ptmx").is_symlink()
    assert (host_canary / "ptmx").read_text() == "outside marker\n"


# -- §1.17 crun CVE-2026-88264 / 88265, runc #3674 --------------------------------------------------

@pytest.mark.parametrize("stdin", ["devnull", "pipe"])
def test_88265_devnull_reopen_symlink(stdin, bundle, root, container_id):
    drop_mount(bundle, "/dev")
    drop_mount(bundle, "/dev/pts")
    drop_mount(bundle, "/dev/shm")
    drop_mount(bundle, "/dev/mqueue")
    dev = bundle.rootfs / "dev"
    dev.mkdir(exist_ok=True)
    if (dev / "null").exists() or (dev / "null").is_symlink():
        (dev / "null").unlink()
    os.symlink("/victim", dev / "null")
    victim = bundle.rootfs / "victim"
    victim.write_text("VICTIM\n")
    os.chown(victim, 0, 0)
    victim.chmod(0o600)
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle.set_args("sh", "-c", "cat <&0; ls -ln /victim")
    bundle.write()
    kw = {"stdin": subprocess.DEVNULL} if stdin == "devnull" else {"input": ""}
    r = subprocess.run([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), container_id()],
                       capture_output=True, text=True, timeout=30, **kw)
    assert "VICTIM" not in r.stdout, r.stdout
    st = os.lstat(victim)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o600)
    assert victim.read_text() == "VICTIM\n"


def test_host_devnull_not_chowned(bundle, root, container_id):
    def devnull():
        st = os.stat("/dev/null")
        return st.st_uid, st.st_gid, st.st_mode, os.major(st.st_rdev), os.minor(st.st_rdev)
    before = devnull()
    assert before[3:] == (1, 3)
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle.set_args("true")
    bundle.write()
    r = subprocess.run([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), container_id()],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    assert r.returncode == 0
    assert devnull() == before


def test_callers_stdio_is_never_chowned(bundle, root, container_id, tmp_path):
    """§1.17: only the terminal the init allocated goes to process.user; a caller's stdio (here a
    host file of root's, 0600) keeps its owner, so the container user cannot fchmod it open (runc
    chowns every stdio but /dev/null to the process's uid)."""
    log = tmp_path / "client.log"
    log.write_text("")
    log.chmod(0o600)
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle.set_args("sh", "-c", "echo written; chmod 666 /proc/self/fd/1 2>/dev/null; true")
    bundle.write()
    with open(log, "ab") as f:
        r = subprocess.run([support.RUNTIME, "--root", str(root), "run", "--bundle", str(bundle.path), container_id()],
                           stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=30)
    assert r.returncode == 0, log.read_text()
    st = os.stat(log)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o600), (st, log.read_text())
    assert "written" in log.read_text()


def test_88264_console_readonly_rootfs(bundle, root, container_id, console_socket, host_uts):
    test_52565_console_target_symlink(True, bundle, root, container_id, console_socket, None)
