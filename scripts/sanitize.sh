#!/usr/bin/env bash
# The init program under AddressSanitizer + UndefinedBehaviorSanitizer (docs/reliability.md).
#
#   bash scripts/sanitize.sh build              build build/sanitize/pyruntime-init only
#   bash scripts/sanitize.sh [pytest args...]   build it, then run pytest with PYRUNTIME_INIT
#                                               pointing at it (default: tests/integration
#                                               tests/security), then fail on any report
#
# Needs clang (apt-get install clang): with clang, ASan and UBSan share one runtime, so one
# report fd (pyruntime/_native/sanitizer.c) takes both. Every init writes its reports to
# $PYRUNTIME_SANITIZER_REPORTS (default: a fresh /tmp/pyrt-sanitizer.XXXXXX), one file per run,
# opened before any namespace change; an error stops that init with status 86 (ASan) or 87
# (UBSan), which `create` reports as "container init exited unexpectedly (exit status 8x)".
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"

cc=${CC_SANITIZE:-}
if [ -z "$cc" ]; then
    for c in clang clang-16 clang-15 clang-14; do
        if command -v "$c" >/dev/null; then cc=$c; break; fi
    done
fi
if [ -z "$cc" ]; then
    echo "sanitize.sh: clang is needed (apt-get install clang)" >&2
    exit 2
fi

reports=${PYRUNTIME_SANITIZER_REPORTS:-$(mktemp -d /tmp/pyrt-sanitizer.XXXXXX)}
mkdir -p "$reports" build/sanitize
chmod 0755 "$reports"
out=build/sanitize/pyruntime-init
mapfile -t srcs < <(.venv/bin/python - <<'EOF'
import re
print("\n".join(re.search(r"INIT_SOURCES = \[(.*?)\]", open("build.py").read(), re.S).group(1).replace('"', "").replace(",", " ").split()))
EOF
)
( cd pyruntime/_native && "$cc" -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
    -fno-sanitize-recover=all -Wall -Wextra -Wno-unused-result \
    -DPYR_SANITIZER_REPORTS="\"$reports\"" -o "$repo/$out" "${srcs[@]}" sanitizer.c )
echo "sanitize.sh: built $out ($cc), reports in $reports" >&2
[ "${1:-}" = build ] && exit 0

[ $# -eq 0 ] && set -- tests/integration tests/security
basetemp=$(mktemp -d /tmp/pyrt-sanitize-tests.XXXXXX)
set +e
PYRUNTIME_INIT="$repo/$out" PYRUNTIME_SANITIZER_REPORTS="$reports" .venv/bin/python -m pytest -q -p no:cacheprovider --basetemp "$basetemp" "$@" </dev/null
status=$?
set -e
rm -rf "$basetemp"

# every init run leaves a file; only the non-empty ones are reports
inits=$(find "$reports" -type f | wc -l)
find "$reports" -type f -empty -delete
runs=$(find "$reports" -type f | wc -l)
echo "sanitize.sh: $inits init runs under the sanitizers" >&2
if [ "$runs" -gt 0 ]; then
    echo "sanitize.sh: $runs sanitizer report(s):" >&2
    for f in "$reports"/*; do
        echo "== $f" >&2
        # the init runs from a memfd: symbolise "(/memfd:pyruntime-init (deleted)+0xOFF)" here
        while IFS= read -r line; do
            echo "$line"
            if [[ $line =~ memfd:pyruntime-init.*\+(0x[0-9a-f]+)\) ]]; then
                echo "        -> $(addr2line -f -C -e "$out" "${BASH_REMATCH[1]}" | paste -sd' ')"
            fi
        done <"$f" >&2
    done
    exit 1
fi
echo "sanitize.sh: no sanitizer report (pytest status $status)" >&2
exit $status
