"""Docker with AppArmor on, end to end through the runtime (issue 16): dockerd loads its
docker-default profile at start and names it in process.apparmorProfile; the container and a
`docker exec` into it run confined by it. dockerd (and the containerd it starts) keep everything
on a tmpfs; the image is the busybox rootfs of the tests."""
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import support

SLOW = 300  # software emulation: dockerd takes about a minute to come up, a `docker run` tens of seconds
BASE = Path("/run/pyrt-docker")
DOCKER = "/usr/bin/docker"  # Debian's client


@pytest.fixture(scope="module")
def docker(busybox_tar):
    shutil.rmtree(BASE, ignore_errors=True)
    for d in ("data", "exec", "tmp"):
        (BASE / d).mkdir(parents=True)
    sock = f"unix://{BASE}/docker.sock"
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR": str(BASE / "tmp"), "HOME": "/root"}
    with open(BASE / "dockerd.log", "wb") as log:
        daemon = subprocess.Popen(
            ["dockerd", "--data-root", BASE / "data", "--exec-root", BASE / "exec", "--pidfile", BASE / "dockerd.pid",
             "-H", sock, "--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-masq=false",
             "--storage-driver", "vfs", "--add-runtime", f"pyruntime={support.RUNTIME}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def run(*args, check=True):
        proc = subprocess.run([DOCKER, "-H", sock, *map(str, args)], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, env=env, timeout=SLOW)
        assert not check or proc.returncode == 0, f"docker {' '.join(map(str, args))}: {proc.stderr}"
        return proc
    try:
        deadline = time.monotonic() + SLOW
        while run("version", check=False).returncode != 0:
            assert daemon.poll() is None and time.monotonic() < deadline, (BASE / "dockerd.log").read_text()[-3000:]
            time.sleep(1)
        run("import", busybox_tar, "localhost/busybox")
        yield run
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        subprocess.run(["umount", "-R", str(BASE / "data"), str(BASE / "exec")], stderr=subprocess.DEVNULL)
        shutil.rmtree(BASE, ignore_errors=True)


def test_docker_run_and_exec_confined_by_docker_default(docker):
    with open("/sys/kernel/security/apparmor/profiles") as f:
        assert "docker-default (enforce)" in f.read().splitlines()  # dockerd loaded it itself
    name = f"pyrt-{uuid.uuid4().hex[:8]}"
    cid = docker("run", "-d", "--name", name, "--network", "none", "--runtime", "pyruntime", "localhost/busybox",
                 "sleep", "1000").stdout.strip()
    try:
        # it is ours: pyruntime's state of it, under Docker's runtime root
        st = subprocess.run([support.RUNTIME, "--root", BASE / "exec" / "runtime-runc" / "moby", "state", cid],
                            capture_output=True, text=True, timeout=SLOW)
        assert st.returncode == 0 and '"running"' in st.stdout, st.stderr
        pid = int(docker("inspect", "-f", "{{.State.Pid}}", name).stdout)
        with open(f"/proc/{pid}/attr/current") as f:
            assert f.read().strip() == "docker-default (enforce)"
        assert docker("exec", name, "cat", "/proc/self/attr/current").stdout == "docker-default (enforce)\n"
        # docker-default denies reading /proc/kcore; without it the /dev/null masking it reads empty
        out = docker("exec", name, "cat", "/proc/kcore", check=False)
        assert out.returncode != 0 and "Permission denied" in out.stderr, out
    finally:
        docker("rm", "-f", name, check=False)
