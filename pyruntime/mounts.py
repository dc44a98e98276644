"""Mount options -> flags, propagation, recursive attributes and data; default devices and links.

Tables, not if-chains (crun's habit). The option names are runc's (libcontainer/specconv).
"""

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_SYNCHRONOUS, MS_REMOUNT, MS_MANDLOCK, MS_DIRSYNC = 0x10, 0x20, 0x40, 0x80
MS_NOSYMFOLLOW = 0x100
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_MOVE, MS_REC = 0x400, 0x800, 0x1000, 0x2000, 0x4000
MS_SILENT = 0x8000
MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED = 0x20000, 0x40000, 0x80000, 0x100000
MS_RELATIME, MS_I_VERSION, MS_STRICTATIME, MS_LAZYTIME = 0x200000, 0x800000, 0x1000000, 0x2000000

MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC = 0x1, 0x2, 0x4, 0x8
MOUNT_ATTR_RELATIME, MOUNT_ATTR_NOATIME, MOUNT_ATTR_STRICTATIME = 0x0, 0x10, 0x20
MOUNT_ATTR__ATIME, MOUNT_ATTR_NODIRATIME = 0x70, 0x80
MOUNT_ATTR_NOSYMFOLLOW = 0x200000

# option -> (clear?, flag): "clear" options remove the flag (rw clears MS_RDONLY)
FLAGS = {
    "defaults": (False, 0),
    "ro": (False, MS_RDONLY), "rw": (True, MS_RDONLY),
    "suid": (True, MS_NOSUID), "nosuid": (False, MS_NOSUID),
    "dev": (True, MS_NODEV), "nodev": (False, MS_NODEV),
    "exec": (True, MS_NOEXEC), "noexec": (False, MS_NOEXEC),
    "sync": (False, MS_SYNCHRONOUS), "async": (True, MS_SYNCHRONOUS),
    "dirsync": (False, MS_DIRSYNC),
    "remount": (False, MS_REMOUNT),
    "mand": (False, MS_MANDLOCK), "nomand": (True, MS_MANDLOCK),
    "atime": (True, MS_NOATIME), "noatime": (False, MS_NOATIME),
    "diratime": (True, MS_NODIRATIME), "nodiratime": (False, MS_NODIRATIME),
    "relatime": (False, MS_RELATIME), "norelatime": (True, MS_RELATIME),
    "strictatime": (False, MS_STRICTATIME), "nostrictatime": (True, MS_STRICTATIME),
    "lazytime": (False, MS_LAZYTIME), "nolazytime": (True, MS_LAZYTIME),
    "silent": (False, MS_SILENT), "loud": (True, MS_SILENT),
    "nosymfollow": (False, MS_NOSYMFOLLOW), "symfollow": (True, MS_NOSYMFOLLOW),
    "iversion": (False, MS_I_VERSION), "noiversion": (True, MS_I_VERSION),
    "bind": (False, MS_BIND), "rbind": (False, MS_BIND | MS_REC),
}

PROPAGATION = {
    "private": MS_PRIVATE, "rprivate": MS_PRIVATE | MS_REC,
    "shared": MS_SHARED, "rshared": MS_SHARED | MS_REC,
    "slave": MS_SLAVE, "rslave": MS_SLAVE | MS_REC,
    "unbindable": MS_UNBINDABLE, "runbindable": MS_UNBINDABLE | MS_REC,
}

# recursive (mount_setattr AT_RECURSIVE) forms: option -> (clear?, attr)
RECURSIVE = {
    "rro": (False, MOUNT_ATTR_RDONLY), "rrw": (True, MOUNT_ATTR_RDONLY),
    "rnosuid": (False, MOUNT_ATTR_NOSUID), "rsuid": (True, MOUNT_ATTR_NOSUID),
    "rnodev": (False, MOUNT_ATTR_NODEV), "rdev": (True, MOUNT_ATTR_NODEV),
    "rnoexec": (False, MOUNT_ATTR_NOEXEC), "rexec": (True, MOUNT_ATTR_NOEXEC),
    "rnodiratime": (False, MOUNT_ATTR_NODIRATIME), "rdiratime": (True, MOUNT_ATTR_NODIRATIME),
    "rnoatime": (False, MOUNT_ATTR_NOATIME), "ratime": (True, MOUNT_ATTR__ATIME),
    "rrelatime": (False, MOUNT_ATTR_RELATIME), "rnorelatime": (True, MOUNT_ATTR__ATIME),
    "rstrictatime": (False, MOUNT_ATTR_STRICTATIME), "rnostrictatime": (True, MOUNT_ATTR__ATIME),
    "rnosymfollow": (False, MOUNT_ATTR_NOSYMFOLLOW), "rsymfollow": (True, MOUNT_ATTR_NOSYMFOLLOW),
}

class ParsedOptions:
    __slots__ = ("flags", "cleared", "propagation", "attr_set", "attr_clr", "data", "tmpcopyup", "idmap")

    def __init__(self):
        self.flags = 0
        # flags a clearing option (rw, dev, exec, atime...) named last: a bind mount with only
        # these still gets its remount (runc's rule), and a locked one cannot be cleared
        self.cleared = 0
        self.propagation = 0
        self.attr_set = 0
        self.attr_clr = 0
        self.data = []
        self.tmpcopyup = False
        self.idmap = None  # "idmap" or "ridmap" when given


def parse_options(options):
    """Split OCI mount options into flags, propagation, recursive attributes and fs data."""
    out = ParsedOptions()
    for opt in options or ():
        if opt in FLAGS:
            clear, flag = FLAGS[opt]
            if clear:
                out.flags &= ~flag
                out.cleared |= flag
            else:
                out.flags |= flag
                out.cleared &= ~flag
        elif opt in PROPAGATION:
            out.propagation = PROPAGATION[opt]  # one propagation type: the last one named wins
        elif opt in RECURSIVE:
            clear, attr = RECURSIVE[opt]
            if clear:
                out.attr_clr |= attr
                out.attr_set &= ~attr
            else:
                out.attr_set |= attr
                out.attr_clr &= ~attr
                if attr & MOUNT_ATTR__ATIME or attr == MOUNT_ATTR_RELATIME:
                    out.attr_clr |= MOUNT_ATTR__ATIME  # the atime attributes are one field
        elif opt == "tmpcopyup":
            out.tmpcopyup = True
        elif opt in ("idmap", "ridmap"):
            out.idmap = opt
        else:
            out.data.append(opt)
    return out


# runtime-spec config-linux.md "Default Devices": (path, type, major, minor)
DEFAULT_DEVICES = (
    ("/dev/null", "c", 1, 3),
    ("/dev/zero", "c", 1, 5),
    ("/dev/full", "c", 1, 7),
    ("/dev/random", "c", 1, 8),
    ("/dev/urandom", "c", 1, 9),
    ("/dev/tty", "c", 5, 0),
)

# (target, link) created in /dev after the devices (runc's setupDevSymlinks)
DEFAULT_LINKS = (
    ("/proc/self/fd", "/dev/fd"),
    ("/proc/self/fd/0", "/dev/stdin"),
    ("/proc/self/fd/1", "/dev/stdout"),
    ("/proc/self/fd/2", "/dev/stderr"),
)
