"""Linux capability names <-> numbers, and set masks.

Pure data and small functions; imports nothing (this module is on the create path).

Name rules (documented choice):

* ``cap_number`` requires the ``CAP_`` prefix and ignores case: ``"CAP_CHOWN"``, ``"cap_chown"``
  -> 0; ``"CHOWN"`` -> None. runc itself matches config names exactly (``CAP_`` + upper case),
  and `runc exec --cap` passes its values through the same table, so exact runc spelling always
  works here; we only add case-insensitivity.
* ``cap_number_lenient`` additionally accepts the bare name (``"CHOWN"``, ``"chown"``), for
  command-line convenience (docker/podman style ``--cap-add``). The CLI may use it for
  ``exec --cap``; config.json goes through ``cap_number``.
* Unknown names are not errors: like runc ("ignoring unknown or unavailable capabilities: [...]")
  the caller warns and skips them; see ``mask``.
"""

# Indexed by capability number (include/uapi/linux/capability.h, Linux 5.9+).
NAMES = (
    "CAP_CHOWN",  # 0
    "CAP_DAC_OVERRIDE",  # 1
    "CAP_DAC_READ_SEARCH",  # 2
    "CAP_FOWNER",  # 3
    "CAP_FSETID",  # 4
    "CAP_KILL",  # 5
    "CAP_SETGID",  # 6
    "CAP_SETUID",  # 7
    "CAP_SETPCAP",  # 8
    "CAP_LINUX_IMMUTABLE",  # 9
    "CAP_NET_BIND_SERVICE",  # 10
    "CAP_NET_BROADCAST",  # 11
    "CAP_NET_ADMIN",  # 12
    "CAP_NET_RAW",  # 13
    "CAP_IPC_LOCK",  # 14
    "CAP_IPC_OWNER",  # 15
    "CAP_SYS_MODULE",  # 16
    "CAP_SYS_RAWIO",  # 17
    "CAP_SYS_CHROOT",  # 18
    "CAP_SYS_PTRACE",  # 19
    "CAP_SYS_PACCT",  # 20
    "CAP_SYS_ADMIN",  # 21
    "CAP_SYS_BOOT",  # 22
    "CAP_SYS_NICE",  # 23
    "CAP_SYS_RESOURCE",  # 24
    "CAP_SYS_TIME",  # 25
    "CAP_SYS_TTY_CONFIG",  # 26
    "CAP_MKNOD",  # 27
    "CAP_LEASE",  # 28
    "CAP_AUDIT_WRITE",  # 29
    "CAP_AUDIT_CONTROL",  # 30
    "CAP_SETFCAP",  # 31
    "CAP_MAC_OVERRIDE",  # 32
    "CAP_MAC_ADMIN",  # 33
    "CAP_SYSLOG",  # 34
    "CAP_WAKE_ALARM",  # 35
    "CAP_BLOCK_SUSPEND",  # 36
    "CAP_AUDIT_READ",  # 37
    "CAP_PERFMON",  # 38
    "CAP_BPF",  # 39
    "CAP_CHECKPOINT_RESTORE",  # 40
)

LAST_KNOWN = len(NAMES) - 1  # 40

NUMBERS = {name: number for number, name in enumerate(NAMES)}

_last_cap_cache = None


def cap_number(name):
    """Number of ``CAP_X`` (any case), or None if unknown. The ``CAP_`` prefix is required."""
    if not isinstance(name, str):
        return None
    number = NUMBERS.get(name)
    if number is None:
        number = NUMBERS.get(name.upper())
    return number


def cap_number_lenient(name):
    """Like ``cap_number`` but also accepts the bare name without ``CAP_`` (``"chown"``)."""
    number = cap_number(name)
    if number is None and isinstance(name, str) and not name.upper().startswith("CAP_"):
        number = NUMBERS.get("CAP_" + name.upper())
    return number


def cap_name(number):
    """``CAP_X`` for a number, or None if this table does not know it."""
    if 0 <= number < len(NAMES):
        return NAMES[number]
    return None


def mask(names, warn, last_cap=None):
    """Bit mask (bit n = capability n) of ``names``.

    Unknown names are reported once each through ``warn(name)`` and skipped, as runc does.
    With ``last_cap`` (e.g. ``last_cap()``), capabilities the running kernel does not have are
    reported and skipped too ("unknown or unavailable" in runc's words).
    """
    result = 0
    warned = None
    for name in names or ():
        number = cap_number(name)
        if number is None or (last_cap is not None and number > last_cap):
            if warned is None:
                warned = set()
            if name not in warned:
                warned.add(name)
                warn(name)
            continue
        result |= 1 << number
    return result


def names_of(bits):
    """The ``CAP_X`` names set in a mask, in number order (bits beyond the table are ignored)."""
    return [NAMES[n] for n in range(len(NAMES)) if bits >> n & 1]


def last_cap():
    """The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).

    Falls back to 40 (CAP_CHECKPOINT_RESTORE) when the file cannot be read. Cached.
    """
    global _last_cap_cache
    if _last_cap_cache is None:
        try:
            with open("/proc/sys/kernel/cap_last_cap", "rb") as f:
                value = int(f.read().strip())
            if value < 0:
                raise ValueError(value)
        except (OSError, ValueError):
            value = LAST_KNOWN
        _last_cap_cache = value
    return _last_cap_cache
