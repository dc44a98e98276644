"""Rootless callers: a user other than root, or root of a user namespace (rootless podman).

Nothing here runs for host root on the success path: callers ask `rootless()` only after a
permission error, or when the effective uid is not 0. What such a caller gets:
  - the state root $XDG_RUNTIME_DIR/pyruntime (runc's rule, `xdg_root`);
  - uid/gid maps: one mapping of its own uid (gid) is written directly (with setgroups "deny"
    first, as the kernel requires of an unprivileged gid_map writer); anything else goes through
    the setuid helpers newuidmap/newgidmap (Debian's uidmap), which check /etc/subuid and
    /etc/subgid; a refusal is explained from those files in one line (`write_maps`);
  - cgroups it may not create are skipped (pyruntime/cgroups), device nodes are bound from the
    host and sysfs, mqueue and cgroup2 mounts it may not make are bound (pyruntime/_native/rootfs.c).
"""
import os

from .errors import ConfigError, RuntimeFailure

_cache = {}


def in_user_namespace():
    """True when this process is not in the initial user namespace (runc's RunningInUserNS)."""
    if "userns" not in _cache:
        try:
            with open("/proc/self/uid_map", "rb") as f:
                fields = f.read().split()
        except OSError:
            fields = []
        _cache["userns"] = fields != [b"0", b"0", b"4294967295"]
    return _cache["userns"]


def rootless():
    """runc's rootless test: an effective uid other than 0, or uid 0 inside a user namespace."""
    return os.geteuid() != 0 or in_user_namespace()


def xdg_root(name="pyruntime"):
    """$XDG_RUNTIME_DIR/<name> when runc would honour it (shouldHonorXDGRuntimeDir), else None:
    any user but root; root only inside a user namespace, and not when USER says root."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if not xdg:
        return None
    if os.geteuid() != 0 or (os.environ.get("USER", "") != "root" and in_user_namespace()):
        return os.path.join(xdg, name)
    return None


def ensure_xdg_root(path):
    """runc makes the defaulted XDG root itself, 0700 and sticky (so the XDG cleaner leaves it)."""
    try:
        os.makedirs(path, 0o700, exist_ok=True)
        os.chmod(path, 0o1700)
    except OSError as e:
        raise RuntimeFailure(f"the path in $XDG_RUNTIME_DIR must be writable by the user: "
                             f"{path}: {os.strerror(e.errno).lower()}") from None


# -- uid/gid maps ---------------------------------------------------------------------------------
_TOOLS = {"uid_map": "newuidmap", "gid_map": "newgidmap"}
_SUBID = {"uid_map": "/etc/subuid", "gid_map": "/etc/subgid"}
_FIELD = {"uid_map": "linux.uidMappings", "gid_map": "linux.gidMappings"}


def _map_text(maps):
    return "".join(f"{inside} {outside} {count}\n" for inside, outside, count in maps).encode()


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def write_maps(pid, name, maps):
    """Write /proc/<pid>/<name> ("uid_map" or "gid_map") for a caller without the right to write
    any mapping: directly when it maps only the caller's own id, else through newuidmap/newgidmap."""
    own = os.geteuid() if name == "uid_map" else os.getegid()
    if len(maps) == 1 and maps[0][1] == own and maps[0][2] == 1:
        try:
            if name == "gid_map":
                # an unprivileged gid_map writer must deny setgroups first (user_namespaces(7))
                try:
                    _write(f"/proc/{pid}/setgroups", b"deny")
                except FileNotFoundError:
                    pass  # kernels before 3.19 have no such file
            _write(f"/proc/{pid}/{name}", _map_text(maps))
            return
        except OSError as e:
            raise RuntimeFailure(f"unable to start container process: write {name}: {e.strerror}") from None
    _helper(pid, name, maps)


def _find_tool(tool):
    for d in (os.environ.get("PATH") or "/usr/local/bin:/usr/bin:/bin").split(":") + ["/usr/bin", "/usr/sbin"]:
        path = os.path.join(d or ".", tool)
        if os.access(path, os.X_OK):
            return path
    return None


def _helper(pid, name, maps):
    tool = _TOOLS[name]
    own = os.geteuid() if name == "uid_map" else os.getegid()
    path = _find_tool(tool)
    if path is None:
        raise ConfigError(_FIELD[name], f"mapping more than the caller's own id ({own}) needs {tool}, which is "
                                        f"not installed (Debian's uidmap package)")
    argv = [tool, str(pid)] + [str(v) for m in maps for v in m]
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        child = os.posix_spawn(path, argv, {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                               file_actions=[(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                                             (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_DUP2, w, 2)])
    except OSError as e:
        os.close(r)
        os.close(w)
        raise RuntimeFailure(f"unable to start container process: run {path}: {e.strerror}") from None
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        if len(out) < 4096:  # what it says, bounded; read on to its end all the same
            out += chunk
    os.close(r)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return
    said = " ".join(out.decode(errors="replace").split())
    raise explain_refusal(name, maps, said)


def subid_ranges(path, user, uid):
    """[(start, count)] of a user's subordinate ids in /etc/subuid or /etc/subgid (by name or uid)."""
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return out
    for line in lines:
        f = line.strip().split(":")
        if len(f) != 3 or f[0] not in (user, str(uid)):
            continue
        try:
            out.append((int(f[1]), int(f[2])))
        except ValueError:
            continue
    return out


def explain_refusal(name, maps, said=""):
    """One line saying why newuidmap/newgidmap refused `maps`, from the subordinate id files."""
    import pwd  # noqa: PLC0415 (only on this failure)
    uid = os.getuid()
    own = os.geteuid() if name == "uid_map" else os.getegid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    kind = "uid" if name == "uid_map" else "gid"
    tool = _TOOLS[name]
    ranges = subid_ranges(_SUBID[name], user, uid)
    tail = f" ({tool}: {said})" if said else ""
    if not ranges:
        return ConfigError(_FIELD[name], f"user \"{user}\" has no subordinate {kind} range in {_SUBID[name]}: "
                                         f"a rootless container can map only {kind} {own}{tail}")
    allowed = ", ".join(f"{s}-{s + n - 1}" for s, n in ranges)
    for i, (_, outside, count) in enumerate(maps):
        if count == 1 and outside == own:
            continue
        if not any(s <= outside and outside + count <= s + n for s, n in ranges):
            return ConfigError(f"{_FIELD[name]}[{i}]",
                               f"host {kind}s {outside}-{outside + count - 1} may not be used by user \"{user}\": "
                               f"{_SUBID[name]} gives it {allowed} and its own {kind} is {own}{tail}")
    return RuntimeFailure(f"unable to start container process: {tool} refused the mapping{tail}")
