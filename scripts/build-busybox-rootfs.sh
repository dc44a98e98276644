#!/usr/bin/env bash
# Build a minimal busybox root filesystem from Debian's busybox-static.
#   usage: scripts/build-busybox-rootfs.sh DIR
# DIR is (re)created. A tar of it is written next to it, as DIR/../busybox.tar,
# for `podman import` / `docker import`.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 ROOTFS_DIR" >&2
    exit 2
fi
dir=$1
busybox=/bin/busybox
if [ ! -x "$busybox" ]; then
    echo "$0: $busybox not found: apt-get install busybox-static" >&2
    exit 1
fi
# busybox (dynamic) and busybox-static both install /bin/busybox: insist on the static one.
if ldd "$busybox" >/dev/null 2>&1; then
    echo "$0: $busybox is dynamically linked: apt-get install busybox-static" >&2
    exit 1
fi

case $dir in
    /|"") echo "$0: refusing to use '$dir'" >&2; exit 1 ;;
esac
rm -rf -- "$dir"
mkdir -p -- "$dir"
dir=$(cd -- "$dir" && pwd -P)

mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,var,run,home}
chmod 1777 "$dir/tmp"
chmod 0700 "$dir/root"
cp "$busybox" "$dir/bin/busybox"
chroot "$dir" /bin/busybox --install -s /bin
# sh is what most tests call: make sure it is there even if --install skipped it
[ -e "$dir/bin/sh" ] || ln -s busybox "$dir/bin/sh"

cat > "$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$dir/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
: > "$dir/etc/hostname"
echo "127.0.0.1 localhost" > "$dir/etc/hosts"
: > "$dir/etc/resolv.conf"

tar --numeric-owner -C "$dir" -cf "$(dirname "$dir")/busybox.tar" .
