# GENERATED FILE - DO NOT EDIT.
# Written by schema/schemagen.py from schema/config-schema.json;
# regenerate with: /usr/bin/python3 schema/schemagen.py
"""Validator for config.json generated from the JSON Schema (no jsonschema import).

validate(doc) -> None | (json_path, reason): None when valid, else the first error.
"""

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


def _in(prefix, r):
    return (_j(prefix, r[0]), r[1])


def _int(v, lo, hi):
    if not (type(v) is int or _isint(v)):
        return "must be an integer"
    if lo is not None and v < lo:
        return "must be >= %s" % lo
    if hi is not None and v > hi:
        return "must be <= %s" % hi
    return None


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
        import re  # only for patterns the generator could not turn into plain code
        p = _PATTERNS[i] = re.compile(p)
    return p

SCHEMA_SHA256 = '8f7752c23d507be70eaedb37e009507b5ba082a7a9b81d0c43011b8c9b1331a4'
_PATTERNS = ['.{1,}', '^RLIMIT_[A-Z]+$', '^[0-9, -]*$', '^[cbup]$', '^MB:[^\\n]*$']
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
_C11 = frozenset(['private', 'rprivate', 'rshared', 'rslave', 'runbindable', 'shared', 'slave', 'unbindable'])


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
        m7 = _int(x6, 0, 4294967295)
        if m7 is not None:
            return ('[%d]' % i5, m7)
    return None


def _d_ArrayOfStrings(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i8, x9 in enumerate(v):
        if not (isinstance(x9, str)):
            return ('[%d]' % i8, 'must be a string')
    return None


def _d_NonEmptyArrayOfStrings(v):
    if not (isinstance(v, list)):
        return ('', 'must be a non-empty array')
    if len(v) < 1:
        return ('', 'must be a non-empty array')
    for i10, x11 in enumerate(v):
        if not (isinstance(x11, str)):
            return ('[%d]' % i10, 'must be a string')
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
    if 'containerID' in v:
        x12 = v['containerID']
        m13 = _int(x12, 0, 4294967295)
        if m13 is not None:
            return ('containerID', m13)
    if 'hostID' in v:
        x14 = v['hostID']
        m15 = _int(x14, 0, 4294967295)
        if m15 is not None:
            return ('hostID', m15)
    if 'size' in v:
        x16 = v['size']
        m17 = _int(x16, 0, 4294967295)
        if m17 is not None:
            return ('size', m17)
    return None


def _d_ArrayOfIDMappings(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i18, x19 in enumerate(v):
        r20 = _d_IDMapping(x19)
        if r20 is not None:
            return _in('[%d]' % i18, r20)
    return None


def _d_Mount(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'destination' not in v:
        return ('destination', 'is required')
    if 'source' in v:
        x21 = v['source']
        if not (isinstance(x21, str)):
            return ('source', 'must be a string')
    if 'destination' in v:
        x22 = v['destination']
        if not (isinstance(x22, str)):
            return ('destination', 'must be a string')
    if 'options' in v:
        x23 = v['options']
        r24 = _d_ArrayOfStrings(x23)
        if r24 is not None:
            return _in('options', r24)
    if 'type' in v:
        x25 = v['type']
        if not (isinstance(x25, str)):
            return ('type', 'must be a string')
    if 'uidMappings' in v:
        x26 = v['uidMappings']
        r27 = _d_ArrayOfIDMappings(x26)
        if r27 is not None:
            return _in('uidMappings', r27)
    if 'gidMappings' in v:
        x28 = v['gidMappings']
        r29 = _d_ArrayOfIDMappings(x28)
        if r29 is not None:
            return _in('gidMappings', r29)
    return None


def _d_Hook(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'path' not in v:
        return ('path', 'is required')
    if 'path' in v:
        x30 = v['path']
        if not (isinstance(x30, str)):
            return ('path', 'must be a string')
    if 'args' in v:
        x31 = v['args']
        r32 = _d_ArrayOfStrings(x31)
        if r32 is not None:
            return _in('args', r32)
    if 'env' in v:
        x33 = v['env']
        r34 = _d_Env(x33)
        if r34 is not None:
            return _in('env', r34)
    if 'timeout' in v:
        x35 = v['timeout']
        m36 = _int(x35, 1, None)
        if m36 is not None:
            return ('timeout', m36)
    return None


def _d_ArrayOfHooks(v):
    if not (isinstance(v, list)):
        return ('', 'must be an array')
    for i37, x38 in enumerate(v):
        r39 = _d_Hook(x38)
        if r39 is not None:
            return _in('[%d]' % i37, r39)
    return None


def _d_Root(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'path' not in v:
        return ('path', 'is required')
    if 'path' in v:
        x40 = v['path']
        if not (isinstance(x40, str)):
            return ('path', 'must be a string')
    if 'readonly' in v:
        x41 = v['readonly']
        if not ((x41 is True or x41 is False)):
            return ('readonly', 'must be a boolean')
    return None


def _d_Hooks(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'prestart' in v:
        x42 = v['prestart']
        r43 = _d_ArrayOfHooks(x42)
        if r43 is not None:
            return _in('prestart', r43)
    if 'createRuntime' in v:
        x44 = v['createRuntime']
        r45 = _d_ArrayOfHooks(x44)
        if r45 is not None:
            return _in('createRuntime', r45)
    if 'createContainer' in v:
        x46 = v['createContainer']
        r47 = _d_ArrayOfHooks(x46)
        if r47 is not None:
            return _in('createContainer', r47)
    if 'startContainer' in v:
        x48 = v['startContainer']
        r49 = _d_ArrayOfHooks(x48)
        if r49 is not None:
            return _in('startContainer', r49)
    if 'poststart' in v:
        x50 = v['poststart']
        r51 = _d_ArrayOfHooks(x50)
        if r51 is not None:
            return _in('poststart', r51)
    if 'poststop' in v:
        x52 = v['poststop']
        r53 = _d_ArrayOfHooks(x52)
        if r53 is not None:
            return _in('poststop', r53)
    return None


def _d_ConsoleSize(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'height' not in v:
        return ('height', 'is required')
    if 'width' not in v:
        return ('width', 'is required')
    if 'height' in v:
        x54 = v['height']
        m55 = _int(x54, 0, 18446744073709551615)
        if m55 is not None:
            return ('height', m55)
    if 'width' in v:
        x56 = v['width']
        m57 = _int(x56, 0, 18446744073709551615)
        if m57 is not None:
            return ('width', m57)
    return None


def _d_User(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'uid' in v:
        x58 = v['uid']
        m59 = _int(x58, 0, 4294967295)
        if m59 is not None:
            return ('uid', m59)
    if 'gid' in v:
        x60 = v['gid']
        m61 = _int(x60, 0, 4294967295)
        if m61 is not None:
            return ('gid', m61)
    if 'umask' in v:
        x62 = v['umask']
        m63 = _int(x62, 0, 4294967295)
        if m63 is not None:
            return ('umask', m63)
    if 'additionalGids' in v:
        x64 = v['additionalGids']
        r65 = _d_ArrayOfGIDs(x64)
        if r65 is not None:
            return _in('additionalGids', r65)
    if 'username' in v:
        x66 = v['username']
        if not (isinstance(x66, str)):
            return ('username', 'must be a string')
    return None


def _d_Capabilities(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'bounding' in v:
        x67 = v['bounding']
        r68 = _d_ArrayOfStrings(x67)
        if r68 is not None:
            return _in('bounding', r68)
    if 'permitted' in v:
        x69 = v['permitted']
        r70 = _d_ArrayOfStrings(x69)
        if r70 is not None:
            return _in('permitted', r70)
    if 'effective' in v:
        x71 = v['effective']
        r72 = _d_ArrayOfStrings(x71)
        if r72 is not None:
            return _in('effective', r72)
    if 'inheritable' in v:
        x73 = v['inheritable']
        r74 = _d_ArrayOfStrings(x73)
        if r74 is not None:
            return _in('inheritable', r74)
    if 'ambient' in v:
        x75 = v['ambient']
        r76 = _d_ArrayOfStrings(x75)
        if r76 is not None:
            return _in('ambient', r76)
    return None


def _d_IOPriority(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'class' not in v:
        return ('class', 'is required')
    if 'class' in v:
        x77 = v['class']
        if not (isinstance(x77, str)):
            return ('class', 'must be a string')
        if x77 not in _C0:
            return ('class', 'must be one of: IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE')
    if 'priority' in v:
        x78 = v['priority']
        m79 = _int(x78, -2147483648, 2147483647)
        if m79 is not None:
            return ('priority', m79)
    return None


def _d_Scheduler(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'policy' not in v:
        return ('policy', 'is required')
    if 'policy' in v:
        x80 = v['policy']
        if not (isinstance(x80, str)):
            return ('policy', 'must be a string')
        if x80 not in _C1:
            return ('policy', 'must be one of: SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE')
    if 'nice' in v:
        x81 = v['nice']
        m82 = _int(x81, -2147483648, 2147483647)
        if m82 is not None:
            return ('nice', m82)
    if 'priority' in v:
        x83 = v['priority']
        m84 = _int(x83, -2147483648, 2147483647)
        if m84 is not None:
            return ('priority', m84)
    if 'flags' in v:
        x85 = v['flags']
        if not (isinstance(x85, list)):
            return ('flags', 'must be an array')
        for i86, x87 in enumerate(x85):
            if not (isinstance(x87, str)):
                return ('flags[%d]' % i86, 'must be a string')
            if x87 not in _C2:
                return ('flags[%d]' % i86, 'must be one of: SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX')
    if 'runtime' in v:
        x88 = v['runtime']
        m89 = _int(x88, 0, 18446744073709551615)
        if m89 is not None:
            return ('runtime', m89)
    if 'deadline' in v:
        x90 = v['deadline']
        m91 = _int(x90, 0, 18446744073709551615)
        if m91 is not None:
            return ('deadline', m91)
    if 'period' in v:
        x92 = v['period']
        m93 = _int(x92, 0, 18446744073709551615)
        if m93 is not None:
            return ('period', m93)
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
    if 'type' in v:
        x94 = v['type']
        if not (isinstance(x94, str)):
            return ('type', 'must be a string')
        if not _p1(x94):
            return ('type', 'must match pattern ^RLIMIT_[A-Z]+$')
    if 'soft' in v:
        x95 = v['soft']
        m96 = _int(x95, 0, 18446744073709551615)
        if m96 is not None:
            return ('soft', m96)
    if 'hard' in v:
        x97 = v['hard']
        m98 = _int(x97, 0, 18446744073709551615)
        if m98 is not None:
            return ('hard', m98)
    return None


def _d_ExecCPUAffinity(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'initial' in v:
        x99 = v['initial']
        if not (isinstance(x99, str)):
            return ('initial', 'must be a string')
        if not _p2(x99):
            return ('initial', 'must match pattern ^[0-9, -]*$')
    if 'final' in v:
        x100 = v['final']
        if not (isinstance(x100, str)):
            return ('final', 'must be a string')
        if not _p2(x100):
            return ('final', 'must match pattern ^[0-9, -]*$')
    return None


def _d_Process(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'cwd' not in v:
        return ('cwd', 'is required')
    if 'args' not in v:
        return ('args', 'is required')
    if 'terminal' in v:
        x101 = v['terminal']
        if not ((x101 is True or x101 is False)):
            return ('terminal', 'must be a boolean')
    if 'consoleSize' in v:
        x102 = v['consoleSize']
        r103 = _d_ConsoleSize(x102)
        if r103 is not None:
            return _in('consoleSize', r103)
    if 'user' in v:
        x104 = v['user']
        r105 = _d_User(x104)
        if r105 is not None:
            return _in('user', r105)
    if 'args' in v:
        x106 = v['args']
        r107 = _d_NonEmptyArrayOfStrings(x106)
        if r107 is not None:
            return _in('args', r107)
    if 'commandLine' in v:
        x108 = v['commandLine']
        if not (isinstance(x108, str)):
            return ('commandLine', 'must be a string')
    if 'env' in v:
        x109 = v['env']
        r110 = _d_Env(x109)
        if r110 is not None:
            return _in('env', r110)
    if 'cwd' in v:
        x111 = v['cwd']
        if not (isinstance(x111, str)):
            return ('cwd', 'must be a string')
    if 'capabilities' in v:
        x112 = v['capabilities']
        r113 = _d_Capabilities(x112)
        if r113 is not None:
            return _in('capabilities', r113)
    if 'rlimits' in v:
        x114 = v['rlimits']
        if not (isinstance(x114, list)):
            return ('rlimits', 'must be an array')
        for i115, x116 in enumerate(x114):
            r117 = _d_Rlimit(x116)
            if r117 is not None:
                return _in('rlimits[%d]' % i115, r117)
    if 'apparmorProfile' in v:
        x118 = v['apparmorProfile']
        if not (isinstance(x118, str)):
            return ('apparmorProfile', 'must be a string')
    if 'oomScoreAdj' in v:
        x119 = v['oomScoreAdj']
        m120 = _int(x119, None, None)
        if m120 is not None:
            return ('oomScoreAdj', m120)
    if 'selinuxLabel' in v:
        x121 = v['selinuxLabel']
        if not (isinstance(x121, str)):
            return ('selinuxLabel', 'must be a string')
    if 'ioPriority' in v:
        x122 = v['ioPriority']
        r123 = _d_IOPriority(x122)
        if r123 is not None:
            return _in('ioPriority', r123)
    if 'noNewPrivileges' in v:
        x124 = v['noNewPrivileges']
        if not ((x124 is True or x124 is False)):
            return ('noNewPrivileges', 'must be a boolean')
    if 'scheduler' in v:
        x125 = v['scheduler']
        r126 = _d_Scheduler(x125)
        if r126 is not None:
            return _in('scheduler', r126)
    if 'execCPUAffinity' in v:
        x127 = v['execCPUAffinity']
        r128 = _d_ExecCPUAffinity(x127)
        if r128 is not None:
            return _in('execCPUAffinity', r128)
    return None


def _d_NamespaceReference(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'type' not in v:
        return ('type', 'is required')
    if 'type' in v:
        x129 = v['type']
        if not (isinstance(x129, str)):
            return ('type', 'must be a string')
        if x129 not in _C3:
            return ('type', 'must be one of: pid, network, mount, ipc, uts, user, cgroup, time')
    if 'path' in v:
        x130 = v['path']
        if not (isinstance(x130, str)):
            return ('path', 'must be a string')
    return None


def _d_TimeOffset(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'secs' in v:
        x131 = v['secs']
        m132 = _int(x131, -9223372036854775808, 9223372036854775807)
        if m132 is not None:
            return ('secs', m132)
    if 'nanosecs' in v:
        x133 = v['nanosecs']
        m134 = _int(x133, 0, 4294967295)
        if m134 is not None:
            return ('nanosecs', m134)
    return None


def _d_TimeOffsets(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'boottime' in v:
        x135 = v['boottime']
        r136 = _d_TimeOffset(x135)
        if r136 is not None:
            return _in('boottime', r136)
    if 'monotonic' in v:
        x137 = v['monotonic']
        r138 = _d_TimeOffset(x137)
        if r138 is not None:
            return _in('monotonic', r138)
    return None


def _d_Device(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'type' not in v:
        return ('type', 'is required')
    if 'path' not in v:
        return ('path', 'is required')
    if 'type' in v:
        x139 = v['type']
        if not (isinstance(x139, str)):
            return ('type', 'must be a string')
        if not _p3(x139):
            return ('type', 'must match pattern ^[cbup]$')
    if 'path' in v:
        x140 = v['path']
        if not (isinstance(x140, str)):
            return ('path', 'must be a string')
    if 'fileMode' in v:
        x141 = v['fileMode']
        m142 = _int(x141, 0, 512)
        if m142 is not None:
            return ('fileMode', m142)
    if 'major' in v:
        x143 = v['major']
        m144 = _int(x143, -9223372036854775808, 9223372036854775807)
        if m144 is not None:
            return ('major', m144)
    if 'minor' in v:
        x145 = v['minor']
        m146 = _int(x145, -9223372036854775808, 9223372036854775807)
        if m146 is not None:
            return ('minor', m146)
    if 'uid' in v:
        x147 = v['uid']
        m148 = _int(x147, 0, 4294967295)
        if m148 is not None:
            return ('uid', m148)
    if 'gid' in v:
        x149 = v['gid']
        m150 = _int(x149, 0, 4294967295)
        if m150 is not None:
            return ('gid', m150)
    return None


def _d_DeviceCgroup(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'allow' not in v:
        return ('allow', 'is required')
    if 'allow' in v:
        x151 = v['allow']
        if not ((x151 is True or x151 is False)):
            return ('allow', 'must be a boolean')
    if 'type' in v:
        x152 = v['type']
        if not (isinstance(x152, str)):
            return ('type', 'must be a string')
    if 'major' in v:
        x153 = v['major']
        m154 = _int(x153, -9223372036854775808, 9223372036854775807)
        if m154 is not None:
            return ('major', m154)
    if 'minor' in v:
        x155 = v['minor']
        m156 = _int(x155, -9223372036854775808, 9223372036854775807)
        if m156 is not None:
            return ('minor', m156)
    if 'access' in v:
        x157 = v['access']
        if not (isinstance(x157, str)):
            return ('access', 'must be a string')
    return None


def _d_blockIODeviceWeight(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'major' not in v:
        return ('major', 'is required')
    if 'minor' not in v:
        return ('minor', 'is required')
    if 'major' in v:
        x158 = v['major']
        m159 = _int(x158, -9223372036854775808, 9223372036854775807)
        if m159 is not None:
            return ('major', m159)
    if 'minor' in v:
        x160 = v['minor']
        m161 = _int(x160, -9223372036854775808, 9223372036854775807)
        if m161 is not None:
            return ('minor', m161)
    if 'weight' in v:
        x162 = v['weight']
        m163 = _int(x162, 0, 65535)
        if m163 is not None:
            return ('weight', m163)
    if 'leafWeight' in v:
        x164 = v['leafWeight']
        m165 = _int(x164, 0, 65535)
        if m165 is not None:
            return ('leafWeight', m165)
    return None


def _d_blockIODeviceThrottle(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'major' not in v:
        return ('major', 'is required')
    if 'minor' not in v:
        return ('minor', 'is required')
    if 'major' in v:
        x166 = v['major']
        m167 = _int(x166, -9223372036854775808, 9223372036854775807)
        if m167 is not None:
            return ('major', m167)
    if 'minor' in v:
        x168 = v['minor']
        m169 = _int(x168, -9223372036854775808, 9223372036854775807)
        if m169 is not None:
            return ('minor', m169)
    if 'rate' in v:
        x170 = v['rate']
        m171 = _int(x170, 0, 18446744073709551615)
        if m171 is not None:
            return ('rate', m171)
    return None


def _d_BlockIO(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'weight' in v:
        x172 = v['weight']
        m173 = _int(x172, 0, 65535)
        if m173 is not None:
            return ('weight', m173)
    if 'leafWeight' in v:
        x174 = v['leafWeight']
        m175 = _int(x174, 0, 65535)
        if m175 is not None:
            return ('leafWeight', m175)
    if 'weightDevice' in v:
        x176 = v['weightDevice']
        if not (isinstance(x176, list)):
            return ('weightDevice', 'must be an array')
        for i177, x178 in enumerate(x176):
            r179 = _d_blockIODeviceWeight(x178)
            if r179 is not None:
                return _in('weightDevice[%d]' % i177, r179)
    if 'throttleReadBpsDevice' in v:
        x180 = v['throttleReadBpsDevice']
        if not (isinstance(x180, list)):
            return ('throttleReadBpsDevice', 'must be an array')
        for i181, x182 in enumerate(x180):
            r183 = _d_blockIODeviceThrottle(x182)
            if r183 is not None:
                return _in('throttleReadBpsDevice[%d]' % i181, r183)
    if 'throttleWriteBpsDevice' in v:
        x184 = v['throttleWriteBpsDevice']
        if not (isinstance(x184, list)):
            return ('throttleWriteBpsDevice', 'must be an array')
        for i185, x186 in enumerate(x184):
            r187 = _d_blockIODeviceThrottle(x186)
            if r187 is not None:
                return _in('throttleWriteBpsDevice[%d]' % i185, r187)
    if 'throttleReadIOPSDevice' in v:
        x188 = v['throttleReadIOPSDevice']
        if not (isinstance(x188, list)):
            return ('throttleReadIOPSDevice', 'must be an array')
        for i189, x190 in enumerate(x188):
            r191 = _d_blockIODeviceThrottle(x190)
            if r191 is not None:
                return _in('throttleReadIOPSDevice[%d]' % i189, r191)
    if 'throttleWriteIOPSDevice' in v:
        x192 = v['throttleWriteIOPSDevice']
        if not (isinstance(x192, list)):
            return ('throttleWriteIOPSDevice', 'must be an array')
        for i193, x194 in enumerate(x192):
            r195 = _d_blockIODeviceThrottle(x194)
            if r195 is not None:
                return _in('throttleWriteIOPSDevice[%d]' % i193, r195)
    return None


def _d_CPU(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'cpus' in v:
        x196 = v['cpus']
        if not (isinstance(x196, str)):
            return ('cpus', 'must be a string')
    if 'mems' in v:
        x197 = v['mems']
        if not (isinstance(x197, str)):
            return ('mems', 'must be a string')
    if 'period' in v:
        x198 = v['period']
        m199 = _int(x198, 0, 18446744073709551615)
        if m199 is not None:
            return ('period', m199)
    if 'quota' in v:
        x200 = v['quota']
        m201 = _int(x200, -9223372036854775808, 9223372036854775807)
        if m201 is not None:
            return ('quota', m201)
    if 'burst' in v:
        x202 = v['burst']
        m203 = _int(x202, 0, 18446744073709551615)
        if m203 is not None:
            return ('burst', m203)
    if 'realtimePeriod' in v:
        x204 = v['realtimePeriod']
        m205 = _int(x204, 0, 18446744073709551615)
        if m205 is not None:
            return ('realtimePeriod', m205)
    if 'realtimeRuntime' in v:
        x206 = v['realtimeRuntime']
        m207 = _int(x206, -9223372036854775808, 9223372036854775807)
        if m207 is not None:
            return ('realtimeRuntime', m207)
    if 'shares' in v:
        x208 = v['shares']
        m209 = _int(x208, 0, 18446744073709551615)
        if m209 is not None:
            return ('shares', m209)
    if 'idle' in v:
        x210 = v['idle']
        m211 = _int(x210, -9223372036854775808, 9223372036854775807)
        if m211 is not None:
            return ('idle', m211)
    return None


def _d_HugepageLimit(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'pageSize' not in v:
        return ('pageSize', 'is required')
    if 'limit' not in v:
        return ('limit', 'is required')
    if 'pageSize' in v:
        x212 = v['pageSize']
        if not (isinstance(x212, str)):
            return ('pageSize', 'must be a string')
    if 'limit' in v:
        x213 = v['limit']
        m214 = _int(x213, 0, 18446744073709551615)
        if m214 is not None:
            return ('limit', m214)
    return None


def _d_Memory(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'kernel' in v:
        x215 = v['kernel']
        m216 = _int(x215, -9223372036854775808, 9223372036854775807)
        if m216 is not None:
            return ('kernel', m216)
    if 'kernelTCP' in v:
        x217 = v['kernelTCP']
        m218 = _int(x217, -9223372036854775808, 9223372036854775807)
        if m218 is not None:
            return ('kernelTCP', m218)
    if 'limit' in v:
        x219 = v['limit']
        m220 = _int(x219, -9223372036854775808, 9223372036854775807)
        if m220 is not None:
            return ('limit', m220)
    if 'reservation' in v:
        x221 = v['reservation']
        m222 = _int(x221, -9223372036854775808, 9223372036854775807)
        if m222 is not None:
            return ('reservation', m222)
    if 'swap' in v:
        x223 = v['swap']
        m224 = _int(x223, -9223372036854775808, 9223372036854775807)
        if m224 is not None:
            return ('swap', m224)
    if 'swappiness' in v:
        x225 = v['swappiness']
        m226 = _int(x225, 0, 18446744073709551615)
        if m226 is not None:
            return ('swappiness', m226)
    if 'disableOOMKiller' in v:
        x227 = v['disableOOMKiller']
        if not ((x227 is True or x227 is False)):
            return ('disableOOMKiller', 'must be a boolean')
    if 'useHierarchy' in v:
        x228 = v['useHierarchy']
        if not ((x228 is True or x228 is False)):
            return ('useHierarchy', 'must be a boolean')
    if 'checkBeforeUpdate' in v:
        x229 = v['checkBeforeUpdate']
        if not ((x229 is True or x229 is False)):
            return ('checkBeforeUpdate', 'must be a boolean')
    return None


def _d_NetworkInterfacePriority(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'name' not in v:
        return ('name', 'is required')
    if 'priority' not in v:
        return ('priority', 'is required')
    if 'name' in v:
        x230 = v['name']
        if not (isinstance(x230, str)):
            return ('name', 'must be a string')
    if 'priority' in v:
        x231 = v['priority']
        m232 = _int(x231, 0, 4294967295)
        if m232 is not None:
            return ('priority', m232)
    return None


def _d_Network(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'classID' in v:
        x233 = v['classID']
        m234 = _int(x233, 0, 4294967295)
        if m234 is not None:
            return ('classID', m234)
    if 'priorities' in v:
        x235 = v['priorities']
        if not (isinstance(x235, list)):
            return ('priorities', 'must be an array')
        for i236, x237 in enumerate(x235):
            r238 = _d_NetworkInterfacePriority(x237)
            if r238 is not None:
                return _in('priorities[%d]' % i236, r238)
    return None


def _d_Pids(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'limit' in v:
        x239 = v['limit']
        m240 = _int(x239, -9223372036854775808, 9223372036854775807)
        if m240 is not None:
            return ('limit', m240)
    return None


def _d_Rdma(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'hcaHandles' in v:
        x241 = v['hcaHandles']
        m242 = _int(x241, 0, 4294967295)
        if m242 is not None:
            return ('hcaHandles', m242)
    if 'hcaObjects' in v:
        x243 = v['hcaObjects']
        m244 = _int(x243, 0, 4294967295)
        if m244 is not None:
            return ('hcaObjects', m244)
    return None


def _d_Resources(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'devices' in v:
        x245 = v['devices']
        if not (isinstance(x245, list)):
            return ('devices', 'must be an array')
        for i246, x247 in enumerate(x245):
            r248 = _d_DeviceCgroup(x247)
            if r248 is not None:
                return _in('devices[%d]' % i246, r248)
    if 'pids' in v:
        x249 = v['pids']
        r250 = _d_Pids(x249)
        if r250 is not None:
            return _in('pids', r250)
    if 'blockIO' in v:
        x251 = v['blockIO']
        r252 = _d_BlockIO(x251)
        if r252 is not None:
            return _in('blockIO', r252)
    if 'cpu' in v:
        x253 = v['cpu']
        r254 = _d_CPU(x253)
        if r254 is not None:
            return _in('cpu', r254)
    if 'hugepageLimits' in v:
        x255 = v['hugepageLimits']
        if not (isinstance(x255, list)):
            return ('hugepageLimits', 'must be an array')
        for i256, x257 in enumerate(x255):
            r258 = _d_HugepageLimit(x257)
            if r258 is not None:
                return _in('hugepageLimits[%d]' % i256, r258)
    if 'memory' in v:
        x259 = v['memory']
        r260 = _d_Memory(x259)
        if r260 is not None:
            return _in('memory', r260)
    if 'network' in v:
        x261 = v['network']
        r262 = _d_Network(x261)
        if r262 is not None:
            return _in('network', r262)
    if 'rdma' in v:
        x263 = v['rdma']
        if not (isinstance(x263, dict)):
            return ('rdma', 'must be an object')
        for k264, x265 in x263.items():
            r266 = _d_Rdma(x265)
            if r266 is not None:
                return _in('rdma.%s' % k264, r266)
    if 'unified' in v:
        x267 = v['unified']
        r268 = _d_mapStringString(x267)
        if r268 is not None:
            return _in('unified', r268)
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
    if 'index' in v:
        x269 = v['index']
        m270 = _int(x269, 0, 4294967295)
        if m270 is not None:
            return ('index', m270)
    if 'value' in v:
        x271 = v['value']
        m272 = _int(x271, 0, 18446744073709551615)
        if m272 is not None:
            return ('value', m272)
    if 'valueTwo' in v:
        x273 = v['valueTwo']
        m274 = _int(x273, 0, 18446744073709551615)
        if m274 is not None:
            return ('valueTwo', m274)
    if 'op' in v:
        x275 = v['op']
        if not (isinstance(x275, str)):
            return ('op', 'must be a string')
        if x275 not in _C4:
            return ('op', 'must be one of: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ')
    return None


def _d_Syscall(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'names' not in v:
        return ('names', 'is required')
    if 'action' not in v:
        return ('action', 'is required')
    if 'names' in v:
        x276 = v['names']
        r277 = _d_NonEmptyArrayOfStrings(x276)
        if r277 is not None:
            return _in('names', r277)
    if 'action' in v:
        x278 = v['action']
        if not (isinstance(x278, str)):
            return ('action', 'must be a string')
        if x278 not in _C5:
            return ('action', 'must be one of: SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY')
    if 'errnoRet' in v:
        x279 = v['errnoRet']
        m280 = _int(x279, 0, 4294967295)
        if m280 is not None:
            return ('errnoRet', m280)
    if 'args' in v:
        x281 = v['args']
        if not (isinstance(x281, list)):
            return ('args', 'must be an array')
        for i282, x283 in enumerate(x281):
            r284 = _d_SyscallArg(x283)
            if r284 is not None:
                return _in('args[%d]' % i282, r284)
    return None


def _d_Seccomp(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'defaultAction' not in v:
        return ('defaultAction', 'is required')
    if 'defaultAction' in v:
        x285 = v['defaultAction']
        if not (isinstance(x285, str)):
            return ('defaultAction', 'must be a string')
        if x285 not in _C5:
            return ('defaultAction', 'must be one of: SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY')
    if 'defaultErrnoRet' in v:
        x286 = v['defaultErrnoRet']
        m287 = _int(x286, 0, 4294967295)
        if m287 is not None:
            return ('defaultErrnoRet', m287)
    if 'flags' in v:
        x288 = v['flags']
        if not (isinstance(x288, list)):
            return ('flags', 'must be an array')
        for i289, x290 in enumerate(x288):
            if not (isinstance(x290, str)):
                return ('flags[%d]' % i289, 'must be a string')
            if x290 not in _C6:
                return ('flags[%d]' % i289, 'must be one of: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV')
    if 'listenerPath' in v:
        x291 = v['listenerPath']
        if not (isinstance(x291, str)):
            return ('listenerPath', 'must be a string')
    if 'listenerMetadata' in v:
        x292 = v['listenerMetadata']
        if not (isinstance(x292, str)):
            return ('listenerMetadata', 'must be a string')
    if 'architectures' in v:
        x293 = v['architectures']
        if not (isinstance(x293, list)):
            return ('architectures', 'must be an array')
        for i294, x295 in enumerate(x293):
            if not (isinstance(x295, str)):
                return ('architectures[%d]' % i294, 'must be a string')
            if x295 not in _C7:
                return ('architectures[%d]' % i294, 'must be one of: SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64')
    if 'syscalls' in v:
        x296 = v['syscalls']
        if not (isinstance(x296, list)):
            return ('syscalls', 'must be an array')
        for i297, x298 in enumerate(x296):
            r299 = _d_Syscall(x298)
            if r299 is not None:
                return _in('syscalls[%d]' % i297, r299)
    return None


def _d_IntelRdt(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'closID' in v:
        x300 = v['closID']
        if not (isinstance(x300, str)):
            return ('closID', 'must be a string')
    if 'l3CacheSchema' in v:
        x301 = v['l3CacheSchema']
        if not (isinstance(x301, str)):
            return ('l3CacheSchema', 'must be a string')
    if 'memBwSchema' in v:
        x302 = v['memBwSchema']
        if not (isinstance(x302, str)):
            return ('memBwSchema', 'must be a string')
        if not _p4(x302):
            return ('memBwSchema', 'must match pattern ^MB:[^\\n]*$')
    if 'schemata' in v:
        x303 = v['schemata']
        r304 = _d_ArrayOfStrings(x303)
        if r304 is not None:
            return _in('schemata', r304)
    if 'enableMonitoring' in v:
        x305 = v['enableMonitoring']
        if not ((x305 is True or x305 is False)):
            return ('enableMonitoring', 'must be a boolean')
    if 'enableCMT' in v:
        x306 = v['enableCMT']
        if not ((x306 is True or x306 is False)):
            return ('enableCMT', 'must be a boolean')
    if 'enableMBM' in v:
        x307 = v['enableMBM']
        if not ((x307 is True or x307 is False)):
            return ('enableMBM', 'must be a boolean')
    return None


def _d_Personality(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'domain' in v:
        x308 = v['domain']
        if not (isinstance(x308, str)):
            return ('domain', 'must be a string')
        if x308 not in _C8:
            return ('domain', 'must be one of: LINUX, LINUX32')
    if 'flags' in v:
        x309 = v['flags']
        r310 = _d_ArrayOfStrings(x309)
        if r310 is not None:
            return _in('flags', r310)
    return None


def _d_MemoryPolicy(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'mode' not in v:
        return ('mode', 'is required')
    if 'mode' in v:
        x311 = v['mode']
        if not (isinstance(x311, str)):
            return ('mode', 'must be a string')
        if x311 not in _C9:
            return ('mode', 'must be one of: MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL')
    if 'nodes' in v:
        x312 = v['nodes']
        if not (isinstance(x312, str)):
            return ('nodes', 'must be a string')
    if 'flags' in v:
        x313 = v['flags']
        if not (isinstance(x313, list)):
            return ('flags', 'must be an array')
        for i314, x315 in enumerate(x313):
            if not (isinstance(x315, str)):
                return ('flags[%d]' % i314, 'must be a string')
            if x315 not in _C10:
                return ('flags[%d]' % i314, 'must be one of: MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES')
    return None


def _d_NetDevice(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'name' in v:
        x316 = v['name']
        if not (isinstance(x316, str)):
            return ('name', 'must be a string')
    return None


def _d_Linux(v):
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'devices' in v:
        x317 = v['devices']
        if not (isinstance(x317, list)):
            return ('devices', 'must be an array')
        for i318, x319 in enumerate(x317):
            r320 = _d_Device(x319)
            if r320 is not None:
                return _in('devices[%d]' % i318, r320)
    if 'uidMappings' in v:
        x321 = v['uidMappings']
        r322 = _d_ArrayOfIDMappings(x321)
        if r322 is not None:
            return _in('uidMappings', r322)
    if 'gidMappings' in v:
        x323 = v['gidMappings']
        r324 = _d_ArrayOfIDMappings(x323)
        if r324 is not None:
            return _in('gidMappings', r324)
    if 'namespaces' in v:
        x325 = v['namespaces']
        if not (isinstance(x325, list)):
            return ('namespaces', 'must be an array')
        for i326, x327 in enumerate(x325):
            r328 = _d_NamespaceReference(x327)
            if r328 is not None:
                return _in('namespaces[%d]' % i326, r328)
    if 'timeOffsets' in v:
        x329 = v['timeOffsets']
        r330 = _d_TimeOffsets(x329)
        if r330 is not None:
            return _in('timeOffsets', r330)
    if 'resources' in v:
        x331 = v['resources']
        r332 = _d_Resources(x331)
        if r332 is not None:
            return _in('resources', r332)
    if 'cgroupsPath' in v:
        x333 = v['cgroupsPath']
        if not (isinstance(x333, str)):
            return ('cgroupsPath', 'must be a string')
    if 'rootfsPropagation' in v:
        x334 = v['rootfsPropagation']
        if not (isinstance(x334, str)):
            return ('rootfsPropagation', 'must be a string')
        if x334 not in _C11:
            return ('rootfsPropagation', 'must be one of: private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable')
    if 'seccomp' in v:
        x335 = v['seccomp']
        r336 = _d_Seccomp(x335)
        if r336 is not None:
            return _in('seccomp', r336)
    if 'sysctl' in v:
        x337 = v['sysctl']
        r338 = _d_mapStringString(x337)
        if r338 is not None:
            return _in('sysctl', r338)
    if 'maskedPaths' in v:
        x339 = v['maskedPaths']
        r340 = _d_ArrayOfStrings(x339)
        if r340 is not None:
            return _in('maskedPaths', r340)
    if 'readonlyPaths' in v:
        x341 = v['readonlyPaths']
        r342 = _d_ArrayOfStrings(x341)
        if r342 is not None:
            return _in('readonlyPaths', r342)
    if 'mountLabel' in v:
        x343 = v['mountLabel']
        if not (isinstance(x343, str)):
            return ('mountLabel', 'must be a string')
    if 'intelRdt' in v:
        x344 = v['intelRdt']
        r345 = _d_IntelRdt(x344)
        if r345 is not None:
            return _in('intelRdt', r345)
    if 'personality' in v:
        x346 = v['personality']
        r347 = _d_Personality(x346)
        if r347 is not None:
            return _in('personality', r347)
    if 'memoryPolicy' in v:
        x348 = v['memoryPolicy']
        r349 = _d_MemoryPolicy(x348)
        if r349 is not None:
            return _in('memoryPolicy', r349)
    if 'netDevices' in v:
        x350 = v['netDevices']
        if not (isinstance(x350, dict)):
            return ('netDevices', 'must be an object')
        for k351, x352 in x350.items():
            r353 = _d_NetDevice(x352)
            if r353 is not None:
                return _in('netDevices.%s' % k351, r353)
    return None


_d_Env = _d_ArrayOfStrings


def validate(doc):
    """Return None if `doc` is valid, else (json_path, reason) of the first error."""
    v = doc
    if not (isinstance(v, dict)):
        return ('', 'must be an object')
    if 'ociVersion' in v:
        x354 = v['ociVersion']
        if not (isinstance(x354, str)):
            return ('ociVersion', 'must be a string')
    if 'hooks' in v:
        x355 = v['hooks']
        r356 = _d_Hooks(x355)
        if r356 is not None:
            return _in('hooks', r356)
    if 'annotations' in v:
        x357 = v['annotations']
        r358 = _d_annotations(x357)
        if r358 is not None:
            return _in('annotations', r358)
    if 'hostname' in v:
        x359 = v['hostname']
        if not (isinstance(x359, str)):
            return ('hostname', 'must be a string')
    if 'domainname' in v:
        x360 = v['domainname']
        if not (isinstance(x360, str)):
            return ('domainname', 'must be a string')
    if 'mounts' in v:
        x361 = v['mounts']
        if not (isinstance(x361, list)):
            return ('mounts', 'must be an array')
        for i362, x363 in enumerate(x361):
            r364 = _d_Mount(x363)
            if r364 is not None:
                return _in('mounts[%d]' % i362, r364)
    if 'root' in v:
        x365 = v['root']
        r366 = _d_Root(x365)
        if r366 is not None:
            return _in('root', r366)
    if 'process' in v:
        x367 = v['process']
        r368 = _d_Process(x367)
        if r368 is not None:
            return _in('process', r368)
    if 'linux' in v:
        x369 = v['linux']
        r370 = _d_Linux(x369)
        if r370 is not None:
            return _in('linux', r370)
    return None


def validate_process(doc):
    """The Process definition alone (process.json of `exec -p`); the path is relative to it."""
    return _d_Process(doc)
