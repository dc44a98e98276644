"""The document `pyruntime features` prints (runtime-spec v1.2 features.md / features-linux.md).

Claims only what the runtime core implements. Optional fields we do not implement are left out
(absent means "unknown", which is honest); the document never carries properties the spec
version does not define.
"""

from pyruntime import OCI_VERSION, __version__
from pyruntime import capabilities as _capabilities

OCI_VERSION_MIN = "1.0.0"

HOOKS = (
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
)

# runc 1.1's mount option table (libcontainer/specconv mountPropagationMapping, flag tables,
# "tmpcopyup" extension) and its recursive (mount_setattr) variants, and idmap/ridmap (runc 1.2+,
# idmapped binds). Not claimed: the nosymfollow family runc 1.1 also lists. Sorted like runc.
MOUNT_OPTIONS = tuple(sorted((
    "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
    "idmap", "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime", "noexec",
    "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private",
    "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodev",
    "ridmap", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "ro", "rprivate",
    "rnosymfollow", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow",
    "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup",
    "unbindable",
)))

NAMESPACES = ("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts")

CGROUP = {"v1": True, "v2": True, "systemd": False, "systemdUser": False}


def _seccomp():
    from pyruntime.seccomp import features as seccomp_features  # noqa: PLC0415 (features command only)
    return seccomp_features()


def _checkpoint():
    """checkpoint/restore are built in; they work where criu and its Python bindings are installed
    (runc reports its build-time support the same way; whether the kernel suits CRIU is `criu check`)."""
    from pyruntime import criu  # noqa: PLC0415
    return criu.available()


def features():
    """A fresh dict: the Features structure of runtime-spec v1.2."""
    return {
        "ociVersionMin": OCI_VERSION_MIN,
        "ociVersionMax": OCI_VERSION,
        "hooks": list(HOOKS),
        "mountOptions": list(MOUNT_OPTIONS),
        "linux": {
            "namespaces": list(NAMESPACES),
            "capabilities": list(_capabilities.NAMES),
            "cgroup": dict(CGROUP),
            "seccomp": _seccomp(),
            # features-linux.md: whether support is built in, not whether the host has it on (runc
            # says true for both too); a label asked for on a host without the LSM is refused
            "apparmor": {"enabled": True},
            "selinux": {"enabled": True},
            "mountExtensions": {"idmap": {"enabled": True}},  # mount_setattr(MOUNT_ATTR_IDMAP), 5.12+
        },
        "annotations": {
            "org.opencontainers.pyruntime.version": __version__,
            "org.opencontainers.pyruntime.checkpoint.enabled": "true" if _checkpoint() else "false",
        },
    }


def features_json():
    """`features` output: 4-space indented JSON with a trailing newline, like runc's json.Encoder."""
    import json  # noqa: PLC0415 (only this command needs it)

    return json.dumps(features(), indent=4) + "\n"
