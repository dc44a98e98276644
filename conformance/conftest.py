"""conformance/ fixtures on top of the repository's root conftest.py.

  checker_binary (session) -> Path of conformance/checker/checker.c built with `gcc -static -O2`
  cbundle                  -> support.Bundle with /checker in its rootfs (args ["/checker"])

Every case's docstring starts with its spec reference ("file#section: the MUST/SHOULD sentence"):
it is recorded as the junit property "spec" for conformance/report.py.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest


CHECKER_SRC = Path(__file__).resolve().parent / "checker" / "checker.c"


def pytest_configure(config):
    config.addinivalue_line("markers", "spec(ref): the spec file#section a case checks")


@pytest.fixture(scope="session")
def checker_binary(tmp_path_factory):
    """Build the checker once per session (cached by source digest under the session tmp dir)."""
    digest = hashlib.sha256(CHECKER_SRC.read_bytes()).hexdigest()[:12]
    out = tmp_path_factory.mktemp("checker") / f"checker-{digest}"
    proc = subprocess.run(
        ["gcc", "-static", "-O2", "-o", str(out), str(CHECKER_SRC)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building {CHECKER_SRC} failed:\n{proc.stderr}")
    return out


@pytest.fixture
def cbundle(make_bundle, checker_binary):
    b = make_bundle("cbundle", args=("/checker",))
    dst = b.rootfs / "checker"
    try:
        os.link(checker_binary, dst)
    except OSError:
        shutil.copy2(checker_binary, dst)
    return b


@pytest.fixture(autouse=True)
def _spec_property(request, record_property):
    doc = (request.node.function.__doc__ or "").strip()
    if doc:
        record_property("spec", " ".join(doc.split()))
