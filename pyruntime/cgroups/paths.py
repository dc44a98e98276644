"""cgroup paths, pure: linux.cgroupsPath as runc resolves it, systemd's slice:prefix:name, and
the sub-cgroups of `exec --cgroup`."""
from ..errors import ConfigError, RuntimeFailure


def clean_path(path, what="linux.cgroupsPath"):
    """Normalise a cgroup path, keeping it absolute or relative; reject climbing above its start."""
    absolute = path.startswith("/")
    parts = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                raise ConfigError(what, f"{path!r} must not leave the cgroup hierarchy ('..')")
            parts.pop()
            continue
        parts.append(p)
    s = "/".join(parts)
    return "/" + s if absolute else s


def inner_path(config, cid):
    """The cgroupfs path the container asks for: absolute or relative, never empty."""
    p = ((config.get("linux") or {}).get("cgroupsPath") or "")
    if not p:
        return cid
    p = clean_path(p)
    return p or "/"


def resolve(inner, controller, h, own):
    """The directory for `controller` (a key of hierarchies(), "" = cgroup2), or None if unmounted."""
    if controller not in h:
        return None
    mp, mroot = h[controller]
    if inner.startswith("/"):
        rel = inner
    else:
        base = own.get(controller, "/")
        # the mount shows the hierarchy from `mroot` down (cgroup namespaces, bind mounts)
        if mroot != "/" and (base == mroot or base.startswith(mroot.rstrip("/") + "/")):
            base = base[len(mroot.rstrip("/")):] or "/"
        rel = base.rstrip("/") + "/" + inner
    rel = rel.rstrip("/")
    return mp + rel if rel else mp


def parse_systemd_path(p, cid):
    """"slice:prefix:name" -> (slice, prefix, name); empty -> ("system.slice", "pyruntime", cid)."""
    if not p:
        return "system.slice", "pyruntime", cid
    parts = p.split(":")
    if len(parts) != 3:
        raise ConfigError("linux.cgroupsPath",
                          f"expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, "
                          f"got \"{p}\" instead")
    for part in parts:
        if "/" in part or part in (".", ".."):
            raise ConfigError("linux.cgroupsPath", f"invalid systemd cgroupsPath {p!r}")
    return parts[0], parts[1], parts[2]


def parse_sub_cgroups(args):
    """exec --cgroup values -> {controller: path} ("" for one path given to every hierarchy),
    with runc's rules and errors (exec.go getSubCgroupPaths)."""
    paths = {}
    for arg in args:
        ctrs, colon, path = arg.partition(":")
        if colon:
            for ctrl in ctrs.split(","):
                if not ctrl:
                    raise RuntimeFailure(f"invalid --cgroup argument: {arg} (empty <controller> prefix)")
                if ctrl in paths:
                    raise RuntimeFailure(f"invalid --cgroup argument(s): controller {ctrl} specified multiple times")
                paths[ctrl] = path
        else:
            if len(args) != 1:
                raise RuntimeFailure(f"invalid --cgroup argument: {arg} (missing <controller>: prefix)")
            paths[""] = arg
    return paths


def sub_cgroup_paths(paths, sub):
    """The cgroups an exec joins: the container's `paths` ({key: dir}), with the sub-cgroups of
    `sub` (parse_sub_cgroups()) below them. A path may not climb out of the container's cgroup."""
    import posixpath  # noqa: PLC0415
    out = dict(paths)

    def below(base, add):
        p = posixpath.normpath(posixpath.join(base, add.lstrip("/"))) if add.strip("/") else base
        if p != base and not p.startswith(base.rstrip("/") + "/"):
            raise RuntimeFailure(f"{add} is not a sub cgroup path")
        return p
    if "" in sub:
        for key in out:
            out[key] = below(out[key], sub[""])
        return out
    for ctrl, add in sub.items():
        if ctrl not in out:
            raise RuntimeFailure(f"unknown controller {ctrl} in SubCgroupPaths")
        out[ctrl] = below(out[ctrl], add)
    return out
