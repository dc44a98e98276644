"""The cffi builder (pyproject: cffi_modules = ["build.py:ffibuilder"]).

Builds two things from pyruntime/_native/:
  * the extension pyruntime._native._ext (ext.c): small primitives the Python parent calls;
  * the init program pyruntime/_native/pyruntime-init (main.c, plan.c, sync.c, ns.c, rootfs.c,
    process.c): what a container's processes run from exec until the final execve.
It also regenerates pyruntime/_config_validator.py from schema/config-schema.json.
setuptools imports this module when the distribution is set up, before the package files are
copied, so the init program and the validator land in the wheel as package data.
"""
import os
import shlex
import subprocess
import sys
import sysconfig

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.join(HERE, "pyruntime", "_native")
INIT_SOURCES = ["main.c", "plan.c", "sync.c", "ns.c", "rootfs.c", "process.c", "hooks.c"]
INIT_BINARY = os.path.join(NATIVE, "pyruntime-init")


def build_init(out=INIT_BINARY):
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    srcs = [os.path.join(NATIVE, s) for s in INIT_SOURCES]
    cmd = cc + ["-O2", "-Wall", "-Wextra", "-Wno-unused-result", "-D_FORTIFY_SOURCE=2",
                "-fstack-protector-strong", "-o", out] + srcs
    subprocess.run(cmd, check=True)
    return out


def generate_validator():
    sys.path.insert(0, HERE)
    try:
        from pyruntime.schemagen import generate
    finally:
        sys.path.pop(0)
    generate(os.path.join(HERE, "schema", "config-schema.json"),
             os.path.join(HERE, "pyruntime", "_config_validator.py"))


ffibuilder = FFI()
ffibuilder.cdef("""
    int pyr_set_child_subreaper(void);
    int pyr_setns(int fd, int nstype);
    long pyr_bpf(int cmd, void *attr, unsigned int size);
""")
ffibuilder.set_source("pyruntime._native._ext", '#include "ext.c"', include_dirs=[NATIVE])

if os.path.isdir(NATIVE) and not os.environ.get("PYRUNTIME_SKIP_INIT_BUILD"):
    build_init()
    generate_validator()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
