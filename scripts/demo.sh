#!/usr/bin/env bash
# Run one container with pyruntime: a busybox shell that prints its hostname and its pid.
# Expected output:
#   hostname: pyruntime-demo
#   pid: 1
set -euo pipefail
repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
bash scripts/setup.sh

demo_dir=${PYRUNTIME_DEMO_DIR:-/var/lib/pyruntime-demo}
rootfs=$demo_dir/busybox/rootfs
bundle=$demo_dir/bundle
pyruntime=$repo/.venv/bin/pyruntime

rm -rf "$bundle"
mkdir -p "$bundle"
"$pyruntime" spec -b "$bundle"
/usr/bin/python3 - "$bundle/config.json" "$rootfs" <<'PY'
import json, sys
path, rootfs = sys.argv[1], sys.argv[2]
with open(path) as f:
    config = json.load(f)
config["root"] = {"path": rootfs, "readonly": True}
config["process"]["terminal"] = False
config["process"]["args"] = ["sh", "-c", "echo hostname: $(hostname); echo pid: $$"]
config["hostname"] = "pyruntime-demo"
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY

id=demo-$$
echo "+ $pyruntime run -b $bundle $id" >&2
set +e
"$pyruntime" run -b "$bundle" "$id" </dev/null
status=$?
set -e
"$pyruntime" delete --force "$id" >/dev/null 2>&1 || true
echo "(container exited with status $status)" >&2
exit $status
