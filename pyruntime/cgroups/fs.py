"""The cgroup filesystem, for every driver: writing and reading its files, making and removing
directories (a rootless caller's refusal told apart), the fds the init joins with, the pids."""
import os

from ..errors import RuntimeFailure

DENIED = (1, 13, 30)  # EPERM, EACCES, EROFS: what a rootless caller meets (runc's isIgnorableError)


class CgroupDenied(RuntimeFailure):
    """A cgroup directory we may not create: skipped for a rootless caller, fatal for root."""


def rootless_caller():
    """Asked only after a permission error, so host root pays nothing on its way."""
    from ..rootless import rootless  # noqa: PLC0415
    return rootless()


def write_file(path, value):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as e:
        raise RuntimeFailure(f"failed to write \"{value}\": open {path}: {_err(e)}") from None
    try:
        os.write(fd, value.encode())
    except OSError as e:
        raise RuntimeFailure(f"failed to write \"{value}\": write {path}: {_err(e)}") from None
    finally:
        os.close(fd)


def unique_paths(paths):
    """{key: directory} as (key, directory) pairs, each directory once: co-mounted v1 controllers
    (cpu,cpuacct) share one, which is joined, written and removed once."""
    pairs, seen = [], set()
    for key, path in paths.items():
        if path not in seen:
            seen.add(path)
            pairs.append((key, path))
    return pairs


def saved_join_pairs(saved):
    """The (key, path) pairs open_join_fds() takes for a process joining a container's cgroups,
    read from its saved state (Manager.to_state()) without importing a driver (~1.8 ms of an
    exec); None when the driver must place the process itself (systemd before its unit started)
    or the state is not one this knows. Each driver's join_fds() is the reference: the unit tests
    compare the two."""
    driver = saved.get("driver")
    if driver == "systemd":
        return saved_join_pairs(saved.get("fs") or {}) if saved.get("started") else None
    if driver == "v1" and isinstance(saved.get("paths"), dict):
        return unique_paths(saved["paths"])
    if driver == "v2" and "path" in saved:
        return [("v2", saved["path"])] if saved["path"] is not None else []
    return None


def open_join_fds(paths):
    """join_fds() for cgroupfs paths: (key, path) pairs, key "unified" for a cgroup2 node."""
    cg2, tasks = -1, []
    try:
        for key, path in paths:
            if key in ("unified", "v2"):
                target = path
                cg2 = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            else:
                target = os.path.join(path, "tasks")
                tasks.append(os.open(target, os.O_WRONLY | os.O_CLOEXEC))
    except OSError as e:
        for fd in tasks + ([cg2] if cg2 >= 0 else []):
            os.close(fd)
        raise RuntimeFailure(f"cannot join cgroup: open {target}: {_err(e)}") from None
    return cg2, tasks


def read_file(path):
    with open(path) as f:
        return f.read()


def read_int(path, default=0):
    try:
        s = read_file(path).strip()
    except OSError:
        return default
    if s == "max":
        return 0xFFFFFFFFFFFFFFFF
    try:
        return int(s)
    except ValueError:
        return default


def read_kv(path):
    out = {}
    try:
        text = read_file(path)
    except OSError:
        return out
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        try:
            out[k] = int(v)
        except ValueError:
            pass
    return out


def _err(e):
    s = os.strerror(e.errno) if e.errno else str(e)
    return s[:1].lower() + s[1:]


def mkdirs(path, stop_at):
    """mkdir -p `path` below the existing `stop_at`; the dirs created, outermost first."""
    made = []
    todo = []
    p = path
    while p != stop_at and len(p) > len(stop_at) and not os.path.isdir(p):
        todo.append(p)
        p = os.path.dirname(p)
    for d in reversed(todo):
        try:
            os.mkdir(d, 0o755)
        except FileExistsError:
            continue
        except OSError as e:
            kind = CgroupDenied if e.errno in DENIED else RuntimeFailure
            raise kind(f"unable to create cgroup path {d}: {_err(e)}") from None
        made.append(d)
    return made


def rmdir_tree(path, tries=50):
    """rmdir `path` and any sub-cgroups below it (deepest first); tolerate it being gone.

    rmdir of a cgroup fails with EBUSY while tasks are exiting: retry briefly (runc does)."""
    import time  # noqa: PLC0415
    try:
        subs = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    except NotADirectoryError:
        return
    for s in subs:
        rmdir_tree(s, tries)
    delay = 0.002
    for i in range(tries):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if e.errno != 16 or i == tries - 1:  # EBUSY
                raise RuntimeFailure(f"unable to remove cgroup path {path}: {_err(e)}") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def read_pids(path, recursive=True):
    pids = []
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            pids.extend(int(x) for x in f.read().split())
    except FileNotFoundError:
        return pids
    if recursive:
        try:
            subs = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
        except OSError:
            subs = []
        for s in subs:
            pids.extend(read_pids(s, True))
    return pids
