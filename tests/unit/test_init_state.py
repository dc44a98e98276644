"""state.json of a container whose init is up: the one spelling create and restore both save."""
from pyruntime.container.lifecycle import init_state


class _Cgroup:
    def to_state(self):
        return {"driver": "cgroupfs"}


def _state(namespaces):
    config = {"ociVersion": "1.2.0", "linux": {"namespaces": namespaces},
              "hooks": {"poststop": [{"path": "/bin/true"}], "prestart": [{"path": "/bin/true"}]}}
    return init_state(config, "c1", 42, 777, "/b", "/b/rootfs", config["hooks"], _Cgroup(), "")


def test_shared_pid_follows_the_pid_namespace():
    """Guards restore too: it saved its own copy of this dict, without shared_pid, so kill KILL of a
    restored container without a pid namespace signalled only the init (create's state had it)."""
    assert _state([{"type": "mount"}])["shared_pid"] is True
    assert _state([{"type": "pid", "path": "/proc/1/ns/pid"}])["shared_pid"] is True
    assert _state([{"type": "pid"}, {"type": "mount"}])["shared_pid"] is False


def test_fields_the_c_front_and_status_read():
    s = _state([{"type": "pid"}])
    assert (s["id"], s["pid"], s["pid_start"], s["rootfs"]) == ("c1", 42, 777, "/b/rootfs")
    assert s["hooks"] == {"poststop": [{"path": "/bin/true"}]} and s["namespaces"] == ["pid"]
    assert s["cgroup"] == {"driver": "cgroupfs"} and s["created"].endswith("Z")
