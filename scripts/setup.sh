#!/usr/bin/env bash
# Prepare this machine (Debian 12, as root) to build, run and test pyruntime. Idempotent.
#  - installs the Debian packages the runtime, its build and its tests need (uidmap: newuidmap/newgidmap
#    for rootless containers mapping more than their user's own id)
#  - creates .venv (from /usr/bin/python3) and installs pyruntime into it, plus test deps
#  - builds the busybox test/demo rootfs at $PYRUNTIME_DEMO_DIR/busybox/rootfs
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
demo_dir=${PYRUNTIME_DEMO_DIR:-/var/lib/pyruntime-demo}
export DEBIAN_FRONTEND=noninteractive

log() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root (containers need it)" >&2
    exit 1
fi

# 1. Debian packages --------------------------------------------------------------------
# apparmor: apparmor_parser, which loads the test profiles inside the VM (tests/lsm/apparmor)
# criu: checkpoint/restore (its Python bindings, pycriu, and python3-protobuf come with it);
# iptables: CRIU locks a checkpointed TCP connection's traffic with it
# clang-format: scripts/lint.sh checks the C with it
packages=(busybox-static runc crun gcc libc6-dev python3-dev python3-venv
          libseccomp-dev libcap-dev iproute2 procps strace systemd dbus apparmor uidmap criu iptables
          clang-format)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# 2. virtual environment + pyruntime ---------------------------------------------------------
# Always Debian's interpreter: the pyenv shim on PATH costs ~100 ms per start.
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    rm -rf .venv
    /usr/bin/python3 -m venv .venv
fi
pip=(.venv/bin/pip --disable-pip-version-check -q)
# ruff: scripts/lint.sh; pinned, as its rules change between releases (pyproject.toml [tool.ruff])
ruff_pin=ruff==0.17.6
test_deps=(pytest jsonschema hypothesis "$ruff_pin")
if ! .venv/bin/python -c 'import pytest, jsonschema, hypothesis' 2>/dev/null \
   || [ "$(.venv/bin/ruff --version 2>/dev/null)" != "ruff ${ruff_pin#ruff==}" ]; then
    log "installing test dependencies"
    "${pip[@]}" install "${test_deps[@]}" </dev/null
fi
if [ -f pyproject.toml ]; then
    # pip (23, Debian 12) rebuilds and re-installs a local project on every `install .`,
    # so code changes land, and it also picks up any dependency added to pyproject.toml.
    log "installing pyruntime"
    # setuptools copies the package through build/lib*: a module removed or moved since the last
    # install would still ship from there
    rm -rf build/lib.* build/bdist.*
    "${pip[@]}" install . </dev/null
else
    log "WARNING: no pyproject.toml yet: pyruntime is not installed"
fi

# 3. busybox rootfs for the demo (tests build their own) -----------------------------------
if [ ! -x "$demo_dir/busybox/rootfs/bin/busybox" ] || [ ! -f "$demo_dir/busybox/busybox.tar" ] \
   || ! cmp -s /bin/busybox "$demo_dir/busybox/rootfs/bin/busybox"; then
    log "building busybox rootfs in $demo_dir/busybox/rootfs"
    bash scripts/build-busybox-rootfs.sh "$demo_dir/busybox/rootfs"
fi
