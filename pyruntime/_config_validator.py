# GENERATED FILE - DO NOT EDIT.
# Written by pyruntime/schemagen.py from schema/config-schema.json;
# regenerate with: /usr/bin/python3 -m pyruntime.schemagen
"""Validator for config.json generated from the JSON Schema (no jsonschema import).

validate(doc) -> None | (json_path, reason): None when valid, else the first error.
"""

import re

_M = object()


def _j(a, b):
    if not b:
        return a
    if not a:
        return b
    if b[0] == "[":
        return a + b
    return a + "." + b


def _isint(v):
    if v is True or v is False:
        return False
    if isinstance(v, float):
        return v.is_integer()
    return isinstance(v, int)


def _isnum(v):
    if v is True or v is False:
        return False
    return isinstance(v, (int, float))


def _eq(a, b):
    # JSON equality: bools are not numbers; containers compare recursively.
    if a is True or a is False or b is True or b is False:
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return a == b


def _inenum(v, values):
    for x in values:
        if _eq(v, x):
            return True
    return False


def _unique(v):
    for i in range(len(v)):
        for j in range(i + 1, len(v)):
            if _eq(v[i], v[j]):
                return False
    return True


def _pat(i):
    p = _PATTERNS[i]
    if p.__class__ is str:
        p = _PATTERNS[i] = re.compile(p)
    return p

SCHEMA_SHA256 = 'bced1c06e294fc94de83d9be7419d1b0ab9c1d1cad06017e8532393f815911f7'
_PATTERNS = ['.{1,}', '^RLIMIT_[A-Z]+$', '^[0-9, -]*$', '^[cbup]$', '^MB:[^\\n]*$', '^1\\.[0-3]\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$']
_C0 = frozenset(['IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE', 'IOPRIO_CLASS_RT'])
_C1 = frozenset(['SCHED_BATCH', 'SCHED_DEADLINE', 'SCHED_FIFO', 'SCHED_IDLE', 'SCHED_ISO', 'SCHED_OTHER', 'SCHED_RR'])
_C2 = frozenset(['SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_KEEP_POLICY', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MAX', 'SCHED_FLAG_UTIL_CLAMP_MIN'])
_C3 = frozenset(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'])
_C4 = frozenset(['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'])
_C5 = frozenset(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'])
_C6 = frozenset(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'])
_C7 = frozenset(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'])
_C8 = frozenset(['LINUX', 'LINUX32'])
_C9 = frozenset(['MPOL_BIND', 'MPOL_DEFAULT', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'])
_C10 = frozenset(['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'])
_C11 = frozenset(['private', 'shared', 'slave', 'unbindable'])


def _p0(s):
    # .{1,}
    return s.strip('\n') != ''


def _p1(s):
    # ^RLIMIT_[A-Z]+$
    n = len(s)
    i = 0
    if i >= n or not (s[i] == 'R'):
        return False
    i += 1
    if i >= n or not (s[i] == 'L'):
        return False
    i += 1
    if i >= n or not (s[i] == 'I'):
        return False
    i += 1
    if i >= n or not (s[i] == 'M'):
        return False
    i += 1
    if i >= n or not (s[i] == 'I'):
        return False
    i += 1
    if i >= n or not (s[i] == 'T'):
        return False
    i += 1
    if i >= n or not (s[i] == '_'):
        return False
    i += 1
    j1 = i
    while i < n and s[i] in 'ABCDEFGHIJKLMNOPQRSTUVWXYZ':
        i += 1
    if i - j1 < 1:
        return False
    return i == n or (i == n - 1 and s[i] == '\n')


def _p2(s):
    # ^[0-9, -]*$
    n = len(s)
    i = 0
    j1 = i
    while i < n and s[i] in ' ,-0123456789':
        i += 1
    return i == n or (i == n - 1 and s[i] == '\n')


def _p3(s):
    # ^[cbup]$
    n = len(s)
    i = 0
    if i >= n or not (s[i] in 'bcpu'):
        return False
    i += 1
    return i == n or (i == n - 1 and s[i] == '\n')


def _p4(s):
    # ^MB:[^\\n]*$
    n = len(s)
    i = 0
    if i >= n or not (s[i] == 'M'):
        return False
    i += 1
    if i >= n or not (s[i] == 'B'):
        return False
    i += 1
    if i >= n or not (s[i] == ':'):
        return False
    i += 1
    j1 = i
    while i < n and s[i] != '\n':
        i += 1
    return i == n or (i == n - 1 and s[i] == '\n')


def _p5(s):
    # ^1\\.[0-3]\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$
    n = len(s)
    i = 0
    if i >= n or not (s[i] == '1'):
        return False
    i += 1
    if i >= n or not (s[i] == '.'):
        return False
    i += 1
    if i >= n or not (s[i] in '0123'):
        return False
    i += 1
    if i >= n or not (s[i] == '.'):
        return False
    i += 1
    if i < n and (s[i] == '0'):
        if i >= n or not (s[i] == '0'):
            return False
        i += 1
    elif i < n and (s[i] in '123456789'):
        if i >= n or not (s[i] in '123456789'):
            return False
        i += 1
        j1 = i
        while i < n and s[i] in '0123456789':
            i += 1
    else:
        return False
    if i < n and (s[i] == '-'):
        if i >= n or not (s[i] == '-'):
            return False
        i += 1
        j2 = i
        while i < n and s[i] in '-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz':
            i += 1
        if i - j2 < 1:
            return False
    if i < n and (s[i] == '+'):
        if i >= n or not (s[i] == '+'):
            return False
        i += 1
        j3 = i
        while i < n and s[i] in '-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz':
            i += 1
        if i - j3 < 1:
            return False
    return i == n or (i == n - 1 and s[i] == '\n')


def _d_mapStringString(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    for k1, x2 in v.items():
        if _p0(k1):
            if not (isinstance(x2, str)):
                return ('%s' % k1, 'must be a string')
    return None


def _d_annotations(v):
    if not (isinstance(v, dict) or v is None):
        return ('', 'must be an object or null')
    if isinstance(v, dict):
        for k3, x4 in v.items():
            if _p0(k3):
                if not (isinstance(x4, str)):
                    return ('%s' % k3, 'must be a string')
    return None


def _d_ArrayOfGIDs(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i5, x6 in enumerate(v):
        if not ((type(x6) is int or _isint(x6))):
            return ('[%d]' % i5, 'must be an integer')
        if x6 < 0:
            return ('[%d]' % i5, 'must be >= 0')
        if x6 > 4294967295:
            return ('[%d]' % i5, 'must be <= 4294967295')
    return None


def _d_ArrayOfStrings(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i7, x8 in enumerate(v):
        if not (isinstance(x8, str)):
            return ('[%d]' % i7, 'must be a string')
    return None


def _d_NonEmptyArrayOfStrings(v):
    if not (isinstance(v, list)):
        return ('', 'must be a non-empty array')
    if len(v) < 1:
        return ('', 'must be a non-empty array')
    for i9, x10 in enumerate(v):
        if not (isinstance(x10, str)):
            return ('[%d]' % i9, 'must be a string')
    return None


def _d_IDMapping(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'containerID' not in v:
        return ('containerID', 'is required')
    if 'hostID' not in v:
        return ('hostID', 'is required')
    if 'size' not in v:
        return ('size', 'is required')
    x11 = v.get('containerID', _M)
    if x11 is not _M:
        if not ((type(x11) is int or _isint(x11))):
            return ('containerID', 'must be an integer')
        if x11 < 0:
            return ('containerID', 'must be >= 0')
        if x11 > 4294967295:
            return ('containerID', 'must be <= 4294967295')
    x12 = v.get('hostID', _M)
    if x12 is not _M:
        if not ((type(x12) is int or _isint(x12))):
            return ('hostID', 'must be an integer')
        if x12 < 0:
            return ('hostID', 'must be >= 0')
        if x12 > 4294967295:
            return ('hostID', 'must be <= 4294967295')
    x13 = v.get('size', _M)
    if x13 is not _M:
        if not ((type(x13) is int or _isint(x13))):
            return ('size', 'must be an integer')
        if x13 < 0:
            return ('size', 'must be >= 0')
        if x13 > 4294967295:
            return ('size', 'must be <= 4294967295')
    return None


def _d_ArrayOfIDMappings(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i14, x15 in enumerate(v):
        r16 = _d_IDMapping(x15)
        if r16 is not None:
            return (_j('[%d]' % i14, r16[0]), r16[1])
    return None


def _d_Mount(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'destination' not in v:
        return ('destination', 'is required')
    x17 = v.get('source', _M)
    if x17 is not _M:
        if not (isinstance(x17, str)):
            return ('source', 'must be a string')
    x18 = v.get('destination', _M)
    if x18 is not _M:
        if not (isinstance(x18, str)):
            return ('destination', 'must be a string')
    x19 = v.get('options', _M)
    if x19 is not _M:
        r20 = _d_ArrayOfStrings(x19)
        if r20 is not None:
            return (_j('options', r20[0]), r20[1])
    x21 = v.get('type', _M)
    if x21 is not _M:
        if not (isinstance(x21, str)):
            return ('type', 'must be a string')
    x22 = v.get('uidMappings', _M)
    if x22 is not _M:
        r23 = _d_ArrayOfIDMappings(x22)
        if r23 is not None:
            return (_j('uidMappings', r23[0]), r23[1])
    x24 = v.get('gidMappings', _M)
    if x24 is not _M:
        r25 = _d_ArrayOfIDMappings(x24)
        if r25 is not None:
            return (_j('gidMappings', r25[0]), r25[1])
    return None


def _d_Hook(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'path' not in v:
        return ('path', 'is required')
    x26 = v.get('path', _M)
    if x26 is not _M:
        if not (isinstance(x26, str)):
            return ('path', 'must be a string')
    x27 = v.get('args', _M)
    if x27 is not _M:
        r28 = _d_ArrayOfStrings(x27)
        if r28 is not None:
            return (_j('args', r28[0]), r28[1])
    x29 = v.get('env', _M)
    if x29 is not _M:
        r30 = _d_Env(x29)
        if r30 is not None:
            return (_j('env', r30[0]), r30[1])
    x31 = v.get('timeout', _M)
    if x31 is not _M:
        if not ((type(x31) is int or _isint(x31))):
            return ('timeout', 'must be an integer')
        if x31 < 1:
            return ('timeout', 'must be >= 1')
    return None


def _d_ArrayOfHooks(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i32, x33 in enumerate(v):
        r34 = _d_Hook(x33)
        if r34 is not None:
            return (_j('[%d]' % i32, r34[0]), r34[1])
    return None


def _d_Root(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'path' not in v:
        return ('path', 'is required')
    x35 = v.get('path', _M)
    if x35 is not _M:
        if not (isinstance(x35, str)):
            return ('path', 'must be a string')
    x36 = v.get('readonly', _M)
    if x36 is not _M:
        if not ((x36 is True or x36 is False)):
            return ('readonly', 'must be a boolean')
    return None


def _d_Hooks(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x37 = v.get('prestart', _M)
    if x37 is not _M:
        r38 = _d_ArrayOfHooks(x37)
        if r38 is not None:
            return (_j('prestart', r38[0]), r38[1])
    x39 = v.get('createRuntime', _M)
    if x39 is not _M:
        r40 = _d_ArrayOfHooks(x39)
        if r40 is not None:
            return (_j('createRuntime', r40[0]), r40[1])
    x41 = v.get('createContainer', _M)
    if x41 is not _M:
        r42 = _d_ArrayOfHooks(x41)
        if r42 is not None:
            return (_j('createContainer', r42[0]), r42[1])
    x43 = v.get('startContainer', _M)
    if x43 is not _M:
        r44 = _d_ArrayOfHooks(x43)
        if r44 is not None:
            return (_j('startContainer', r44[0]), r44[1])
    x45 = v.get('poststart', _M)
    if x45 is not _M:
        r46 = _d_ArrayOfHooks(x45)
        if r46 is not None:
            return (_j('poststart', r46[0]), r46[1])
    x47 = v.get('poststop', _M)
    if x47 is not _M:
        r48 = _d_ArrayOfHooks(x47)
        if r48 is not None:
            return (_j('poststop', r48[0]), r48[1])
    return None


def _d_ConsoleSize(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'height' not in v:
        return ('height', 'is required')
    if 'width' not in v:
        return ('width', 'is required')
    x49 = v.get('height', _M)
    if x49 is not _M:
        if not ((type(x49) is int or _isint(x49))):
            return ('height', 'must be an integer')
        if x49 < 0:
            return ('height', 'must be >= 0')
        if x49 > 18446744073709551615:
            return ('height', 'must be <= 18446744073709551615')
    x50 = v.get('width', _M)
    if x50 is not _M:
        if not ((type(x50) is int or _isint(x50))):
            return ('width', 'must be an integer')
        if x50 < 0:
            return ('width', 'must be >= 0')
        if x50 > 18446744073709551615:
            return ('width', 'must be <= 18446744073709551615')
    return None


def _d_User(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x51 = v.get('uid', _M)
    if x51 is not _M:
        if not ((type(x51) is int or _isint(x51))):
            return ('uid', 'must be an integer')
        if x51 < 0:
            return ('uid', 'must be >= 0')
        if x51 > 4294967295:
            return ('uid', 'must be <= 4294967295')
    x52 = v.get('gid', _M)
    if x52 is not _M:
        if not ((type(x52) is int or _isint(x52))):
            return ('gid', 'must be an integer')
        if x52 < 0:
            return ('gid', 'must be >= 0')
        if x52 > 4294967295:
            return ('gid', 'must be <= 4294967295')
    x53 = v.get('umask', _M)
    if x53 is not _M:
        if not ((type(x53) is int or _isint(x53))):
            return ('umask', 'must be an integer')
        if x53 < 0:
            return ('umask', 'must be >= 0')
        if x53 > 4294967295:
            return ('umask', 'must be <= 4294967295')
    x54 = v.get('additionalGids', _M)
    if x54 is not _M:
        r55 = _d_ArrayOfGIDs(x54)
        if r55 is not None:
            return (_j('additionalGids', r55[0]), r55[1])
    x56 = v.get('username', _M)
    if x56 is not _M:
        if not (isinstance(x56, str)):
            return ('username', 'must be a string')
    return None


def _d_Capabilities(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x57 = v.get('bounding', _M)
    if x57 is not _M:
        r58 = _d_ArrayOfStrings(x57)
        if r58 is not None:
            return (_j('bounding', r58[0]), r58[1])
    x59 = v.get('permitted', _M)
    if x59 is not _M:
        r60 = _d_ArrayOfStrings(x59)
        if r60 is not None:
            return (_j('permitted', r60[0]), r60[1])
    x61 = v.get('effective', _M)
    if x61 is not _M:
        r62 = _d_ArrayOfStrings(x61)
        if r62 is not None:
            return (_j('effective', r62[0]), r62[1])
    x63 = v.get('inheritable', _M)
    if x63 is not _M:
        r64 = _d_ArrayOfStrings(x63)
        if r64 is not None:
            return (_j('inheritable', r64[0]), r64[1])
    x65 = v.get('ambient', _M)
    if x65 is not _M:
        r66 = _d_ArrayOfStrings(x65)
        if r66 is not None:
            return (_j('ambient', r66[0]), r66[1])
    return None


def _d_IOPriority(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'class' not in v:
        return ('class', 'is required')
    x67 = v.get('class', _M)
    if x67 is not _M:
        if not (isinstance(x67, str)):
            return ('class', 'must be a string')
        if x67 not in _C0:
            return ('class', 'must be one of: IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE')
    x68 = v.get('priority', _M)
    if x68 is not _M:
        if not ((type(x68) is int or _isint(x68))):
            return ('priority', 'must be an integer')
        if x68 < -2147483648:
            return ('priority', 'must be >= -2147483648')
        if x68 > 2147483647:
            return ('priority', 'must be <= 2147483647')
    return None


def _d_Scheduler(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'policy' not in v:
        return ('policy', 'is required')
    x69 = v.get('policy', _M)
    if x69 is not _M:
        if not (isinstance(x69, str)):
            return ('policy', 'must be a string')
        if x69 not in _C1:
            return ('policy', 'must be one of: SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE')
    x70 = v.get('nice', _M)
    if x70 is not _M:
        if not ((type(x70) is int or _isint(x70))):
            return ('nice', 'must be an integer')
        if x70 < -2147483648:
            return ('nice', 'must be >= -2147483648')
        if x70 > 2147483647:
            return ('nice', 'must be <= 2147483647')
    x71 = v.get('priority', _M)
    if x71 is not _M:
        if not ((type(x71) is int or _isint(x71))):
            return ('priority', 'must be an integer')
        if x71 < -2147483648:
            return ('priority', 'must be >= -2147483648')
        if x71 > 2147483647:
            return ('priority', 'must be <= 2147483647')
    x72 = v.get('flags', _M)
    if x72 is not _M:
        if not (isinstance(x72, list)):
            return ('flags', 'must be an array')
        for i73, x74 in enumerate(x72):
            if not (isinstance(x74, str)):
                return ('flags[%d]' % i73, 'must be a string')
            if x74 not in _C2:
                return ('flags[%d]' % i73, 'must be one of: SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX')
    x75 = v.get('runtime', _M)
    if x75 is not _M:
        if not ((type(x75) is int or _isint(x75))):
            return ('runtime', 'must be an integer')
        if x75 < 0:
            return ('runtime', 'must be >= 0')
        if x75 > 18446744073709551615:
            return ('runtime', 'must be <= 18446744073709551615')
    x76 = v.get('deadline', _M)
    if x76 is not _M:
        if not ((type(x76) is int or _isint(x76))):
            return ('deadline', 'must be an integer')
        if x76 < 0:
            return ('deadline', 'must be >= 0')
        if x76 > 18446744073709551615:
            return ('deadline', 'must be <= 18446744073709551615')
    x77 = v.get('period', _M)
    if x77 is not _M:
        if not ((type(x77) is int or _isint(x77))):
            return ('period', 'must be an integer')
        if x77 < 0:
            return ('period', 'must be >= 0')
        if x77 > 18446744073709551615:
            return ('period', 'must be <= 18446744073709551615')
    return None


def _d_Rlimit(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'type' not in v:
        return ('type', 'is required')
    if 'soft' not in v:
        return ('soft', 'is required')
    if 'hard' not in v:
        return ('hard', 'is required')
    x78 = v.get('type', _M)
    if x78 is not _M:
        if not (isinstance(x78, str)):
            return ('type', 'must be a string')
        if not _p1(x78):
            return ('type', 'must match pattern ^RLIMIT_[A-Z]+$')
    x79 = v.get('soft', _M)
    if x79 is not _M:
        if not ((type(x79) is int or _isint(x79))):
            return ('soft', 'must be an integer')
        if x79 < 0:
            return ('soft', 'must be >= 0')
        if x79 > 18446744073709551615:
            return ('soft', 'must be <= 18446744073709551615')
    x80 = v.get('hard', _M)
    if x80 is not _M:
        if not ((type(x80) is int or _isint(x80))):
            return ('hard', 'must be an integer')
        if x80 < 0:
            return ('hard', 'must be >= 0')
        if x80 > 18446744073709551615:
            return ('hard', 'must be <= 18446744073709551615')
    return None


def _d_ExecCPUAffinity(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x81 = v.get('initial', _M)
    if x81 is not _M:
        if not (isinstance(x81, str)):
            return ('initial', 'must be a string')
        if not _p2(x81):
            return ('initial', 'must match pattern ^[0-9, -]*$')
    x82 = v.get('final', _M)
    if x82 is not _M:
        if not (isinstance(x82, str)):
            return ('final', 'must be a string')
        if not _p2(x82):
            return ('final', 'must match pattern ^[0-9, -]*$')
    return None


def _d_Process(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'cwd' not in v:
        return ('cwd', 'is required')
    if 'args' not in v:
        return ('args', 'is required')
    x83 = v.get('terminal', _M)
    if x83 is not _M:
        if not ((x83 is True or x83 is False)):
            return ('terminal', 'must be a boolean')
    x84 = v.get('consoleSize', _M)
    if x84 is not _M:
        r85 = _d_ConsoleSize(x84)
        if r85 is not None:
            return (_j('consoleSize', r85[0]), r85[1])
    x86 = v.get('user', _M)
    if x86 is not _M:
        r87 = _d_User(x86)
        if r87 is not None:
            return (_j('user', r87[0]), r87[1])
    x88 = v.get('args', _M)
    if x88 is not _M:
        r89 = _d_NonEmptyArrayOfStrings(x88)
        if r89 is not None:
            return (_j('args', r89[0]), r89[1])
    x90 = v.get('commandLine', _M)
    if x90 is not _M:
        if not (isinstance(x90, str)):
            return ('commandLine', 'must be a string')
    x91 = v.get('env', _M)
    if x91 is not _M:
        r92 = _d_Env(x91)
        if r92 is not None:
            return (_j('env', r92[0]), r92[1])
    x93 = v.get('cwd', _M)
    if x93 is not _M:
        if not (isinstance(x93, str)):
            return ('cwd', 'must be a string')
    x94 = v.get('capabilities', _M)
    if x94 is not _M:
        r95 = _d_Capabilities(x94)
        if r95 is not None:
            return (_j('capabilities', r95[0]), r95[1])
    x96 = v.get('rlimits', _M)
    if x96 is not _M:
        if not (isinstance(x96, list)):
            return ('rlimits', 'must be an array')
        for i97, x98 in enumerate(x96):
            r99 = _d_Rlimit(x98)
            if r99 is not None:
                return (_j('rlimits[%d]' % i97, r99[0]), r99[1])
    x100 = v.get('apparmorProfile', _M)
    if x100 is not _M:
        if not (isinstance(x100, str)):
            return ('apparmorProfile', 'must be a string')
    x101 = v.get('oomScoreAdj', _M)
    if x101 is not _M:
        if not ((type(x101) is int or _isint(x101))):
            return ('oomScoreAdj', 'must be an integer')
    x102 = v.get('selinuxLabel', _M)
    if x102 is not _M:
        if not (isinstance(x102, str)):
            return ('selinuxLabel', 'must be a string')
    x103 = v.get('ioPriority', _M)
    if x103 is not _M:
        r104 = _d_IOPriority(x103)
        if r104 is not None:
            return (_j('ioPriority', r104[0]), r104[1])
    x105 = v.get('noNewPrivileges', _M)
    if x105 is not _M:
        if not ((x105 is True or x105 is False)):
            return ('noNewPrivileges', 'must be a boolean')
    x106 = v.get('scheduler', _M)
    if x106 is not _M:
        r107 = _d_Scheduler(x106)
        if r107 is not None:
            return (_j('scheduler', r107[0]), r107[1])
    x108 = v.get('execCPUAffinity', _M)
    if x108 is not _M:
        r109 = _d_ExecCPUAffinity(x108)
        if r109 is not None:
            return (_j('execCPUAffinity', r109[0]), r109[1])
    return None


def _d_NamespaceReference(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'type' not in v:
        return ('type', 'is required')
    x110 = v.get('type', _M)
    if x110 is not _M:
        if not (isinstance(x110, str)):
            return ('type', 'must be a string')
        if x110 not in _C3:
            return ('type', 'must be one of: pid, network, mount, ipc, uts, user, cgroup, time')
    x111 = v.get('path', _M)
    if x111 is not _M:
        if not (isinstance(x111, str)):
            return ('path', 'must be a string')
    return None


def _d_TimeOffset(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x112 = v.get('secs', _M)
    if x112 is not _M:
        if not ((type(x112) is int or _isint(x112))):
            return ('secs', 'must be an integer')
        if x112 < -9223372036854775808:
            return ('secs', 'must be >= -9223372036854775808')
        if x112 > 9223372036854775807:
            return ('secs', 'must be <= 9223372036854775807')
    x113 = v.get('nanosecs', _M)
    if x113 is not _M:
        if not ((type(x113) is int or _isint(x113))):
            return ('nanosecs', 'must be an integer')
        if x113 < 0:
            return ('nanosecs', 'must be >= 0')
        if x113 > 4294967295:
            return ('nanosecs', 'must be <= 4294967295')
    return None


def _d_TimeOffsets(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x114 = v.get('boottime', _M)
    if x114 is not _M:
        r115 = _d_TimeOffset(x114)
        if r115 is not None:
            return (_j('boottime', r115[0]), r115[1])
    x116 = v.get('monotonic', _M)
    if x116 is not _M:
        r117 = _d_TimeOffset(x116)
        if r117 is not None:
            return (_j('monotonic', r117[0]), r117[1])
    return None


def _d_Device(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'type' not in v:
        return ('type', 'is required')
    if 'path' not in v:
        return ('path', 'is required')
    x118 = v.get('type', _M)
    if x118 is not _M:
        if not (isinstance(x118, str)):
            return ('type', 'must be a string')
        if not _p3(x118):
            return ('type', 'must match pattern ^[cbup]$')
    x119 = v.get('path', _M)
    if x119 is not _M:
        if not (isinstance(x119, str)):
            return ('path', 'must be a string')
    x120 = v.get('fileMode', _M)
    if x120 is not _M:
        if not ((type(x120) is int or _isint(x120))):
            return ('fileMode', 'must be an integer')
        if x120 < 0:
            return ('fileMode', 'must be >= 0')
        if x120 > 512:
            return ('fileMode', 'must be <= 512')
    x121 = v.get('major', _M)
    if x121 is not _M:
        if not ((type(x121) is int or _isint(x121))):
            return ('major', 'must be an integer')
        if x121 < -9223372036854775808:
            return ('major', 'must be >= -9223372036854775808')
        if x121 > 9223372036854775807:
            return ('major', 'must be <= 9223372036854775807')
    x122 = v.get('minor', _M)
    if x122 is not _M:
        if not ((type(x122) is int or _isint(x122))):
            return ('minor', 'must be an integer')
        if x122 < -9223372036854775808:
            return ('minor', 'must be >= -9223372036854775808')
        if x122 > 9223372036854775807:
            return ('minor', 'must be <= 9223372036854775807')
    x123 = v.get('uid', _M)
    if x123 is not _M:
        if not ((type(x123) is int or _isint(x123))):
            return ('uid', 'must be an integer')
        if x123 < 0:
            return ('uid', 'must be >= 0')
        if x123 > 4294967295:
            return ('uid', 'must be <= 4294967295')
    x124 = v.get('gid', _M)
    if x124 is not _M:
        if not ((type(x124) is int or _isint(x124))):
            return ('gid', 'must be an integer')
        if x124 < 0:
            return ('gid', 'must be >= 0')
        if x124 > 4294967295:
            return ('gid', 'must be <= 4294967295')
    return None


def _d_DeviceCgroup(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'allow' not in v:
        return ('allow', 'is required')
    x125 = v.get('allow', _M)
    if x125 is not _M:
        if not ((x125 is True or x125 is False)):
            return ('allow', 'must be a boolean')
    x126 = v.get('type', _M)
    if x126 is not _M:
        if not (isinstance(x126, str)):
            return ('type', 'must be a string')
    x127 = v.get('major', _M)
    if x127 is not _M:
        if not ((type(x127) is int or _isint(x127))):
            return ('major', 'must be an integer')
        if x127 < -9223372036854775808:
            return ('major', 'must be >= -9223372036854775808')
        if x127 > 9223372036854775807:
            return ('major', 'must be <= 9223372036854775807')
    x128 = v.get('minor', _M)
    if x128 is not _M:
        if not ((type(x128) is int or _isint(x128))):
            return ('minor', 'must be an integer')
        if x128 < -9223372036854775808:
            return ('minor', 'must be >= -9223372036854775808')
        if x128 > 9223372036854775807:
            return ('minor', 'must be <= 9223372036854775807')
    x129 = v.get('access', _M)
    if x129 is not _M:
        if not (isinstance(x129, str)):
            return ('access', 'must be a string')
    return None


def _d_blockIODeviceWeight(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'major' not in v:
        return ('major', 'is required')
    if 'minor' not in v:
        return ('minor', 'is required')
    x130 = v.get('major', _M)
    if x130 is not _M:
        if not ((type(x130) is int or _isint(x130))):
            return ('major', 'must be an integer')
        if x130 < -9223372036854775808:
            return ('major', 'must be >= -9223372036854775808')
        if x130 > 9223372036854775807:
            return ('major', 'must be <= 9223372036854775807')
    x131 = v.get('minor', _M)
    if x131 is not _M:
        if not ((type(x131) is int or _isint(x131))):
            return ('minor', 'must be an integer')
        if x131 < -9223372036854775808:
            return ('minor', 'must be >= -9223372036854775808')
        if x131 > 9223372036854775807:
            return ('minor', 'must be <= 9223372036854775807')
    x132 = v.get('weight', _M)
    if x132 is not _M:
        if not ((type(x132) is int or _isint(x132))):
            return ('weight', 'must be an integer')
        if x132 < 0:
            return ('weight', 'must be >= 0')
        if x132 > 65535:
            return ('weight', 'must be <= 65535')
    x133 = v.get('leafWeight', _M)
    if x133 is not _M:
        if not ((type(x133) is int or _isint(x133))):
            return ('leafWeight', 'must be an integer')
        if x133 < 0:
            return ('leafWeight', 'must be >= 0')
        if x133 > 65535:
            return ('leafWeight', 'must be <= 65535')
    return None


def _d_blockIODeviceThrottle(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'major' not in v:
        return ('major', 'is required')
    if 'minor' not in v:
        return ('minor', 'is required')
    x134 = v.get('major', _M)
    if x134 is not _M:
        if not ((type(x134) is int or _isint(x134))):
            return ('major', 'must be an integer')
        if x134 < -9223372036854775808:
            return ('major', 'must be >= -9223372036854775808')
        if x134 > 9223372036854775807:
            return ('major', 'must be <= 9223372036854775807')
    x135 = v.get('minor', _M)
    if x135 is not _M:
        if not ((type(x135) is int or _isint(x135))):
            return ('minor', 'must be an integer')
        if x135 < -9223372036854775808:
            return ('minor', 'must be >= -9223372036854775808')
        if x135 > 9223372036854775807:
            return ('minor', 'must be <= 9223372036854775807')
    x136 = v.get('rate', _M)
    if x136 is not _M:
        if not ((type(x136) is int or _isint(x136))):
            return ('rate', 'must be an integer')
        if x136 < 0:
            return ('rate', 'must be >= 0')
        if x136 > 18446744073709551615:
            return ('rate', 'must be <= 18446744073709551615')
    return None


def _d_BlockIO(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x137 = v.get('weight', _M)
    if x137 is not _M:
        if not ((type(x137) is int or _isint(x137))):
            return ('weight', 'must be an integer')
        if x137 < 0:
            return ('weight', 'must be >= 0')
        if x137 > 65535:
            return ('weight', 'must be <= 65535')
    x138 = v.get('leafWeight', _M)
    if x138 is not _M:
        if not ((type(x138) is int or _isint(x138))):
            return ('leafWeight', 'must be an integer')
        if x138 < 0:
            return ('leafWeight', 'must be >= 0')
        if x138 > 65535:
            return ('leafWeight', 'must be <= 65535')
    x139 = v.get('weightDevice', _M)
    if x139 is not _M:
        if not (isinstance(x139, list)):
            return ('weightDevice', 'must be an array')
        for i140, x141 in enumerate(x139):
            r142 = _d_blockIODeviceWeight(x141)
            if r142 is not None:
                return (_j('weightDevice[%d]' % i140, r142[0]), r142[1])
    x143 = v.get('throttleReadBpsDevice', _M)
    if x143 is not _M:
        if not (isinstance(x143, list)):
            return ('throttleReadBpsDevice', 'must be an array')
        for i144, x145 in enumerate(x143):
            r146 = _d_blockIODeviceThrottle(x145)
            if r146 is not None:
                return (_j('throttleReadBpsDevice[%d]' % i144, r146[0]), r146[1])
    x147 = v.get('throttleWriteBpsDevice', _M)
    if x147 is not _M:
        if not (isinstance(x147, list)):
            return ('throttleWriteBpsDevice', 'must be an array')
        for i148, x149 in enumerate(x147):
            r150 = _d_blockIODeviceThrottle(x149)
            if r150 is not None:
                return (_j('throttleWriteBpsDevice[%d]' % i148, r150[0]), r150[1])
    x151 = v.get('throttleReadIOPSDevice', _M)
    if x151 is not _M:
        if not (isinstance(x151, list)):
            return ('throttleReadIOPSDevice', 'must be an array')
        for i152, x153 in enumerate(x151):
            r154 = _d_blockIODeviceThrottle(x153)
            if r154 is not None:
                return (_j('throttleReadIOPSDevice[%d]' % i152, r154[0]), r154[1])
    x155 = v.get('throttleWriteIOPSDevice', _M)
    if x155 is not _M:
        if not (isinstance(x155, list)):
            return ('throttleWriteIOPSDevice', 'must be an array')
        for i156, x157 in enumerate(x155):
            r158 = _d_blockIODeviceThrottle(x157)
            if r158 is not None:
                return (_j('throttleWriteIOPSDevice[%d]' % i156, r158[0]), r158[1])
    return None


def _d_CPU(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x159 = v.get('cpus', _M)
    if x159 is not _M:
        if not (isinstance(x159, str)):
            return ('cpus', 'must be a string')
    x160 = v.get('mems', _M)
    if x160 is not _M:
        if not (isinstance(x160, str)):
            return ('mems', 'must be a string')
    x161 = v.get('period', _M)
    if x161 is not _M:
        if not ((type(x161) is int or _isint(x161))):
            return ('period', 'must be an integer')
        if x161 < 0:
            return ('period', 'must be >= 0')
        if x161 > 18446744073709551615:
            return ('period', 'must be <= 18446744073709551615')
    x162 = v.get('quota', _M)
    if x162 is not _M:
        if not ((type(x162) is int or _isint(x162))):
            return ('quota', 'must be an integer')
        if x162 < -9223372036854775808:
            return ('quota', 'must be >= -9223372036854775808')
        if x162 > 9223372036854775807:
            return ('quota', 'must be <= 9223372036854775807')
    x163 = v.get('burst', _M)
    if x163 is not _M:
        if not ((type(x163) is int or _isint(x163))):
            return ('burst', 'must be an integer')
        if x163 < 0:
            return ('burst', 'must be >= 0')
        if x163 > 18446744073709551615:
            return ('burst', 'must be <= 18446744073709551615')
    x164 = v.get('realtimePeriod', _M)
    if x164 is not _M:
        if not ((type(x164) is int or _isint(x164))):
            return ('realtimePeriod', 'must be an integer')
        if x164 < 0:
            return ('realtimePeriod', 'must be >= 0')
        if x164 > 18446744073709551615:
            return ('realtimePeriod', 'must be <= 18446744073709551615')
    x165 = v.get('realtimeRuntime', _M)
    if x165 is not _M:
        if not ((type(x165) is int or _isint(x165))):
            return ('realtimeRuntime', 'must be an integer')
        if x165 < -9223372036854775808:
            return ('realtimeRuntime', 'must be >= -9223372036854775808')
        if x165 > 9223372036854775807:
            return ('realtimeRuntime', 'must be <= 9223372036854775807')
    x166 = v.get('shares', _M)
    if x166 is not _M:
        if not ((type(x166) is int or _isint(x166))):
            return ('shares', 'must be an integer')
        if x166 < 0:
            return ('shares', 'must be >= 0')
        if x166 > 18446744073709551615:
            return ('shares', 'must be <= 18446744073709551615')
    x167 = v.get('idle', _M)
    if x167 is not _M:
        if not ((type(x167) is int or _isint(x167))):
            return ('idle', 'must be an integer')
        if x167 < -9223372036854775808:
            return ('idle', 'must be >= -9223372036854775808')
        if x167 > 9223372036854775807:
            return ('idle', 'must be <= 9223372036854775807')
    return None


def _d_HugepageLimit(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'pageSize' not in v:
        return ('pageSize', 'is required')
    if 'limit' not in v:
        return ('limit', 'is required')
    x168 = v.get('pageSize', _M)
    if x168 is not _M:
        if not (isinstance(x168, str)):
            return ('pageSize', 'must be a string')
    x169 = v.get('limit', _M)
    if x169 is not _M:
        if not ((type(x169) is int or _isint(x169))):
            return ('limit', 'must be an integer')
        if x169 < 0:
            return ('limit', 'must be >= 0')
        if x169 > 18446744073709551615:
            return ('limit', 'must be <= 18446744073709551615')
    return None


def _d_Memory(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x170 = v.get('kernel', _M)
    if x170 is not _M:
        if not ((type(x170) is int or _isint(x170))):
            return ('kernel', 'must be an integer')
        if x170 < -9223372036854775808:
            return ('kernel', 'must be >= -9223372036854775808')
        if x170 > 9223372036854775807:
            return ('kernel', 'must be <= 9223372036854775807')
    x171 = v.get('kernelTCP', _M)
    if x171 is not _M:
        if not ((type(x171) is int or _isint(x171))):
            return ('kernelTCP', 'must be an integer')
        if x171 < -9223372036854775808:
            return ('kernelTCP', 'must be >= -9223372036854775808')
        if x171 > 9223372036854775807:
            return ('kernelTCP', 'must be <= 9223372036854775807')
    x172 = v.get('limit', _M)
    if x172 is not _M:
        if not ((type(x172) is int or _isint(x172))):
            return ('limit', 'must be an integer')
        if x172 < -9223372036854775808:
            return ('limit', 'must be >= -9223372036854775808')
        if x172 > 9223372036854775807:
            return ('limit', 'must be <= 9223372036854775807')
    x173 = v.get('reservation', _M)
    if x173 is not _M:
        if not ((type(x173) is int or _isint(x173))):
            return ('reservation', 'must be an integer')
        if x173 < -9223372036854775808:
            return ('reservation', 'must be >= -9223372036854775808')
        if x173 > 9223372036854775807:
            return ('reservation', 'must be <= 9223372036854775807')
    x174 = v.get('swap', _M)
    if x174 is not _M:
        if not ((type(x174) is int or _isint(x174))):
            return ('swap', 'must be an integer')
        if x174 < -9223372036854775808:
            return ('swap', 'must be >= -9223372036854775808')
        if x174 > 9223372036854775807:
            return ('swap', 'must be <= 9223372036854775807')
    x175 = v.get('swappiness', _M)
    if x175 is not _M:
        if not ((type(x175) is int or _isint(x175))):
            return ('swappiness', 'must be an integer')
        if x175 < 0:
            return ('swappiness', 'must be >= 0')
        if x175 > 18446744073709551615:
            return ('swappiness', 'must be <= 18446744073709551615')
    x176 = v.get('disableOOMKiller', _M)
    if x176 is not _M:
        if not ((x176 is True or x176 is False)):
            return ('disableOOMKiller', 'must be a boolean')
    x177 = v.get('useHierarchy', _M)
    if x177 is not _M:
        if not ((x177 is True or x177 is False)):
            return ('useHierarchy', 'must be a boolean')
    x178 = v.get('checkBeforeUpdate', _M)
    if x178 is not _M:
        if not ((x178 is True or x178 is False)):
            return ('checkBeforeUpdate', 'must be a boolean')
    return None


def _d_NetworkInterfacePriority(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'name' not in v:
        return ('name', 'is required')
    if 'priority' not in v:
        return ('priority', 'is required')
    x179 = v.get('name', _M)
    if x179 is not _M:
        if not (isinstance(x179, str)):
            return ('name', 'must be a string')
    x180 = v.get('priority', _M)
    if x180 is not _M:
        if not ((type(x180) is int or _isint(x180))):
            return ('priority', 'must be an integer')
        if x180 < 0:
            return ('priority', 'must be >= 0')
        if x180 > 4294967295:
            return ('priority', 'must be <= 4294967295')
    return None


def _d_Network(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x181 = v.get('classID', _M)
    if x181 is not _M:
        if not ((type(x181) is int or _isint(x181))):
            return ('classID', 'must be an integer')
        if x181 < 0:
            return ('classID', 'must be >= 0')
        if x181 > 4294967295:
            return ('classID', 'must be <= 4294967295')
    x182 = v.get('priorities', _M)
    if x182 is not _M:
        if not (isinstance(x182, list)):
            return ('priorities', 'must be an array')
        for i183, x184 in enumerate(x182):
            r185 = _d_NetworkInterfacePriority(x184)
            if r185 is not None:
                return (_j('priorities[%d]' % i183, r185[0]), r185[1])
    return None


def _d_Pids(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x186 = v.get('limit', _M)
    if x186 is not _M:
        if not ((type(x186) is int or _isint(x186))):
            return ('limit', 'must be an integer')
        if x186 < -9223372036854775808:
            return ('limit', 'must be >= -9223372036854775808')
        if x186 > 9223372036854775807:
            return ('limit', 'must be <= 9223372036854775807')
    return None


def _d_Rdma(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x187 = v.get('hcaHandles', _M)
    if x187 is not _M:
        if not ((type(x187) is int or _isint(x187))):
            return ('hcaHandles', 'must be an integer')
        if x187 < 0:
            return ('hcaHandles', 'must be >= 0')
        if x187 > 4294967295:
            return ('hcaHandles', 'must be <= 4294967295')
    x188 = v.get('hcaObjects', _M)
    if x188 is not _M:
        if not ((type(x188) is int or _isint(x188))):
            return ('hcaObjects', 'must be an integer')
        if x188 < 0:
            return ('hcaObjects', 'must be >= 0')
        if x188 > 4294967295:
            return ('hcaObjects', 'must be <= 4294967295')
    return None


def _d_Resources(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x189 = v.get('devices', _M)
    if x189 is not _M:
        if not (isinstance(x189, list)):
            return ('devices', 'must be an array')
        for i190, x191 in enumerate(x189):
            r192 = _d_DeviceCgroup(x191)
            if r192 is not None:
                return (_j('devices[%d]' % i190, r192[0]), r192[1])
    x193 = v.get('pids', _M)
    if x193 is not _M:
        r194 = _d_Pids(x193)
        if r194 is not None:
            return (_j('pids', r194[0]), r194[1])
    x195 = v.get('blockIO', _M)
    if x195 is not _M:
        r196 = _d_BlockIO(x195)
        if r196 is not None:
            return (_j('blockIO', r196[0]), r196[1])
    x197 = v.get('cpu', _M)
    if x197 is not _M:
        r198 = _d_CPU(x197)
        if r198 is not None:
            return (_j('cpu', r198[0]), r198[1])
    x199 = v.get('hugepageLimits', _M)
    if x199 is not _M:
        if not (isinstance(x199, list)):
            return ('hugepageLimits', 'must be an array')
        for i200, x201 in enumerate(x199):
            r202 = _d_HugepageLimit(x201)
            if r202 is not None:
                return (_j('hugepageLimits[%d]' % i200, r202[0]), r202[1])
    x203 = v.get('memory', _M)
    if x203 is not _M:
        r204 = _d_Memory(x203)
        if r204 is not None:
            return (_j('memory', r204[0]), r204[1])
    x205 = v.get('network', _M)
    if x205 is not _M:
        r206 = _d_Network(x205)
        if r206 is not None:
            return (_j('network', r206[0]), r206[1])
    x207 = v.get('rdma', _M)
    if x207 is not _M:
        if not (isinstance(x207, dict)):
            return ('rdma', 'must be an object')
        for k208, x209 in x207.items():
            r210 = _d_Rdma(x209)
            if r210 is not None:
                return (_j('rdma.%s' % k208, r210[0]), r210[1])
    x211 = v.get('unified', _M)
    if x211 is not _M:
        r212 = _d_mapStringString(x211)
        if r212 is not None:
            return (_j('unified', r212[0]), r212[1])
    return None


def _d_SyscallArg(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'index' not in v:
        return ('index', 'is required')
    if 'value' not in v:
        return ('value', 'is required')
    if 'op' not in v:
        return ('op', 'is required')
    x213 = v.get('index', _M)
    if x213 is not _M:
        if not ((type(x213) is int or _isint(x213))):
            return ('index', 'must be an integer')
        if x213 < 0:
            return ('index', 'must be >= 0')
        if x213 > 4294967295:
            return ('index', 'must be <= 4294967295')
    x214 = v.get('value', _M)
    if x214 is not _M:
        if not ((type(x214) is int or _isint(x214))):
            return ('value', 'must be an integer')
        if x214 < 0:
            return ('value', 'must be >= 0')
        if x214 > 18446744073709551615:
            return ('value', 'must be <= 18446744073709551615')
    x215 = v.get('valueTwo', _M)
    if x215 is not _M:
        if not ((type(x215) is int or _isint(x215))):
            return ('valueTwo', 'must be an integer')
        if x215 < 0:
            return ('valueTwo', 'must be >= 0')
        if x215 > 18446744073709551615:
            return ('valueTwo', 'must be <= 18446744073709551615')
    x216 = v.get('op', _M)
    if x216 is not _M:
        if not (isinstance(x216, str)):
            return ('op', 'must be a string')
        if x216 not in _C4:
            return ('op', 'must be one of: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ')
    return None


def _d_Syscall(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'names' not in v:
        return ('names', 'is required')
    if 'action' not in v:
        return ('action', 'is required')
    x217 = v.get('names', _M)
    if x217 is not _M:
        r218 = _d_NonEmptyArrayOfStrings(x217)
        if r218 is not None:
            return (_j('names', r218[0]), r218[1])
    x219 = v.get('action', _M)
    if x219 is not _M:
        if not (isinstance(x219, str)):
            return ('action', 'must be a string')
        if x219 not in _C5:
            return ('action', 'must be one of: SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY')
    x220 = v.get('errnoRet', _M)
    if x220 is not _M:
        if not ((type(x220) is int or _isint(x220))):
            return ('errnoRet', 'must be an integer')
        if x220 < 0:
            return ('errnoRet', 'must be >= 0')
        if x220 > 4294967295:
            return ('errnoRet', 'must be <= 4294967295')
    x221 = v.get('args', _M)
    if x221 is not _M:
        if not (isinstance(x221, list)):
            return ('args', 'must be an array')
        for i222, x223 in enumerate(x221):
            r224 = _d_SyscallArg(x223)
            if r224 is not None:
                return (_j('args[%d]' % i222, r224[0]), r224[1])
    return None


def _d_Seccomp(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'defaultAction' not in v:
        return ('defaultAction', 'is required')
    x225 = v.get('defaultAction', _M)
    if x225 is not _M:
        if not (isinstance(x225, str)):
            return ('defaultAction', 'must be a string')
        if x225 not in _C5:
            return ('defaultAction', 'must be one of: SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY')
    x226 = v.get('defaultErrnoRet', _M)
    if x226 is not _M:
        if not ((type(x226) is int or _isint(x226))):
            return ('defaultErrnoRet', 'must be an integer')
        if x226 < 0:
            return ('defaultErrnoRet', 'must be >= 0')
        if x226 > 4294967295:
            return ('defaultErrnoRet', 'must be <= 4294967295')
    x227 = v.get('flags', _M)
    if x227 is not _M:
        if not (isinstance(x227, list)):
            return ('flags', 'must be an array')
        for i228, x229 in enumerate(x227):
            if not (isinstance(x229, str)):
                return ('flags[%d]' % i228, 'must be a string')
            if x229 not in _C6:
                return ('flags[%d]' % i228, 'must be one of: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV')
    x230 = v.get('listenerPath', _M)
    if x230 is not _M:
        if not (isinstance(x230, str)):
            return ('listenerPath', 'must be a string')
    x231 = v.get('listenerMetadata', _M)
    if x231 is not _M:
        if not (isinstance(x231, str)):
            return ('listenerMetadata', 'must be a string')
    x232 = v.get('architectures', _M)
    if x232 is not _M:
        if not (isinstance(x232, list)):
            return ('architectures', 'must be an array')
        for i233, x234 in enumerate(x232):
            if not (isinstance(x234, str)):
                return ('architectures[%d]' % i233, 'must be a string')
            if x234 not in _C7:
                return ('architectures[%d]' % i233, 'must be one of: SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64')
    x235 = v.get('syscalls', _M)
    if x235 is not _M:
        if not (isinstance(x235, list)):
            return ('syscalls', 'must be an array')
        for i236, x237 in enumerate(x235):
            r238 = _d_Syscall(x237)
            if r238 is not None:
                return (_j('syscalls[%d]' % i236, r238[0]), r238[1])
    return None


def _d_IntelRdt(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x239 = v.get('closID', _M)
    if x239 is not _M:
        if not (isinstance(x239, str)):
            return ('closID', 'must be a string')
    x240 = v.get('l3CacheSchema', _M)
    if x240 is not _M:
        if not (isinstance(x240, str)):
            return ('l3CacheSchema', 'must be a string')
    x241 = v.get('memBwSchema', _M)
    if x241 is not _M:
        if not (isinstance(x241, str)):
            return ('memBwSchema', 'must be a string')
        if not _p4(x241):
            return ('memBwSchema', 'must match pattern ^MB:[^\\n]*$')
    x242 = v.get('schemata', _M)
    if x242 is not _M:
        r243 = _d_ArrayOfStrings(x242)
        if r243 is not None:
            return (_j('schemata', r243[0]), r243[1])
    x244 = v.get('enableMonitoring', _M)
    if x244 is not _M:
        if not ((x244 is True or x244 is False)):
            return ('enableMonitoring', 'must be a boolean')
    x245 = v.get('enableCMT', _M)
    if x245 is not _M:
        if not ((x245 is True or x245 is False)):
            return ('enableCMT', 'must be a boolean')
    x246 = v.get('enableMBM', _M)
    if x246 is not _M:
        if not ((x246 is True or x246 is False)):
            return ('enableMBM', 'must be a boolean')
    return None


def _d_Personality(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x247 = v.get('domain', _M)
    if x247 is not _M:
        if not (isinstance(x247, str)):
            return ('domain', 'must be a string')
        if x247 not in _C8:
            return ('domain', 'must be one of: LINUX, LINUX32')
    x248 = v.get('flags', _M)
    if x248 is not _M:
        r249 = _d_ArrayOfStrings(x248)
        if r249 is not None:
            return (_j('flags', r249[0]), r249[1])
    return None


def _d_MemoryPolicy(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'mode' not in v:
        return ('mode', 'is required')
    x250 = v.get('mode', _M)
    if x250 is not _M:
        if not (isinstance(x250, str)):
            return ('mode', 'must be a string')
        if x250 not in _C9:
            return ('mode', 'must be one of: MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL')
    x251 = v.get('nodes', _M)
    if x251 is not _M:
        if not (isinstance(x251, str)):
            return ('nodes', 'must be a string')
    x252 = v.get('flags', _M)
    if x252 is not _M:
        if not (isinstance(x252, list)):
            return ('flags', 'must be an array')
        for i253, x254 in enumerate(x252):
            if not (isinstance(x254, str)):
                return ('flags[%d]' % i253, 'must be a string')
            if x254 not in _C10:
                return ('flags[%d]' % i253, 'must be one of: MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES')
    return None


def _d_NetDevice(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x255 = v.get('name', _M)
    if x255 is not _M:
        if not (isinstance(x255, str)):
            return ('name', 'must be a string')
    return None


def _d_Linux(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    x256 = v.get('devices', _M)
    if x256 is not _M:
        if not (isinstance(x256, list)):
            return ('devices', 'must be an array')
        for i257, x258 in enumerate(x256):
            r259 = _d_Device(x258)
            if r259 is not None:
                return (_j('devices[%d]' % i257, r259[0]), r259[1])
    x260 = v.get('uidMappings', _M)
    if x260 is not _M:
        r261 = _d_ArrayOfIDMappings(x260)
        if r261 is not None:
            return (_j('uidMappings', r261[0]), r261[1])
    x262 = v.get('gidMappings', _M)
    if x262 is not _M:
        r263 = _d_ArrayOfIDMappings(x262)
        if r263 is not None:
            return (_j('gidMappings', r263[0]), r263[1])
    x264 = v.get('namespaces', _M)
    if x264 is not _M:
        if not (isinstance(x264, list)):
            return ('namespaces', 'must be an array')
        for i265, x266 in enumerate(x264):
            r267 = _d_NamespaceReference(x266)
            if r267 is not None:
                return (_j('namespaces[%d]' % i265, r267[0]), r267[1])
    x268 = v.get('timeOffsets', _M)
    if x268 is not _M:
        r269 = _d_TimeOffsets(x268)
        if r269 is not None:
            return (_j('timeOffsets', r269[0]), r269[1])
    x270 = v.get('resources', _M)
    if x270 is not _M:
        r271 = _d_Resources(x270)
        if r271 is not None:
            return (_j('resources', r271[0]), r271[1])
    x272 = v.get('cgroupsPath', _M)
    if x272 is not _M:
        if not (isinstance(x272, str)):
            return ('cgroupsPath', 'must be a string')
    x273 = v.get('rootfsPropagation', _M)
    if x273 is not _M:
        if not (isinstance(x273, str)):
            return ('rootfsPropagation', 'must be a string')
        if x273 not in _C11:
            return ('rootfsPropagation', 'must be one of: private, shared, slave, unbindable')
    x274 = v.get('seccomp', _M)
    if x274 is not _M:
        r275 = _d_Seccomp(x274)
        if r275 is not None:
            return (_j('seccomp', r275[0]), r275[1])
    x276 = v.get('sysctl', _M)
    if x276 is not _M:
        r277 = _d_mapStringString(x276)
        if r277 is not None:
            return (_j('sysctl', r277[0]), r277[1])
    x278 = v.get('maskedPaths', _M)
    if x278 is not _M:
        r279 = _d_ArrayOfStrings(x278)
        if r279 is not None:
            return (_j('maskedPaths', r279[0]), r279[1])
    x280 = v.get('readonlyPaths', _M)
    if x280 is not _M:
        r281 = _d_ArrayOfStrings(x280)
        if r281 is not None:
            return (_j('readonlyPaths', r281[0]), r281[1])
    x282 = v.get('mountLabel', _M)
    if x282 is not _M:
        if not (isinstance(x282, str)):
            return ('mountLabel', 'must be a string')
    x283 = v.get('intelRdt', _M)
    if x283 is not _M:
        r284 = _d_IntelRdt(x283)
        if r284 is not None:
            return (_j('intelRdt', r284[0]), r284[1])
    x285 = v.get('personality', _M)
    if x285 is not _M:
        r286 = _d_Personality(x285)
        if r286 is not None:
            return (_j('personality', r286[0]), r286[1])
    x287 = v.get('memoryPolicy', _M)
    if x287 is not _M:
        r288 = _d_MemoryPolicy(x287)
        if r288 is not None:
            return (_j('memoryPolicy', r288[0]), r288[1])
    x289 = v.get('netDevices', _M)
    if x289 is not _M:
        if not (isinstance(x289, dict)):
            return ('netDevices', 'must be an object')
        for k290, x291 in x289.items():
            r292 = _d_NetDevice(x291)
            if r292 is not None:
                return (_j('netDevices.%s' % k290, r292[0]), r292[1])
    return None


_d_Env = _d_ArrayOfStrings


def validate(doc):
    """Return None if `doc` is valid, else (json_path, reason) of the first error."""
    v = doc
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'ociVersion' not in v:
        return ('ociVersion', 'is required')
    x293 = v.get('ociVersion', _M)
    if x293 is not _M:
        if not (isinstance(x293, str)):
            return ('ociVersion', 'must be a string')
        if not _p5(x293):
            return ('ociVersion', 'must match pattern ^1\\.[0-3]\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$')
    x294 = v.get('hooks', _M)
    if x294 is not _M:
        r295 = _d_Hooks(x294)
        if r295 is not None:
            return (_j('hooks', r295[0]), r295[1])
    x296 = v.get('annotations', _M)
    if x296 is not _M:
        r297 = _d_annotations(x296)
        if r297 is not None:
            return (_j('annotations', r297[0]), r297[1])
    x298 = v.get('hostname', _M)
    if x298 is not _M:
        if not (isinstance(x298, str)):
            return ('hostname', 'must be a string')
    x299 = v.get('domainname', _M)
    if x299 is not _M:
        if not (isinstance(x299, str)):
            return ('domainname', 'must be a string')
    x300 = v.get('mounts', _M)
    if x300 is not _M:
        if not (isinstance(x300, list)):
            return ('mounts', 'must be an array')
        for i301, x302 in enumerate(x300):
            r303 = _d_Mount(x302)
            if r303 is not None:
                return (_j('mounts[%d]' % i301, r303[0]), r303[1])
    x304 = v.get('root', _M)
    if x304 is not _M:
        r305 = _d_Root(x304)
        if r305 is not None:
            return (_j('root', r305[0]), r305[1])
    x306 = v.get('process', _M)
    if x306 is not _M:
        r307 = _d_Process(x306)
        if r307 is not None:
            return (_j('process', r307[0]), r307[1])
    x308 = v.get('linux', _M)
    if x308 is not _M:
        r309 = _d_Linux(x308)
        if r309 is not None:
            return (_j('linux', r309[0]), r309[1])
    return None
