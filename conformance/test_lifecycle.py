"""Runtime-agnostic lifecycle conformance tests (runtime-spec v1.0.2 .. v1.2).

Each test names the spec file and section, and the requirement it checks.  Run against any
runc-compatible runtime:  RUNTIME=runc .venv/bin/python -m pytest conformance
Cases marked `runc_compat` check runc behaviour that clients rely on but the spec does not require.
"""

import os
import signal
import time

import pytest

from support import (
    pid_alive,
    rt,
    rt_create,
    rt_run,
    state,
    wait_for_path,
    wait_status,
)

# A container process that waits (inside the container) for a file the test creates in the rootfs.
WAIT_FOR_GO = "touch /ready; while [ ! -e /go ]; do sleep 0.05; done"
# A container process with a SIGTERM handler (PID 1 ignores signals it has no handler for).
TRAP_TERM = 'trap "echo got > /tmp/sig; exit 0" TERM; touch /ready; while :; do sleep 0.1; done'


def created(bundle, cid, root, *args):
    """create a container running `args` and check that create succeeded."""
    bundle.set_args(*args)
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, f"create failed ({proc.returncode}): {proc.stderr}"
    return proc


def running(bundle, cid, root, script):
    """create + start a `sh -c script` container whose script touches /ready first; wait for it."""
    created(bundle, cid, root, "sh", "-c", script)
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, f"start failed ({proc.returncode}): {proc.stderr}"
    wait_for_path(bundle.rootfs / "ready")
    assert state(cid, root)["status"] == "running"


# --- runtime.md: Query State ----------------------------------------------------------------------


def test_state_of_unknown_container_fails(root, container_id):
    """runtime.md "Query State": attempting to query a container that does not exist MUST generate
    an error (non-zero exit)."""
    proc = rt("state", container_id(), root=root)
    assert proc.returncode != 0


def test_state_after_create(bundle, root, container_id):
    """runtime.md "State" and "Create": after create the state MUST report status "created",
    ociVersion, id, bundle (the absolute path to the bundle directory) and, on Linux, the pid
    (REQUIRED when created or running) of the container process."""
    cid = container_id()
    created(bundle, cid, root, "sh", "-c", "true")
    st = state(cid, root)
    assert st["status"] == "created"
    assert st["id"] == cid
    assert isinstance(st.get("ociVersion"), str) and st["ociVersion"]
    assert os.path.isabs(st["bundle"])
    assert os.path.realpath(st["bundle"]) == os.path.realpath(bundle.path)
    assert isinstance(st.get("pid"), int) and st["pid"] > 0
    assert os.path.exists(f"/proc/{st['pid']}")


# --- runtime.md: Create / Start -------------------------------------------------------------------


def test_user_program_does_not_run_before_start(bundle, root, container_id):
    """runtime.md "Create": process.args MUST NOT be applied until triggered by the start
    operation; "Start": this operation MUST run the user-specified program."""
    cid = container_id()
    marker = bundle.rootfs / "marker"
    created(bundle, cid, root, "sh", "-c", "touch /marker")
    # give a broken runtime a moment to (wrongly) run the program
    wait_status(cid, "created", root)
    time.sleep(0.3)
    assert not marker.exists(), "the user program ran before start"
    assert state(cid, root)["status"] == "created"
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    wait_for_path(marker)


def test_start_runs_then_stops(bundle, root, container_id):
    """runtime.md "State" (status: running -- the container process has executed the user program
    and not exited; stopped -- the container process has exited) and "Lifecycle" steps 6-8."""
    cid = container_id()
    running(bundle, cid, root, WAIT_FOR_GO)
    assert state(cid, root)["status"] == "running"
    (bundle.rootfs / "go").touch()
    wait_status(cid, "stopped", root)


def test_start_of_running_container_fails(bundle, root, container_id):
    """runtime.md "Start": attempting to start a container that is not created MUST have no effect
    on the container and MUST generate an error."""
    cid = container_id()
    running(bundle, cid, root, WAIT_FOR_GO)
    pid = state(cid, root)["pid"]
    proc = rt("start", cid, root=root)
    assert proc.returncode != 0
    st = state(cid, root)
    assert st["status"] == "running" and st["pid"] == pid


def test_start_of_stopped_container_fails(bundle, root, container_id):
    """runtime.md "Start": attempting to start a container that is not created MUST have no effect
    on the container and MUST generate an error."""
    cid = container_id()
    marker = bundle.rootfs / "ran"
    created(bundle, cid, root, "sh", "-c", "echo x >> /ran")
    assert rt("start", cid, root=root).returncode == 0
    wait_status(cid, "stopped", root)
    proc = rt("start", cid, root=root)
    assert proc.returncode != 0
    assert state(cid, root)["status"] == "stopped"
    assert marker.read_text() == "x\n", "the user program ran twice"


def test_create_with_duplicate_id_fails(bundle, make_bundle, root, container_id):
    """runtime.md "Create": if the ID provided is not unique across all containers within the scope
    of the runtime, the implementation MUST generate an error and a new container MUST NOT be
    created (the first container is unaffected)."""
    cid = container_id()
    created(bundle, cid, root, "sh", "-c", "touch /first")
    first = state(cid, root)
    other = make_bundle("other")
    other.set_args("sh", "-c", "touch /second")
    proc, _ = rt_create(other, cid, root)
    assert proc.returncode != 0
    st = state(cid, root)
    assert st["status"] == "created" and st["pid"] == first["pid"]
    assert os.path.realpath(st["bundle"]) == os.path.realpath(bundle.path)
    assert rt("start", cid, root=root).returncode == 0
    wait_for_path(bundle.rootfs / "first")
    wait_status(cid, "stopped", root)
    assert not (other.rootfs / "second").exists()


# --- runtime.md: Kill -----------------------------------------------------------------------------


def test_kill_created_container(bundle, root, container_id):
    """runtime.md "Kill": this operation MUST send the specified signal to the container process
    (a created container; SIGKILL, so the effect is observable: it stops)."""
    cid = container_id()
    created(bundle, cid, root, "sh", "-c", "touch /marker")
    proc = rt("kill", cid, "KILL", root=root)
    assert proc.returncode == 0, proc.stderr
    wait_status(cid, "stopped", root)
    assert not (bundle.rootfs / "marker").exists()


def test_kill_running_container_delivers_signal(bundle, root, container_id):
    """runtime.md "Kill": this operation MUST send the specified signal to the container process
    (SIGTERM to a running shell with a TERM trap: the trap runs)."""
    cid = container_id()
    running(bundle, cid, root, TRAP_TERM)
    proc = rt("kill", cid, "TERM", root=root)
    assert proc.returncode == 0, proc.stderr
    wait_for_path(bundle.rootfs / "tmp" / "sig")
    assert (bundle.rootfs / "tmp" / "sig").read_text() == "got\n"
    wait_status(cid, "stopped", root)


def test_kill_default_signal_and_numeric(bundle, root, container_id):
    """runtime.md "Kill" (signal delivery); runc CLI: `kill <id> [signal]` defaults to SIGTERM and
    takes numbers too (a number, 15, here)."""
    cid = container_id()
    running(bundle, cid, root, TRAP_TERM)
    proc = rt("kill", cid, str(int(signal.SIGTERM)), root=root)
    assert proc.returncode == 0, proc.stderr
    wait_for_path(bundle.rootfs / "tmp" / "sig")
    wait_status(cid, "stopped", root)


def test_kill_stopped_container_fails(bundle, root, container_id):
    """runtime.md "Kill": attempting to send a signal to a container that is neither created nor
    running MUST have no effect on the container and MUST generate an error."""
    cid = container_id()
    created(bundle, cid, root, "true")
    assert rt("start", cid, root=root).returncode == 0
    wait_status(cid, "stopped", root)
    proc = rt("kill", cid, "KILL", root=root)
    assert proc.returncode != 0
    assert state(cid, root)["status"] == "stopped"


# --- runtime.md: Delete ---------------------------------------------------------------------------


def test_delete_running_container_without_force_fails(bundle, root, container_id):
    """runtime.md "Delete": attempting to delete a container that is not stopped MUST have no
    effect on the container and MUST generate an error."""
    cid = container_id()
    running(bundle, cid, root, WAIT_FOR_GO)
    pid = state(cid, root)["pid"]
    proc = rt("delete", cid, root=root)
    assert proc.returncode != 0
    st = state(cid, root)
    assert st["status"] == "running" and st["pid"] == pid
    (bundle.rootfs / "go").touch()
    wait_status(cid, "stopped", root)


def test_delete_stopped_container(bundle, root, container_id):
    """runtime.md "Delete": deleting a container MUST delete the resources that were created during
    the create step (afterwards the container does not exist: state fails)."""
    cid = container_id()
    created(bundle, cid, root, "true")
    assert rt("start", cid, root=root).returncode == 0
    wait_status(cid, "stopped", root)
    proc = rt("delete", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert rt("state", cid, root=root).returncode != 0
    assert not (root / cid).exists()


@pytest.mark.runc_compat
def test_delete_created_container_without_force(bundle, root, container_id):
    """runc compatibility, in tension with runtime.md "Delete" (which says deleting a container that
    is not stopped MUST generate an error): runc 1.1 (delete.go) kills a *created* container and
    deletes it without --force, and containerd's shim relies on that (it deletes created
    containers without force).  The user program never runs."""
    cid = container_id()
    created(bundle, cid, root, "sh", "-c", "touch /marker")
    pid = state(cid, root)["pid"]
    proc = rt("delete", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert rt("state", cid, root=root).returncode != 0
    assert not (root / cid).exists()
    assert not (bundle.rootfs / "marker").exists()
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_alive(pid), "the container process survived delete"


def test_id_reusable_after_delete(bundle, root, container_id):
    """runtime.md "Delete": once a container is deleted its ID MAY be used by a subsequent
    container (runc and clients such as podman rely on it)."""
    cid = container_id()
    created(bundle, cid, root, "true")
    assert rt("delete", "--force", cid, root=root).returncode == 0
    created(bundle, cid, root, "true")
    assert state(cid, root)["status"] == "created"


@pytest.mark.runc_compat
def test_delete_force_of_unknown_container_succeeds(root, container_id):
    """runc compatibility (not a spec MUST): `delete --force` of a container that does not exist
    exits 0 (runc 1.1 delete.go); containerd and podman call it to clean up."""
    proc = rt("delete", "--force", container_id(), root=root)
    assert proc.returncode == 0, proc.stderr


# --- run (runc CLI) -------------------------------------------------------------------------------


@pytest.mark.runc_compat
def test_run_exit_status(bundle, root, container_id):
    """runc compatibility (runc run.go): `run` exits with the container process's exit status
    (/bin/true -> 0, sh -c "exit 3" -> 3); the container is stopped afterwards."""
    cid = container_id()
    bundle.set_args("/bin/true")
    proc = rt_run(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    cid2 = container_id()
    bundle.set_args("sh", "-c", "exit 3")
    proc = rt_run(bundle, cid2, root)
    assert proc.returncode == 3, proc.stderr


# --- config.md / config-linux.md: the process environment -----------------------------------------


def run_output(bundle, root, cid, *args):
    bundle.set_args(*args)
    proc = rt_run(bundle, cid, root)
    assert proc.returncode == 0, f"run failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout


def test_hostname(bundle, root, container_id):
    """config.md "Hostname": hostname specifies the container's hostname as seen by processes
    running inside the container (with a new UTS namespace)."""
    bundle.config["hostname"] = "conformance-host"
    assert run_output(bundle, root, container_id(), "hostname") == "conformance-host\n"


def test_container_is_pid_1(bundle, root, container_id):
    """config-linux.md "Namespaces" (pid): with a new PID namespace the container process is
    PID 1 in it, and sees only the container's processes."""
    out = run_output(bundle, root, container_id(), "sh", "-c", "echo $$; ls -d /proc/[0-9]* | wc -l")
    pid, count = out.split()
    assert pid == "1"
    assert int(count) <= 3  # sh, ls, wc


def test_process_cwd(bundle, root, container_id):
    """config.md "Process": cwd is the working directory that will be set for the executable."""
    bundle.config["process"]["cwd"] = "/tmp"
    assert run_output(bundle, root, container_id(), "pwd") == "/tmp\n"


def test_process_env(bundle, root, container_id):
    """config.md "Process": env contains the environment variables set for the process."""
    bundle.config["process"]["env"].append("CONFORMANCE_VAR=hello world")
    out = run_output(bundle, root, container_id(), "sh", "-c", 'echo "$CONFORMANCE_VAR"; echo "$TERM"')
    assert out == "hello world\nxterm\n"


def test_process_user(bundle, root, container_id):
    """config.md "POSIX process" user: uid and gid specify the user and group ID in the container
    namespace the process runs as."""
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    out = run_output(bundle, root, container_id(), "sh", "-c", "id -u; id -g")
    assert out == "1000\n1000\n"


def test_readonly_rootfs(bundle, root, container_id):
    """config.md "Root": if readonly is true then the root filesystem MUST be read-only inside
    the container."""
    bundle.config["root"]["readonly"] = True
    bundle.set_args("touch", "/x")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode != 0
    assert not (bundle.rootfs / "x").exists()
