#!/usr/bin/env bash
# The code's habits, checked: ruff over the Python (rules in pyproject.toml [tool.ruff]) and
# clang-format over the C (style in .clang-format). scripts/test.sh runs it first, so CI does.
#   bash scripts/lint.sh          ruff, the runtime's C and the tests' C must pass
#   PYRUNTIME_LINT_C=report bash scripts/lint.sh    the runtime's C (pyruntime/_native) only listed
# ruff comes pinned into .venv and clang-format from Debian, both by scripts/setup.sh.
# To format: clang-format -i FILE.c (not the generated contract.h and state_format.h)
set -uo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
C_STRICT=${PYRUNTIME_LINT_C:-strict}   # "report" lists unformatted runtime C without failing
status=0

ruff=.venv/bin/ruff
if [ ! -x "$ruff" ]; then
    echo "lint: $ruff is missing: run scripts/setup.sh" >&2
    exit 1
fi
echo "== ruff check ($("$ruff" --version))"
"$ruff" check --no-cache . || status=1

# the tests' C and the runtime's C (pyruntime/_native, but its generated headers) are formatted
# and must stay so
test_c=(tests/fuzz/*.c tests/integration/data/*.c tests/contract/*.c conformance/checker/*.c)
# the generated headers (contract.h, state_format.h) are written by their generators, not by hand
native_c=()
for f in pyruntime/_native/*.c pyruntime/_native/*.h; do
    case "$f" in */contract.h|*/state_format.h) ;; *) native_c+=("$f") ;; esac
done
if ! command -v clang-format >/dev/null; then
    echo "lint: clang-format is missing: run scripts/setup.sh" >&2
    exit 1
fi
echo "== clang-format --dry-run ($(clang-format --version | sed 's/.*version //'): tests' C strict, runtime's C $C_STRICT)"
clang-format --dry-run --Werror "${test_c[@]}" || status=1
if [ "$C_STRICT" = strict ]; then
    clang-format --dry-run --Werror "${native_c[@]}" || status=1
else
    unformatted=()
    for f in "${native_c[@]}"; do
        clang-format --dry-run --Werror "$f" 2>/dev/null || unformatted+=("$f")
    done
    if [ ${#unformatted[@]} -gt 0 ]; then
        echo "lint: not clang-formatted yet (not fatal; PYRUNTIME_LINT_C=strict shows where): ${unformatted[*]}"
    fi
fi
[ $status -eq 0 ] && echo "== lint: clean" || echo "== lint: FAILED" >&2
exit $status
