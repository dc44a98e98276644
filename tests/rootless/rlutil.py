"""Helpers for the rootless tests: a real unprivileged user made here (useradd), commands run as
that user (its own uid and gid, no supplementary groups, a clean environment), bundles the user
owns, and the "nothing left behind" check for a user's containers.

The runtime, its venv and the bundles must be reachable by the user: `reachable` gives "other"
search permission on every directory above a path (pytest's basetemp is 0700)."""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import support

RUNTIME = support.RUNTIME
USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"


def reachable(path) -> None:
    """o+x on every directory from `path` up to /, so another user can reach what is below."""
    d = Path(path)
    if not d.is_dir():
        d = d.parent
    while True:
        mode = os.stat(d).st_mode
        if not mode & 0o001:
            os.chmod(d, (mode & 0o7777) | 0o001)
        if d == d.parent:
            break
        d = d.parent


def _subid_ranges(path, name):
    out = []
    try:
        lines = Path(path).read_text().splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        f = line.strip().split(":")
        if len(f) == 3 and f[0] == name:
            out.append((int(f[1]), int(f[2])))
    return out


class User:
    """A throw-away login made by useradd (and removed by userdel), with or without subordinate ids."""

    def __init__(self, name):
        pw = pwd.getpwnam(name)
        self.name, self.uid, self.gid, self.home = name, pw.pw_uid, pw.pw_gid, pw.pw_dir

    @classmethod
    def create(cls, subids=True) -> "User":
        name = f"pyrl{uuid.uuid4().hex[:8]}"
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True,
                       capture_output=True, text=True)
        user = cls(name)
        subuid, subgid = user.subuids(), user.subgids()
        if subids and not (subuid and subgid):
            raise RuntimeError(f"useradd gave {name} no subordinate ids (SUB_UID_COUNT in /etc/login.defs?)")
        if not subids:
            for s, n in subuid:
                subprocess.run(["usermod", "--del-subuids", f"{s}-{s + n - 1}", name], check=True)
            for s, n in subgid:
                subprocess.run(["usermod", "--del-subgids", f"{s}-{s + n - 1}", name], check=True)
            assert not user.subuids() and not user.subgids()
        return user

    def subuids(self):
        return _subid_ranges("/etc/subuid", self.name)

    def subgids(self):
        return _subid_ranges("/etc/subgid", self.name)

    def host_ids(self):
        """The host uids this user's containers may run as: its own and its subordinate ones."""
        ids = [(self.uid, 1)] + self.subuids()
        return [range(s, s + n) for s, n in ids]

    def processes(self, exclude=()):
        """Host pids running as this user or one of its subordinate uids (zombies aside)."""
        ranges = self.host_ids()
        out = []
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in exclude:
                continue
            try:
                status = Path(f"/proc/{name}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("State", "").strip().startswith(("Z", "X")):
                continue
            uid = int(fields.get("Uid", "0").split()[0])
            if any(uid in r for r in ranges):
                out.append(int(name))
        return out

    def kill_all(self):
        for pid in self.processes():
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass

    def remove(self):
        self.kill_all()
        deadline = time.monotonic() + 10
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run(["userdel", "--remove", self.name], capture_output=True, text=True)
        # userdel leaves the subordinate ids of a removed login behind on some versions
        for path in ("/etc/subuid", "/etc/subgid"):
            try:
                lines = Path(path).read_text().splitlines(keepends=True)
            except FileNotFoundError:
                continue
            kept = [line for line in lines if not line.startswith(self.name + ":")]
            if kept != lines:
                tmp = Path(path + f".{self.name}")
                tmp.write_text("".join(kept))
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)

    def env(self, **extra) -> dict:
        env = {"PATH": USER_PATH, "HOME": self.home, "USER": self.name, "LOGNAME": self.name, "LANG": "C.UTF-8"}
        env.update({k: str(v) for k, v in extra.items() if v is not None})
        return env

    def run(self, argv, *, env=None, cwd=None, timeout=60, input=None, stdout=None, stderr=None):
        """Run argv as this user: its uid and gid, no supplementary groups, `env` (self.env())."""
        kw = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
        if stdout is None and stderr is None:
            kw["capture_output"] = True
        else:
            kw.update(stdout=stdout, stderr=stderr)
        return subprocess.run([str(a) for a in argv], user=self.uid, group=self.gid, extra_groups=[],
                              env=env if env is not None else self.env(), cwd=cwd, timeout=timeout,
                              text=True, **kw)

    def chown_tree(self, path):
        for dirpath, dirnames, filenames in os.walk(path):
            os.lchown(dirpath, self.uid, self.gid)
            for n in dirnames + filenames:
                os.lchown(os.path.join(dirpath, n), self.uid, self.gid)


def user_bundle(user, path, rootfs_source, args=("true",)) -> Path:
    """A bundle the user owns: the busybox rootfs copied in, config.json from the runtime's own
    `spec --rootless` run by the user, then terminal off and `args`."""
    path = Path(path)
    path.mkdir(parents=True)
    support.copy_rootfs(rootfs_source, path / "rootfs")
    user.chown_tree(path)
    reachable(path)
    proc = user.run([RUNTIME, "spec", "--rootless"], cwd=path)
    assert proc.returncode == 0, f"spec --rootless as {user.name}: {proc.stderr}"
    config = load(path)
    config["process"]["terminal"] = False
    config["process"]["args"] = list(args)
    save(path, config)
    return path


def load(bundle) -> dict:
    return json.loads((Path(bundle) / "config.json").read_text())


def save(bundle, config) -> None:
    (Path(bundle) / "config.json").write_text(json.dumps(config, indent=1))


def user_dir(user, path, mode=0o700) -> Path:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, user.uid, user.gid)
    os.chmod(path, mode)
    reachable(path.parent)
    return path


def rt(user, *args, root=None, env=None, timeout=60, cwd=None):
    """`RUNTIME [--root ROOT] args` as the user (not for create / run -d: their output stays open)."""
    argv = [RUNTIME] + (["--root", str(root)] if root else []) + [str(a) for a in args]
    return user.run(argv, env=env, timeout=timeout, cwd=cwd)


def rt_detached(user, out_dir, *args, root=None, env=None, timeout=60):
    """`create` / `run -d` as the user with stdio to files (the container keeps them open)."""
    argv = [RUNTIME] + (["--root", str(root)] if root else []) + [str(a) for a in args]
    out, err = Path(out_dir) / f"out.{uuid.uuid4().hex[:6]}", Path(out_dir) / f"err.{uuid.uuid4().hex[:6]}"
    with open(out, "w") as fo, open(err, "w") as fe:
        proc = user.run(argv, env=env, timeout=timeout, stdout=fo, stderr=fe)
    return subprocess.CompletedProcess(argv, proc.returncode, out.read_text(), err.read_text())


def status_uid(pid) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


def which(name) -> str | None:
    return shutil.which(name, path=USER_PATH)


def run_in_own_mounts(user, setup, argv, env, timeout=60):
    """Run `setup` (shell, as root) in a private mount namespace, then argv as the user there:
    for a host that differs from this one (a /dev/mqueue, no newuidmap) without touching it."""
    script = (f"set -e\n{setup}\nexec setpriv --reuid={user.uid} --regid={user.gid} --clear-groups -- env -i "
              + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " "
              + " ".join(shlex.quote(str(a)) for a in argv) + "\n")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
