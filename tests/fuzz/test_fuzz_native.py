"""A short, fixed-seed fuzz pass over the init's parsers (docs/reliability.md): the Plan decoder,
the sync message parser and the /etc/passwd reader, each built with AddressSanitizer and
UndefinedBehaviorSanitizer around tests/fuzz/driver.c (random and mutated inputs, gcc). The long,
coverage-guided run is tests/fuzz/run.sh (libFuzzer). No root needed."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NATIVE = HERE.parents[1] / "pyruntime" / "_native"
ITERATIONS = 30000


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    subprocess.run([sys.executable, str(HERE / "seeds.py"), str(out)], check=True)
    return out


@pytest.mark.parametrize("target", ["plan", "sync", "passwd"])
def test_fuzz_short(target, seeds, tmp_path):
    """Guards the class of security.md §1.26: an input that makes a parser of the init read or
    write outside its buffers, hit undefined behaviour, or accept what breaks its invariants."""
    if not shutil.which("gcc"):
        pytest.skip("gcc needed")
    exe = tmp_path / f"drive_{target}"
    build = subprocess.run(
        ["gcc", "-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-I", str(NATIVE),
         str(HERE / f"fuzz_{target}.c"), str(HERE / "driver.c"), str(NATIVE / f"{target}.c"), "-o", str(exe)],
        capture_output=True, text=True)
    if build.returncode and "asan" in build.stderr.lower():
        pytest.skip(f"no AddressSanitizer runtime: {build.stderr[-200:]}")
    assert build.returncode == 0, build.stderr
    files = sorted(str(p) for p in (seeds / target).iterdir())
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:halt_on_error=1", UBSAN_OPTIONS="halt_on_error=1")
    run = subprocess.run([str(exe), str(ITERATIONS), "0x5eed", *files], capture_output=True, text=True,
                         env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "runtime error" not in run.stderr and "Sanitizer" not in run.stderr, run.stderr[-3000:]
    assert f"{ITERATIONS} iterations" in run.stdout
