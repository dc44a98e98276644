"""The init's limits: how many entries of each kind pyruntime-init's tables hold.

The same numbers are the LIMIT_* block of pyruntime/_native/init.h (tests/unit/test_limits.py
reads that block and compares, so the two cannot drift apart; generating both from one table is
a small step from here). plan.check_limits() turns a config past one into a ConfigError naming
the JSON path, at `create` or `exec`, before anything is made. runc has no such tables: these are
far above what real configs carry, and where the kernel has a limit of its own (supplementary
groups, seccomp instructions) it is that limit.
"""

LIMITS = {
    "NAMESPACES": 16,
    "MOUNTS": 512,
    "DEVICES": 512,
    "LINKS": 64,
    "MASKED": 512,
    "READONLY": 512,
    "SYSCTLS": 512,
    "RLIMITS": 32,
    "GROUPS": 65536,          # the kernel's NGROUPS_MAX
    "ARGS": 4096,
    "ENV": 4096,              # HOME looked up by the init counts too
    "TIME_OFFSETS": 8,
    "HOOKS": 32,              # createContainer and startContainer together
    "HOOK_ARGS": 64,
    "HOOK_ENV": 256,
    "CGROUP_TASKS": 16,
    "SECCOMP_INSNS": 4096,    # the kernel's BPF_MAXINSNS
    "LSM": 8,                 # LSM attributes (three at most today: keyring, AppArmor, SELinux)
}
