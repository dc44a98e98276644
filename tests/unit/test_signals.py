import _signal
import subprocess
import sys

import pytest

from pyruntime.errors import UsageError
from pyruntime.signals import SIGRTMAX, SIGRTMIN, parse_signal, signal_name


@pytest.mark.parametrize("text,number", [
    ("9", 9), ("15", 15), ("28", 28), ("0", 0), ("64", 64),
    ("KILL", _signal.SIGKILL), ("kill", _signal.SIGKILL), ("SIGKILL", _signal.SIGKILL),
    ("sigkill", _signal.SIGKILL), ("SigTerm", _signal.SIGTERM), ("TERM", _signal.SIGTERM),
    ("HUP", _signal.SIGHUP), ("USR1", _signal.SIGUSR1), ("SIGUSR2", _signal.SIGUSR2),
    ("WINCH", _signal.SIGWINCH), ("STOP", _signal.SIGSTOP), ("CONT", _signal.SIGCONT),
    ("CHLD", _signal.SIGCHLD), ("CLD", _signal.SIGCHLD), ("IOT", _signal.SIGABRT),
    ("PWR", _signal.SIGPWR), ("STKFLT", _signal.SIGSTKFLT), ("SYS", _signal.SIGSYS),
])
def test_names_and_numbers(text, number):
    assert parse_signal(text) == number


def test_linux_numbers():
    # x86/arm numbering, which is what runc's table has on those architectures
    assert parse_signal("SIGKILL") == 9
    assert parse_signal("SIGTERM") == 15
    assert parse_signal("SIGWINCH") == 28
    assert parse_signal("SIGUSR1") in (10, 16, 30)


@pytest.mark.parametrize("text,number", [
    ("RTMIN", SIGRTMIN), ("SIGRTMIN", SIGRTMIN), ("sigrtmin+3", SIGRTMIN + 3),
    ("SIGRTMIN+3", SIGRTMIN + 3), ("RTMAX", SIGRTMAX), ("RTMAX-1", SIGRTMAX - 1),
    ("rtmax-0", SIGRTMAX), ("RTMIN+0", SIGRTMIN),
])
def test_realtime(text, number):
    assert parse_signal(text) == number


def test_realtime_bounds():
    span = SIGRTMAX - SIGRTMIN
    assert parse_signal(f"RTMIN+{span}") == SIGRTMAX
    assert parse_signal(f"RTMAX-{span}") == SIGRTMIN
    for bad in (f"RTMIN+{span + 1}", f"RTMAX-{span + 1}", "RTMIN-1", "RTMAX+1", "RTMIN+", "RTMIN+x",
                "RTMIN+ 1"):
        with pytest.raises(UsageError):
            parse_signal(bad)


@pytest.mark.parametrize("text", [
    "FOO", "SIGFOO", "", "SIG", "-1", "+9", "9x", " 9", "9 ", "65", "1000", "KILL ", "SIG KILL",
    "\u0663",  # Arabic-Indic digit three: not a decimal number for us
])
def test_invalid(text):
    with pytest.raises(UsageError) as exc:
        parse_signal(text)
    assert str(exc.value).startswith("unknown signal ")


def test_error_wording():
    with pytest.raises(UsageError) as exc:
        parse_signal("FOO")
    assert str(exc.value) == 'unknown signal "FOO"'
    assert exc.value.exit_code == 1
    with pytest.raises(UsageError) as exc:
        parse_signal('a"b\\c')
    assert str(exc.value) == 'unknown signal "a\\"b\\\\c"'


def test_signal_name_roundtrip():
    for n in range(1, 32):
        name = signal_name(n)
        assert parse_signal(name) == n
    for n in range(SIGRTMIN, SIGRTMAX + 1):
        assert parse_signal(signal_name(n)) == n
    assert signal_name(_signal.SIGABRT) == "SIGABRT"
    assert signal_name(_signal.SIGCHLD) == "SIGCHLD"


def test_does_not_import_signal_module():
    code = "import sys; import pyruntime.signals; print('signal' in sys.modules, 'enum' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
