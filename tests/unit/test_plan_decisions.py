"""build_plan is the one place a create's decisions are made (issue 15, part 2): what create and
exec used to add after it (socket activation, the relay and its size, the notify socket, the
keyring, the hooks' stop) is in the Plan; the host's state comes in as a Host; nothing is written;
what only the parent uses is in plan.parent. Asserted on data."""
import os

import pytest

from pyruntime import plan as P
from pyruntime.defaults import default_config
from pyruntime.plan_wire import T_FDS, encode


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs").mkdir()
    return str(tmp_path)


def cfg(terminal=False, **over):
    c = default_config()
    c["process"]["terminal"] = terminal
    c.update(over)
    return c


def host(**kw):
    return P.Host("", 40, True, **kw)


def fds_record(plan):
    data = encode(plan)
    at = 8
    while at < len(data):
        tag, n = int.from_bytes(data[at:at + 4], "little"), int.from_bytes(data[at + 4:at + 8], "little")
        if tag == T_FDS:
            return data[at + 8:at + 8 + n]
        at += 8 + n
    raise AssertionError("no T_FDS record")


def test_socket_activation_is_planned(bundle):
    plan = P.build_plan(cfg(), bundle, host(listen_fds=2), preserve_fds=1)
    assert plan.preserve_fds == 3
    assert plan.env[-2:] == ["LISTEN_FDS=2", "LISTEN_PID=1"]
    assert int.from_bytes(fds_record(plan)[8:12], "little") == 3  # the init keeps fds 3..5
    plain = P.build_plan(cfg(), bundle, host(), preserve_fds=1)
    assert plain.preserve_fds == 1 and not any(e.startswith("LISTEN_") for e in plain.env)


def test_socket_activation_for_exec(bundle):
    c = cfg()
    plan = P.build_exec_plan(dict(c["process"]), c, 5, host(listen_fds=1))
    assert plan.preserve_fds == 1 and plan.env[-2:] == ["LISTEN_FDS=1", "LISTEN_PID=1"]


def test_foreground_terminal_is_relayed_at_the_callers_size(bundle):
    plan = P.build_plan(cfg(terminal=True), bundle, host(terminal_size=(40, 120)), detached=False)
    assert plan.parent.relay and plan.flags & P.F_RELAY
    assert plan.console_size == (40, 120)
    # with a console socket the caller's end is not ours, and its size is not read
    sock = P.build_plan(cfg(terminal=True), bundle, host(terminal_size=(40, 120)), console=True, detached=False)
    assert not sock.parent.relay and not sock.flags & P.F_RELAY and sock.console_size == (0, 0)
    # a caller without a terminal: the config's size stays
    c = cfg(terminal=True)
    c["process"]["consoleSize"] = {"height": 10, "width": 20}
    assert P.build_plan(c, bundle, host(terminal_size=()), detached=False).console_size == (10, 20)


def test_exec_terminal_relay(bundle):
    c = cfg()
    proc = dict(c["process"], terminal=True)
    plan = P.build_exec_plan(proc, c, 5, host(terminal_size=(7, 9)), detached=False)
    assert plan.parent.relay and plan.flags & P.F_RELAY and plan.console_size == (7, 9)


def test_keyring(bundle):
    assert P.build_plan(cfg(), bundle, host(), cid="web").keyring == "_ses.web"
    assert P.build_plan(cfg(), bundle, host(), cid="web", no_new_keyring=True).keyring is None


def test_notify_socket_mount_and_env(bundle, tmp_path):
    state = str(tmp_path / "state" / "c1")
    c = cfg()
    c["process"]["env"] = ["NOTIFY_SOCKET=/elsewhere", "A=1"]
    plan = P.build_plan(c, bundle, host(notify_socket="/run/systemd/notify"), state_dir=state)
    assert plan.parent.notify_socket == "/run/systemd/notify"
    [m] = [m for m in plan.mounts if m.destination == "/run/notify"]
    assert m.source == os.path.join(state, "notify") and m.extra & P.M_BIND
    assert plan.env == ["A=1", "NOTIFY_SOCKET=/run/notify/notify.sock"]
    assert not os.path.exists(os.path.join(state, "notify"))  # the caller makes it
    plain = P.build_plan(cfg(), bundle, host(), state_dir=state)
    assert plain.parent.notify_socket is None and not any(m.destination == "/run/notify" for m in plain.mounts)


def test_parent_only_fields_are_apart(bundle):
    c = cfg()
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    plan = P.build_plan(c, bundle, host())
    assert plan.parent.uid_mappings == [(0, 1000, 1)] and plan.parent.gid_mappings == [(0, 1000, 1)]
    for name in ("uid_mappings", "gid_mappings", "new_userns", "seccomp_listener", "notes", "relay"):
        assert not hasattr(plan, name), name


def test_seccomp_cache_is_read_not_written(bundle, tmp_path):
    cache = str(tmp_path / "cache" / "seccomp")
    c = cfg()
    c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                             "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
    plan = P.build_plan(c, bundle, host(seccomp_cache=cache))
    assert plan.seccomp and not os.path.exists(cache)  # building wrote nothing
    f = plan.parent.seccomp_filter
    assert f is not None and f.cache_key
    from pyruntime import seccomp
    seccomp.store(f)
    assert os.listdir(cache) == [f.cache_key + ".bpf"]
    again = P.build_plan(c, bundle, host(seccomp_cache=cache))
    assert again.seccomp == plan.seccomp and again.parent.seccomp_filter is None  # a hit: nothing to store


def test_readonly_covering_kernel_submounts_is_decided_here(bundle, tmp_path):
    """Which read-only mounts make the kernel interfaces below them read-only (M_RO_KERNEL): the
    init no longer infers it from the flags."""
    src = str(tmp_path)
    c = cfg()
    c["mounts"] = [
        {"destination": "/a", "type": "bind", "source": src, "options": ["rbind", "ro"]},
        {"destination": "/b", "type": "bind", "source": src, "options": ["bind", "ro"]},
        {"destination": "/c", "type": "bind", "source": src, "options": ["rbind", "rw"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid"]},
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["ro"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]},
    ]
    plan = P.build_plan(c, bundle, host())
    marked = {m.destination for m in plan.mounts if m.extra & P.M_RO_KERNEL}
    assert marked == {"/a", "/sys", "/dev/mqueue"}


def test_readonly_host_cgroup_binds_are_marked(bundle):
    """Without a cgroup namespace the host's hierarchies are bound recursively, read-only all the
    way down when the cgroup mount is read-only."""
    mountinfo = "30 20 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
    c = cfg()
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "cgroup"]
    plan = P.build_plan(c, bundle, P.Host(mountinfo, 40, True))
    [cg] = [m for m in plan.mounts if m.destination == "/sys/fs/cgroup"]
    assert cg.extra & P.M_BIND and cg.extra & P.M_RO_KERNEL


def test_host_names_the_seccomp_cache_without_importing_it():
    from pyruntime import seccomp
    assert P.SECCOMP_CACHE_DIR == seccomp.DEFAULT_CACHE_DIR
