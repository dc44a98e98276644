"""Runtime internals unreachable from the container: docs/security.md §1.1 (CVE-2019-5736) and §1.2
(CVE-2016-9962). The init stage runs from a sealed memfd and is non-dumpable."""

import errno
import fcntl
import os
import shutil
import subprocess
import time

import pytest

import secutil
import support
from support import rt, state

F_SEAL_ALL = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def _created(bundle, cid, root, args=("sleep", "100")):
    proc, _ = secutil.create(bundle, cid, root, list(args))
    assert proc.returncode == 0, proc.stderr
    return state(cid, root)["pid"]


def test_5736_init_exe_is_sealed(bundle, root, container_id):
    files = secutil.runtime_files()
    assert secutil.init_program(), f"init program not found among {files}"
    sums = {f: secutil.sha256(f) for f in files}
    cid = container_id()
    pid = _created(bundle, cid, root)

    exe = f"/proc/{pid}/exe"
    assert os.readlink(exe).startswith("/memfd:"), os.readlink(exe)
    st = os.stat(exe)
    for f in files:
        fs = os.stat(f)
        assert (st.st_dev, st.st_ino) != (fs.st_dev, fs.st_ino), f"/proc/<init>/exe is the host file {f}"

    fd = os.open(exe, os.O_RDONLY)
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    finally:
        os.close(fd)
    assert seals & F_SEAL_ALL == F_SEAL_ALL, f"seals {seals:#x}"

    # writing through the exe link must fail: ETXTBSY while it runs, EPERM (sealed) otherwise
    with pytest.raises(OSError) as e:
        os.open(exe, os.O_WRONLY)
    assert e.value.errno in (errno.ETXTBSY, errno.EPERM, errno.EACCES)
    try:
        w = os.open(exe, os.O_RDWR)
    except OSError as e2:
        assert e2.errno in (errno.ETXTBSY, errno.EPERM, errno.EACCES)
    else:
        try:
            with pytest.raises(OSError) as e3:
                os.pwrite(w, b"PWNED", 0)
            assert e3.value.errno == errno.EPERM
            with pytest.raises(OSError):
                os.ftruncate(w, 0)
        finally:
            os.close(w)

    # the same holds for the process the container finally runs (it is not the runtime at all)
    rt("start", cid, root=root)
    support.wait_status(cid, "running", root)
    # `start` returns once the init said "go" (runc's too), a moment before its execve completes
    deadline = time.monotonic() + 5
    while os.readlink(f"/proc/{pid}/exe").startswith("/memfd:") and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not os.readlink(f"/proc/{pid}/exe").startswith("/memfd:")
    assert {f: secutil.sha256(f) for f in files} == sums


def test_5736_init_not_dumpable(bundle, root, container_id):
    """From inside (an exec'd process without CAP_SYS_PTRACE), the waiting init's exe, fds, cwd,
    root, environ and mem are out of reach."""
    cid = container_id()
    pid = _created(bundle, cid, root)
    with open(f"/proc/{pid}/status") as f:
        assert "\nState:\tS" in f.read()
    script = ("for f in exe cwd root; do ls -l /proc/1/$f 2>&1; done; "
              "for f in /proc/1/fd/*; do ls -l $f 2>&1; done; "
              "cat /proc/1/environ 2>&1; echo; head -c1 /proc/1/mem 2>&1; echo; "
              "ls -l /proc/1/ | grep -c ' exe ' ; grep -E '^(CapEff|CapBnd)' /proc/self/status")
    proc = rt("exec", cid, "sh", "-c", script, root=root)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "memfd" not in out and "pyruntime" not in out and str(root) not in out, out
    assert "->" not in out, f"a link of the waiting init was readable from the container:\n{out}"
    assert out.count("Permission denied") >= 5, out


PROBE_5736 = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
static struct stat own[2];
static int is_own(struct stat *s) {
  for (int i = 0; i < 2; i++) if (s->st_dev == own[i].st_dev && s->st_ino == own[i].st_ino) return 1;
  return 0;
}
int main(int argc, char **argv) {
  if (getpid() != 1) { puts("refusing: not pid 1 of a private pid namespace"); return 2; }
  int secs = argc > 1 ? atoi(argv[1]) : 8;
  setvbuf(stdout, NULL, _IOLBF, 0);
  stat("/bin/busybox", &own[0]); stat("/probe", &own[1]);
  puts("probe-started");
  for (time_t end = time(NULL) + secs; time(NULL) < end;) {
    DIR *d = opendir("/proc"); struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name); char p[64], fdp[64]; struct stat st;
      if (pid <= 1 || pid == getpid()) continue;
      snprintf(p, sizeof p, "/proc/%d/exe", pid);
      int fd = open(p, O_PATH);
      if (fd < 0) { if (errno == EACCES) puts("exe:EACCES"); continue; }
      if (fstat(fd, &st) || is_own(&st)) { close(fd); continue; }
      snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", fd);
      for (long i = 0; i < 2000000; i++) {
        int w = open(fdp, O_WRONLY);
        if (w >= 0) {
          if (write(w, "PWNED", 5) == 5) printf("PWNED pid=%d\n", pid);
          else printf("write-denied errno=%d\n", errno);
          close(w);
          break;
        }
        if (errno != ETXTBSY) { printf("open-denied errno=%d\n", errno); break; }
      }
      close(fd);
    }
    closedir(d);
  }
  puts("probe-done");
  return 0;
}
"""


@pytest.fixture
def throwaway_runtime(tmp_path):
    """A throw-away copy of the runtime: the interpreter binary, the package and the init program,
    all under tmp_path. A vulnerable runtime can only corrupt these copies."""
    interp = secutil.interpreter()
    pkg = subprocess.run([interp, "-c", "import pyruntime, os; print(os.path.dirname(pyruntime.__file__))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    copy = tmp_path / "rtcopy"
    (copy / "lib").mkdir(parents=True)
    shutil.copy2(os.path.realpath(interp), copy / "python3")
    shutil.copytree(pkg, copy / "lib" / "pyruntime", ignore=shutil.ignore_patterns("__pycache__"))
    init = copy / "lib" / "pyruntime" / "_native" / "pyruntime-init"
    env = dict(os.environ, PYTHONPATH=str(copy / "lib"), PYRUNTIME_INIT=str(init), PYTHONDONTWRITEBYTECODE="1")
    argv = [str(copy / "python3"), "-c", "import sys; from pyruntime.cli import main; sys.exit(main())"]
    files = [p for p in copy.rglob("*") if p.is_file()]
    sums = {p: secutil.sha256(p) for p in files}
    real = {f: secutil.sha256(f) for f in secutil.runtime_files()}
    yield argv, env
    assert {p: secutil.sha256(p) for p in files} == sums, "the throw-away runtime copy was modified"
    assert {f: secutil.sha256(f) for f in secutil.runtime_files()} == real, "an installed runtime file was modified"


def _copy_rt(argv, env, root, *args, timeout=60, **kw):
    kw.setdefault("capture_output", True)
    return subprocess.run([*argv, "--root", str(root), *map(str, args)], env=env, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, **kw)


@pytest.mark.parametrize("variant", ["exec", "run"])
def test_5736_exploit_against_throwaway_copy(variant, throwaway_runtime, bundle, root, container_id, tmp_path):
    argv, env = throwaway_runtime
    secutil.build_static(PROBE_5736, bundle.rootfs / "probe")
    evil = bundle.rootfs / "bin" / "evil"
    evil.write_text("#!/proc/self/exe\n")
    evil.chmod(0o755)
    cid = container_id()
    bundle.set_args("/probe", "8")
    bundle.write()
    out = tmp_path / "probe.out"
    with open(out, "wb") as f:
        r = _copy_rt(argv, env, root, "run", "-d", "--bundle", bundle.path, cid, capture_output=False,
                     stdout=f, stderr=subprocess.STDOUT)
    assert r.returncode == 0, out.read_text()
    secutil_wait(out, "probe-started")
    runs = []
    for _ in range(5):
        runs.append(_copy_rt(argv, env, root, "exec", cid, "/bin/evil"))
        runs.append(_copy_rt(argv, env, root, "exec", cid, "/proc/self/exe"))
    if variant == "run":
        # the run path: a second container whose process is /proc/self/exe itself
        b2 = support.Bundle(tmp_path / "b2", bundle.rootfs, ["/proc/self/exe"])
        for _ in range(3):
            c2 = container_id()
            runs.append(_copy_rt(argv, env, root, "run", "--bundle", b2.path, c2))
            _copy_rt(argv, env, root, "delete", "-f", c2)
    secutil_wait(out, "probe-done", timeout=30)
    text = out.read_text()
    assert "PWNED" not in text, text
    for r in runs:
        assert "PWNED" not in r.stdout + r.stderr


def secutil_wait(path, marker, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and marker in path.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{marker!r} not seen in {path}: {path.read_text(errors='replace') if path.exists() else ''}")


PROBE_9962 = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static struct stat own[2];
static int is_own(struct stat *s) {
  for (int i = 0; i < 2; i++) if (s->st_dev == own[i].st_dev && s->st_ino == own[i].st_ino) return 1;
  return 0;
}
int main(int argc, char **argv) {
  if (getpid() != 1) { puts("refusing"); return 2; }
  int secs = argc > 1 ? atoi(argv[1]) : 10;
  setvbuf(stdout, NULL, _IOLBF, 0);
  stat("/bin/busybox", &own[0]); stat("/probe", &own[1]);
  puts("probe-started");
  long seen = 0;
  for (time_t end = time(NULL) + secs; time(NULL) < end;) {
    DIR *d = opendir("/proc"); struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name); char p[64]; struct stat st;
      if (pid <= 1) continue;
      snprintf(p, sizeof p, "/proc/%d/exe", pid);
      if (stat(p, &st) == 0 && is_own(&st)) continue;   /* already exec'd into the container */
      seen++;
      int hit = 0;
      snprintf(p, sizeof p, "/proc/%d/fd/3", pid);
      char buf[256]; ssize_t n = readlink(p, buf, sizeof buf - 1);
      if (n >= 0) { buf[n] = 0; printf("ACCESS fd pid=%d %s\n", pid, buf); hit = 1; }
      snprintf(p, sizeof p, "/proc/%d/environ", pid);
      int fd = open(p, O_RDONLY);
      if (fd >= 0) {
        char env[64] = ""; ssize_t k = read(fd, env, sizeof env - 1);
        char l[256]; snprintf(p, sizeof p, "/proc/%d/exe", pid);
        ssize_t m = readlink(p, l, sizeof l - 1); if (m >= 0) l[m] = 0; else strcpy(l, "?");
        if (k > 0 && !(stat(p, &st) == 0 && is_own(&st))) {
          for (ssize_t i = 0; i < k; i++) if (!env[i]) env[i] = ' ';
          env[k] = 0;
          printf("ACCESS environ pid=%d exe=%s env=%s\n", pid, l, env); hit = 1;
        }
        close(fd);
      }
      if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) {
        /* it may have exec'd into a container binary in between: look again once it is stopped */
        int status;
        if (waitpid(pid, &status, __WALL) == pid && WIFSTOPPED(status)) {
          snprintf(p, sizeof p, "/proc/%d/exe", pid);
          char l[256]; ssize_t k = readlink(p, l, sizeof l - 1);
          if (k >= 0) l[k] = 0; else strcpy(l, "?");
          if (stat(p, &st) != 0 || !is_own(&st)) printf("ACCESS ptrace pid=%d exe=%s\n", pid, l);
          ptrace(PTRACE_DETACH, pid, 0, 0);
        }
        kill(pid, SIGCONT); /* a SIGSTOP of the attach may still be pending after the detach */
      }
      (void)hit;
    }
    closedir(d);
    while (waitpid(-1, NULL, WNOHANG) > 0) ;
  }
  printf("probe-done seen=%ld\n", seen);
  return 0;
}
"""


def test_9962_exec_joiner_not_inspectable(bundle, root, container_id, tmp_path):
    secutil.build_static(PROBE_9962, bundle.rootfs / "probe")
    # default capabilities (no CAP_SYS_PTRACE: with it and no user namespace, root may ptrace anything)
    cid = container_id()
    proc, out = secutil.create(bundle, cid, root, ["/probe", "6"], extra=())
    assert proc.returncode == 0, proc.stderr
    rt("start", cid, root=root)
    secutil_wait(out, "probe-started")
    e = rt("exec", cid, "env", root=root)
    assert e.returncode == 0, e.stderr
    deadline = time.monotonic() + 4
    results = []
    while time.monotonic() < deadline:
        results.append(rt("exec", cid, "true", root=root))
    # (an exec'd process the probe happens to ptrace right after its execve may be held up: that one
    # is the container's own process, which the container may trace)
    assert sum(r.returncode == 0 for r in results) >= 1, [(r.returncode, r.stderr) for r in results]
    secutil_wait(out, "probe-done", timeout=30)
    text = out.read_text()
    assert "ACCESS" not in text, text
    # no internal variable of the runtime reaches the exec'd process
    names = [l.split("=", 1)[0] for l in e.stdout.splitlines()]
    assert not [n for n in names if "PYRUNTIME" in n.upper() or n.startswith("_")], names
    assert set(names) <= {"PATH", "TERM", "HOME", "HOSTNAME"}, names
