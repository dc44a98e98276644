#!/usr/bin/env bash
# Prepare this machine (Debian 12, as root) for the client drop-in tests (tests/clients/). Idempotent.
#  - installs podman, conmon, containerd, docker.io, skopeo, umoci and what they need
#  - merges default_ulimits into /etc/containers/containers.conf (podman asks for nofile=1048576
#    by default, above this machine's hard limit); other settings of the file are kept
#  - imports the busybox test image (scripts/build-busybox-rootfs.sh) as localhost/busybox into
#    podman, containerd (namespace default) and Docker
#  - starts containerd and dockerd (--add-runtime pyruntime=<abs>) in the background when they
#    are not running; the pid of each daemon started here goes to $state_dir/<daemon>.pid
#    (tests/clients/ stops those it saw started)
# Run scripts/setup.sh first (it builds .venv/bin/pyruntime).
#   env: PYRUNTIME (runtime path, default <repo>/.venv/bin/pyruntime),
#        PYRUNTIME_DEMO_DIR (default /var/lib/pyruntime-demo: busybox rootfs + busybox.tar),
#        PYRUNTIME_CLIENTS_STATE (default /run/pyruntime-clients: daemon pids and logs)
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
runtime=${PYRUNTIME:-$repo/.venv/bin/pyruntime}
demo_dir=${PYRUNTIME_DEMO_DIR:-/var/lib/pyruntime-demo}
state_dir=${PYRUNTIME_CLIENTS_STATE:-/run/pyruntime-clients}
conf=/etc/containers/containers.conf
docker=/usr/bin/docker   # Debian's client: another `docker` may come first on PATH
export DEBIAN_FRONTEND=noninteractive

log() { printf '[clients-setup] %s\n' "$*" >&2; }
die() { printf '[clients-setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$runtime" ] || die "$runtime is not executable: run scripts/setup.sh first"
case $runtime in /*) ;; *) die "PYRUNTIME must be an absolute path" ;; esac
mkdir -p "$state_dir"

# 1. Debian packages ------------------------------------------------------------------------
packages=(podman conmon containerd docker.io skopeo umoci slirp4netns uidmap iptables catatonit
          fuse-overlayfs busybox-static containernetworking-plugins)
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

# grpcio in the test venv: tests/clients/ talk CRI (gRPC) to containerd (no crictl in Debian 12)
venv_python=$repo/.venv/bin/python
if [ -x "$venv_python" ] && ! "$venv_python" -c 'import grpc' 2>/dev/null; then
    log "installing grpcio into .venv"
    "$repo/.venv/bin/pip" --disable-pip-version-check -q install grpcio </dev/null
fi

# 2. containers.conf: default_ulimits within this machine's hard limits (merge) ----------------
hard_nofile=$(ulimit -Hn)
hard_nproc=$(ulimit -Hu)
[ "$hard_nofile" = unlimited ] && hard_nofile=1048576
[ "$hard_nproc" = unlimited ] && hard_nproc=1048576
[ "$hard_nproc" -gt 20000 ] && hard_nproc=20000
[ "$hard_nofile" -gt 1048576 ] && hard_nofile=1048576
mkdir -p /etc/containers
[ -e "$conf" ] || : > "$conf"
/usr/bin/python3 - "$conf" "nofile=$hard_nofile:$hard_nofile" "nproc=$hard_nproc:$hard_nproc" <<'PY'
import json, os, re, sys, tomllib

conf, nofile, nproc = sys.argv[1:4]
text = open(conf).read()
data = tomllib.loads(text)  # refuse to edit a file that is not valid TOML
HEADER = re.compile(r'^\s*\[{1,2}\s*([^\]"]+?)\s*\]{1,2}\s*(#.*)?$')


def set_key(text, section, key, value):
    """Set `key = value` in [section]; everything else of the file is kept byte for byte."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if (m := HEADER.match(l)) and m.group(1) == section), None)
    new = f"{key} = {value}\n"
    if start is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines) + f"\n[{section}]\n{new}"
    end = next((j for j in range(start + 1, len(lines)) if HEADER.match(lines[j])), len(lines))
    keyre = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
    for j in range(start + 1, end):
        if keyre.match(lines[j]):
            k, depth = j, 0
            while True:  # a value may span lines (arrays)
                body = re.sub(r'"(\\.|[^"\\])*"|\'[^\']*\'', '""', lines[k]).split("#", 1)[0]
                depth += body.count("[") - body.count("]")
                if depth <= 0 or k + 1 >= end:
                    break
                k += 1
            lines[j:k + 1] = [new]
            return "".join(lines)
    lines.insert(start + 1, new)
    return "".join(lines)


current = data.get("containers", {}).get("default_ulimits", [])
others = [u for u in current if not u.startswith(("nofile=", "nproc="))]
wanted = others + [nofile, nproc]
if current != wanted:
    text = set_key(text, "containers", "default_ulimits", json.dumps(wanted))
    assert tomllib.loads(text)["containers"]["default_ulimits"] == wanted
    tmp = conf + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, conf)
    print(f"[clients-setup] {conf}: [containers] default_ulimits = {wanted}", file=sys.stderr)
PY

# 3. the busybox image tarball -------------------------------------------------------------------
tarball=$demo_dir/busybox/busybox.tar
if [ ! -f "$tarball" ] || ! cmp -s /bin/busybox "$demo_dir/busybox/rootfs/bin/busybox"; then
    log "building busybox rootfs in $demo_dir/busybox/rootfs"
    bash scripts/build-busybox-rootfs.sh "$demo_dir/busybox/rootfs"
fi

# 4. podman image --------------------------------------------------------------------------------
if ! timeout 60 podman image exists localhost/busybox:latest </dev/null; then
    log "podman import $tarball localhost/busybox"
    timeout 120 podman import -q "$tarball" localhost/busybox:latest </dev/null >/dev/null
fi

# 5. containerd --------------------------------------------------------------------------------------
wait_for() {  # wait_for SECONDS CMD...: poll CMD until it succeeds
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}
ctr_ok() { timeout 5 ctr version </dev/null; }
if ! ctr_ok >/dev/null 2>&1; then
    log "starting containerd (log: $state_dir/containerd.log)"
    setsid containerd </dev/null >>"$state_dir/containerd.log" 2>&1 &
    echo $! > "$state_dir/containerd.pid"
    wait_for 30 ctr_ok || die "containerd did not come up: see $state_dir/containerd.log"
fi
if ! timeout 30 ctr -n default images check name==localhost/busybox:latest </dev/null | grep -q complete; then
    log "ctr images import localhost/busybox:latest"
    arch=$(mktemp /tmp/busybox-oci.XXXXXX.tar)
    rm -f "$arch"
    timeout 120 podman save -q --format oci-archive -o "$arch" localhost/busybox:latest </dev/null
    timeout 120 ctr -n default images import --base-name localhost/busybox "$arch" </dev/null >/dev/null
    rm -f "$arch"
fi

# 6. dockerd ----------------------------------------------------------------------------------------
docker_ok() { timeout 5 "$docker" version --format '{{.Server.Version}}' </dev/null; }
if ! docker_ok >/dev/null 2>&1; then
    log "starting dockerd --add-runtime pyruntime=$runtime (log: $state_dir/dockerd.log)"
    setsid dockerd --iptables=false --bridge=none --containerd=/run/containerd/containerd.sock \
        --add-runtime "pyruntime=$runtime" </dev/null >>"$state_dir/dockerd.log" 2>&1 &
    echo $! > "$state_dir/dockerd.pid"
    wait_for 60 docker_ok || die "dockerd did not come up: see $state_dir/dockerd.log"
fi
path=$(timeout 10 "$docker" info --format '{{with index .Runtimes "pyruntime"}}{{.Path}}{{end}}' </dev/null)
[ "$path" = "$runtime" ] || die "the running dockerd has runtime pyruntime='$path', not '$runtime': restart it with --add-runtime pyruntime=$runtime"
if ! timeout 30 "$docker" image inspect localhost/busybox:latest </dev/null >/dev/null 2>&1; then
    log "docker import $tarball localhost/busybox"
    timeout 120 "$docker" import "$tarball" localhost/busybox:latest </dev/null >/dev/null
fi
log "ready: podman, containerd ($(ctr version </dev/null 2>/dev/null | awk '/Version/{print $2; exit}')), dockerd"
