#!/usr/bin/env bash
# Run test directories inside one virtme-ng VM booting Debian's 6.1 kernel, on a read-only view of
# this machine's filesystem (docs/architecture.md: tests in a VM). Software emulation (/dev/kvm hangs here):
# about 25 s to boot and every process is slow, so keep the test sets inside small.
#   usage: tests/vm/run-in-vm.sh [--append "KERNEL ARGS"] DIR... [-- pytest args...]
# For each DIR, before the VM boots: DIR/host-packages (if any) names Debian packages this machine
# must have (installed when missing: the VM runs them from here); DIR/kernel-args (if any) is added
# to the kernel command line. Inside the VM, as root, before pytest: DIR/vm-setup.sh (if any)
# prepares the kernel side (mount securityfs, load a policy...).
# The tests see PYRUNTIME_VM=1 (a test that needs the VM's kernel fails there instead of skipping),
# TMPDIR on a 9p directory shared with this machine (no FIFOs there: keep --root on /run).
# env: KERNEL=/boot/vmlinuz-6.1.x  VNG_VENV=/opt/vng-venv  PY=<python with pyruntime importable>
#      RUNTIME=<runtime under test> (tests/support.py), passed on into the VM
# the body is one function, read whole before it runs: editing this file during a run is safe
main() {
    set -euo pipefail
    cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.."
    REPO=$PWD
    VNG_VENV=${VNG_VENV:-/opt/vng-venv}

    append=""
    dirs=()
    while [ $# -gt 0 ]; do
        case $1 in
            --append) append=$2; shift 2 ;;
            --) shift; break ;;
            -*) break ;;
            *) dirs+=("${1%/}"); shift ;;
        esac
    done
    if [ ${#dirs[@]} -eq 0 ]; then
        echo "usage: $0 [--append \"KERNEL ARGS\"] DIR... [-- pytest args...]" >&2
        exit 2
    fi

    apt_install() {
        # dpkg has one lock for the machine: take ours too, others here use it
        flock /tmp/pyrt-apt.lock sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"' sh "$@" </dev/null
    }
    for d in "${dirs[@]}"; do
        if [ -f "$d/kernel-args" ]; then append="${append:+$append }$(cat "$d/kernel-args")"; fi
    done
    missing=()
    kernel() { ls /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -1; }
    if [ -z "${KERNEL:-}" ] && [ -z "$(kernel)" ]; then missing+=(linux-image-amd64); fi
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    # virtme-ng runs `file` on the busybox it boots with (a minimal Debian has none)
    command -v file >/dev/null || missing+=(file)
    for d in "${dirs[@]}"; do
        [ -f "$d/host-packages" ] || continue
        for p in $(grep -v '^#' "$d/host-packages"); do
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
        done
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing for the VM: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
    KERNEL=${KERNEL:-$(kernel)}
    if [ ! -x "$VNG_VENV/bin/vng" ]; then
        /usr/bin/python3 -m venv "$VNG_VENV"
        "$VNG_VENV/bin/pip" install -q virtme-ng
    fi
    export PATH="$VNG_VENV/bin:$PATH"
    PY=${PY:-$REPO/.venv/bin/python}
    [ -x "$PY" ] || PY=/usr/bin/python3

    out=$(mktemp -d /tmp/pyrt-vm.XXXXXX)
    {
        echo "cd $(printf '%q' "$REPO")"
        echo "export PYRUNTIME_VM=1 PYTHONDONTWRITEBYTECODE=1 TMPDIR=$out"
        if [ -n "${RUNTIME:-}" ]; then echo "export RUNTIME=$(printf '%q' "$RUNTIME")"; fi
        for d in "${dirs[@]}"; do
            if [ -f "$d/vm-setup.sh" ]; then
                echo "echo '== $d/vm-setup.sh'; bash $(printf '%q' "$d/vm-setup.sh") || { echo \$? > $out/rc; exit; }"
            fi
        done
        printf '%q -m pytest -p no:cacheprovider -q' "$PY"
        printf ' %q' "${dirs[@]}" "$@"
        echo
        echo "echo \$? > $out/rc"
    } > "$out/inner.sh"
    start=$(date +%s)
    # vng's own output to a file: qemu opens its console file with O_TRUNC, which would wipe a log
    # file our caller redirected stdout to
    vng_args=(--disable-kvm --run "$KERNEL" --memory 2G --rwdir "$out")
    [ -n "$append" ] && vng_args+=(--append "$append")
    timeout 1200 vng "${vng_args[@]}" -- "bash $out/inner.sh > $out/log 2>&1" </dev/null >"$out/vng.out" 2>&1 || true
    echo "== VM ($KERNEL${append:+, $append}: ${dirs[*]}): $(( $(date +%s) - start )) s"
    cat "$out/log" 2>/dev/null || { echo "no test log: the VM did not run the tests"; tail -20 "$out/vng.out"; }
    rc=$(cat "$out/rc" 2>/dev/null || echo 1)
    rm -rf "$out"
    exit "$rc"
}
main "$@"
