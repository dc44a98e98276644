"""Error types carrying runc's wording and the exit status the CLI uses.

Clients match on substrings of these messages (containerd: "does not exist", "container not
running"; podman/docker: "executable file not found", "no such file or directory",
"permission denied"), so keep the wording when changing them.
"""


class RuntimeFailure(Exception):
    """A failure reported to the user as one line on stderr and one record in --log."""

    exit_code = 1

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self):
        return self.message


class InitError(RuntimeFailure):
    """The container's setup failed: what the init (or the parent on its behalf) reported. Keeps
    what crun's libcrun_error_t keeps besides the text: `errno` (0 when the failure had none) and
    `step`, the init's stage it failed in ("cgroup", "namespaces", "rootfs", "hooks", "process",
    "start"... see pyruntime/_native/contract.py STEPS). The message users see is the text alone."""

    def __init__(self, message, errno=0, step=None):
        super().__init__(message)
        self.errno = errno
        self.step = step


class UsageError(RuntimeFailure):
    """Bad command line: unknown flag, wrong number of arguments."""


class ConfigError(RuntimeFailure):
    """config.json (or `source`, e.g. an exec process.json) is invalid; `path` is the JSON path of
    the offending value (e.g. process.args)."""

    def __init__(self, path, reason, source="config.json"):
        self.path = path
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {path}: {reason}" if path else f"{source}: {reason}")


class NotFound(RuntimeFailure):
    def __init__(self, message="container does not exist"):
        super().__init__(message)


class StateError(RuntimeFailure):
    """The container is in the wrong status for the operation (runc's wording)."""
