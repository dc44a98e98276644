#!/usr/bin/env bash
# Run tests/cgroupv2 inside a virtme-ng VM booting Debian's 6.1 kernel: pure cgroup v2 at
# /sys/fs/cgroup (tests/vm/run-in-vm.sh boots it).
#   usage: tests/cgroupv2/run-in-vm.sh [pytest args...]
exec bash "$(dirname -- "${BASH_SOURCE[0]}")/../vm/run-in-vm.sh" tests/cgroupv2 -- "$@"
