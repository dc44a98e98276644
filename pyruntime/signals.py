"""Signal names and numbers for `kill`.

Uses the builtin ``_signal`` module for the numbers (no import cost, right numbers on every
architecture) rather than ``signal``, whose IntEnum machinery costs ~5 ms at import.

runc 1.1.5 (``kill.go`` parseSignal): a decimal number is used as is; otherwise the text is upper-
cased, "SIG" is prepended if missing and looked up in golang.org/x/sys/unix's table; failure is
``unknown signal "<text>"``. We accept the same, plus the aliases the C library defines (SIGIOT,
SIGCLD, SIGPOLL) and real-time names as docker/crun/util-linux do: RTMIN, RTMIN+n, RTMAX, RTMAX-n
(with or without SIG). Numbers must be 0 .. SIGRTMAX (0 only checks that the process exists).
"""

try:
    import _signal as _sig
except ImportError:  # pragma: no cover - CPython on Linux always has it built in
    import signal as _sig

from pyruntime.errors import UsageError

SIGRTMIN = getattr(_sig, "SIGRTMIN", 34)
SIGRTMAX = getattr(_sig, "SIGRTMAX", 64)

# Canonical names first, so NAMES_BY_NUMBER keeps them rather than the aliases.
_CANONICAL = (
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
    "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
    "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
    "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
)
_ALIASES = ("SIGIOT", "SIGCLD", "SIGPOLL")


def _build():
    by_name = {}
    by_number = {}
    for name in _CANONICAL + _ALIASES:
        number = getattr(_sig, name, None)
        if number is None:
            continue
        by_name[name] = int(number)
        by_number.setdefault(int(number), name)
    return by_name, by_number


SIGNALS, NAMES_BY_NUMBER = _build()


def _quote(text):
    """Go's %q for the common cases: double quotes, backslash-escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch < " " or ch == "\x7f":
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _unknown(text):
    return UsageError(f"unknown signal {_quote(text)}")


def _realtime(name):
    """RTMIN, RTMIN+n, RTMAX, RTMAX-n (name already upper-cased, SIG stripped) -> number or None."""
    if name == "RTMIN":
        return SIGRTMIN
    if name == "RTMAX":
        return SIGRTMAX
    if name.startswith("RTMIN+"):
        base, sign, rest = SIGRTMIN, 1, name[6:]
    elif name.startswith("RTMAX-"):
        base, sign, rest = SIGRTMAX, -1, name[6:]
    else:
        return None
    if not rest.isdigit() or not rest.isascii():
        return None
    number = base + sign * int(rest)
    if SIGRTMIN <= number <= SIGRTMAX:
        return number
    return None


def parse_signal(text):
    """Signal number for ``text`` ("9", "KILL", "sigkill", "SIGRTMIN+3", "RTMAX-1").

    Raises UsageError('unknown signal "<text>"') for anything else.
    """
    if not isinstance(text, str) or not text:
        raise _unknown(text if isinstance(text, str) else str(text))
    if text.isdigit() and text.isascii():
        number = int(text)
        if number > SIGRTMAX:
            raise _unknown(text)
        return number
    name = text.upper()
    if name.startswith("SIG"):
        short = name[3:]
    else:
        short = name
        name = "SIG" + name
    number = SIGNALS.get(name)
    if number is None:
        number = _realtime(short)
    if number is None:
        raise _unknown(text)
    return number


def signal_name(number):
    """Canonical name ("SIGKILL", "SIGRTMIN+3") for a number, or str(number) if it has none."""
    name = NAMES_BY_NUMBER.get(number)
    if name is not None:
        return name
    if number == SIGRTMIN:
        return "SIGRTMIN"
    if number == SIGRTMAX:
        return "SIGRTMAX"
    if SIGRTMIN < number < SIGRTMAX:
        return f"SIGRTMIN+{number - SIGRTMIN}"
    return str(number)
