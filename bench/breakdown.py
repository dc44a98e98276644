"""bench/breakdown.py: where pyruntime's time goes, measured from outside (root).

    .venv/bin/python bench/breakdown.py [--runs N]

Prints markdown: interpreter start with and without -I -S, `pyruntime --version` (interpreter +
CLI), `create`/`run`/`state`/`delete` wall times, `-X importtime` of `create` and `run` (top-level
modules, cumulative), and the in-process cost of spec.load (read + parse + generated validator) on
the bench's config. Medians of N (default 20) with the same spawn-and-wait timing as run.py.
"""
import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import PREFIX, Bench  # noqa: E402

VENV_PY = os.path.join(os.path.dirname(HERE), ".venv/bin/python")


def med(xs):
    return statistics.median(xs)


def spread(xs):
    q = statistics.quantiles(xs, n=10, method="inclusive")
    return f"{med(xs):.1f} ({q[0]:.1f}–{q[-1]:.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--pyruntime", default=os.path.join(os.path.dirname(HERE), ".venv/bin/pyruntime"))
    args = ap.parse_args()
    args.warmup, args.only, args.out = 2, "", None
    b = Bench(args)
    try:
        b.build_rootfs()
        b.become_subreaper()
        bundle = b.bundle("true")
        root = os.path.join(b.tmp, "root")
        os.makedirs(root)
        py = [VENV_PY]
        # -X importtime needs the interpreter's command line: the one the C front (an ELF program)
        # execs for create and run, `-IS -c <the CLI>` with the venv's site-packages put first
        import sysconfig
        cli = (f"import os, sys; sys.path.insert(0, {sysconfig.get_paths()['purelib']!r}); "
               "from pyruntime.cli import main; os._exit(main())")
        rows = []

        def timed(argv, n=args.runs, each=None):
            out = []
            for i in range(n + 2):
                rc, dt, _, err = b.spawn(argv(i) if callable(argv) else argv)
                if rc:
                    raise SystemExit(f"{argv}: exit {rc}: {err[-200:]}")
                if each:
                    each(i)
                if i >= 2:
                    out.append(dt * 1000)
            return out

        for label, argv in (
            ("venv python -c pass", py + ["-c", "pass"]),
            ("venv python -S -c pass", py + ["-S", "-c", "pass"]),
            ("venv python -I -c pass", py + ["-I", "-c", "pass"]),
            ("venv python -I -S -c pass", py + ["-I", "-S", "-c", "pass"]),
            ("/usr/bin/python3 -c pass", ["/usr/bin/python3", "-c", "pass"]),
            ("/usr/bin/python3 -I -S -c pass", ["/usr/bin/python3", "-I", "-S", "-c", "pass"]),
            ("pyruntime --version", [args.pyruntime, "--version"]),
            ("pyruntime state (no such container)", None),
        ):
            if argv is None:  # exits 1 by design: time it without the rc check
                xs = []
                for i in range(args.runs + 2):
                    _, dt, _, _ = b.spawn([args.pyruntime, "--root", root, "state", "nosuch"])
                    if i >= 2:
                        xs.append(dt * 1000)
            else:
                xs = timed(argv)
            rows.append((label, xs))

        cid = lambda i: f"{PREFIX}-bd-{i}"  # noqa: E731
        create = timed(lambda i: [args.pyruntime, "--root", root, "create", "-b", bundle, cid(i)])
        rows.append(("pyruntime create", create))
        state = timed(lambda i: [args.pyruntime, "--root", root, "state", cid(i)])
        rows.append(("pyruntime state (created)", state))
        delete = timed(lambda i: [args.pyruntime, "--root", root, "delete", "--force", cid(i)])
        rows.append(("pyruntime delete --force (created)", delete))
        run = timed(lambda i: [args.pyruntime, "--root", root, "run", "-b", bundle, cid(1000 + i)])
        rows.append(("pyruntime run true", run))

        print("| step | median ms (p10–p90) |\n|---|---|")
        for label, xs in rows:
            print(f"| {label} | {spread(xs)} |")

        # -X importtime of the Python CLI, as the front runs it
        for cmd in ("create", "run"):
            c = f"{PREFIX}-imp-{cmd}"
            # spawn, not subprocess: the bench is a subreaper whose reaper would take subprocess's child
            _, _, _, text = b.spawn([VENV_PY, "-IS", "-X", "importtime", "-c", cli, "--root", root, cmd,
                                     "-b", bundle, c])
            b.spawn([args.pyruntime, "--root", root, "delete", "--force", c])
            tops, total, n = [], 0, 0
            for line in text.splitlines():
                m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
                if not m:
                    continue
                n += 1
                if not m.group(3):
                    total += int(m.group(2))
                    tops.append((int(m.group(2)), m.group(4)))
            tops.sort(reverse=True)
            print(f"\n`-X importtime` of `{cmd}`: {n} modules, top-level cumulative {total / 1000:.1f} ms; largest: "
                  + ", ".join(f"{name} {us / 1000:.1f}" for us, name in tops[:8]))

        # in-process: spec.load of this bundle, warm (the validator module already imported)
        code = ("import time,sys;from pyruntime import spec;t=time.perf_counter();spec.load(sys.argv[1]);"
                "t1=time.perf_counter();xs=[]\n"
                "for _ in range(200):\n a=time.perf_counter();spec.load(sys.argv[1]);xs.append(time.perf_counter()-a)\n"
                "xs.sort();print(f'{(t1-t)*1000:.2f} {xs[100]*1000:.3f}')")
        res = os.path.join(b.tmp, "load.txt")
        b.spawn([VENV_PY, "-c", code, bundle], stdout=res)
        with open(res) as f:
            out = f.read().split()
        print(f"\nspec.load (read + fastjson parse + generated validator) of the bench config: first call "
              f"{out[0]} ms (includes importing the validator), warm median {out[1]} ms")
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
