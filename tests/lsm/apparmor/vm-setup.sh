# Inside the VM, before the AppArmor tests: securityfs, where apparmor_parser loads profiles.
set -e
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
echo "AppArmor enabled: $(cat /sys/module/apparmor/parameters/enabled); LSMs: $(cat /sys/kernel/security/lsm)"
