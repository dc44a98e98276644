"""Named steps of create: a timing trace behind --debug, and a fault-injection point for tests.

step("spawned") costs a dict lookup when neither is on. PYRUNTIME_FAULT_AT=<step> makes the
runtime SIGKILL itself at that step (tests/reliability kills create at every step this way);
it is read once, from the environment of the runtime process only.
"""
import os
import time

_t0 = time.perf_counter()
_last = _t0
_log = None
_fault = os.environ.get("PYRUNTIME_FAULT_AT")

STEPS = ("validated", "planned", "claimed", "cgroup", "spawned", "placed", "mapped", "hooks", "ready", "saved",
         "pidfile")


# runc's names for the same steps (its nsexec and init debug lines), added to ours so a --debug
# trace reads the same to a person, or a test, that knows runc's
RUNC_STEPS = {"spawned": "nsexec container setup", "exec spawned": "nsexec container setup",
              "ready": "child process in init(); init: closing the pipe to signal completion",
              "exec ready": "child process in init(); setns_init: about to exec"}


def enable(log):
    """Log each step's time at debug level (the CLI calls this with --debug)."""
    global _log
    _log = log


def step(name):
    global _last
    if _fault == name:
        os.kill(os.getpid(), 9)
    if _log is not None:
        now = time.perf_counter()
        runc = RUNC_STEPS.get(name.partition(":")[0])
        also = f" (runc: {runc})" if runc else ""
        _log.debug(f"step {name}{also}: +{(now - _last) * 1000:.2f} ms (at {(now - _t0) * 1000:.2f} ms)")
        _last = now


def debugging():
    """True under --debug: a record worth computing."""
    return _log is not None


def debug(msg):
    """One more debug record, when --debug is on."""
    if _log is not None:
        _log.debug(msg)
