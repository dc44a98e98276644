"""Docker 20.10 (dockerd --add-runtime pyruntime=<abs path>, started by scripts/clients-setup.sh)
with `--runtime pyruntime`: dockerd -> containerd -> shim v2 -> the runtime under test, with
--root /var/run/docker/runtime-runc/moby."""

from __future__ import annotations

import json

import pytest

import clientutil as cu
from clientutil import DOCKER, DOCKER_ROOT, IMAGE

RUN = [DOCKER, "run", "--runtime", "pyruntime", "--network", "none"]


def docker(*args, timeout=60, check=False):
    return cu.run([DOCKER, *args], timeout=timeout, check=check)


def runtime_list() -> list[str]:
    proc = cu.run([cu.RUNTIME, "--root", DOCKER_ROOT, "list", "-q"], timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.fixture
def names():
    made = []
    yield made
    for n in made:
        docker("rm", "-f", n, timeout=60)


def run_d(names, *args):
    n = cu.unique("dk")
    names.append(n)
    proc = cu.run([*RUN, "-d", "--name", n, *args], timeout=60)
    assert proc.returncode == 0, proc.stderr
    cid = proc.stdout.strip()
    assert cid in runtime_list(), "the container is not run by the runtime under test"
    return n, cid


def test_run_rm_echo(tmp_path):
    cidfile = tmp_path / "cid"
    proc = cu.run([*RUN, "--rm", "--cidfile", cidfile, IMAGE, "echo", "hi"])
    assert (proc.returncode, proc.stdout) == (0, "hi\n"), proc.stderr
    cu.assert_nothing_left(cidfile.read_text().strip(), DOCKER_ROOT)


def test_run_exit_status_and_missing_command(tmp_path):
    proc = cu.run([*RUN, "--rm", IMAGE, "sh", "-c", "echo err >&2; exit 33"])
    assert proc.returncode == 33, proc.stderr
    assert "err" in proc.stderr
    cidfile = tmp_path / "cid"
    proc = cu.run([*RUN, "--rm", "--cidfile", cidfile, IMAGE, "/no/such/command"])
    assert proc.returncode == 127, (proc.returncode, proc.stderr)
    cu.assert_nothing_left(cidfile.read_text().strip(), DOCKER_ROOT)


def test_exec_top_stop_rm(names):
    name, cid = run_d(names, IMAGE, "sh", "-c", 'echo up; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done')
    cu.poll(lambda: "up" in docker("logs", name).stdout, what="'up' in docker logs")
    info = json.loads(docker("inspect", name, check=True).stdout)[0]
    pid = info["State"]["Pid"]
    assert info["State"]["Running"] and cu.support.pid_alive(pid)
    assert (DOCKER_ROOT / cid).is_dir()

    proc = docker("exec", name, "sh", "-c", "echo in-exec $(hostname); exit 4")
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout == f"in-exec {cid[:12]}\n"
    proc = docker("exec", "-u", "65534", "-w", "/tmp", name, "sh", "-c", "id -u; pwd")
    assert proc.stdout.split() == ["65534", "/tmp"], proc.stderr
    proc = docker("exec", name, "/no/such/command")
    assert proc.returncode in (126, 127), (proc.returncode, proc.stderr)

    proc = docker("top", name)  # the runtime's `ps --format json`
    assert proc.returncode == 0, proc.stderr
    assert "while :" in proc.stdout or "sh -c" in proc.stdout, proc.stdout

    proc = docker("stop", "-t", "10", name, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(docker("inspect", name, check=True).stdout)[0]
    assert info["State"]["Status"] == "exited" and info["State"]["ExitCode"] == 0, info["State"]
    assert "bye" in docker("logs", name).stdout
    docker("rm", name, check=True)
    cu.assert_nothing_left(cid, DOCKER_ROOT, pids=[pid])


def test_stop_ignoring_term(names):
    """PID 1 ignores SIGTERM: docker stop escalates to SIGKILL through the runtime."""
    name, cid = run_d(names, IMAGE, "sleep", "1000")
    proc = docker("stop", "-t", "1", name, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(docker("inspect", name, check=True).stdout)[0]
    assert info["State"]["ExitCode"] == 137, info["State"]
    docker("rm", name, check=True)
    cu.assert_nothing_left(cid, DOCKER_ROOT)


def test_run_it(tmp_path):
    cidfile = tmp_path / "cid"
    term = cu.PtyClient([*RUN, "-it", "--rm", "--cidfile", cidfile, IMAGE, "sh"])
    try:
        term.expect("# ", timeout=30)
        term.send("echo $((7*6))-dk; tty\r")
        term.expect("42-dk", timeout=20)
        term.expect("/dev/pts/0", timeout=10)
        term.send("exit 3\r")
        status = term.wait(30)
    finally:
        term.close()
    assert status == 3, term.output
    cu.assert_nothing_left(cidfile.read_text().strip(), DOCKER_ROOT)


def test_exec_it(names):
    name, _ = run_d(names, IMAGE, "sleep", "1000")
    term = cu.PtyClient([DOCKER, "exec", "-it", name, "sh"])
    try:
        term.expect("# ", timeout=30)
        term.send("tty; exit 5\r")
        term.expect("/dev/pts/", timeout=20)
        assert term.wait(30) == 5, term.output
    finally:
        term.close()
