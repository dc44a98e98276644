#!/usr/bin/env bash
# Run tests/checkpoint inside the 6.1 VM that tests/cgroupv2/run-in-vm.sh boots: Debian's criu 3.17
# passes `criu check` there, not on the host's newer kernel. pytest's temporary files (bundles,
# --root state, images) go to a tmpfs (/run in the VM): the shared 9p directories hold no fifos
# and CRIU cannot checkpoint from them.
#   usage: tests/checkpoint/run-in-vm.sh [pytest args...]
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.."
command -v criu >/dev/null || { echo "criu is not installed: run scripts/setup.sh" >&2; exit 1; }
# apparmor=0: with AppArmor on, podman puts an apparmorProfile in every config.json, which pyruntime
# refuses until its AppArmor support lands; the podman test is about checkpoint/restore
VM_TESTS=tests/checkpoint VM_APPEND=apparmor=0 exec bash tests/cgroupv2/run-in-vm.sh --basetemp /run/pyrt-checkpoint-tests "$@"
