"""Container.signal_init: `kill` and `delete` signal the recorded init only while it is that
process (same pid and start time), and a pid reused between the check and the signal is never hit
(a pidfd pins the process, then the start time is checked again)."""

import signal
import subprocess

import pytest

from pyruntime.container.container import Container
from pyruntime.state import proc_start


@pytest.fixture
def child():
    p = subprocess.Popen(["sleep", "30"])
    yield p
    p.kill()
    p.wait()


def _container(tmp_path, pid, start):
    c = Container(str(tmp_path), "c")
    c.data = {"pid": pid, "pid_start": start}
    return c


def test_signals_the_recorded_process(tmp_path, child):
    c = _container(tmp_path, child.pid, proc_start(child.pid)[1])
    assert c.signal_init(signal.SIGTERM) is True
    assert child.wait(5) == -signal.SIGTERM


def test_another_process_with_that_pid_is_not_signalled(tmp_path, child):
    c = _container(tmp_path, child.pid, proc_start(child.pid)[1] + 1)  # the pid, another start time
    assert c.signal_init(signal.SIGTERM) is False
    assert child.poll() is None


def test_pid_reused_between_check_and_signal(tmp_path, child, monkeypatch):
    """alive() says yes at the first look and no once the pidfd is open: what a pid reused in that
    window looks like. The process behind the pidfd must not be signalled."""
    c = _container(tmp_path, child.pid, proc_start(child.pid)[1])
    answers = iter([True, False])
    monkeypatch.setattr(c, "alive", lambda: next(answers))
    assert c.signal_init(signal.SIGTERM) is False
    assert child.poll() is None


def test_no_pid_recorded(tmp_path):
    assert _container(tmp_path, 0, 0).signal_init(signal.SIGTERM) is False


def test_without_pidfd_open_it_checks_then_signals_by_pid(tmp_path, child, monkeypatch):
    """A kernel before 5.3 has no pidfd_open: the start-time check, then kill(2), as runc 1.1."""
    import errno
    import os

    def no_pidfd(pid, flags=0):
        raise OSError(errno.ENOSYS, "Function not implemented")
    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    start = proc_start(child.pid)[1]
    assert _container(tmp_path, child.pid, start + 1).signal_init(signal.SIGTERM) is False
    assert child.poll() is None
    assert _container(tmp_path, child.pid, start).signal_init(signal.SIGTERM) is True
    assert child.wait(5) == -signal.SIGTERM
