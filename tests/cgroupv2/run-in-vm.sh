#!/usr/bin/env bash
# Run tests/cgroupv2 inside a virtme-ng VM booting Debian's 6.1 kernel: pure cgroup v2 at
# /sys/fs/cgroup, on a read-only view of this machine's filesystem (../shared/ENVIRONMENT.md).
# Software emulation (/dev/kvm hangs here): about 25 s to boot, keep the test set small.
#   usage: tests/cgroupv2/run-in-vm.sh [pytest args...]
# env: KERNEL=/boot/vmlinuz-6.1.x  VNG_VENV=/opt/vng-venv  PY=<python with pyruntime importable>
#      VM_TESTS=<test path, default tests/cgroupv2>, VM_APPEND=<kernel arguments> (tests/checkpoint/run-in-vm.sh sets them)
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.."
REPO=$PWD
VNG_VENV=${VNG_VENV:-/opt/vng-venv}

kernel() { ls /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -1; }
if [ -z "${KERNEL:-}" ] && [ -z "$(kernel)" ] || ! command -v qemu-system-x86_64 >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 linux-image-amd64
fi
KERNEL=${KERNEL:-$(kernel)}
if [ ! -x "$VNG_VENV/bin/vng" ]; then
    /usr/bin/python3 -m venv "$VNG_VENV"
    "$VNG_VENV/bin/pip" install -q virtme-ng
fi
export PATH="$VNG_VENV/bin:$PATH"
PY=${PY:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=/usr/bin/python3

VM_TESTS=${VM_TESTS:-tests/cgroupv2}
out=$(mktemp -d /tmp/cgroupv2-vm.XXXXXX)
args=""
if [ $# -gt 0 ]; then args=$(printf ' %q' "$@"); fi
inner="cd $REPO && PYTHONDONTWRITEBYTECODE=1 TMPDIR=$out $PY -m pytest -p no:cacheprovider -q $VM_TESTS$args > $out/log 2>&1; echo \$? > $out/rc"
start=$(date +%s)
# vng's own output to a file: qemu opens its console file with O_TRUNC, which would wipe a log
# file our caller redirected stdout to
timeout 900 vng --disable-kvm --run "$KERNEL" --memory 2G ${VM_APPEND:+--append "$VM_APPEND"} --rwdir "$out" -- "$inner" </dev/null >"$out/vng.out" 2>&1 || true
echo "== $VM_TESTS VM ($KERNEL): $(( $(date +%s) - start )) s"
cat "$out/log" 2>/dev/null || { echo "no test log: the VM did not run the tests"; tail -20 "$out/vng.out"; }
rc=$(cat "$out/rc" 2>/dev/null || echo 1)
rm -rf "$out"
exit "$rc"
