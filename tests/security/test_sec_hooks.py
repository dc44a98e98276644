"""Hooks and the state they read: docs/security.md §1.21 (a state over 64 KiB overwrote the init's
Plan), §1.24 (startContainer hooks ran without the seccomp filter) and §1.27 (a hook's timeout
started only after its state was written to a pipe it never read)."""

import json
import time

import pytest

import secutil
import support
from support import rt, rt_create, state

# A state past the old 64 KiB buffer and a pipe's 64 KiB, yet small enough that the old runtime
# could still send two of them in one sync message (a SEQPACKET message is limited by wmem_default,
# 208 KiB here): so the old failure is the one each test names, not "Message too long".
BIG = 90 * 1024


def _hookout(bundle):
    """A host directory bound at /hookout: writable even with a read-only root."""
    out = bundle.path / "hookout"
    out.mkdir()
    secutil.add_mount(bundle, "/hookout", "bind", out, ["bind"])
    return out


@pytest.mark.parametrize("size", [70 * 1024, 4 << 20], ids=["70KiB", "4MiB"])
def test_large_state_reaches_hooks_and_keeps_the_plan(size, bundle, root, container_id):
    """§1.21. Guards: the init kept hook states in a fixed 64 KiB buffer and wrote two NUL bytes at
    states[len] for any len, past the buffer onto the Plan (noNewPrivileges and root.readonly were
    silently lost), and the in-container hooks read a truncated state. Any size must work: a
    state is not capped (4 MiB did not even fit the old sync message: "Message too long")."""
    out = _hookout(bundle)
    bundle.config["annotations"] = {"big": "x" * size, "small": "y"}
    bundle.config["root"]["readonly"] = True
    bundle.config["process"]["noNewPrivileges"] = True
    bundle.config["hooks"] = {
        # before pivot_root the host's paths are visible: the host's sh, writing into the bundle
        "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", f"cat > {out}/cc.json"]}],
        # after `start`, inside the container: busybox sh
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /hookout/sc.json"]}],
    }
    proc = secutil.sh(bundle, container_id(), root,
                      "grep ^NoNewPrivs: /proc/self/status; touch /x 2>&1; echo done")
    assert proc.returncode == 0, proc.stderr
    assert "NoNewPrivs:\t1" in proc.stdout, proc.stdout
    assert "Read-only file system" in proc.stdout, proc.stdout
    for name, status in (("cc.json", "creating"), ("sc.json", "created")):
        st = json.loads((out / name).read_text())  # the whole state: a truncated one does not parse
        assert st["annotations"] == {"big": "x" * size, "small": "y"}, name
        assert st["status"] == status, (name, st["status"])


SECCOMP_NO_MKDIR = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
}


@pytest.mark.parametrize("nnp", [True, False])
def test_start_container_hook_runs_under_seccomp(nnp, bundle, root, container_id):
    """§1.24. Guards: with noNewPrivileges the init loaded the filter after it had run the
    startContainer hooks (binaries of the image, run with the container's credentials), so they
    ran unfiltered. runc installs the filter before it waits for `start`."""
    out = _hookout(bundle)
    bundle.config["process"]["noNewPrivileges"] = nnp
    bundle.config["linux"]["seccomp"] = SECCOMP_NO_MKDIR
    bundle.config["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": [
        "sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status > /hookout/status; "
                    "mkdir /hookout/made 2>/dev/null; echo mkdir=$? >> /hookout/status"]}]}
    bundle.set_args("true")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    assert rt("start", cid, root=root).returncode == 0
    status = (out / "status").read_text()
    assert "Seccomp:\t2" in status, status
    assert "mkdir=1" in status and not (out / "made").exists(), status
    assert ("NoNewPrivs:\t1" if nnp else "NoNewPrivs:\t0") in status, status


@pytest.mark.parametrize("kind", ["prestart", "createContainer"])
def test_hook_timeout_holds_with_a_large_state(kind, bundle, root, container_id):
    """§1.27. Guards: the state was written to the hook's stdin pipe before the timeout started,
    so a hook that never reads it blocked `create` for as long as it liked (here 20 s against a
    1 s timeout); the parent's hooks (prestart) and the init's (createContainer) both did."""
    bundle.config["annotations"] = {"big": "x" * BIG}
    bundle.set_args("true")
    bundle.config["hooks"] = {kind: [{"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 20"], "timeout": 1}]}
    cid = container_id()
    t0 = time.monotonic()
    proc, _ = rt_create(bundle, cid, root, timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode != 0, "a hook past its timeout must fail create"
    assert kind in proc.stderr and "hook ran past specified timeout of 1.0s" in proc.stderr, proc.stderr
    assert took < 8, f"create took {took:.1f}s: the 1 s timeout did not hold"
    assert not any(root.iterdir())


def test_start_container_timeout_holds_with_a_large_state(bundle, root, container_id):
    """§1.27, startContainer (the init writes its state after `start`). Guards as above."""
    bundle.config["annotations"] = {"big": "x" * BIG}
    bundle.set_args("sleep", "1000")
    bundle.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 20"], "timeout": 1}]}
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    pid = state(cid, root)["pid"]
    t0 = time.monotonic()
    proc = rt("start", cid, root=root, timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode != 0 and "startContainer" in proc.stderr, proc.stderr
    assert "hook ran past specified timeout of 1.0s" in proc.stderr, proc.stderr
    assert took < 8, f"start took {took:.1f}s: the 1 s timeout did not hold"
    deadline = time.monotonic() + 5
    while support.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not support.pid_alive(pid)
