"""runtime.md: state, lifecycle (including the hooks' place in it), operations and their errors.

Complements test_lifecycle.py (state after create, start/kill/delete of created/running/stopped
containers).  Every docstring starts with the spec reference and the sentence it checks.
"""

import json
import os
import subprocess
import time

import pytest

from cutil import (
    assert_create_fails,
    create_ok,
    start_ok,
    wait_for,
    xfail_runc,
)
from support import rt, rt_create, state, wait_for_path, wait_status

# --- State ---------------------------------------------------------------------------------------


def test_state_properties_and_types(bundle, root, container_id):
    """runtime.md#state: the state of a container MUST include ociVersion (string), id (string),
    status (string), pid (int, REQUIRED on Linux when created or running), bundle (string, absolute
    path); serialized in JSON it MUST adhere to that pattern."""
    cid = container_id()
    bundle.set_args("sleep", "10")
    create_ok(bundle, cid, root)
    st = state(cid, root)
    assert isinstance(st["ociVersion"], str) and st["ociVersion"]
    assert st["id"] == cid
    assert st["status"] == "created"
    assert isinstance(st["pid"], int) and st["pid"] > 0
    assert isinstance(st["bundle"], str) and os.path.isabs(st["bundle"])


def test_state_annotations(bundle, root, container_id):
    """runtime.md#state: annotations (map) contains the list of annotations associated with the
    container (config.md#annotations)."""
    cid = container_id()
    bundle.config["annotations"] = {"org.example.conformance": "yes", "com.example.key": "value"}
    bundle.set_args("true")
    create_ok(bundle, cid, root)
    st = state(cid, root)
    assert st.get("annotations", {}).get("org.example.conformance") == "yes"
    assert st["annotations"].get("com.example.key") == "value"


def test_state_without_annotations(bundle, root, container_id):
    """runtime.md#state: if no annotations were provided then this property MAY either be absent or
    an empty map."""
    cid = container_id()
    bundle.set_args("true")
    create_ok(bundle, cid, root)
    st = state(cid, root)
    assert st.get("annotations") in (None, {})


def test_state_running_then_stopped(bundle, root, container_id):
    """runtime.md#start: upon successful completion of start the status MUST be running;
    runtime.md#kill: when the process in the container is stopped, irrespective of the reason, the
    status MUST be stopped."""
    cid = container_id()
    bundle.set_args("sh", "-c", "touch /ready; while [ ! -e /go ]; do sleep 0.05; done; exit 7")
    create_ok(bundle, cid, root)
    start_ok(cid, root)
    assert state(cid, root)["status"] == "running"
    wait_for_path(bundle.rootfs / "ready")
    (bundle.rootfs / "go").touch()
    wait_status(cid, "stopped", root)


# --- Operations: missing arguments and unknown containers ------------------------------------------


@pytest.mark.parametrize("op", ["state", "start", "kill", "delete"])
def test_operation_without_id_fails(root, op):
    """runtime.md#operations (query state, start, kill, delete): this operation MUST generate an
    error if it is not provided the container ID."""
    proc = rt(op, root=root)
    assert proc.returncode != 0


def test_create_without_id_fails(bundle, root):
    """runtime.md#create: this operation MUST generate an error if it is not provided a path to the
    bundle and the container ID to associate with the container."""
    proc = rt("create", "--bundle", bundle.path, root=root)
    assert proc.returncode != 0
    assert not [p for p in root.iterdir() if p.is_dir()]


@pytest.mark.parametrize("op", ["start", "kill", "delete"])
def test_operation_on_unknown_container_fails(root, container_id, op):
    """runtime.md#start / #kill / #delete: attempting to start / signal / delete a container that
    does not exist MUST generate an error."""
    proc = rt(op, container_id(), root=root)
    assert proc.returncode != 0


@pytest.mark.parametrize("bad", ["../escape", "a/b", ".."])
def test_create_with_invalid_id_fails(bundle, root, bad):
    """runtime.md#create: if the ID provided is not valid in any other way, the implementation MUST
    generate an error and a new container MUST NOT be created."""
    bundle.set_args("true")
    bundle.write()
    # stdio to /dev/null, not pipes: a runtime that wrongly creates would keep a pipe open
    proc = rt("create", "--bundle", bundle.path, bad, root=root, stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL, capture_output=False)
    assert proc.returncode != 0
    assert rt("state", bad, root=root).returncode != 0
    assert not [p for p in root.iterdir() if p.is_dir()]
    assert not (root.parent / "escape").exists()


# --- Lifecycle -----------------------------------------------------------------------------------


def test_config_changes_after_create_have_no_effect(bundle, root, container_id):
    """runtime.md#lifecycle step 2: any updates to config.json after this step MUST NOT affect the
    container (runtime.md#create: changes made to config.json after create will not have an effect)."""
    cid = container_id()
    bundle.set_args("sh", "-c", "echo original > /which")
    create_ok(bundle, cid, root)
    bundle.set_args("sh", "-c", "echo changed > /which")
    bundle.config["process"]["cwd"] = "/nonexistent-dir"
    bundle.write()
    start_ok(cid, root)
    wait_for_path(bundle.rootfs / "which")
    wait_status(cid, "stopped", root)
    assert (bundle.rootfs / "which").read_text() == "original\n"


def test_unable_to_create_environment_errors(bundle, root, container_id):
    """runtime.md#lifecycle step 2: if the runtime is unable to create the environment specified in
    config.json, it MUST generate an error; runtime.md#errors: generating an error MUST leave the
    state of the environment as if the operation were never attempted (a bind mount of a source
    that does not exist)."""
    cid = container_id()
    bundle.config["mounts"].append({"destination": "/mnt", "type": "bind",
                                    "source": str(bundle.path / "no-such-source"),
                                    "options": ["bind"]})
    bundle.set_args("true")
    assert_create_fails(bundle, cid, root)
    # the ID is free again: the failed create left nothing behind
    bundle.config["mounts"].pop()
    create_ok(bundle, cid, root)


def test_missing_program_errors_no_container(bundle, root, container_id):
    """runtime.md#errors: generating an error MUST leave the state of the environment as if the
    operation were never attempted (create or run of a process whose executable does not exist:
    no container is left behind, and the id can be reused)."""
    cid = container_id()
    bundle.set_args("/no/such/program")
    proc, _ = rt_create(bundle, cid, root)
    if proc.returncode == 0:
        # runtimes may only find out at start; then start MUST fail and the container ends stopped
        assert rt("start", cid, root=root).returncode != 0
        wait_status(cid, "stopped", root)
        assert rt("delete", "--force", cid, root=root).returncode == 0
    else:
        assert rt("state", cid, root=root).returncode != 0
    assert not (root / cid).exists()


def test_delete_removes_cgroup(bundle, root, container_id):
    """runtime.md#delete: deleting a container MUST delete the resources that were created during
    the create step (the container's cgroup, named by linux.cgroupsPath)."""
    cid = container_id()
    bundle.config["linux"]["cgroupsPath"] = f"/conformance-{cid}"
    bundle.config["linux"]["resources"] = {"pids": {"limit": 100}}
    bundle.set_args("true")
    create_ok(bundle, cid, root)
    cg = f"/sys/fs/cgroup/pids/conformance-{cid}"
    assert os.path.isdir(cg), f"{cg} was not created"
    start_ok(cid, root)
    wait_status(cid, "stopped", root)
    assert rt("delete", cid, root=root).returncode == 0
    wait_for(lambda: not os.path.exists(cg), what=f"{cg} removed")


def test_delete_keeps_resources_not_created(bundle, root, container_id, tmp_path):
    """runtime.md#delete: resources associated with the container, but not created by this container,
    MUST NOT be deleted (a joined network namespace and a bind-mount source survive delete)."""
    nsfile = tmp_path / "netns"
    nsfile.touch()
    holder = subprocess.Popen(["unshare", f"--net={nsfile}", "true"])
    assert holder.wait() == 0
    try:
        src = tmp_path / "src"
        src.mkdir()
        (src / "keep").write_text("data")
        cid = container_id()
        for ns in bundle.config["linux"]["namespaces"]:
            if ns["type"] == "network":
                ns["path"] = str(nsfile)
        bundle.config["mounts"].append({"destination": "/mnt", "type": "bind",
                                        "source": str(src), "options": ["rbind"]})
        bundle.set_args("sh", "-c", "ls /mnt")
        create_ok(bundle, cid, root)
        start_ok(cid, root)
        wait_status(cid, "stopped", root)
        assert rt("delete", cid, root=root).returncode == 0
        assert (src / "keep").read_text() == "data"
        probe = subprocess.run(["nsenter", f"--net={nsfile}", "true"], capture_output=True)
        assert probe.returncode == 0, "the joined network namespace was destroyed"
    finally:
        subprocess.run(["umount", str(nsfile)], capture_output=True)


# --- Hooks in the lifecycle (runtime.md#lifecycle, config.md#posix-platform-hooks) -----------------


def _hook(log_dir, name, extra="", env=None):
    """A host hook: appends its name to order, saves its stdin (the state) and its mount ns."""
    script = (
        f'echo {name} >> {log_dir}/order; cat > {log_dir}/{name}.state; '
        f'readlink /proc/self/ns/mnt > {log_dir}/{name}.mntns; '
        f'echo "$1|$HOOKVAR" > {log_dir}/{name}.argenv; {extra}'
    )
    return {"path": "/bin/sh", "args": ["sh", "-c", script, "hook", "arg1-" + name],
            "env": env or [f"HOOKVAR=env-{name}", "PATH=/usr/bin:/bin"]}


@pytest.fixture
def hooked(bundle, tmp_path):
    log = tmp_path / "hooklog"
    log.mkdir()
    bundle.config["hooks"] = {
        "createRuntime": [_hook(log, "createRuntime1"), _hook(log, "createRuntime2")],
        "createContainer": [_hook(log, "createContainer")],
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /startContainer.state; "
                                                        "echo startContainer >> /inside-order"]}],
        "poststart": [_hook(log, "poststart")],
        "poststop": [_hook(log, "poststop1"), _hook(log, "poststop2")],
    }
    bundle.set_args("sh", "-c", "test -e /startContainer.state && echo prog >> /inside-order; "
                    "touch /ready; while [ ! -e /go ]; do sleep 0.05; done")
    return bundle, log


def _order(log):
    p = log / "order"
    return p.read_text().split() if p.exists() else []


def test_hooks_called_in_lifecycle_order(hooked, root, container_id):
    """runtime.md#lifecycle: createRuntime hooks (step 4) and createContainer hooks (step 5) MUST be
    invoked during create; startContainer (7) at start before the user program (8); poststart (9);
    poststop (13) after delete; config.md#posix-platform-hooks: hooks MUST be called in the listed
    order (createRuntime1 before createRuntime2, poststop1 before poststop2)."""
    bundle, log = hooked
    cid = container_id()
    create_ok(bundle, cid, root)
    assert _order(log)[:3] == ["createRuntime1", "createRuntime2", "createContainer"]
    start_ok(cid, root)
    wait_for_path(bundle.rootfs / "ready")
    assert (bundle.rootfs / "inside-order").read_text().split() == ["startContainer", "prog"]
    (bundle.rootfs / "go").touch()
    wait_status(cid, "stopped", root)
    assert rt("delete", cid, root=root).returncode == 0
    assert _order(log) == ["createRuntime1", "createRuntime2", "createContainer", "poststart",
                           "poststop1", "poststop2"]


def test_hooks_receive_state_args_env(hooked, root, container_id):
    """config.md#posix-platform-hooks: the state of the container MUST be passed to hooks over stdin
    (runtime.md#state: id, bundle, pid while created/running); args and env have the semantics of
    execv's argv and environ (createRuntime and poststop hooks)."""
    bundle, log = hooked
    cid = container_id()
    create_ok(bundle, cid, root)
    pid = state(cid, root)["pid"]
    st = json.loads((log / "createRuntime1.state").read_text())
    assert st["id"] == cid and st["pid"] == pid, st
    assert os.path.realpath(st["bundle"]) == os.path.realpath(bundle.path)
    assert (log / "createRuntime1.argenv").read_text() == "arg1-createRuntime1|env-createRuntime1\n"
    assert (log / "createContainer.argenv").read_text() == "arg1-createContainer|env-createContainer\n"
    start_ok(cid, root)
    wait_for_path(bundle.rootfs / "ready")
    (bundle.rootfs / "go").touch()
    wait_status(cid, "stopped", root)
    assert rt("delete", cid, root=root).returncode == 0
    st = json.loads((log / "poststop1.state").read_text())
    assert st["id"] == cid
    assert os.path.realpath(st["bundle"]) == os.path.realpath(bundle.path)


@xfail_runc("createContainer and startContainer hooks get the pid as seen inside the container's "
            "PID namespace (1), not the host pid")
def test_container_hooks_state_pid(hooked, root, container_id):
    """config.md#posix-platform-hooks: the state of the container MUST be passed to hooks over stdin;
    runtime.md#state: pid is the ID of the container process, as seen by the host (the state the
    createContainer and startContainer hooks receive)."""
    bundle, log = hooked
    cid = container_id()
    create_ok(bundle, cid, root)
    pid = state(cid, root)["pid"]
    st = json.loads((log / "createContainer.state").read_text())
    assert st["id"] == cid and st["pid"] == pid, st
    start_ok(cid, root)
    wait_for_path(bundle.rootfs / "ready")
    st = json.loads((bundle.rootfs / "startContainer.state").read_text())
    assert st["id"] == cid and st["pid"] == pid, st


def test_hook_namespaces(hooked, root, container_id):
    """config.md#createruntime-hooks: createRuntime hooks MUST be called in the runtime namespace;
    config.md#createcontainer-hooks: createContainer hooks MUST be executed in the container
    namespace (the container's mount namespace, not the runtime's)."""
    bundle, log = hooked
    cid = container_id()
    create_ok(bundle, cid, root)
    pid = state(cid, root)["pid"]
    host_mnt = os.readlink("/proc/self/ns/mnt")
    ctr_mnt = os.readlink(f"/proc/{pid}/ns/mnt")
    assert host_mnt != ctr_mnt
    assert (log / "createRuntime1.mntns").read_text().strip() == host_mnt
    assert (log / "createContainer.mntns").read_text().strip() == ctr_mnt


@xfail_runc("runs poststart hooks at the end of create (libcontainer linuxContainer.start), "
            "before the start operation")
def test_poststart_after_start_before_it_returns(hooked, root, container_id):
    """config.md#poststart: the poststart hooks MUST be called after the user-specified process is
    executed but before the start operation returns (not during create)."""
    bundle, log = hooked
    cid = container_id()
    create_ok(bundle, cid, root)
    assert "poststart" not in _order(log), "poststart ran during create"
    start_ok(cid, root)
    assert "poststart" in _order(log), "poststart had not run when start returned"


def test_poststop_after_delete_before_it_returns(hooked, root, container_id):
    """config.md#poststop: the poststop hooks MUST be called after the container is deleted but
    before the delete operation returns."""
    bundle, log = hooked
    cid = container_id()
    create_ok(bundle, cid, root)
    start_ok(cid, root)
    wait_for_path(bundle.rootfs / "ready")
    (bundle.rootfs / "go").touch()
    wait_status(cid, "stopped", root)
    assert not any(n.startswith("poststop") for n in _order(log))
    assert rt("delete", cid, root=root).returncode == 0
    assert _order(log)[-2:] == ["poststop1", "poststop2"]


@pytest.mark.parametrize("kind", ["createRuntime", "createContainer", "prestart"])
def test_failing_create_hook_errors_and_stops(bundle, root, container_id, tmp_path, kind):
    """runtime.md#lifecycle steps 3-5: if any prestart / createRuntime / createContainer hook fails,
    the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12
    (the container is destroyed; the user program never runs)."""
    cid = container_id()
    bundle.config["hooks"] = {kind: [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}
    bundle.set_args("sh", "-c", "touch /ran")
    proc, _ = rt_create(bundle, cid, root)
    if proc.returncode == 0:  # a runtime running the hook at start would fail there
        assert rt("start", cid, root=root).returncode != 0
    time.sleep(0.2)
    assert not (bundle.rootfs / "ran").exists()
    st = rt("state", cid, root=root)
    assert st.returncode != 0 or json.loads(st.stdout)["status"] == "stopped"


@xfail_runc("`start` exits 0 when a startContainer hook fails (the init fails after start has "
            "already opened the exec fifo); the user program does not run")
def test_failing_startcontainer_hook_errors(bundle, root, container_id):
    """runtime.md#lifecycle step 7: if any startContainer hook fails, the runtime MUST generate an
    error, stop the container, and continue the lifecycle at step 12 (user program never runs)."""
    cid = container_id()
    bundle.config["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}
    bundle.set_args("sh", "-c", "touch /ran")
    proc, _ = rt_create(bundle, cid, root)
    if proc.returncode == 0:
        assert rt("start", cid, root=root).returncode != 0
    time.sleep(0.2)
    assert not (bundle.rootfs / "ran").exists()
    st = rt("state", cid, root=root)
    assert st.returncode != 0 or json.loads(st.stdout)["status"] == "stopped"


@xfail_runc("a failing poststart hook fails runc create (poststart runs there) instead of a warning")
def test_failing_poststart_hook_only_warns(bundle, root, container_id, tmp_path):
    """runtime.md#lifecycle step 9: if any poststart hook fails, the runtime MUST log a warning, but
    the remaining hooks and lifecycle continue as if the hook had succeeded."""
    log = tmp_path / "log"
    log.mkdir()
    cid = container_id()
    bundle.config["hooks"] = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]},
                                            _hook(log, "second")]}
    bundle.set_args("sh", "-c", "touch /ran; sleep 5")
    create_ok(bundle, cid, root)
    start_ok(cid, root)
    wait_for_path(bundle.rootfs / "ran")
    assert "second" in _order(log)
    assert state(cid, root)["status"] == "running"


@xfail_runc("the first failing poststop hook stops the remaining poststop hooks")
def test_failing_poststop_hook_only_warns(bundle, root, container_id, tmp_path):
    """runtime.md#lifecycle step 13: if any poststop hook fails, the runtime MUST log a warning, but
    the remaining hooks and lifecycle continue as if the hook had succeeded."""
    log = tmp_path / "log"
    log.mkdir()
    cid = container_id()
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]},
                                           _hook(log, "second")]}
    bundle.set_args("true")
    create_ok(bundle, cid, root)
    start_ok(cid, root)
    wait_status(cid, "stopped", root)
    assert rt("delete", cid, root=root).returncode == 0
    assert "second" in _order(log)
    assert rt("state", cid, root=root).returncode != 0


def test_prestart_hook_runs_before_program(bundle, root, container_id, tmp_path):
    """config.md#prestart (deprecated, still in the spec): the prestart hooks MUST be called as part
    of the create operation after the runtime environment has been created, before pivot_root;
    runtime.md#lifecycle step 3: prestart hooks MUST be invoked by the runtime."""
    log = tmp_path / "log"
    log.mkdir()
    cid = container_id()
    bundle.config["hooks"] = {"prestart": [_hook(log, "prestart")]}
    bundle.set_args("true")
    create_ok(bundle, cid, root)
    assert _order(log) == ["prestart"]
    st = json.loads((log / "prestart.state").read_text())
    assert st["id"] == cid and st["pid"] == state(cid, root)["pid"]


def test_hook_timeout(bundle, root, container_id):
    """config.md#posix-platform-hooks: timeout is the number of seconds before aborting the hook
    (a createRuntime hook that sleeps past its timeout is aborted and create fails, as a failing
    hook MUST make it)."""
    cid = container_id()
    bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 20"],
                                                 "timeout": 1}]}
    bundle.set_args("true")
    t0 = time.monotonic()
    proc, _ = rt_create(bundle, cid, root, timeout=25)
    assert proc.returncode != 0
    assert time.monotonic() - t0 < 10, "the hook was not aborted at its timeout"
