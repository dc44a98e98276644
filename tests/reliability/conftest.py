"""Harness of the reliability suites (docs/reliability.md): running the runtime safely, leak checks,
figures.

* Every runtime call goes through run(): stdout/stderr go to temporary files (never pipes: a
  container inherits them), a timeout is a finding (a hang), never a stuck test.
* While a reliability test runs, the pytest process is a child subreaper, so every pyruntime-init
  that a runtime leaves behind (even one orphaned before it reached a cgroup) is re-parented to us
  and can be counted (and nothing else in the session is affected).
* Every container gets linux.cgroupsPath = PREFIX/<id>, PREFIX = /pyrt-rel-<random> unique to the
  session: the leak check looks there (and at the default <own cgroup>/<id>), never elsewhere.
* Size: CI by default; PYRUNTIME_NIGHTLY=1 scales the counts up (scale()).
* Figures: record(suite, key=n) adds up; printed at the end of the run and written as JSON to
  $PYRUNTIME_RELIABILITY_REPORT when set.
"""

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import relutil


@pytest.fixture(autouse=True)
def subreaper():
    """Only while a reliability test runs: the whole session as a subreaper that never reaps would
    keep other suites' orphaned container processes as zombies (and their pid-namespace inits
    from ever exiting). Processes below us before the test (e.g. the clients' daemons) are not
    counted as leaks."""
    relutil.BASELINE = {pid for pid, _, st in relutil.descendants() if st not in "ZX"}
    relutil.set_subreaper(True)
    try:
        yield
    finally:
        relutil.set_subreaper(False)
        relutil.reap()


def pytest_terminal_summary(terminalreporter):
    figs = relutil.figures()
    if not figs:
        return
    tr = terminalreporter
    tr.section(f"reliability figures ({'nightly' if relutil.NIGHTLY else 'CI'} size, "
               f"cgroup prefix {relutil.PREFIX})")
    for suite in sorted(figs):
        tr.write_line(f"{suite}: " + ", ".join(f"{k}={v}" for k, v in sorted(figs[suite].items())))
    out = os.environ.get("PYRUNTIME_RELIABILITY_REPORT")
    if out:
        Path(out).write_text(json.dumps({"nightly": relutil.NIGHTLY, "prefix": relutil.PREFIX, "figures": figs},
                                        indent=2) + "\n")


def pytest_sessionfinish(session, exitstatus):
    # remove the (empty) prefix directories the runtime may have left as shared parents
    for d in relutil.cgroup_dirs_under_prefix(include_prefix=True)[::-1]:
        try:
            os.rmdir(d)
        except OSError:
            pass


@pytest.fixture
def state_root(tmp_path):
    p = tmp_path / "state"
    p.mkdir()
    return p


@pytest.fixture
def mounts_before(tmp_path):
    return relutil.mount_rows([tmp_path])
