"""Hooks and exec in the Plan and on the wire; the parent's hook runner and exec's process
overrides.  No root, no container: plain data and host processes (/bin/sh)."""
import os
import time

import pytest

from pyruntime import hooks as H
from pyruntime import plan as P
from pyruntime import plan_wire as W
from pyruntime.defaults import default_config
from pyruntime.errors import ConfigError, RuntimeFailure


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs" / "etc").mkdir(parents=True)
    (tmp_path / "rootfs" / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n")
    return str(tmp_path)


def config(**over):
    c = default_config()
    c["process"]["terminal"] = False
    c.update(over)
    return c


def build(cfg, bundle, **kw):
    return P.build_plan(cfg, bundle, P.Host("", 40, True), **kw)


HOOKS = {
    "prestart": [{"path": "/usr/bin/pre", "args": ["pre", "x"]}],
    "createRuntime": [{"path": "/usr/bin/cr"}],
    "createContainer": [
        {"path": "/usr/bin/cc1", "args": ["cc-one", "-a", "b c"], "env": ["A=1", "B="], "timeout": 5},
        {"path": "/usr/bin/cc2"},
    ],
    "startContainer": [{"path": "/bin/sc", "args": ["sc"], "env": ["PATH=/bin"], "timeout": 2}],
    "poststart": [{"path": "/usr/bin/ps"}],
    "poststop": [{"path": "/usr/bin/pst"}],
}


def records(data):
    """[(tag, payload)] of an encoded plan; every length must land exactly on the next header."""
    assert int.from_bytes(data[:4], "little") == W.MAGIC
    off, out = 8, []
    while off < len(data):
        tag, n = int.from_bytes(data[off:off + 4], "little"), int.from_bytes(data[off + 4:off + 8], "little")
        out.append((tag, data[off + 8:off + 8 + n]))
        off += 8 + n
    assert off == len(data)
    return out


def parse_hook(payload):
    kind, timeout, nargs, nenv = (int.from_bytes(payload[i:i + 4], "little") for i in range(0, 16, 4))
    strings = payload[16:].split(b"\0")
    assert strings[-1] == b""  # every string NUL-terminated
    strings = [s.decode() for s in strings[:-1]]
    assert len(strings) == 1 + nargs + nenv
    return kind, timeout, strings[0], strings[1:1 + nargs], strings[1 + nargs:]


# -- the plan ------------------------------------------------------------------------------------

def test_plan_holds_only_the_in_container_hooks(bundle):
    plan = build(config(hooks=HOOKS), bundle)
    assert plan.hooks == [
        (P.HOOK_CREATE_CONTAINER, 5, "/usr/bin/cc1", ["cc-one", "-a", "b c"], ["A=1", "B="]),
        (P.HOOK_CREATE_CONTAINER, 0, "/usr/bin/cc2", [], []),
        (P.HOOK_START_CONTAINER, 2, "/bin/sc", ["sc"], ["PATH=/bin"]),
    ]


def test_no_hooks_no_hook_records(bundle):
    plan = build(config(), bundle)
    assert plan.hooks == []
    assert all(tag != W.T_HOOK for tag, _ in records(W.encode(plan)))


def test_only_host_hooks_no_hook_records(bundle):
    hooks = {k: v for k, v in HOOKS.items() if k not in ("createContainer", "startContainer")}
    plan = build(config(hooks=hooks), bundle)
    assert plan.hooks == []
    assert all(tag != W.T_HOOK for tag, _ in records(W.encode(plan)))


# -- the wire ------------------------------------------------------------------------------------

def test_wire_hook_records(bundle):
    plan = build(config(hooks=HOOKS), bundle)
    recs = records(W.encode(plan))
    hooks = [parse_hook(p) for tag, p in recs if tag == W.T_HOOK]
    assert hooks == [
        (0, 5, "/usr/bin/cc1", ["cc-one", "-a", "b c"], ["A=1", "B="]),
        (0, 0, "/usr/bin/cc2", [], []),
        (1, 2, "/bin/sc", ["sc"], ["PATH=/bin"]),
    ]


def test_wire_hooks_sync_flag(bundle):
    """The Plan decides whether the init stops for the parent's hooks (any create-time hook, the
    parent's or the init's); poststart/poststop alone do not; the wire carries the decision."""
    def flags(data):
        (payload,) = [p for tag, p in records(data) if tag == W.T_FLAGS]
        return int.from_bytes(payload, "little")
    plan = build(config(hooks=HOOKS), bundle)
    assert plan.flags & P.F_HOOKS_SYNC
    assert flags(W.encode(plan)) & P.F_HOOKS_SYNC
    assert build(config(hooks={"prestart": [{"path": "/bin/true"}]}), bundle).flags & P.F_HOOKS_SYNC
    assert not build(config(hooks={"poststart": [{"path": "/bin/true"}], "poststop": [{"path": "/bin/true"}]}),
                     bundle).flags & P.F_HOOKS_SYNC
    plan = build(config(), bundle)
    assert not plan.flags & P.F_HOOKS_SYNC
    assert not flags(W.encode(plan)) & P.F_HOOKS_SYNC


def test_wire_rejects_nul_in_hook(bundle):
    hooks = {"createContainer": [{"path": "/bin/x", "args": ["a\0b"]}]}
    plan = build(config(hooks=hooks), bundle)
    with pytest.raises(ConfigError, match="NUL byte"):
        W.encode(plan)


# -- exec plans ----------------------------------------------------------------------------------

ALL_NS = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"]
NS_FILE = {"pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc", "uts": "uts", "user": "user",
           "cgroup": "cgroup", "time": "time"}


def exec_process(**over):
    p = {"args": ["sh", "-c", "true"], "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}
    p.update(over)
    return p


def exec_config(bundle, namespaces):
    c = config()
    c["linux"]["namespaces"] = [{"type": t} for t in namespaces]
    return c


def test_exec_plan_joins_every_namespace_by_proc_path(bundle):
    plan = P.build_exec_plan(exec_process(), exec_config(bundle, ALL_NS), 4242, P.Host("", 40, True))
    assert plan.flags & P.F_EXEC
    assert sorted(plan.namespaces) == sorted((P.NAMESPACES[t], f"/proc/4242/ns/{NS_FILE[t]}") for t in ALL_NS)


def test_exec_plan_joins_the_inits_namespaces_even_when_config_had_paths(bundle):
    c = exec_config(bundle, [])
    c["linux"]["namespaces"] = [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/x"}, {"type": "mount"}]
    plan = P.build_exec_plan(exec_process(), c, 17, P.Host("", 40, True))
    assert sorted(plan.namespaces) == sorted([(P.CLONE_NEWPID, "/proc/17/ns/pid"), (P.CLONE_NEWNET, "/proc/17/ns/net"),
                                              (P.CLONE_NEWNS, "/proc/17/ns/mnt")])


def test_exec_plan_on_the_wire(bundle):
    plan = P.build_exec_plan(exec_process(), exec_config(bundle, ["pid", "uts", "mount"]), 99,
                             P.Host("", 40, True), preserve_fds=2)
    recs = records(W.encode(plan, console_fd=-1))
    (flags,) = [int.from_bytes(p, "little") for tag, p in recs if tag == W.T_FLAGS]
    assert flags & P.F_EXEC
    ns = sorted((int.from_bytes(p[:4], "little"), p[4:].rstrip(b"\0").decode()) for tag, p in recs if tag == W.T_NS)
    assert ns == sorted([(P.CLONE_NEWPID, "/proc/99/ns/pid"), (P.CLONE_NEWUTS, "/proc/99/ns/uts"),
                         (P.CLONE_NEWNS, "/proc/99/ns/mnt")])
    assert not any(tag in (W.T_ROOTFS, W.T_MOUNT, W.T_HOOK) for tag, _ in recs)
    args = [p.rstrip(b"\0").decode() for tag, p in recs if tag == W.T_ARG]
    assert args == ["sh", "-c", "true"]


def test_exec_plan_has_no_hooks_and_no_rootfs_work(bundle):
    c = exec_config(bundle, ["pid", "mount"])
    c["hooks"] = HOOKS
    plan = P.build_exec_plan(exec_process(), c, 5, P.Host("", 40, True))
    assert plan.hooks == [] and plan.mounts == [] and plan.rootfs == ""


def test_exec_plan_process(bundle):
    proc = exec_process(args=["id"], env=["A=1"], cwd="/tmp", user={"uid": 1000, "gid": 1000, "additionalGids": [5]},
                        noNewPrivileges=True, terminal=True, consoleSize={"height": 10, "width": 20})
    plan = P.build_exec_plan(proc, exec_config(bundle, ["pid"]), 5, P.Host("", 40, True), console=True)
    assert plan.args == ["id"] and plan.cwd == "/tmp"
    # HOME: the init looks it up inside the container (docs/security.md §1.22)
    assert plan.env == ["A=1"] and plan.flags & P.F_HOME
    assert (plan.uid, plan.gid, plan.groups) == (1000, 1000, [5])
    assert plan.flags & P.F_NO_NEW_PRIVS and plan.flags & P.F_TERMINAL
    assert plan.console_size == (10, 20)


@pytest.mark.parametrize("bad, where", [
    ({"args": []}, "process.args"),
    ({"cwd": "relative"}, "process.cwd"),
])
def test_exec_plan_rejects(bundle, bad, where):
    with pytest.raises(ConfigError) as e:
        P.build_exec_plan(exec_process(**bad), exec_config(bundle, ["pid"]), 5, P.Host("", 40, True))
    assert where in str(e.value) or where in getattr(e.value, "message", "")


def test_exec_plan_console_needs_terminal(bundle):
    with pytest.raises(ConfigError):
        P.build_exec_plan(exec_process(terminal=False), exec_config(bundle, ["pid"]), 5, P.Host("", 40, True),
                          console=True)


# -- exec's process overrides (container._exec_process) -------------------------------------------

def _exec_proc(**kw):
    from pyruntime.container import _exec_process
    cfg = {"process": {"args": ["sleep", "1"], "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/",
                       "terminal": True, "user": {"uid": 0, "gid": 0},
                       "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
                                        "permitted": ["CAP_KILL"]}}}
    args = kw.pop("args", ["ls"])
    return _exec_process(cfg, kw.pop("process_file", None), args, **kw)


def test_exec_overrides_caps_never_inheritable_or_ambient():
    p = _exec_proc(caps=["CAP_SYS_ADMIN", "net_raw"])
    caps = p["capabilities"]
    for k in ("bounding", "effective", "permitted"):
        assert "CAP_SYS_ADMIN" in caps[k] and "CAP_NET_RAW" in caps[k] and "CAP_KILL" in caps[k]
    for k in ("inheritable", "ambient"):
        assert "CAP_SYS_ADMIN" not in caps.get(k, []) and "CAP_NET_RAW" not in caps.get(k, [])


def test_exec_cap_goes_to_ambient_when_the_config_has_inheritable():
    """runc: `exec --cap` adds to ambient when config.json names an inheritable set (ambient is
    raised only if inheritable there too); never to inheritable itself."""
    from pyruntime.container import _exec_process
    cfg = {"process": {"args": ["sleep", "1"], "cwd": "/", "capabilities": {
        "bounding": ["CAP_KILL", "CAP_SYSLOG"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
        "inheritable": ["CAP_SYSLOG", "CAP_CHOWN"], "ambient": ["CAP_CHOWN"]}}}
    caps = _exec_process(cfg, None, ["ls"], caps=["CAP_SYSLOG"])["capabilities"]
    assert caps["ambient"] == ["CAP_CHOWN", "CAP_SYSLOG"]
    assert caps["inheritable"] == ["CAP_SYSLOG", "CAP_CHOWN"]
    assert "CAP_SYSLOG" in caps["permitted"] and "CAP_SYSLOG" in caps["effective"]


def test_exec_overrides_env_cwd_user_tty():
    p = _exec_proc(args=["id"], env=["A=1"], cwd="/work", user="7:8", groups=["9"], tty=False, no_new_privs=True)
    assert p["args"] == ["id"]
    assert p["env"] == ["PATH=/bin", "TERM=xterm", "A=1"]
    assert p["cwd"] == "/work"
    assert p["user"]["uid"] == 7 and p["user"]["gid"] == 8 and p["user"]["additionalGids"] == [9]
    assert p["terminal"] is False  # -t decides, not config.json
    assert p["noNewPrivileges"] is True
    assert _exec_proc(tty=True)["terminal"] is True


def test_exec_process_file_is_used_as_is(tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{"args": ["x"], "cwd": "/y", "env": []}')
    assert _exec_proc(process_file=str(f), args=[]) == {"args": ["x"], "cwd": "/y", "env": []}


def test_exec_without_command_fails():
    with pytest.raises(RuntimeFailure):
        _exec_proc(args=[])


def test_exec_bad_user_fails():
    with pytest.raises(RuntimeFailure):
        _exec_proc(user="root")


# -- the parent's hook runner (host processes, no root needed) ------------------------------------

STATE = {"ociVersion": "1.0.2", "id": "c1", "status": "creating", "pid": 1234, "bundle": "/b", "annotations": {}}


def test_state_json_statuses():
    import json
    s = json.loads(H.state_json(STATE, "running"))
    assert s["status"] == "running" and s["pid"] == 1234 and s["id"] == "c1"
    s = json.loads(H.state_json(STATE, "stopped"))
    assert s["status"] == "stopped" and s["pid"] == 0
    assert STATE["status"] == "creating" and STATE["pid"] == 1234  # the input is not changed


def test_run_hook_stdin_argv0_env(tmp_path):
    out = tmp_path / "out"
    script = f'echo "$0" > {out}; cat >> {out}; echo >> {out}; echo "[$FOO][$HOME]" >> {out}'
    hook = {"path": "/bin/sh", "args": ["my-argv0", "-c", script],
            "env": ["FOO=bar"]}
    H.run_hook("prestart", 0, hook, H.state_json(STATE, "creating"))
    lines = out.read_text().splitlines()
    assert lines[0] == "my-argv0"
    assert '"status":"creating"' in lines[1].replace(" ", "")
    assert lines[2] == "[bar][]"


def test_run_hook_failure_names_the_hook_and_status():
    hook = {"path": "/bin/sh", "args": ["sh", "-c", "echo oops; exit 3"]}
    with pytest.raises(RuntimeFailure) as e:
        H.run_hook("createRuntime", 2, hook, "{}")
    msg = e.value.message
    assert "createRuntime" in msg and "#2" in msg and "exit status 3" in msg and "oops" in msg


def test_run_hook_missing_path():
    with pytest.raises(RuntimeFailure) as e:
        H.run_hook("prestart", 0, {"path": "/no/such/hook"}, "{}")
    assert "prestart" in e.value.message and "/no/such/hook" in e.value.message


def test_run_hook_timeout_kills():
    hook = {"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 10"], "timeout": 1}
    t0 = time.monotonic()
    with pytest.raises(RuntimeFailure) as e:
        H.run_hook("prestart", 0, hook, "{}")
    assert time.monotonic() - t0 < 5
    assert "prestart" in e.value.message and "hook ran past specified timeout of" in e.value.message


def test_run_hook_that_ignores_stdin():
    # a large state and a hook that never reads it must not block or fail the runtime
    hook = {"path": "/bin/sh", "args": ["sh", "-c", "exit 0"]}
    H.run_hook("prestart", 0, hook, "{" + " " * 1_000_000 + "}")


def test_run_warns_instead_of_failing_and_continues(tmp_path):
    out = tmp_path / "second"
    hooks = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 1"]},
                           {"path": "/bin/sh", "args": ["sh", "-c", f"touch {out}"]}]}
    warnings = []
    H.run("poststart", hooks, "{}", warn=warnings.append)
    assert len(warnings) == 1 and "poststart" in warnings[0]
    assert out.exists()


def test_run_stops_at_the_first_failure(tmp_path):
    out = tmp_path / "second"
    hooks = {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 1"]},
                          {"path": "/bin/sh", "args": ["sh", "-c", f"touch {out}"]}]}
    with pytest.raises(RuntimeFailure):
        H.run("prestart", hooks, "{}")
    assert not out.exists()


def test_hook_state_is_a_sealed_memfd():
    """docs/security.md §1.21/§1.27: a state of any size is a sealed memfd read as stdin, never a pipe
    written before the hook's timeout runs; a hook cannot change what the next one reads."""
    import errno
    from pyruntime import hooks
    text = "x" * (1 << 20)
    fd = hooks.state_fd(text)
    try:
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0
        assert os.read(fd, 2 << 20) == text.encode()
        with pytest.raises(OSError) as e:
            os.pwrite(fd, b"y", 0)
        assert e.value.errno == errno.EPERM
    finally:
        os.close(fd)


def test_launch_parse_fds():
    import struct
    from pyruntime.launch import parse_fds
    assert parse_fds([(1, 1, struct.pack("2i", 7, 9))]) == [7, 9]  # SOL_SOCKET, SCM_RIGHTS
    assert parse_fds([(1, 1, struct.pack("i", 7) + b"\0\0")]) == [7]  # a partial int is not an fd
    assert parse_fds([(0, 1, struct.pack("i", 7))]) == []
