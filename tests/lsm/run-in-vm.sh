#!/usr/bin/env bash
# The AppArmor and SELinux tests, each in its own virtme-ng VM (tests/vm/run-in-vm.sh): AppArmor on
# the kernel as it boots, SELinux with tests/lsm/selinux/kernel-args.
#   usage: tests/lsm/run-in-vm.sh [pytest args...]
set -uo pipefail
vm=$(dirname -- "${BASH_SOURCE[0]}")/../vm/run-in-vm.sh
bash "$vm" tests/lsm/apparmor -- "$@"
a=$?
bash "$vm" tests/lsm/selinux -- "$@"
s=$?
[ $a -eq 0 ] && exit $s
exit $a
