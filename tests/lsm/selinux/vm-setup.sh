# Inside the VM booted with security=selinux selinux=1 enforcing=0: selinuxfs, then Debian's
# reference policy (selinux-policy-default). Permissive: the VM's files are this machine's, on 9p,
# never labelled for a confined domain, and Debian's policy has no container types.
set -e
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
mountpoint -q /sys/fs/selinux || mount -t selinuxfs selinuxfs /sys/fs/selinux
load_policy
echo "LSMs: $(cat /sys/kernel/security/lsm); enforce: $(cat /sys/fs/selinux/enforce); label: $(tr -d '\0' < /proc/self/attr/current)"
