"""The commands on a container, one module per kind (youki's container/ is the model):

  container.py        Container: the handle on one container's state directory (claim, lock,
                      state.json, status); the layout itself is pyruntime/state.py
  lifecycle.py        create, start, state, kill, delete, run, exec, list (the hot path)
  cgroup_commands.py  update, pause, resume, ps, events: through the container's cgroup

Names are looked up
lazily (`from pyruntime.container import create` imports lifecycle.py alone), so the hot path
loads no command module it does not run.
"""

_CGROUP_COMMANDS = frozenset(("update", "read_resources", "resources_from_flags", "update_from_flags", "pause",
                              "resume", "ps", "events"))


def __getattr__(name):
    # a submodule's own name, or a dunder: not ours (the import system then loads the submodule)
    if name.startswith("__") or name in ("container", "lifecycle", "cgroup_commands"):
        raise AttributeError(name)
    sub = f"{__name__}.{'cgroup_commands' if name in _CGROUP_COMMANDS else 'lifecycle'}"
    __import__(sub)
    import sys  # noqa: PLC0415 (built in, already loaded)
    try:
        return getattr(sys.modules[sub], name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
