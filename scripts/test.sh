#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), check the code's habits (scripts/lint.sh: ruff, clang-format),
# then run the whole test suite:
#   1. pytest over tests/ (unit, integration, security with its slow races, clients, reliability) and
#      conformance/
#   2. inside virtme-ng VMs booting Debian's 6.1 kernel (tests/vm/run-in-vm.sh): the cgroup v2 tests
#      (this machine is cgroup v1 hybrid), the AppArmor tests and the checkpoint/restore tests
#      (Debian's criu 3.17 needs that kernel) in one boot, the SELinux tests in a second boot with
#      SELinux on (this machine's kernel has no LSM)
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -x -k lifecycle
# RUNTIME=runc (or crun, or a path) runs the suites against another runtime.
# PYRUNTIME_SKIP_VM=1 skips step 2; PYRUNTIME_SKIP_CLIENTS=1 skips the podman/containerd/Docker tests.
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
bash scripts/setup.sh
set +e
# the habits first (ruff, clang-format: scripts/lint.sh); a lint failure fails the run, after the tests
bash scripts/lint.sh
lint=$?
# a private temp root: pytest prunes old runs under /tmp/pytest-of-<user>, which would pull the
# bundles from under a suite running at the same time
basetemp=$(mktemp -d /tmp/pyruntime-tests.XXXXXX)
# -m "slow or not slow": the security suite's race tests too (about 3 minutes), never skipped here
.venv/bin/python -m pytest -q -p no:cacheprovider --basetemp "$basetemp" -m "slow or not slow" tests conformance "$@" </dev/null
status=$?
if [ "${PYRUNTIME_SKIP_VM:-0}" != 1 ]; then
    echo "== cgroup v2, AppArmor and checkpoint tests in a VM (tests/vm/run-in-vm.sh tests/cgroupv2 tests/lsm/apparmor tests/checkpoint)"
    bash tests/vm/run-in-vm.sh tests/cgroupv2 tests/lsm/apparmor tests/checkpoint </dev/null
    vm=$?
    [ $status -eq 0 ] && status=$vm
    echo "== SELinux tests in a VM booted with SELinux on (tests/vm/run-in-vm.sh tests/lsm/selinux)"
    bash tests/vm/run-in-vm.sh tests/lsm/selinux </dev/null
    vm=$?
    [ $status -eq 0 ] && status=$vm
fi
rm -rf "$basetemp"
[ $status -eq 0 ] && status=$lint
set -e
exit $status
