#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), then run the whole test suite:
#   1. pytest over tests/ (unit, integration, security with its slow races, clients, reliability) and
#      conformance/
#   2. the cgroup v2 tests inside a virtme-ng VM (this machine is cgroup v1 hybrid), then the
#      checkpoint/restore tests in the same kind of VM (Debian's criu 3.17 needs its 6.1 kernel)
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -x -k lifecycle
# RUNTIME=runc (or crun, or a path) runs the suites against another runtime.
# PYRUNTIME_SKIP_VM=1 skips step 2; PYRUNTIME_SKIP_CLIENTS=1 skips the podman/containerd/Docker tests.
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
bash scripts/setup.sh
set +e
# a private temp root: pytest prunes old runs under /tmp/pytest-of-<user>, which would pull the
# bundles from under a suite running at the same time
basetemp=$(mktemp -d /tmp/pyruntime-tests.XXXXXX)
# -m "slow or not slow": the security suite's race tests too (about 3 minutes), never skipped here
.venv/bin/python -m pytest -q -p no:cacheprovider --basetemp "$basetemp" -m "slow or not slow" tests conformance "$@" </dev/null
status=$?
if [ "${PYRUNTIME_SKIP_VM:-0}" != 1 ]; then
    echo "== cgroup v2 tests in a VM (tests/cgroupv2/run-in-vm.sh)"
    bash tests/cgroupv2/run-in-vm.sh </dev/null
    vm=$?
    [ $status -eq 0 ] && status=$vm
    echo "== checkpoint/restore tests in a VM (tests/checkpoint/run-in-vm.sh)"
    bash tests/checkpoint/run-in-vm.sh </dev/null
    vm=$?
    [ $status -eq 0 ] && status=$vm
fi
rm -rf "$basetemp"
set -e
exit $status
