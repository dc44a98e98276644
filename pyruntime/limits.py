"""The init's limits: how many entries of each kind pyruntime-init's tables hold.

One table, pyruntime/_native/contract.py, makes both this dict (through the generated
_contract.py) and the LIMIT_* block of contract.h the init's tables are sized by; tests/contract/
shows the C decoder takes a Plan at each limit and refuses one past it. plan.check_limits() turns
a config past one into a ConfigError naming the JSON path, at `create` or `exec`, before anything
is made. runc has no such tables: these are far above what real configs carry, and where the
kernel has a limit of its own (supplementary groups, seccomp instructions) it is that limit.
"""
from ._contract import LIMITS

__all__ = ["LIMITS"]
