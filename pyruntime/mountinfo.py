"""/proc/<pid>/mountinfo (proc(5)), the runtime's one parser of it: the cgroup hierarchies
(cgroups/, plan.py), selinuxfs (plan.py) and a container's mounts (criu_plan.py).

On the create path: imports nothing.
"""


class Mount(tuple):
    """One line: (mount id, parent id, root, mountpoint, mount options, fstype, source, super
    options), octal escapes (\\040 for a space...) decoded."""
    __slots__ = ()

    mount_id = property(lambda self: self[0])
    parent_id = property(lambda self: self[1])
    root = property(lambda self: self[2])
    mountpoint = property(lambda self: self[3])
    options = property(lambda self: self[4])
    fstype = property(lambda self: self[5])
    source = property(lambda self: self[6])
    super_options = property(lambda self: self[7])


def unescape(s):
    """The kernel's octal escapes of a path (space, tab, newline, backslash) decoded."""
    if "\\" not in s:
        return s
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and len(s[i + 1:i + 4]) == 3 and s[i + 1:i + 4].isdigit():
            out.append(chr(int(s[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def parse(text, fstypes=None):
    """[Mount] of mountinfo text, in order; with `fstypes`, only mounts of those types (the lines
    of other types are not split further). Malformed lines are skipped."""
    out = []
    for line in text.splitlines():
        pre, sep, post = line.partition(" - ")
        if not sep:
            continue
        tail = post.split()
        if not tail or (fstypes is not None and tail[0] not in fstypes):
            continue
        f = pre.split()
        if len(f) < 6:
            continue
        out.append(Mount((f[0], f[1], unescape(f[3]), unescape(f[4]), f[5], tail[0],
                          unescape(tail[1]) if len(tail) > 1 else "", tail[2] if len(tail) > 2 else "")))
    return out


def read(pid="self"):
    """The text of /proc/<pid>/mountinfo (paths undecodable as UTF-8 kept as surrogates)."""
    with open(f"/proc/{pid}/mountinfo", "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")
