"""The cffi builder (pyproject: cffi_modules = ["build.py:ffibuilder"]).

Builds two things from pyruntime/_native/:
  * the extension pyruntime._native._ext (ext.c): small primitives the Python parent calls;
  * the init program pyruntime/_native/pyruntime-init (main.c, plan.c, sync.c, ns.c, rootfs.c,
    process.c, hooks.c, keyring.c): what a container's processes run from exec until the final execve.
It first regenerates the Python/C contract (pyruntime/_native/contract.py ->
pyruntime/_native/contract.h and pyruntime/_contract.py: both committed, rewritten only when the
table changed), and pyruntime/_config_validator.py from schema/config-schema.json.
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
INIT_SOURCES = ["main.c", "plan.c", "sync.c", "cgroup.c", "ns.c", "rootfs.c", "process.c", "hooks.c", "lsm.c",
                "passwd.c", "keyring.c"]
INIT_BINARY = os.path.join(NATIVE, "pyruntime-init")


def generate_contract():
    sys.path.insert(0, NATIVE)
    try:
        import contract
    finally:
        sys.path.pop(0)
    contract.write()


def build_init(out=INIT_BINARY):
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    srcs = [os.path.join(NATIVE, s) for s in INIT_SOURCES]
    cmd = cc + ["-O2", "-Wall", "-Wextra", "-Wno-unused-result", "-D_FORTIFY_SOURCE=2",
                "-fstack-protector-strong", "-o", out] + srcs
    subprocess.run(cmd, check=True)
    return out


def generate_validator():
    sys.path.insert(0, os.path.join(HERE, "schema"))  # build tooling, not in the package
    try:
        from schemagen import generate
    finally:
        sys.path.pop(0)
    generate(os.path.join(HERE, "schema", "config-schema.json"),
             os.path.join(HERE, "pyruntime", "_config_validator.py"))


ffibuilder = FFI()
ffibuilder.cdef("""
    int pyr_set_child_subreaper(void);
    int pyr_clear_child_subreaper(void);
    long pyr_bpf(int cmd, void *attr, unsigned int size);
    int pyr_mount_source(int mntns, const char *src, const char *root, int tree, int recursive,
                         const char **step);
    int pyr_set_idmap(int tree, int recursive, const char *uid_map, const char *gid_map, int userns,
                      const char **step);
    int pyr_bind_mount(const char *src, const char *dst);
    int pyr_umount_detach(const char *path);
""")
ffibuilder.set_source("pyruntime._native._ext", '#include "ext.c"', include_dirs=[NATIVE])

COMMAND = os.path.join(HERE, "build", "command", "pyruntime")
FRONT_SOURCE = os.path.join(NATIVE, "front.c")
STATE_FORMAT_H = os.path.join(NATIVE, "state_format.h")

# What the front hands over to: the Python CLI, as the command used to be (-I -S: no user site, no
# `site`, ~4 ms less per call; os._exit: no interpreter teardown, all we write is flushed).
# {main_args}: "subreaper=True" when the front made the process a child subreaper itself (`run`, `exec`).
PYTHON_CLI = """import os, sys
sys.path.insert(0, {purelib!r})
from pyruntime.cli import main
code = main({main_args})
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""


def _c_string(text):
    """A C string literal holding `text` (octal escapes for everything but plain ASCII)."""
    out = []
    for byte in text.encode():
        ch = chr(byte)
        if ch in '"\\?' or not 32 <= byte < 127:
            out.append("\\%03o" % byte)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def generate_state_format(out=STATE_FORMAT_H):
    """pyruntime/_native/state_format.h from pyruntime/state_format.py: state.json's one definition."""
    sys.path.insert(0, HERE)
    try:
        from pyruntime.state_format import c_header
    finally:
        sys.path.pop(0)
    with open(out, "w") as f:
        f.write(c_header())
    return out


def write_command(out=COMMAND):
    """The installed `pyruntime` command: the C front (pyruntime/_native/front.c), which serves
    state, kill, start and delete itself in the common cases and execs the Python CLI, with this
    interpreter's absolute path and -I -S, for everything else.

    pip rewrites a `#!python` script line to the bare interpreter and drops any flag; so the
    command is built here, for the interpreter doing the install (a venv's), and installed as a
    data file that pip leaves as it is. Under -S the venv's site-packages is not on sys.path: the
    Python code the front runs puts it there itself.
    """
    purelib = sysconfig.get_paths()["purelib"]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    generate_state_format()
    config = os.path.join(os.path.dirname(out), "front_config.h")
    with open(config, "w") as f:
        f.write("/* Generated by build.py at install time. */\n"
                f"#define PYRT_PYTHON {_c_string(sys.executable)}\n"
                f"#define PYRT_CODE {_c_string(PYTHON_CLI.format(purelib=purelib, main_args=''))}\n"
                "#define PYRT_CODE_SUBREAPER "
                f"{_c_string(PYTHON_CLI.format(purelib=purelib, main_args='subreaper=True'))}\n")
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    base = cc + ["-O2", "-Wall", "-Wextra", "-Wno-unused-result", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong",
                 "-I", os.path.dirname(out), "-I", NATIVE, "-o", out, FRONT_SOURCE]
    # static: no dynamic loader on every call (~0.4 ms); a libc without libc.a gets the dynamic one
    if subprocess.run(base + ["-static"], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run(base, check=True)
    os.chmod(out, 0o755)
    return out


if os.path.isdir(NATIVE) and not os.environ.get("PYRUNTIME_SKIP_INIT_BUILD"):
    generate_contract()
    build_init()
    generate_validator()
    write_command()

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
