#!/usr/bin/env bash
# Run tests/checkpoint inside the 6.1 VM (tests/vm/run-in-vm.sh): Debian's criu 3.17 passes
# `criu check` there, not on the host's newer kernel. scripts/test.sh runs these tests in the same
# boot as tests/cgroupv2 and tests/lsm/apparmor.
#   usage: tests/checkpoint/run-in-vm.sh [pytest args...]
exec bash "$(dirname -- "${BASH_SOURCE[0]}")/../vm/run-in-vm.sh" tests/checkpoint -- "$@"
