"""The starter config.json that `pyruntime spec [--rootless]` writes.

Mirrors runc's ``libcontainer/specconv/example.go`` (Example + ToRootless), with three choices:

* hostname "pyruntime" instead of "runc"; ociVersion is ``pyruntime.OCI_VERSION``;
* capabilities carry bounding/effective/permitted only: no inheritable (CVE-2022-29162) and no
  ambient (runc 1.1.5 still wrote ambient; runc dropped it later, `3e3f96034`);
* the cgroup namespace is added only when /sys/fs/cgroup is cgroup v2 (unified), as runc does.

maskedPaths/readonlyPaths are runc 1.1.5's lists.
"""

import os

from pyruntime import OCI_VERSION
from pyruntime.errors import RuntimeFailure

HOSTNAME = "pyruntime"
SPEC_FILE = "config.json"

DEFAULT_CAPS = ("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE")

MASKED_PATHS = (
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
)

READONLY_PATHS = (
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
)


def _cgroup2_unified():
    # runc checks statfs("/sys/fs/cgroup").f_type == CGROUP2_SUPER_MAGIC; the root-level
    # cgroup.controllers file exists exactly when /sys/fs/cgroup is a cgroup2 mount (in hybrid
    # mode it lives under /sys/fs/cgroup/unified instead).
    return os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def _mounts():
    return [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {
            "destination": "/dev",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
        },
        {
            "destination": "/dev/pts",
            "type": "devpts",
            "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        },
        {
            "destination": "/dev/shm",
            "type": "tmpfs",
            "source": "shm",
            "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        },
        {
            "destination": "/dev/mqueue",
            "type": "mqueue",
            "source": "mqueue",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {
            "destination": "/sys",
            "type": "sysfs",
            "source": "sysfs",
            "options": ["nosuid", "noexec", "nodev", "ro"],
        },
        {
            "destination": "/sys/fs/cgroup",
            "type": "cgroup",
            "source": "cgroup",
            "options": ["nosuid", "noexec", "nodev", "relatime", "ro"],
        },
    ]


def _rootless_mounts(mounts):
    """runc's ToRootless: /sys becomes a read-only rbind of the host's, uid=/gid= options go."""
    out = []
    for m in mounts:
        if os.path.normpath(m["destination"]) == "/sys":
            out.append({
                "destination": "/sys",
                "type": "none",
                "source": "/sys",
                "options": ["rbind", "nosuid", "noexec", "nodev", "ro"],
            })
            continue
        if "options" in m:
            m = dict(m)
            m["options"] = [o for o in m["options"] if not o.startswith(("gid=", "uid="))]
        out.append(m)
    return out


def default_config(rootless=False):
    """A fresh dict equal to what `runc spec [--rootless]` writes (see module doc for deltas)."""
    namespaces = ["pid", "network", "ipc", "uts", "mount"]
    if _cgroup2_unified():
        namespaces.append("cgroup")
    mounts = _mounts()
    linux = {}
    if rootless:
        namespaces = [ns for ns in namespaces if ns not in ("network", "user")] + ["user"]
        mounts = _rootless_mounts(mounts)
        linux["uidMappings"] = [{"containerID": 0, "hostID": os.geteuid(), "size": 1}]
        linux["gidMappings"] = [{"containerID": 0, "hostID": os.getegid(), "size": 1}]
    else:
        linux["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
    linux["namespaces"] = [{"type": ns} for ns in namespaces]
    linux["maskedPaths"] = list(MASKED_PATHS)
    linux["readonlyPaths"] = list(READONLY_PATHS)

    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": True,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
            ],
            "cwd": "/",
            "capabilities": {
                "bounding": list(DEFAULT_CAPS),
                "effective": list(DEFAULT_CAPS),
                "permitted": list(DEFAULT_CAPS),
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": HOSTNAME,
        "mounts": mounts,
        "linux": linux,
    }


def spec_text(rootless=False):
    """The config.json text: tab-indented, no trailing newline, exactly like runc
    (Go's json.MarshalIndent(spec, "", "\\t") written with os.WriteFile)."""
    import json  # noqa: PLC0415 (only `spec` needs it: off the import path of the hot commands)

    return json.dumps(default_config(rootless), indent="\t", ensure_ascii=False)


def write_spec(bundle_dir, rootless):
    """Write <bundle_dir>/config.json; refuse (runc's wording) if it already exists.

    Mode 0666 & ~umask like runc. O_EXCL: an existing name, even a dangling symlink, is refused
    rather than followed.
    """
    bundle_dir = bundle_dir or "."
    if not os.path.isdir(bundle_dir):
        reason = "not a directory" if os.path.exists(bundle_dir) else "no such file or directory"
        raise RuntimeFailure(f"chdir {bundle_dir}: {reason}")
    data = spec_text(rootless).encode()
    path = os.path.join(bundle_dir, SPEC_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except FileExistsError:
        raise RuntimeFailure(f"File {SPEC_FILE} exists. Remove it first") from None
    except OSError as e:
        raise RuntimeFailure(f"open {SPEC_FILE}: {e.strerror.lower()}") from None
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    except OSError as e:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass
        raise RuntimeFailure(f"write {SPEC_FILE}: {e.strerror.lower()}") from None
    os.close(fd)
