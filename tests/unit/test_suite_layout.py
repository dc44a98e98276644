"""The suites are collected together (`pytest tests conformance`) in pytest's default import mode,
where two test files with one basename break collection of both: keep basenames unique."""
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_test_file_basenames_are_unique():
    names = Counter(p.name for d in ("tests", "conformance") for p in (REPO / d).rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []
