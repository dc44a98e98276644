"""--log FILE / --log-format text|json, with runc's conventions (clients.md §4.8).

Without --log, records go to stderr as logrus text lines. With --log, records go only to the
file (one {"level","msg","time"} object per line in json format) and the final fatal error is
also printed to stderr as plain text, which is what conmon reads back.
"""
import os
import sys
import time

LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3, "fatal": 4}


def _now():
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"


_ESCAPES = None


def _escapes():
    """Control characters, the C1 range, the Unicode line separators and lone surrogates as JSON
    escapes: a record stays one line (readers split at \\x1c-\\x1e, \\x85, \\u2028 too) and valid JSON."""
    global _ESCAPES
    if _ESCAPES is None:
        table = {c: "\\u%04x" % c for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029,
                                             *range(0xD800, 0xE000)]}
        table.update({0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"})
        _ESCAPES = table
    return _ESCAPES


def _quote(text):
    if text.isprintable():  # the common case: no table needed
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return '"' + text.translate(_escapes()) + '"'


class Log:
    def __init__(self, path=None, fmt="text", debug=False):
        self.path = path
        self.fmt = fmt
        self.min = LEVELS["debug"] if debug else LEVELS["info"]
        self._fd = None

    def open(self):
        """Open the --log file now (runc opens it before the command runs): OSError if it cannot."""
        if self.path and self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)

    def _line(self, level, msg):
        if self.fmt == "json":
            return '{"level":%s,"msg":%s,"time":%s}\n' % (_quote(level), _quote(msg), _quote(_now()))
        return "time=%s level=%s msg=%s\n" % (_quote(_now()), level, _quote(msg))

    def _write(self, line):
        if self.path:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
            os.write(self._fd, line.encode())
        else:
            sys.stderr.write(line)
            sys.stderr.flush()

    def log(self, level, msg):
        if LEVELS[level] >= self.min:
            self._write(self._line(level, msg))

    def debug(self, msg):
        self.log("debug", msg)

    def warning(self, msg):
        self.log("warning", msg)

    def fatal(self, msg):
        """The one error record of a failed command; with --log also plain text on stderr."""
        self._write(self._line("error", msg))
        if self.path:
            sys.stderr.write(msg + "\n")
            sys.stderr.flush()


def validate_format(fmt):
    if fmt not in ("text", "json"):
        return f"invalid log-format: {fmt}"
    return None
