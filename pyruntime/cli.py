"""Argument parsing only: runc's commands and flags, then one library call per command.

Hand-rolled rather than argparse (which costs several ms of imports on every call). Accepts the
forms clients really send (clients.md §4.1): `--x v`, `--x=v`, `-x v`, single-dash long flags
(`-no-subreaper`), booleans as `--x` or `--x=true|false`, global flags before the command and
command flags before or after the container ID (except where runc stops at the ID).
"""
import os
import sys

from . import OCI_VERSION, __version__
from .errors import RuntimeFailure, UsageError

# flag spec: canonical name -> (aliases, takes a value)
GLOBAL = {
    "root": (("--root",), True),
    "log": (("--log",), True),
    "log-format": (("--log-format",), True),
    "debug": (("--debug",), False),
    "systemd-cgroup": (("--systemd-cgroup",), False),
    "criu": (("--criu",), True),
    "rootless": (("--rootless",), True),
    "help": (("--help", "-h"), False),
    "version": (("--version", "-v"), False),
}

_CREATE = {
    "bundle": (("--bundle", "-b"), True),
    "pid-file": (("--pid-file",), True),
    "console-socket": (("--console-socket",), True),
    "no-pivot": (("--no-pivot",), False),
    "no-new-keyring": (("--no-new-keyring",), False),
    "preserve-fds": (("--preserve-fds",), True),
    "pidfd-socket": (("--pidfd-socket",), True),
}

COMMANDS = {
    # name: (flags, (min args, max args), usage)
    "create": (_CREATE, (1, 1), "create [command options] <container-id>"),
    "run": ({**_CREATE, "detach": (("--detach", "-d"), False), "keep": (("--keep",), False),
             "no-subreaper": (("--no-subreaper",), False)}, (1, 1), "run [command options] <container-id>"),
    "start": ({}, (1, 1), "start <container-id>"),
    "state": ({}, (1, 1), "state <container-id>"),
    "kill": ({"all": (("--all", "-a"), False)}, (1, 2), "kill [command options] <container-id> [signal]"),
    "delete": ({"force": (("--force", "-f"), False)}, (1, 1), "delete [command options] <container-id>"),
    "list": ({"format": (("--format", "-f"), True), "quiet": (("--quiet", "-q"), False)}, (0, 0),
             "list [command options]"),
    "spec": ({"bundle": (("--bundle", "-b"), True), "rootless": (("--rootless",), False)}, (0, 0),
             "spec [command options]"),
    "features": ({}, (0, 0), "features"),
    "update": ({"resources": (("--resources", "-r"), True),
                "memory": (("--memory",), True),
                "memory-swap": (("--memory-swap",), True),
                "memory-reservation": (("--memory-reservation",), True),
                "kernel-memory": (("--kernel-memory",), True),
                "kernel-memory-tcp": (("--kernel-memory-tcp",), True),
                "cpu-shares": (("--cpu-shares", "--cpu-share"), True),
                "cpu-quota": (("--cpu-quota",), True),
                "cpu-period": (("--cpu-period",), True),
                "cpu-burst": (("--cpu-burst",), True),
                "cpu-idle": (("--cpu-idle",), True),
                "l3-cache-schema": (("--l3-cache-schema",), True),
                "mem-bw-schema": (("--mem-bw-schema",), True),
                "cpu-rt-runtime": (("--cpu-rt-runtime",), True),
                "cpu-rt-period": (("--cpu-rt-period",), True),
                "cpuset-cpus": (("--cpuset-cpus",), True),
                "cpuset-mems": (("--cpuset-mems",), True),
                "pids-limit": (("--pids-limit",), True),
                "blkio-weight": (("--blkio-weight",), True),},
               (1, 1), "update [command options] <container-id>"),
    "pause": ({}, (1, 1), "pause <container-id>"),
    "resume": ({}, (1, 1), "resume <container-id>"),
    "ps": ({"format": (("--format", "-f"), True)}, (1, 1 << 30), "ps [command options] <container-id> [ps options]"),
    "events": ({"stats": (("--stats",), False), "interval": (("--interval",), True)}, (1, 1),
               "events [command options] <container-id>"),
    "checkpoint": ({"image-path": (("--image-path",), True), "work-path": (("--work-path",), True),
                    "parent-path": (("--parent-path",), True), "leave-running": (("--leave-running",), False),
                    "tcp-established": (("--tcp-established",), False),
                    "tcp-skip-in-flight": (("--tcp-skip-in-flight",), False),
                    "link-remap": (("--link-remap",), False), "ext-unix-sk": (("--ext-unix-sk",), False),
                    "shell-job": (("--shell-job",), False), "lazy-pages": (("--lazy-pages",), False),
                    "status-fd": (("--status-fd",), True), "page-server": (("--page-server",), True),
                    "file-locks": (("--file-locks",), False), "pre-dump": (("--pre-dump",), False),
                    "manage-cgroups-mode": (("--manage-cgroups-mode",), True),
                    "empty-ns": (("--empty-ns",), "multi"), "auto-dedup": (("--auto-dedup",), False)},
                   (1, 1), "checkpoint [command options] <container-id>"),
    "restore": ({"console-socket": (("--console-socket",), True), "image-path": (("--image-path",), True),
                 "work-path": (("--work-path",), True), "tcp-established": (("--tcp-established",), False),
                 "ext-unix-sk": (("--ext-unix-sk",), False), "shell-job": (("--shell-job",), False),
                 "file-locks": (("--file-locks",), False),
                 "manage-cgroups-mode": (("--manage-cgroups-mode",), True),
                 "bundle": (("--bundle", "-b"), True), "detach": (("--detach", "-d"), False),
                 "pid-file": (("--pid-file",), True), "no-subreaper": (("--no-subreaper",), False),
                 "no-pivot": (("--no-pivot",), False), "empty-ns": (("--empty-ns",), "multi"),
                 "auto-dedup": (("--auto-dedup",), False), "lazy-pages": (("--lazy-pages",), False),
                 "lsm-profile": (("--lsm-profile",), True), "lsm-mount-context": (("--lsm-mount-context",), True)},
                (1, 1), "restore [command options] <container-id>"),
    "exec": ({"process": (("--process", "-p"), True), "console-socket": (("--console-socket",), True),
              "cwd": (("--cwd",), True), "env": (("--env", "-e"), "multi"), "tty": (("--tty", "-t"), False),
              "user": (("--user", "-u"), True), "additional-gids": (("--additional-gids", "-g"), "multi"),
              "process-label": (("--process-label",), True), "apparmor": (("--apparmor",), True),
              "no-new-privs": (("--no-new-privs",), False), "cap": (("--cap", "-c"), "multi"),
              "preserve-fds": (("--preserve-fds",), True), "pid-file": (("--pid-file",), True),
              "detach": (("--detach", "-d"), False), "ignore-paused": (("--ignore-paused",), False),
              "cgroup": (("--cgroup",), "multi"), "pidfd-socket": (("--pidfd-socket",), True)},
             (1, 1 << 30), "exec [command options] <container-id> <command> [command options]"),
}

USAGE = """NAME:
   pyruntime - a runc-compatible OCI container runtime

USAGE:
   pyruntime [global options] command [command options] [arguments...]

COMMANDS:
   create      create a container
   start       start the user-defined process in a created container
   run         create and run a container
   state       output the state of a container
   kill        send a signal to the container's init process (default SIGTERM)
   delete      delete a container and the resources it holds
   exec        execute a new process inside a container
   update      update container resource constraints
   pause       suspend all processes inside the container
   resume      resume all processes that were previously paused
   ps          display the processes running inside a container
   events      display container events (OOM notifications, resource usage statistics)
   list        list containers started by pyruntime with the given root
   checkpoint  checkpoint a running container (CRIU)
   restore     restore a container from a previous checkpoint (CRIU)
   spec        create a new specification file
   features    show the enabled features

GLOBAL OPTIONS:
   --root value        root directory for storage of container state (default: /run/pyruntime)
   --log value         set the log file to write pyruntime logs to (default: stderr)
   --log-format value  set the log format ('text' (default), or 'json')
   --debug             enable debug logging
   --systemd-cgroup    use systemd for cgroups (cgroupsPath "slice:prefix:name")
   --help, -h          show help
   --version, -v       print the version
"""


def _command_help(command, usage):
    """`pyruntime COMMAND --help` in runc's (urfave/cli's) shape: NAME, USAGE, OPTIONS."""
    summary = ""
    for line in USAGE.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == command and rest.strip():
            summary = rest.strip()
            break
    out = [f"NAME:\n   pyruntime {command} - {summary}\n", f"USAGE:\n   pyruntime {usage}\n"]
    flags = COMMANDS[command][0]
    if flags:
        out.append("OPTIONS:")
        for _, (aliases, takes) in flags.items():
            out.append("   " + ", ".join(aliases) + (" value" if takes else ""))
        out.append("")
    return "\n".join(out) + "\n"


def _lookup(spec, word):
    for name, (aliases, takes) in spec.items():
        for a in aliases:
            # Go's flag package accepts one or two dashes for every long flag
            if word == a or (a.startswith("--") and word == a[1:]):
                return name, takes
    return None, False


_TRUE = {"true": True, "1": True, "t": True, "false": False, "0": False, "f": False}


def parse(spec, words, stop_at_first_arg=False):
    """-> (flags dict, positional args). Flags may follow positionals unless stop_at_first_arg."""
    flags, args = {}, []
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if w == "--":
            args.extend(words[i:])
            break
        if w.startswith("-") and len(w) > 1 and not (stop_at_first_arg and args):
            key, _, value = w.partition("=")
            name, takes = _lookup(spec, key)
            if name is None:
                raise UsageError(f"flag provided but not defined: -{key.lstrip('-')}")
            if takes:
                if not _:
                    if i >= len(words):
                        raise UsageError(f"flag needs an argument: -{key.lstrip('-')}")
                    value = words[i]
                    i += 1
                if takes == "multi":
                    flags.setdefault(name, []).append(value)
                else:
                    flags[name] = value
            else:
                if _:
                    if value.lower() not in _TRUE:
                        raise UsageError(f"invalid boolean value \"{value}\" for -{key.lstrip('-')}")
                    flags[name] = _TRUE[value.lower()]
                else:
                    flags[name] = True
            continue
        args.append(w)
    return flags, args


def _version():
    try:
        from ._build_info import COMMIT  # noqa: PLC0415
    except ImportError:
        COMMIT = "unknown"
    return f"pyruntime version {__version__}\ncommit: {COMMIT}\nspec: {OCI_VERSION}\n"


def main(argv=None, subreaper=False):
    """The CLI. subreaper: the C front already made this process a child subreaper (`run`, `exec`)."""
    argv = sys.argv[1:] if argv is None else argv
    from .log import Log, validate_format  # noqa: PLC0415
    log = Log()
    try:
        # global flags end at the first non-flag word: the command
        cut = 0
        while cut < len(argv) and argv[cut].startswith("-"):
            name, takes = _lookup(GLOBAL, argv[cut].partition("=")[0])
            cut += 2 if takes and "=" not in argv[cut] else 1
        gflags, rest = parse(GLOBAL, argv[:cut])
        rest = argv[cut:]
        fmt = gflags.get("log-format", "text")
        bad = validate_format(fmt)
        if gflags.get("log"):
            log = Log(os.path.abspath(gflags["log"]), fmt if not bad else "text", gflags.get("debug", False))
            try:
                log.open()
            except OSError as e:
                # runc: one error line on stderr (the log cannot take it), exit 1 whatever the command
                where, log = log.path, Log(None, "text")
                log.fatal(f"open {where}: {os.strerror(e.errno).lower()}")
                return 1
        else:
            log = Log(None, fmt if not bad else "text", gflags.get("debug", False))
        if bad:
            raise UsageError(bad)
        if gflags.get("debug"):
            from .trace import enable  # noqa: PLC0415
            enable(log)
        if gflags.get("version"):
            sys.stdout.write(_version())
            return 0
        if not rest or gflags.get("help"):
            sys.stdout.write(USAGE)
            return 0
        command, words = rest[0], rest[1:]
        if command not in COMMANDS:
            sys.stderr.write(f"No help topic for '{command}'\n")
            return 3
        spec, (lo, hi), usage = COMMANDS[command]
        if "-h" in words or "--help" in words:
            sys.stdout.write(_command_help(command, usage))
            return 0
        # runc stops reading flags at the container ID for exec (the rest is the command)
        flags, args = parse(spec, words, stop_at_first_arg=command in ("exec", "ps"))
        if not lo <= len(args) <= hi:
            want = f"exactly {lo}" if lo == hi else f"between {lo} and {hi}"
            raise UsageError(f"pyruntime: \"{command}\" requires {want} argument(s)")
        if gflags.get("root"):
            root = os.path.abspath(gflags["root"])
        else:
            from .state import default_root  # noqa: PLC0415
            root, xdg = default_root()
            root = os.path.abspath(root)
            if xdg and command not in ("spec", "features"):
                from .rootless import ensure_xdg_root  # noqa: PLC0415
                ensure_xdg_root(root)  # runc makes it, 0700 and sticky
        return _dispatch(command, flags, args, root, log, gflags, subreaper) or 0
    except RuntimeFailure as e:
        which = command_of(argv)
        if which == "exec":
            log.fatal("exec failed: " + e.message)
            return 255  # runc: every exec failure exits 255
        if which in ("create", "run") and not isinstance(e, UsageError):
            # runc's fixed words (create.go, run.go), which clients and people match on; help and
            # version name this program (docs/compatibility.md)
            log.fatal(f"runc {which} failed: {e.message}")
            return e.exit_code
        log.fatal(e.message)
        return e.exit_code
    except KeyboardInterrupt:
        log.fatal("interrupted")
        return 130
    except Exception as e:  # noqa: BLE001  (never a traceback for a user: one line, non-zero)
        if "--debug" in argv:
            import traceback  # noqa: PLC0415
            traceback.print_exc()
        log.fatal(f"internal error: {type(e).__name__}: {e}")
        return 1


def command_of(argv):
    for i, w in enumerate(argv):
        if not w.startswith("-"):
            prev = argv[i - 1] if i else ""
            name, takes = _lookup(GLOBAL, prev.partition("=")[0]) if prev.startswith("-") else (None, False)
            if not (takes and "=" not in prev):
                return w
    return None


def _int_flag(flags, name, default=0):
    value = flags.get(name)
    if value is None:
        return default
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"invalid value \"{value}\" for flag -{name}: parse error") from None
    if n < 0:
        raise UsageError(f"invalid value \"{value}\" for flag -{name}: must not be negative")
    return n


_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


def _rootless(value):
    """--rootless true|false|auto (runc's parseBoolOrAuto, checked by create and run). As root the
    cgroups are always ours to manage, so every value behaves as runc's "auto" does for root."""
    if value is None or value == "" or value.lower() == "auto":
        return None
    if value not in _GO_BOOLS:
        raise UsageError(f"strconv.ParseBool: parsing \"{value}\": invalid syntax")
    return _GO_BOOLS[value]


def _caller_path(path):
    """A path given on the command line, relative to the caller's directory (create moves into the
    bundle before it writes the pid file: runc makes --pid-file absolute first, too)."""
    return os.path.abspath(path) if path else path


def _dispatch(command, flags, args, root, log, gflags, subreaper=False):
    from . import container as ct  # noqa: PLC0415
    if command in ("create", "run"):
        _rootless(gflags.get("rootless"))
        opts = dict(pid_file=_caller_path(flags.get("pid-file")), console_socket=flags.get("console-socket"),
                    pidfd_socket=flags.get("pidfd-socket"), no_new_keyring=flags.get("no-new-keyring", False),
                    no_pivot=flags.get("no-pivot", False), preserve_fds=_int_flag(flags, "preserve-fds"))
        opts["systemd_cgroup"] = gflags.get("systemd-cgroup", False)
        if command == "create":
            ct.create(root, args[0], flags.get("bundle"), log=log, **opts)
            return 0
        return ct.run(root, args[0], flags.get("bundle"), detach=flags.get("detach", False),
                      keep=flags.get("keep", False), no_subreaper=flags.get("no-subreaper", False),
                      log=log, subreaper_set=subreaper, **opts)
    if command == "exec":
        return ct.exec_(root, args[0], args[1:], process_file=flags.get("process"),
                        console_socket=flags.get("console-socket"), detach=flags.get("detach", False),
                        pid_file=_caller_path(flags.get("pid-file")), preserve_fds=_int_flag(flags, "preserve-fds"),
                        pidfd_socket=flags.get("pidfd-socket"), cgroups=flags.get("cgroup", ()),
                        ignore_paused=flags.get("ignore-paused", False), log=log, subreaper_set=subreaper,
                        cwd=flags.get("cwd"), env=flags.get("env", ()), tty=flags.get("tty", False),
                        user=flags.get("user"), groups=flags.get("additional-gids", ()),
                        caps=flags.get("cap", ()), no_new_privs=flags.get("no-new-privs", False),
                        apparmor=flags.get("apparmor"), process_label=flags.get("process-label"))
    if command in ("checkpoint", "restore"):
        return _cr_command(command, flags, args, root, log, gflags)
    if command in ("update", "pause", "resume", "ps", "events"):
        return _cgroup_command(command, flags, args, root)
    if command == "start":
        failed = os.environ.pop("PYRUNTIME_FRONT_START_FAILED", None)  # set by the C front only
        if failed is not None:
            ct.start_failed(root, args[0], failed)
        ct.start(root, args[0])
    elif command == "state":
        from . import fastjson as json  # noqa: PLC0415
        sys.stdout.write(json.dumps(ct.state(root, args[0]), indent=2))
    elif command == "kill":
        ct.kill(root, args[0], args[1] if len(args) > 1 else "SIGTERM", flags.get("all", False))
    elif command == "delete":
        ct.delete(root, args[0], flags.get("force", False))
    elif command == "list":
        _list(ct.list_containers(root), flags.get("format", "table"), flags.get("quiet", False))
    elif command == "spec":
        from .defaults import write_spec  # noqa: PLC0415
        write_spec(flags.get("bundle") or ".", flags.get("rootless", False))
    elif command == "features":
        from .features import features_json  # noqa: PLC0415
        sys.stdout.write(features_json())
    return 0


def _cr_command(command, flags, args, root, log, gflags):
    from . import checkpoint as cr  # noqa: PLC0415
    opts = {k.replace("-", "_"): v for k, v in flags.items()}
    if command == "checkpoint":
        if "status_fd" in opts:
            try:
                opts["status_fd"] = int(flags["status-fd"])
            except ValueError:
                raise UsageError(f"invalid value \"{flags['status-fd']}\" for flag -status-fd: parse error") from None
        return cr.checkpoint(root, args[0], opts, log=log)
    return cr.restore(root, args[0], opts, bundle=flags.get("bundle"), detach=flags.get("detach", False),
                      pid_file=flags.get("pid-file"), console_socket=flags.get("console-socket"),
                      no_pivot=flags.get("no-pivot", False), no_subreaper=flags.get("no-subreaper", False),
                      log=log, systemd_cgroup=gflags.get("systemd-cgroup", False))


def _cgroup_command(command, flags, args, root):
    from .container import cgroup_commands as ops  # noqa: PLC0415
    cid = args[0]
    if command == "update":
        if flags.get("resources"):
            ops.update(root, cid, ops.read_resources(flags["resources"]))
        else:
            ops.update_from_flags(root, cid, {k: v for k, v in flags.items() if k != "resources"})
    elif command == "pause":
        ops.pause(root, cid)
    elif command == "resume":
        ops.resume(root, cid)
    elif command == "ps":
        sys.stdout.write(ops.ps(root, cid, flags.get("format", "table"), args[1:]))
    elif command == "events":
        interval = _duration(flags.get("interval", "5s"))
        ops.events(root, cid, stats=flags.get("stats", False), interval=interval, out=sys.stdout)
    return 0


def _duration(text):
    """Go-style durations as runc takes them: 5s, 500ms, 1m, 1.5s."""
    for suffix, scale in (("ms", 0.001), ("us", 1e-6), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if text.endswith(suffix):
            try:
                return float(text[:-len(suffix)]) * scale
            except ValueError:
                break
    raise UsageError(f"invalid value \"{text}\" for flag -interval: parse error")


def _list(states, fmt, quiet):
    if quiet:
        sys.stdout.write("".join(s["id"] + "\n" for s in states))
        return
    if fmt == "json":
        import json  # noqa: PLC0415 (list is not on the hot path)
        # Go's json.Encoder: compact, one line, null for no containers
        sys.stdout.write((json.dumps(states, separators=(",", ":"), ensure_ascii=False) if states else "null")
                         + "\n")
        return
    if fmt != "table":
        raise UsageError(f"invalid format option: {fmt}")
    rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
    rows += [(s["id"], str(s["pid"]), s["status"], s["bundle"], s["created"], s["owner"]) for s in states]
    # Go's tabwriter as runc sets it up: cells padded by 3, at least 12 wide; the last not padded
    widths = [max(max(len(r[i]) for r in rows) + 3, 12) for i in range(5)]
    for r in rows:
        sys.stdout.write("".join(v.ljust(w) for v, w in zip(r, widths)) + r[5] + "\n")
