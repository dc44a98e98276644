"""A ctypes bpf(2) backend for pyruntime.cgroups.devices, for tests only (the runtime uses the native
extension's pyr_bpf). Install with: devices._backend = CtypesBackend()."""
import ctypes
import os
import platform

SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(platform.machine(), 321)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class CtypesBackend:
    def buf(self, data):
        data = bytes(data) or b"\0"
        return ctypes.create_string_buffer(data, len(data))

    def addr(self, b):
        return ctypes.addressof(b)

    def read(self, b, n):
        return ctypes.string_at(ctypes.addressof(b), n)

    def call(self, cmd, attr, size):
        r = _libc.syscall(ctypes.c_long(SYS_BPF), ctypes.c_int(cmd), ctypes.c_void_p(ctypes.addressof(attr)),
                          ctypes.c_uint(size))
        if r < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        return r
