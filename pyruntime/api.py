"""pyruntime as a Python library: runc's lifecycle as calls instead of a subprocess.

    from pyruntime.api import Container
    c = Container.create("/path/to/bundle", "web")    # runc create -b /path/to/bundle web
    c.start()                                         # runc start web
    c.state().status                                  # runc state web -> "running"
    c.kill("SIGKILL"); c.wait(); c.delete()           # runc kill web KILL; runc delete web

Each method is the CLI command of the same name (pyruntime/container/ does the work; the CLI
calls the same functions), so it behaves, fails and cleans up exactly as `pyruntime COMMAND` does.
Failures raise pyruntime.errors exceptions, re-exported here: RuntimeFailure and its subclasses
ConfigError (bad config.json: `.path` is the JSON path, `.reason` what is wrong), NotFound (no
such container), StateError (wrong status for the operation). docs/api.md has the guide.

Importing this module stays as light as the CLI's hot path: no json, no dataclasses (19 ms of
inspect, re and enum), no typing; State is a plain class, Spec a dict subclass.
"""
import os
import time

from .errors import ConfigError, NotFound, RuntimeFailure, StateError, UsageError

__all__ = ["Container", "Spec", "State", "RuntimeFailure", "ConfigError", "NotFound", "StateError",
           "UsageError", "default_root"]

# The options of `create`/`run` a caller may pass (pyruntime.container.create's keywords).
_CREATE_OPTIONS = frozenset(("pid_file", "console_socket", "no_pivot", "preserve_fds", "systemd_cgroup",
                             "pidfd_socket", "no_new_keyring"))


def default_root():
    """The state directory the CLI uses without --root: /run/pyruntime for root,
    $XDG_RUNTIME_DIR/pyruntime for a rootless caller (made 0700 as runc makes it)."""
    from .state import default_root as _default  # noqa: PLC0415
    root, xdg = _default()
    root = os.path.abspath(root)
    if xdg:
        from .rootless import ensure_xdg_root  # noqa: PLC0415
        ensure_xdg_root(root)
    return root


class State:
    """A container's runtime-spec state (`pyruntime state ID`), as typed attributes.

    to_dict() gives the JSON object runc prints (its field names and order)."""

    __slots__ = ("oci_version", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner")

    oci_version: str
    id: str
    pid: int            # the init's pid while created, running or paused; 0 once stopped
    status: str         # "creating", "created", "running", "paused" or "stopped"
    bundle: str
    rootfs: str
    created: str        # RFC 3339 time of create
    annotations: dict
    owner: str

    def __init__(self, oci_version, id, pid, status, bundle="", rootfs="", created="", annotations=None,
                 owner=""):
        self.oci_version = oci_version
        self.id = id
        self.pid = pid
        self.status = status
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.annotations = dict(annotations or {})
        self.owner = owner

    @classmethod
    def from_dict(cls, d):
        return cls(d.get("ociVersion", ""), d["id"], d.get("pid", 0), d["status"], d.get("bundle", ""),
                   d.get("rootfs", ""), d.get("created", ""), d.get("annotations"), d.get("owner", ""))

    def to_dict(self):
        out = {"ociVersion": self.oci_version, "id": self.id, "pid": self.pid, "status": self.status,
               "bundle": self.bundle, "rootfs": self.rootfs, "created": self.created}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        out["owner"] = self.owner
        return out

    def _key(self):
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other):
        return self._key() == other._key() if isinstance(other, State) else NotImplemented

    __hash__ = None  # mutable, as a dataclass without frozen=True

    def __repr__(self):
        return "State(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"


class Spec(dict):
    """An OCI config.json: the parsed JSON object itself (a dict), with typed accessors for the
    fields tools read most and the runtime's own validation.

    Spec.load(bundle) reads and validates <bundle>/config.json exactly as `create` does (ConfigError
    with the JSON path on a bad one); Spec.default() is `pyruntime spec`'s template; save(bundle)
    writes config.json. Everything else is plain dict access, with the spec's JSON names."""

    @classmethod
    def load(cls, bundle, warn=None):
        from . import spec  # noqa: PLC0415
        config, _raw = spec.load(os.path.abspath(bundle), warn)
        return cls(config)

    @classmethod
    def default(cls, rootless=False):
        from .defaults import default_config  # noqa: PLC0415
        return cls(default_config(rootless))

    def validate(self):
        """Raise ConfigError (with the JSON path) if this config would not pass `create`."""
        from . import fastjson, spec  # noqa: PLC0415
        spec.parse(fastjson.dumps(self).encode())

    def save(self, bundle):
        """Write <bundle>/config.json (indented, as `pyruntime spec` writes it)."""
        from . import fastjson  # noqa: PLC0415
        path = os.path.join(bundle, "config.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(fastjson.dumps(self, indent=2))
        os.rename(tmp, path)
        return path

    @property
    def oci_version(self) -> str:
        return self.get("ociVersion", "")

    @property
    def process(self) -> dict:
        """The `process` object (created empty if the config has none)."""
        return self.setdefault("process", {})

    @property
    def args(self) -> list:
        return self.process.setdefault("args", [])

    @args.setter
    def args(self, value):
        self.process["args"] = list(value)

    @property
    def root_path(self) -> str:
        return (self.get("root") or {}).get("path", "")

    @root_path.setter
    def root_path(self, value):
        self.setdefault("root", {})["path"] = value

    @property
    def hostname(self) -> str:
        return self.get("hostname", "")

    @hostname.setter
    def hostname(self, value):
        self["hostname"] = value

    @property
    def annotations(self) -> dict:
        return self.setdefault("annotations", {})


class Container:
    """One container under a state root. Get one with Container.create() (a new container),
    Container.load() (an existing one: NotFound if there is none) or Container.list()."""

    __slots__ = ("id", "root")

    def __init__(self, id, root=None):
        self.id = id
        self.root = os.path.abspath(root) if root else default_root()

    def __repr__(self):
        return f"Container({self.id!r}, root={self.root!r})"

    # --- getting one ------------------------------------------------------------------------
    @classmethod
    def create(cls, bundle, id, *, root=None, log=None, **options):
        """`pyruntime create -b BUNDLE ID`: the container is made and waits for start().

        options: pid_file, console_socket, no_pivot, preserve_fds, systemd_cgroup, pidfd_socket,
        no_new_keyring (the CLI flags of the same names). log: an object with warning() and
        debug() (a logging.Logger will do) that receives the spec's warnings. The caller's
        working directory is kept (create works from the bundle, as runc does)."""
        from . import container  # noqa: PLC0415
        c = cls(id, root)
        _check_options(options)
        with _kept_cwd():
            container.create(c.root, id, bundle, log=log, **options)
        return c

    @classmethod
    def run(cls, bundle, id, *, root=None, detach=False, keep=False, log=None, **options):
        """`pyruntime run`: create and start; in the foreground, wait for the container's exit
        and return its status (deleting it unless keep=True). The foreground run makes the
        calling process a child subreaper and forwards its signals to the container while it
        waits, as the CLI does; detach=True returns 0 once the container runs."""
        from . import container  # noqa: PLC0415
        c = cls(id, root)
        _check_options(options)
        with _kept_cwd(), _subreaper_for_the_wait(not detach):
            return container.run(c.root, id, bundle, detach=detach, keep=keep, log=log, **options)

    @classmethod
    def load(cls, id, *, root=None):
        """An existing container; NotFound if there is no such container under root."""
        from . import container  # noqa: PLC0415
        c = cls(id, root)
        container.load(c.root, id)
        return c

    @classmethod
    def list(cls, *, root=None):
        """The states of every container under root (`pyruntime list`), owners filled in."""
        from . import container  # noqa: PLC0415
        return [State.from_dict(d) for d in container.list_containers(os.path.abspath(root) if root
                                                                       else default_root())]

    # --- the lifecycle ----------------------------------------------------------------------
    def start(self):
        """`pyruntime start ID`: run the user's process (StateError unless created)."""
        from . import container  # noqa: PLC0415
        container.start(self.root, self.id)

    def state(self):
        """`pyruntime state ID` as a State."""
        from . import container  # noqa: PLC0415
        return State.from_dict(container.state(self.root, self.id))

    def kill(self, signal="SIGTERM", *, all=False):
        """`pyruntime kill [--all] ID SIGNAL`; signal: a name (with or without SIG) or a number."""
        from . import container  # noqa: PLC0415
        container.kill(self.root, self.id, str(int(signal)) if isinstance(signal, int) else signal, all)

    def wait(self, timeout=10.0, interval=0.01):
        """Wait until the container has stopped; returns its State. The init is not the caller's
        child (it is orphaned at create, as runc's is), so this polls; TimeoutError past timeout."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.state()
            if st.status == "stopped":
                return st
            if time.monotonic() > deadline:
                raise TimeoutError(f"container {self.id} still {st.status} after {timeout} s")
            time.sleep(interval)

    def delete(self, *, force=False):
        """`pyruntime delete [--force] ID` (StateError if running or paused without force)."""
        from . import container  # noqa: PLC0415
        container.delete(self.root, self.id, force)

    def pause(self):
        from . import cgroup_ops  # noqa: PLC0415
        cgroup_ops.pause(self.root, self.id)

    def resume(self):
        from . import cgroup_ops  # noqa: PLC0415
        cgroup_ops.resume(self.root, self.id)

    def exec(self, args=(), *, env=(), cwd=None, user=None, tty=False, detach=False, process_file=None,
             log=None, **options):
        """`pyruntime exec ID ARGS...`: a new process in the container.

        Foreground (the default): returns the process's exit status (128+N for a signal N); the
        caller becomes a child subreaper and forwards signals while it waits, as the CLI does.
        detach=True: returns the new process's pid once it runs. user: a uid, (uid, gid) or
        "UID[:GID]". env: "K=V" strings added to the container's. process_file: a process.json
        used whole (`exec -p`). Other options as the CLI's flags: console_socket, pid_file,
        preserve_fds, ignore_paused, pidfd_socket, cgroups, groups, caps, no_new_privs, apparmor,
        process_label."""
        from . import container  # noqa: PLC0415
        if isinstance(user, int):
            user = str(user)
        elif isinstance(user, tuple):
            user = ":".join(str(int(x)) for x in user)
        if not detach:
            with _subreaper_for_the_wait(True):
                return container.exec_(self.root, self.id, tuple(args), process_file=process_file,
                                       env=tuple(env), cwd=cwd, user=user, tty=tty, log=log, **options)
        if options.get("pid_file"):
            container.exec_(self.root, self.id, tuple(args), process_file=process_file, env=tuple(env), cwd=cwd,
                            user=user, tty=tty, detach=True, log=log, **options)
            with open(options["pid_file"]) as f:
                return int(f.read())
        # the pid comes back through a pid file in a private directory of our own
        import tempfile  # noqa: PLC0415 (only a detached exec needs it)
        with tempfile.TemporaryDirectory(prefix="pyruntime-exec-") as d:
            pid_file = os.path.join(d, "pid")
            container.exec_(self.root, self.id, tuple(args), process_file=process_file, env=tuple(env), cwd=cwd,
                            user=user, tty=tty, detach=True, pid_file=pid_file, log=log, **options)
            with open(pid_file) as f:
                return int(f.read())


def _check_options(options):
    unknown = sorted(set(options) - _CREATE_OPTIONS)
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(unknown)}")


class _subreaper_for_the_wait:
    """A foreground run/exec makes its caller a child subreaper (the process it waits for is
    orphaned to it). The CLI exits after; a library's caller lives on, and as a subreaper it would
    inherit, and never reap, every later orphan: a detached exec's process, whose zombie keeps the
    container's init from finishing its exit (the container reads running for ever). So the
    caller's own setting comes back once the wait is over."""

    def __init__(self, foreground):
        self.restore = False
        if foreground:
            import prctl  # noqa: PLC0415 (python-prctl, a dependency; only a foreground wait needs it)
            self.restore = not prctl.get_child_subreaper()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.restore:
            from ._native._ext import lib  # noqa: PLC0415
            lib.pyr_clear_child_subreaper()


class _kept_cwd:
    """Restore the caller's working directory: create chdirs to the bundle (relative bind sources
    and hook paths are the bundle's, as in runc), which must not leak into a library's caller."""

    def __enter__(self):
        self.fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def __exit__(self, *exc):
        try:
            os.fchdir(self.fd)
        finally:
            os.close(self.fd)
