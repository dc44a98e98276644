#!/usr/bin/env bash
# Fuzz the init's parsers: the Plan decoder, the sync message parser, the /etc/passwd reader.
#
#   bash tests/fuzz/run.sh [SECONDS]     each target for SECONDS (default 60), coverage-guided
#                                        with libFuzzer when clang is there (apt-get install
#                                        clang), else random + mutated inputs (driver.c, gcc)
#
# Every target is built with AddressSanitizer + UndefinedBehaviorSanitizer; a finding stops the
# run with the input that caused it (libFuzzer writes crash-*, the driver's seed reproduces it).
# Seeds: tests/fuzz/seeds.py (real Plans from the runtime's encoder). Corpora grow in
# build/fuzz/corpus/<target> and are kept between runs. The test suite runs a short, fixed-seed
# pass of the driver (tests/fuzz/test_fuzz_native.py).
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$repo"
seconds=${1:-60}
native=pyruntime/_native
out=build/fuzz
mkdir -p "$out"
rm -rf "$out/seeds"
.venv/bin/python tests/fuzz/seeds.py "$out/seeds"

declare -A sources=([plan]="$native/plan.c" [sync]="$native/sync.c" [passwd]="$native/passwd.c")
# the largest input each takes: passwd past a 64 KiB line (the reader's bound), sync past a message
declare -A max_len=([plan]=65536 [sync]=4096 [passwd]=140000)
cc=""
for c in clang clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null; then cc=$c; break; fi
done
flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -I "$native")
status=0
for t in plan sync passwd; do
    if [ -n "$cc" ]; then
        "$cc" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" ${sources[$t]} -o "$out/fuzz_$t"
        mkdir -p "$out/corpus/$t"
        echo "== $t: libFuzzer ($cc), ${seconds}s" >&2
        ( cd "$out" && ASAN_OPTIONS=detect_leaks=0 "./fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
            -max_len="${max_len[$t]}" "corpus/$t" "seeds/$t" 2>"fuzz_$t.log" ) || status=1
        grep -E "stat::number_of_executed_units|stat::peak_rss|cov:|ERROR|SUMMARY" "$out/fuzz_$t.log" | tail -4 >&2
    else
        gcc "${flags[@]}" "tests/fuzz/fuzz_$t.c" tests/fuzz/driver.c ${sources[$t]} -o "$out/drive_$t"
        # about 20000 inputs a second: SECONDS seconds' worth
        echo "== $t: random and mutated inputs (gcc, no libFuzzer)" >&2
        "./$out/drive_$t" $((seconds * 20000)) "${FUZZ_SEED:-1}" "$out/seeds/$t"/* >&2 || status=1
    fi
done
exit $status
