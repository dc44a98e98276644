#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), then run the test suites.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -x -k lifecycle
# RUNTIME=runc (or crun, or a path) runs the suites against another runtime.
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
bash scripts/setup.sh
set +e
.venv/bin/python -m pytest -q tests conformance "$@" </dev/null
status=$?
set -e
exit $status
