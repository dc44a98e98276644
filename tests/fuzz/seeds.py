"""Write the fuzz targets' seed inputs (valid inputs the mutations start from) into DIR/<target>/.

    python3 tests/fuzz/seeds.py DIR

Plans are real ones: pyruntime's own Plan encoder over configs that use every record type, so
the decoder is fuzzed from the wire format the runtime writes. Run from the repository (the
package is imported from it) or with a Python that has pyruntime installed.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from pyruntime import plan as P
from pyruntime import plan_wire as W
from pyruntime.defaults import default_config


def plans(tmp):
    os.makedirs(os.path.join(tmp, "rootfs"), exist_ok=True)
    host = P.Host("", 40, True)
    base = default_config()
    base["process"]["terminal"] = False
    yield "default", W.encode(P.build_plan(base, tmp, host))
    c = default_config()
    c["process"]["terminal"] = False
    c["hostname"], c["domainname"] = "h", "d"
    c["process"]["user"] = {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [1, 2, 3]}
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20}]
    c["process"]["oomScoreAdj"] = 5
    c["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 3}
    c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 3}
    c["process"]["execCPUAffinity"] = {"initial": "0", "final": "0-1"}
    c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]
    c["linux"]["namespaces"].append({"type": "time"})
    c["linux"]["timeOffsets"] = {"monotonic": {"secs": 5, "nanosecs": 7}}
    c["linux"]["personality"] = {"domain": "LINUX"}
    c["mounts"].append({"destination": "/b", "type": "bind", "source": "/tmp", "options": ["rbind", "ro"]})
    c["mounts"].append({"destination": "/t", "type": "tmpfs", "source": "t", "options": ["tmpcopyup"]})
    c["hooks"] = {"createContainer": [{"path": "/bin/true", "args": ["true", "a"], "env": ["A=1"], "timeout": 3}],
                  "startContainer": [{"path": "/bin/true"}]}
    plan = P.build_plan(c, tmp, host)
    plan.seccomp = struct.pack("<HBBI", 6, 0, 0, 0x7fff0000)  # one RET ALLOW
    plan.seccomp_flags = 1
    plan.preserve_fds = 2
    assert plan.flags & P.F_HOOKS_SYNC  # the hooks above make the init stop for them
    yield "full", W.encode(plan, console_fd=5, statedir_fd=6, cgroup_fds=(7, [8, 9]))
    c = default_config()
    c["process"]["terminal"] = False
    c["mounts"].append({"destination": "/i", "type": "bind", "source": "/tmp", "options": ["bind", "idmap"],
                        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                        "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]})
    plan = P.build_plan(c, tmp, host)
    yield "idmap", W.encode(plan)
    proc = {"args": ["sh", "-c", "id"], "cwd": "/", "env": ["PATH=/bin"], "terminal": True}
    yield "exec", W.encode(P.build_exec_plan(proc, base, 42, host, console=True), console_fd=4)


def cmsg(level, kind, data):
    """struct cmsghdr (size_t len, int level, int type) + data, padded to CMSG_SPACE."""
    raw = struct.pack("=Qii", 16 + len(data), level, kind) + data
    return raw + b"\0" * (-len(raw) % 8)


def sync_input(flags, cap, maxfds, control, message):
    return struct.pack("<BBBH", flags, cap, maxfds, len(control)) + control + message


def syncs():
    go = struct.pack("<I", 1)
    yield "go", sync_input(0, 0, 0, b"", go)
    yield "maps_done", sync_input(0, 0, 0, b"", struct.pack("<I", 3))
    yield "hooks_done", sync_input(0, 0, 2, cmsg(1, 1, struct.pack("=2i", 5, 6)), struct.pack("<I", 6))
    yield "payload", sync_input(0, 64, 0, b"", go + b"x" * 64)
    yield "truncated", sync_input(1, 8, 0, b"", go + b"12345678")
    yield "two_cmsgs", sync_input(0, 0, 4, cmsg(1, 1, struct.pack("=i", 5)) + cmsg(1, 1, struct.pack("=3i", 6, 7, 8)),
                                  go)
    yield "creds", sync_input(0, 0, 1, cmsg(1, 2, struct.pack("=3i", 1, 0, 0)), go)


def passwds():
    yield "busybox", b"\0root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    yield "debian", (b"\x01" + b"".join(b"u%d:x:%d:%d:User %d,,,:/home/u%d:/bin/bash\n" % (i, i, i, i, i)
                                        for i in range(0, 300, 7)))
    yield "odd", (b"\x00" + b"# comment\n\n  \t \nbroken line\nroot:x:+0:0::/r:/bin/sh\r\n"
                  b"a:b:-0:0::/neg\nx:y:007:7:z:/seven:/s:extra:fields\nlast:x:1:1::/no-newline")
    yield "long", b"\x05" + b"a" * 3000 + b"\nu:x:5:5::/five:/bin/sh\n"
    # past the reader's 64 KiB line bound, which the mutations alone reach slowly
    yield "too_long", b"\x05" + b"u:x:5:5::/five:/bin/sh\n" + b"b" * 66000 + b"\n"


def main(out):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for target, gen in (("plan", plans(tmp)), ("sync", syncs()), ("passwd", passwds())):
            d = os.path.join(out, target)
            os.makedirs(d, exist_ok=True)
            for name, data in gen:
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
