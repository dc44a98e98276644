"""Run the conformance suite against pyruntime, runc and crun; print the table.

  .venv/bin/python conformance/report.py [--markdown FILE] [--runtimes pyruntime,runc,crun] [pytest args]

Each runtime gets one `pytest conformance --junitxml` run with RUNTIME set (pyruntime: the repo's
.venv/bin/pyruntime).  A runtime that is not installed is reported as unavailable.  The table has one
row per case: the case id, its spec reference (the first sentence of the case's docstring, recorded
by conformance/conftest.py as the junit property "spec"), and per runtime: pass, FAIL, xfail
(expected to fail for that runtime, with the reason in the case), XPASS, skip or "-" (not run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"


def run_suite(runtime: str, binary: str, xml: Path, extra: list[str]) -> tuple[int, float, str]:
    env = dict(os.environ)
    env["RUNTIME"] = binary
    t0 = time.monotonic()
    proc = subprocess.run([str(PYTHON), "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider",
                           "-o", "junit_family=xunit1", f"--junitxml={xml}", *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    tail = "\n".join(proc.stdout.strip().splitlines()[-1:])
    return proc.returncode, time.monotonic() - t0, tail


def parse(xml: Path) -> dict[str, tuple[str, str, str]]:
    """case id -> (outcome, spec reference, detail)"""
    out = {}
    for tc in ET.parse(xml).getroot().iter("testcase"):
        module = tc.get("classname", "").rsplit(".", 1)[-1]
        case = f"{module}::{tc.get('name')}"
        spec = ""
        for prop in tc.iter("property"):
            if prop.get("name") == "spec":
                spec = prop.get("value", "")
        outcome, detail = "pass", ""
        for child in tc:
            if child.tag in ("failure", "error"):
                outcome, detail = "FAIL", (child.get("message") or "")[:200]
            elif child.tag == "skipped":
                typ = child.get("type", "")
                msg = child.get("message", "")
                if typ == "pytest.xfail":
                    outcome, detail = "xfail", msg
                else:
                    outcome, detail = "skip", msg
        if outcome == "FAIL" and "XPASS" in detail:
            outcome = "XPASS"
        out[case] = (outcome, spec, detail)
    return out


def short_ref(spec: str) -> str:
    ref = spec.split(":", 1)[0]
    return ref if len(ref) < 60 else ref[:57] + "..."


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runtimes", default="pyruntime,runc,crun")
    ap.add_argument("--markdown", help="also write the table as Markdown to this file")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args(argv)

    names = args.runtimes.split(",")
    binaries = {"pyruntime": str(REPO / ".venv" / "bin" / "pyruntime")}
    results: dict[str, dict] = {}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="conformance-report-") as tmp:
        for name in names:
            binary = binaries.get(name) or shutil.which(name)
            if not binary or not os.path.exists(binary):
                notes[name] = "unavailable (not installed)"
                continue
            xml = Path(tmp) / f"{name}.xml"
            rc, secs, tail = run_suite(name, binary, xml, args.pytest_args)
            if not xml.exists():
                notes[name] = f"unavailable (pytest exit {rc}: {tail})"
                continue
            results[name] = parse(xml)
            notes[name] = f"{tail} ({secs:.0f} s)"
            print(f"{name}: {notes[name]}", file=sys.stderr)

    cases: dict[str, str] = {}
    for res in results.values():
        for case, (_, spec, _) in res.items():
            cases.setdefault(case, spec)
    rows = []
    for case in cases:
        cells = [results[n][case][0] if n in results and case in results[n] else "-" for n in names]
        rows.append((case, short_ref(cases[case]), cells))

    totals = {}
    for i, n in enumerate(names):
        counts = {}
        for _, _, cells in rows:
            counts[cells[i]] = counts.get(cells[i], 0) + 1
        totals[n] = counts

    header = ["case", "spec reference", *names]
    widths = [max(len(header[0]), *(len(r[0]) for r in rows)) if rows else 4,
              max(len(header[1]), *(len(r[1]) for r in rows)) if rows else 4,
              *[max(len(n), 5) for n in names]]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("-" * len(line))
    for case, ref, cells in rows:
        print("  ".join(v.ljust(w) for v, w in zip([case, ref, *cells], widths)))
    print()
    for n in names:
        t = totals[n]
        summary = ", ".join(f"{k} {v}" for k, v in sorted(t.items()) if k != "-") or notes.get(n, "")
        print(f"{n}: {summary}   [{notes.get(n, '')}]")

    failing = [(case, n, results[n][case][2]) for case in cases for n in results
               if results[n].get(case, ("",))[0] in ("FAIL", "XPASS")]

    if args.markdown:
        md = ["| case | spec reference | " + " | ".join(names) + " |",
              "|---|---|" + "---|" * len(names)]
        for case, ref, cells in rows:
            md.append(f"| `{case}` | {ref} | " + " | ".join(
                f"**{c}**" if c in ("FAIL", "XPASS") else c for c in cells) + " |")
        md.append("")
        md.append("| runtime | " + " | ".join(["pass", "FAIL", "xfail", "XPASS", "skip"]) + " | run |")
        md.append("|---|---|---|---|---|---|---|")
        for n in names:
            t = totals[n]
            md.append(f"| {n} | " + " | ".join(str(t.get(k, 0)) for k in
                                              ("pass", "FAIL", "xfail", "XPASS", "skip"))
                      + f" | {notes.get(n, '')} |")
        if failing:
            md.append("")
            md.append("Failures:")
            md.append("")
            for case, n, detail in failing:
                md.append(f"- {n} `{case}`: {detail.strip().splitlines()[0] if detail.strip() else ''}")
        Path(args.markdown).write_text("\n".join(md) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
