"""The suites' layout: basenames unique (`pytest tests conformance` collects them together in
pytest's default import mode, where two files with one basename break both), and every test file
indexed in tests/README.md."""
import re
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_test_file_basenames_are_unique():
    names = Counter(p.name for d in ("tests", "conformance") for p in (REPO / d).rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []


def test_tests_readme_indexes_every_test_file_and_only_those():
    """tests/README.md is where a reader finds a feature's tests: a new file must be listed there
    (by its path under tests/ or conformance/), and a listed file must exist."""
    index = (REPO / "tests" / "README.md").read_text()
    files = {p.relative_to(REPO / d).as_posix() if d == "tests" else p.relative_to(REPO).as_posix()
             for d in ("tests", "conformance") for p in (REPO / d).rglob("test_*.py")}
    assert sorted(f for f in files if f"`{f}`" not in index and f"{f}`" not in index) == []
    listed = set(re.findall(r"([a-z0-9_/]*test_[a-z0-9_]+\.py)`", index))
    assert sorted(f for f in listed if f not in files) == []
