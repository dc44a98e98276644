"""Helpers for the conformance cases (the harness itself is tests/support.py).

xfail_runc(reason): the case is expected to fail with runc only (strict: an unexpected pass fails).
checker(...):        run /checker in a bundle made by the cbundle fixture, return its JSON.
"""

from __future__ import annotations

import functools
import json
import subprocess
import time
from pathlib import Path

import pytest

import support
from support import rt, rt_create

IS_RUNC = support.IS_RUNC
IS_CRUN = support.IS_CRUN
IS_PYRUNTIME = not (IS_RUNC or IS_CRUN)


def xfail_runc(reason):
    """Expected to fail for runc 1.1.5 only, with the reason (runc deviates / the spec is ambiguous)."""
    return pytest.mark.xfail(IS_RUNC, reason=f"runc 1.1.5: {reason}", strict=True)


def xfail_crun(reason):
    """Expected to fail for crun 1.8.1 only (reported in the table as xfail, with the reason)."""
    return pytest.mark.xfail(IS_CRUN, reason=f"crun 1.8.1: {reason}", strict=False)


@functools.lru_cache(maxsize=None)
def features() -> dict | None:
    """The runtime's `features` document, or None when it has no `features` command."""
    proc = subprocess.run([support.RUNTIME, "features"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=30)
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return None


def require_feature(path: str, value=None):
    """Skip (naming the optional feature) when the runtime's features document says it lacks it.
    Runtimes without a features document are assumed to have it (the case then shows)."""
    doc = features()
    if doc is None:
        return
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            pytest.skip(f"optional feature {path} not declared in `{support.RUNTIME_NAME} features`")
        node = node[part]
    if value is not None and value not in node:
        pytest.skip(f"optional feature {path}={value} not declared in `{support.RUNTIME_NAME} features`")
    if node is False or (isinstance(node, dict) and node.get("enabled") is False):
        pytest.skip(f"optional feature {path} disabled in `{support.RUNTIME_NAME} features`")


def run_checker(bundle, root, cid, *args, timeout=30, preexec_fn=None) -> dict:
    """Foreground `run` of /checker ARGS; the run must succeed; its JSON output parsed.
    preexec_fn runs in the runtime's process before exec (to set what it inherits)."""
    bundle.config["process"]["args"] = ["/checker", *args]
    bundle.write()
    proc = rt("run", "--bundle", bundle.path, cid, root=root, timeout=timeout, preexec_fn=preexec_fn)
    assert proc.returncode == 0, f"run failed ({proc.returncode}): {proc.stderr.strip()}"
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"checker output is not JSON: {proc.stdout!r} / {proc.stderr!r}")


def create_ok(bundle, cid, root, extra=()):
    proc, out = rt_create(bundle, cid, root, extra=extra)
    assert proc.returncode == 0, f"create failed ({proc.returncode}): {proc.stderr.strip()}"
    return out


def start_ok(cid, root):
    proc = rt("start", cid, root=root)
    assert proc.returncode == 0, f"start failed ({proc.returncode}): {proc.stderr.strip()}"
    return proc


def assert_create_fails(bundle, cid, root):
    """create must fail, and (runtime.md "Errors") leave the environment as if never attempted:
    no container by that id, no state directory left under the root."""
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode != 0, "create succeeded where it MUST generate an error"
    st = rt("state", cid, root=root)
    assert st.returncode != 0, f"a container exists after the failed create: {st.stdout}"
    if root.exists():
        assert cid not in [p.name for p in root.iterdir()], "state directory left after failed create"
    return proc


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in {timeout}s")
        time.sleep(interval)


def host_cgroup_dir(pid: int, controller: str) -> Path:
    """The host cgroup directory of `pid` for a v1 controller (or the v2 unified hierarchy)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if controller in ctrls.split(","):
            return Path("/sys/fs/cgroup") / controller / path.lstrip("/")
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return Path("/sys/fs/cgroup/unified") / line[3:].lstrip("/")
    raise AssertionError(f"pid {pid} has no {controller} cgroup")


def mounts_at(info: dict, target: str) -> list[list[str]]:
    """mountinfo lines (split) whose mount point is `target`, in mount order."""
    out = []
    for line in info["mountinfo"]:
        f = line.split()
        if f[4] == target:
            out.append(f)
    return out


def mount_options(fields: list[str]) -> set[str]:
    """per-mount options (field 6) plus super options (after the '-' separator)."""
    sep = fields.index("-")
    return set(fields[5].split(",")) | set(fields[sep + 3].split(","))


def optional_fields(fields: list[str]) -> list[str]:
    return fields[6:fields.index("-")]


CAPS = (
    "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
    "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO "
    "SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME "
    "SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG "
    "WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE"
).split()


def cap_mask(names) -> int:
    """capability names (CAP_X) -> the bit mask /proc/self/status shows (Cap* lines, hex)."""
    m = 0
    for n in names:
        m |= 1 << CAPS.index(n[4:])
    return m
