"""OCI hooks: the moments they run at, the state they read on stdin, the namespaces they run in,
argv[0] and env, and what a failing or hanging hook does to the lifecycle.

Host hooks (prestart, createRuntime, createContainer, poststart, poststop) are scripts for the
host's /bin/sh; startContainer runs inside the container, so its script lives in the rootfs and
runs under busybox sh.  Every hook writes into <rootfs>/hookout, which is /hookout inside."""

import json
import os
import time

import pytest

import support
from support import rt, rt_create, state, wait_status

HOST_HOOK = """#!/bin/sh
# $1: the hook's name, $2: the output directory
name=$1
out=$2
cat > "$out/$name.json"
echo "$name" >> "$out/order"
readlink /proc/self/ns/uts > "$out/$name.uts"
readlink /proc/self/ns/mnt > "$out/$name.mnt"
readlink /proc/self/ns/pid > "$out/$name.pidns"
exit 0
"""

# inside the container: busybox
CONTAINER_HOOK = """#!/bin/sh
name=$1
out=$2
cat > "$out/$name.json"
echo "$name" >> "$out/order"
readlink /proc/self/ns/uts > "$out/$name.uts"
exit 0
"""


def _setup(bundle, tmp_path):
    """Write the host hook script (outside the rootfs) and the in-container one; return
    (host script path, host view of the output dir)."""
    out = bundle.rootfs / "hookout"
    out.mkdir()
    host_script = bundle.path / "record-hook.sh"
    host_script.write_text(HOST_HOOK)
    host_script.chmod(0o755)
    inner = bundle.rootfs / "record-hook.sh"
    inner.write_text(CONTAINER_HOOK)
    inner.chmod(0o755)
    return host_script, out


def _host_hook(script, name, out, **extra):
    return {"path": str(script), "args": [str(script), name, str(out)], **extra}


def _order(out):
    p = out / "order"
    return p.read_text().split() if p.exists() else []


def _read_state(out, name):
    return json.loads((out / f"{name}.json").read_text())


def _gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while support.pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _dirs(root):
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# -- order, state and namespaces -----------------------------------------------------------------

def test_hook_order_and_state(bundle, root, container_id, tmp_path):
    script, out = _setup(bundle, tmp_path)
    bundle.set_args("sleep", "1000")
    bundle.config["annotations"] = {"org.example.key": "value"}
    bundle.config["hooks"] = {
        "prestart": [_host_hook(script, "prestart", out)],
        "createRuntime": [_host_hook(script, "createRuntime", out)],
        "createContainer": [_host_hook(script, "createContainer", out)],
        "startContainer": [{"path": "/record-hook.sh", "args": ["/record-hook.sh", "startContainer", "/hookout"]}],
        "poststart": [_host_hook(script, "poststart", out)],
        "poststop": [_host_hook(script, "poststop", out)],
    }
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert _order(out) == ["prestart", "createRuntime", "createContainer"]
    pid = state(cid, root)["pid"]
    assert pid > 0

    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert _order(out) == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"]
    wait_status(cid, "running", root)

    proc = rt("kill", cid, "KILL", root=root)
    assert proc.returncode == 0, proc.stderr
    wait_status(cid, "stopped", root)
    assert _order(out) == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"]
    proc = rt("delete", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert _order(out) == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                           "poststop"]

    expect = {"prestart": ("creating", pid), "createRuntime": ("creating", pid),
              "createContainer": ("creating", pid), "startContainer": ("created", pid),
              "poststart": ("running", pid), "poststop": ("stopped", 0)}
    for name, (status, want_pid) in expect.items():
        s = _read_state(out, name)
        assert s["status"] == status, f"{name}: {s}"
        assert s["pid"] == want_pid, f"{name}: {s}"
        assert s["id"] == cid, f"{name}: {s}"
        assert s["bundle"] == str(bundle.path), f"{name}: {s}"
        assert s.get("annotations") == {"org.example.key": "value"}, f"{name}: {s}"
        assert "ociVersion" in s, f"{name}: {s}"

    host_uts = os.readlink("/proc/self/ns/uts")
    host_mnt = os.readlink("/proc/self/ns/mnt")
    host_pidns = os.readlink("/proc/self/ns/pid")
    # host hooks run in the runtime's namespaces
    for name in ("prestart", "createRuntime", "poststart", "poststop"):
        assert (out / f"{name}.uts").read_text().strip() == host_uts, name
        assert (out / f"{name}.mnt").read_text().strip() == host_mnt, name
    # createContainer: the container's namespaces (path resolved on the host, before pivot_root)
    cc_uts = (out / "createContainer.uts").read_text().strip()
    assert cc_uts != host_uts
    assert (out / "createContainer.mnt").read_text().strip() != host_mnt
    assert (out / "createContainer.pidns").read_text().strip() != host_pidns
    # startContainer: inside the container, same uts namespace as createContainer saw
    assert (out / "startContainer.uts").read_text().strip() == cc_uts


def test_create_container_hook_runs_before_pivot_root(bundle, root, container_id, tmp_path):
    """The createContainer path is the host's: a script that exists only outside the rootfs runs,
    and it still sees the host's filesystem (here: the bundle directory) at its host path."""
    out = bundle.rootfs / "hookout"
    out.mkdir()
    script = bundle.path / "only-on-host.sh"
    script.write_text('#!/bin/sh\nls "$1" > "$2/listing"\n')
    script.chmod(0o755)
    assert not (bundle.rootfs / "only-on-host.sh").exists()
    bundle.set_args("true")
    bundle.config["hooks"] = {"createContainer": [
        {"path": str(script), "args": ["x", str(bundle.path), str(out)]}]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    listing = (out / "listing").read_text().split()
    assert "only-on-host.sh" in listing and "config.json" in listing


def test_hook_argv0_is_args0(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("true")
    bundle.config["hooks"] = {
        "prestart": [{"path": "/bin/sh", "args": ["custom-name", "-c", f'echo "$0" > {out}/prestart']}],
        "createContainer": [{"path": "/bin/sh", "args": ["cc-name", "-c", f'echo "$0" > {out}/cc']}],
        # inside the container /bin/busybox picks its applet from argv[0]: with path as argv[0]
        # it would not be a shell at all
        "startContainer": [{"path": "/bin/busybox", "args": ["sh", "-c", 'echo "$0" > /hookout/sc']}],
    }
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert (out / "prestart").read_text().strip() == "custom-name"
    assert (out / "cc").read_text().strip() == "cc-name"
    assert (out / "sc").read_text().strip() == "sh"


SHELL_ADDED = ("PWD=", "OLDPWD=", "SHLVL=", "_=")


def _env_lines(path):
    """The env a shell passed on (in the shell's own order), less what the shell adds."""
    return [l for l in path.read_text().splitlines() if not l.startswith(SHELL_ADDED)]


def test_hook_env_is_exactly_the_hooks_env(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    env = ["FOO=bar baz", "EMPTY=", "PATH=/usr/bin:/bin"]
    # what the shell passes on: the hook's env plus what a shell adds itself (PWD, SHLVL, ...)
    dump = 'cat /proc/self/environ | tr "\\0" "\\n" > {}'
    bundle.set_args("true")
    bundle.config["process"]["env"].append("CONTAINER_ONLY=1")
    bundle.config["hooks"] = {
        "prestart": [{"path": "/bin/sh", "args": ["sh", "-c", dump.format(f"{out}/prestart")], "env": env}],
        "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", dump.format(f"{out}/cc")], "env": env}],
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", dump.format("/hookout/sc")], "env": env}],
        "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", dump.format(f"{out}/poststart")]}],
    }
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, extra=())
    assert proc.returncode == 0, proc.stderr
    proc = rt("start", cid, root=root, env={**os.environ, "LEAK_FROM_CALLER": "1"})
    assert proc.returncode == 0, proc.stderr
    for name in ("prestart", "cc", "sc"):
        assert sorted(_env_lines(out / name)) == sorted(env), name
    # no env in the hook: the runtime's own environment, as runc (Go's nil Cmd.Env), and nothing
    # of the container process's
    got = _env_lines(out / "poststart")
    assert "CONTAINER_ONLY=1" not in got, got
    assert "LEAK_FROM_CALLER=1" in got, got


def test_hooks_of_one_kind_run_in_order(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("true")
    bundle.config["hooks"] = {"prestart": [
        {"path": "/bin/sh", "args": ["sh", "-c", f"echo {i} >> {out}/order"]} for i in range(4)]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert _order(out) == ["0", "1", "2", "3"]


# -- failing hooks -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook_fails_create(kind, bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("sleep", "1000")
    hooks = {k: [{"path": "/bin/sh", "args": ["sh", "-c", f"echo {k} >> {out}/order"]}]
             for k in ("prestart", "createRuntime", "createContainer")}
    hooks[kind] = [
        {"path": "/bin/sh", "args": ["sh", "-c", f"echo {kind} >> {out}/order; cat > {out}/state.json; exit 7"]},
        {"path": "/bin/sh", "args": ["sh", "-c", f"echo after >> {out}/order"]},
    ]
    bundle.config["hooks"] = hooks
    cid = container_id()
    t0 = time.monotonic()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode != 0
    assert kind in proc.stderr, proc.stderr
    assert "exit status 7" in proc.stderr, proc.stderr
    order = _order(out)
    assert order[-1] == kind and "after" not in order, order
    assert "startContainer" not in order
    # nothing left: no state dir, no container process
    assert _dirs(root) == []
    assert rt("state", cid, root=root).returncode != 0
    pid = json.loads((out / "state.json").read_text())["pid"]
    assert pid > 0
    assert _gone(pid), f"container init {pid} still alive after a failing {kind} hook"
    assert time.monotonic() - t0 < 20


def test_failing_start_container_hook_fails_start(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    marker = bundle.rootfs / "ran"
    bundle.set_args("sh", "-c", "touch /ran; sleep 1000")
    bundle.config["hooks"] = {
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 9"]}],
        "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", f"echo poststart >> {out}/order"]}],
    }
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    proc = rt("start", cid, root=root)
    assert proc.returncode != 0
    assert "startContainer" in proc.stderr, proc.stderr
    assert "exit status 9" in proc.stderr, proc.stderr
    # the container is removed: no state, no process, the user process never ran
    assert rt("state", cid, root=root).returncode != 0
    assert _dirs(root) == []
    assert _gone(pid)
    assert not marker.exists()
    assert "poststart" not in _order(out)


def test_failing_poststart_is_a_warning(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("sleep", "1000")
    bundle.config["hooks"] = {"poststart": [
        {"path": "/bin/sh", "args": ["sh", "-c", "exit 4"]},
        {"path": "/bin/sh", "args": ["sh", "-c", f"echo second >> {out}/order"]},
    ]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert "poststart" in proc.stderr, "a failing poststart hook should be warned about"
    assert _order(out) == ["second"]  # the remaining hooks still run
    assert state(cid, root)["status"] == "running"


def test_failing_poststop_is_a_warning(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("true")
    bundle.config["hooks"] = {"poststop": [
        {"path": "/bin/sh", "args": ["sh", "-c", "exit 4"]},
        {"path": "/bin/sh", "args": ["sh", "-c", f"echo second >> {out}/order"]},
    ]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    wait_status(cid, "stopped", root)
    proc = rt("delete", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert "poststop" in proc.stderr, "a failing poststop hook should be warned about"
    assert _order(out) == ["second"]
    assert _dirs(root) == []


def test_poststop_runs_on_delete_force_of_running(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("sleep", "1000")
    bundle.config["hooks"] = {"poststop": [
        {"path": "/bin/sh", "args": ["sh", "-c", f"cat > {out}/poststop.json"]}]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    assert rt("start", cid, root=root).returncode == 0
    proc = rt("delete", "--force", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "poststop.json").read_text())
    assert s["status"] == "stopped" and s["pid"] == 0 and s["id"] == cid
    assert _gone(pid)


# -- timeouts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_hook_timeout_kills_it(kind, bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("sleep", "1000")
    bundle.config["hooks"] = {kind: [
        {"path": "/bin/sh", "args": ["sh", "-c", f"cat > {out}/state.json; exec sleep 10"], "timeout": 1}]}
    cid = container_id()
    t0 = time.monotonic()
    proc, _ = rt_create(bundle, cid, root, timeout=30)
    took = time.monotonic() - t0
    assert proc.returncode != 0
    assert kind in proc.stderr, proc.stderr
    assert "timed out" in proc.stderr or "timeout" in proc.stderr, proc.stderr
    assert took < 6, f"create took {took:.1f}s: the hook was not killed at its 1 s timeout"
    assert _dirs(root) == []
    pid = json.loads((out / "state.json").read_text())["pid"]
    assert _gone(pid)


def test_start_container_timeout_kills_it(bundle, root, container_id, tmp_path):
    bundle.set_args("sleep", "1000")
    bundle.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 10"], "timeout": 1}]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    t0 = time.monotonic()
    proc = rt("start", cid, root=root)
    took = time.monotonic() - t0
    assert proc.returncode != 0
    assert "startContainer" in proc.stderr, proc.stderr
    assert took < 6, f"start took {took:.1f}s: the hook was not killed at its 1 s timeout"
    assert _gone(pid)
    assert _dirs(root) == []


def test_hook_not_found_fails_create(bundle, root, container_id, tmp_path):
    bundle.set_args("true")
    bundle.config["hooks"] = {"prestart": [{"path": "/no/such/hook"}]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode != 0
    assert "prestart" in proc.stderr and "/no/such/hook" in proc.stderr, proc.stderr
    assert _dirs(root) == []


def test_start_container_runs_before_and_poststart_after_the_user_process(bundle, root, container_id, tmp_path):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("sh", "-c", "touch /ran; exec sleep 1000")
    bundle.config["hooks"] = {
        # inside the container: the user process has not run yet
        "startContainer": [{"path": "/bin/sh", "args": [
            "sh", "-c", "if [ -e /ran ]; then echo after; else echo before; fi > /hookout/sc"]}],
        # on the host: the state's pid is already the user process (execve done)
        "poststart": [{"path": "/bin/sh", "args": [
            "sh", "-c", f"cat > {out}/ps.json; sleep 0.3; "
                        f"pid=$(sed 's/.*\"pid\": *\\([0-9]*\\).*/\\1/' {out}/ps.json); "
                        f"tr '\\0' ' ' < /proc/$pid/cmdline > {out}/cmdline"]}],
    }
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, proc.stderr
    assert (out / "sc").read_text().strip() == "before"
    assert (out / "cmdline").read_text().strip() == "sleep 1000"


# -- runc's wording, the hook's output, env and cwd ------------------------------------------------

FAILING = "echo to-out; echo to-err >&2; exit 3"


def _create_or_start(bundle, root, cid, kind):
    """create (and start, for startContainer) with a failing hook #1 of `kind`: the failing call."""
    proc, _ = rt_create(bundle, cid, root)
    if kind != "startContainer":
        return proc
    assert proc.returncode == 0, proc.stderr
    return rt("start", cid, root=root)


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer", "startContainer"])
def test_failing_hook_error_quotes_its_output_in_runcs_words(kind, bundle, root, container_id):
    """runc: "error running <kind> hook #1: exit status 3, stdout: ..., stderr: ..." (Go's
    ExitError and the captured streams); clients and people match on it."""
    bundle.set_args("true")
    bundle.config["hooks"] = {kind: [{"path": "/bin/true"}, {"path": "/bin/sh", "args": ["sh", "-c", FAILING]}]}
    proc = _create_or_start(bundle, root, container_id(), kind)
    assert proc.returncode != 0
    want = f"error running {kind} hook #1: exit status 3, stdout: to-out\\n, stderr: to-err\\n"
    assert want in proc.stderr, proc.stderr


@pytest.mark.parametrize("kind", ["prestart", "createContainer", "startContainer"])
def test_hook_killed_by_a_signal_names_it_as_go_does(kind, bundle, root, container_id):
    bundle.set_args("true")
    bundle.config["hooks"] = {kind: [{"path": "/bin/sh", "args": ["sh", "-c", "kill -SYS $$"]}]}
    proc = _create_or_start(bundle, root, container_id(), kind)
    assert proc.returncode != 0
    assert f"error running {kind} hook #0: signal: bad system call" in proc.stderr, proc.stderr


@pytest.mark.parametrize("kind", ["prestart", "createContainer"])
def test_hook_that_cannot_be_executed_is_fork_exec(kind, bundle, root, container_id):
    bundle.set_args("true")
    bundle.config["hooks"] = {kind: [{"path": "/no/such/hook"}]}
    proc, _ = rt_create(bundle, container_id(), root)
    assert proc.returncode != 0
    assert f"error running {kind} hook #0: fork/exec /no/such/hook: no such file or directory" in proc.stderr, \
        proc.stderr
    assert _dirs(root) == []


def test_hook_output_is_read_while_it_runs(bundle, root, container_id):
    """A hook writing more than a pipe holds is not blocked; the error keeps the start of it."""
    bundle.set_args("true")
    loop = "i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"
    bundle.config["hooks"] = {
        "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", f"{loop}; exit 4"], "timeout": 20}],
        "prestart": [{"path": "/bin/sh", "args": ["sh", "-c", f"{{ {loop}; }} >&2; exit 4"], "timeout": 20}]}
    proc, _ = rt_create(bundle, container_id(), root, timeout=60)
    assert proc.returncode != 0
    assert "error running prestart hook #0: exit status 4, stdout: , stderr: line-0-" in proc.stderr, proc.stderr
    bundle.config["hooks"].pop("prestart")
    proc, _ = rt_create(bundle, container_id(), root, timeout=60)
    assert "error running createContainer hook #0: exit status 4, stdout: line-0-" in proc.stderr, proc.stderr
    assert "ran past" not in proc.stderr


def test_start_container_hook_without_env_gets_the_process_env(bundle, root, container_id):
    """runc (SetDefaultEnv): a startContainer hook without env gets the process's, HOME included;
    a createContainer hook without env gets none."""
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("true")
    bundle.config["process"]["env"] = ["ONE=two", "FOO=bar", "PATH=/bin:/usr/bin"]
    dump = 'cat /proc/self/environ | tr "\\0" "\\n" > {}'
    bundle.config["hooks"] = {
        "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", dump.format(f"{out}/cc")]}],
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", dump.format("/hookout/sc")]}]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    assert sorted(_env_lines(out / "sc")) == ["FOO=bar", "HOME=/root", "ONE=two", "PATH=/bin:/usr/bin"]
    assert _env_lines(out / "cc") == []


def test_create_container_hook_runs_in_the_rootfs(bundle, root, container_id):
    out = bundle.rootfs / "hookout"
    out.mkdir()
    bundle.set_args("true")
    bundle.config["hooks"] = {"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", f"pwd -P > {out}/cwd"]}]}
    proc, _ = rt_create(bundle, container_id(), root)
    assert proc.returncode == 0, proc.stderr
    assert (out / "cwd").read_text().strip() == os.path.realpath(bundle.rootfs)
