#!/usr/bin/env bash
# Register pyruntime with podman by name: adds to containers.conf
#   [engine.runtimes]  pyruntime = ["<abs path>"]
#   [engine]           runtime_supports_json = [<podman's defaults>, "pyruntime"]
# so that `podman --runtime pyruntime ...` works (and podman passes --log-format=json --log FILE,
# as it does for runc and crun). Idempotent; other settings of the file are kept.
#   usage: scripts/register-podman.sh [PATH_TO_PYRUNTIME]
#   default path: <repo>/.venv/bin/pyruntime; file: $CONTAINERS_CONF_FILE or /etc/containers/containers.conf
# Undo: delete the `pyruntime = [...]` line under [engine.runtimes] (and "pyruntime" from
# runtime_supports_json).
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
runtime=${1:-$repo/.venv/bin/pyruntime}
conf=${CONTAINERS_CONF_FILE:-/etc/containers/containers.conf}

case $runtime in
    /*) ;;
    *) runtime=$(cd -- "$(dirname -- "$runtime")" && pwd -P)/$(basename -- "$runtime") ;;
esac
if [ ! -x "$runtime" ]; then
    echo "register-podman.sh: $runtime is not an executable (run scripts/setup.sh first)" >&2
    exit 1
fi
name=$(basename -- "$runtime")

mkdir -p -- "$(dirname -- "$conf")"
[ -e "$conf" ] || : > "$conf"

# Section-aware edit of one key, checked with tomllib before and after (Python >= 3.11).
/usr/bin/python3 - "$conf" "$name" "$runtime" <<'PY'
import json, os, re, sys, tomllib

conf, name, runtime = sys.argv[1:4]
text = open(conf).read()
data = tomllib.loads(text)  # refuse to edit a file that is not valid TOML

HEADER = re.compile(r'^\s*\[{1,2}\s*([^\]"]+?)\s*\]{1,2}\s*(#.*)?$')


def set_key(text, section, key, value):
    """Set `key = value` in table [section]: replace the key's line(s), or add it right after the
    header, or append the table. Everything else is kept byte for byte."""
    lines = text.splitlines(keepends=True)
    start = None
    for i, line in enumerate(lines):
        m = HEADER.match(line)
        if m and m.group(1) == section:
            start = i
            break
    new = f"{key} = {value}\n"
    if start is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines) + f"\n[{section}]\n{new}"
    end = len(lines)
    for j in range(start + 1, len(lines)):
        if HEADER.match(lines[j]):
            end = j
            break
    keyre = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
    for j in range(start + 1, end):
        if keyre.match(lines[j]):
            k = j  # the value may span lines (arrays): consume until brackets balance
            depth = 0
            while True:
                body = re.sub(r'"(\\.|[^"\\])*"|\'[^\']*\'', '""', lines[k]).split("#", 1)[0]
                depth += body.count("[") - body.count("]")
                if depth <= 0 or k + 1 >= end:
                    break
                k += 1
            lines[j:k + 1] = [new]
            return "".join(lines)
    lines.insert(start + 1, new)
    return "".join(lines)


engine = data.get("engine", {})
runtimes = engine.get("runtimes", {})
if runtimes.get(name) != [runtime]:
    text = set_key(text, "engine.runtimes", name, json.dumps([runtime]))
# podman 4.3's default list (containers/common v0.50); setting the key replaces it, so keep it.
supports = engine.get("runtime_supports_json", ["crun", "runc", "kata", "runsc", "krun"])
if name not in supports:
    text = set_key(text, "engine", "runtime_supports_json", json.dumps(supports + [name]))

check = tomllib.loads(text)
assert check["engine"]["runtimes"][name] == [runtime], check
assert name in check["engine"]["runtime_supports_json"], check
if text != open(conf).read():
    tmp = conf + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, conf)
    print(f"register-podman.sh: {conf}: {name} = [{runtime!r}]", file=sys.stderr)
PY
