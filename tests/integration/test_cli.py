"""Command-line forms clients use."""

import json
import os
import subprocess
import uuid
from pathlib import Path


import support
from support import rt, rt_create, state, wait_status


def raw(*args, cwd=None, timeout=30):
    """The runtime without the implicit --root of rt()."""
    return subprocess.run([support.RUNTIME, *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, cwd=cwd, timeout=timeout)


def create_argv(argv, out_dir):
    """create / run -d with stdio sent to files (never pipes: the container inherits them)."""
    out, err = Path(out_dir) / f"o-{uuid.uuid4().hex[:6]}", Path(out_dir) / f"e-{uuid.uuid4().hex[:6]}"
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.run([support.RUNTIME, *map(str, argv)], stdin=subprocess.DEVNULL, stdout=o,
                              stderr=e, timeout=30)
    return subprocess.CompletedProcess(argv, proc.returncode, out.read_text(), err.read_text())


def test_flag_space_and_equals_forms(tmp_path, bundle, root, container_id):
    bundle.set_args("sleep", "1000")
    bundle.write()
    cid = container_id()
    pidfile = tmp_path / "p.pid"
    proc = create_argv([f"--root={root}", "create", f"--bundle={bundle.path}", f"--pid-file={pidfile}", cid],
                       tmp_path)
    assert proc.returncode == 0, proc.stderr
    st = json.loads(raw("--root", root, "state", cid).stdout)
    assert st["status"] == "created" and st["bundle"] == str(bundle.path)
    assert int(pidfile.read_text()) == st["pid"]
    st2 = json.loads(raw(f"--root={root}", "state", cid).stdout)
    assert st2["pid"] == st["pid"]


def test_short_bundle_flag(tmp_path, bundle, root, container_id):
    bundle.set_args("true")
    bundle.write()
    cid = container_id()
    proc = create_argv(["--root", root, "create", "-b", bundle.path, cid], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert state(cid, root)["bundle"] == str(bundle.path)


def test_flags_after_id(tmp_path, bundle, root, container_id):
    bundle.set_args("true")
    bundle.write()
    cid = container_id()
    pidfile = tmp_path / "after.pid"
    proc = create_argv(["--root", root, "create", cid, "--bundle", bundle.path, "--pid-file", pidfile], tmp_path)
    assert proc.returncode == 0, proc.stderr
    st = state(cid, root)
    assert st["bundle"] == str(bundle.path)
    assert int(pidfile.read_text()) == st["pid"]
    proc = rt("delete", cid, "--force", root=root)
    assert proc.returncode == 0, proc.stderr
    assert not (root / cid).exists()


def test_bundle_defaults_to_cwd(tmp_path, bundle, root, container_id):
    bundle.set_args("true")
    bundle.write()
    cid = container_id()
    out, err = tmp_path / "cwd.out", tmp_path / "cwd.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.run([support.RUNTIME, "--root", str(root), "create", cid], cwd=bundle.path,
                              stdin=subprocess.DEVNULL, stdout=o, stderr=e, timeout=30)
    assert proc.returncode == 0, err.read_text()
    assert state(cid, root)["bundle"] == str(bundle.path)


def test_run_detach_short_flag(tmp_path, bundle, root, container_id):
    bundle.set_args("sleep", "1000")
    bundle.write()
    cid = container_id()
    proc = create_argv(["--root", root, "run", "-d", "-b", bundle.path, cid], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert state(cid, root)["status"] == "running"


def test_version():
    proc = raw("--version")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"{support.RUNTIME_NAME} version "), lines
    assert any(l.startswith("spec: 1.") for l in lines), lines


def test_help():
    proc = raw("--help")
    assert proc.returncode == 0
    for cmd in ("create", "start", "run", "state", "kill", "delete", "list", "spec"):
        assert cmd in proc.stdout


def test_spec_writes_config_and_refuses_overwrite(tmp_path):
    d = tmp_path / "specdir"
    d.mkdir()
    proc = raw("spec", cwd=d)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((d / "config.json").read_text())
    assert config["ociVersion"].startswith("1.")
    assert config["root"]["path"] == "rootfs"
    assert config["process"]["args"] == ["sh"]
    assert {n["type"] for n in config["linux"]["namespaces"]} >= {"pid", "network", "ipc", "uts", "mount"}
    before = (d / "config.json").read_bytes()
    again = raw("spec", cwd=d)
    assert again.returncode != 0
    assert "config.json" in again.stderr and "exists" in again.stderr
    assert (d / "config.json").read_bytes() == before


def test_spec_bundle_flag(tmp_path):
    d = tmp_path / "elsewhere"
    d.mkdir()
    proc = raw("spec", "--bundle", d, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (d / "config.json").exists() and not (tmp_path / "config.json").exists()


def test_spec_rootless(tmp_path):
    proc = raw("spec", "--rootless", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((tmp_path / "config.json").read_text())
    linux = config["linux"]
    assert "user" in {n["type"] for n in linux["namespaces"]}
    assert "network" not in {n["type"] for n in linux["namespaces"]}
    assert linux["uidMappings"][0]["containerID"] == 0 and linux["uidMappings"][0]["size"] == 1
    assert linux["uidMappings"][0]["hostID"] == os.getuid()
    assert linux["gidMappings"][0]["hostID"] == os.getgid()


def test_spec_output_is_valid_for_create(tmp_path, busybox_rootfs, root, container_id):
    d = tmp_path / "fromspec"
    d.mkdir()
    support.copy_rootfs(busybox_rootfs, d / "rootfs")
    assert raw("spec", cwd=d).returncode == 0
    config = json.loads((d / "config.json").read_text())
    config["process"]["terminal"] = False
    config["process"]["args"] = ["sh", "-c", "echo spec-ok; touch /x 2>/dev/null || echo ro-root"]
    (d / "config.json").write_text(json.dumps(config))
    proc = support.rt_run(d, container_id(), root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "spec-ok\nro-root\n"  # spec's root is read-only


FEATURE_KEYS = {"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations",
                "potentiallyUnsafeConfigAnnotations"}
LINUX_KEYS = {"namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt",
              "mountExtensions", "netDevices", "memoryPolicy"}


def test_features():
    proc = raw("features")
    assert proc.returncode == 0, proc.stderr
    f = json.loads(proc.stdout)
    assert f["ociVersionMin"].startswith("1.0")
    assert f["ociVersionMax"].startswith("1.")
    assert set(f) <= FEATURE_KEYS, set(f) - FEATURE_KEYS
    assert set(f.get("linux", {})) <= LINUX_KEYS, set(f.get("linux", {})) - LINUX_KEYS
    ns = set(f["linux"]["namespaces"])
    assert {"pid", "network", "mount", "ipc", "uts", "user", "cgroup"} <= ns
    assert "tmpcopyup" in f["mountOptions"] and "rro" in f["mountOptions"]
    assert "CAP_SYS_ADMIN" in f["linux"]["capabilities"]


def test_default_root(tmp_path, bundle):
    default = Path(f"/run/{support.RUNTIME_NAME}")
    cid = f"cli-default-root-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    bundle.set_args("true")
    bundle.write()
    try:
        proc = create_argv(["create", "--bundle", bundle.path, cid], tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert (default / cid).is_dir()
        st = json.loads(raw("state", cid).stdout)
        assert st["id"] == cid and st["status"] == "created"
        assert cid in raw("list", "-q").stdout.split()
    finally:
        d = raw("delete", "--force", cid)
    assert d.returncode == 0, d.stderr
    assert not (default / cid).exists()


def test_delete_force_unknown_id(root):
    proc = rt("delete", "--force", f"never-{uuid.uuid4().hex[:8]}", root=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_delete_force_running(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    pid = wait_status(cid, "running", root)["pid"]
    assert rt("delete", "-f", cid, root=root).returncode == 0
    assert not support.pid_alive(pid)
    assert not (root / cid).exists()


def test_kill_signal_forms(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sh", "-c", "trap 'echo hup >> /sigs' HUP; trap 'echo usr2 >> /sigs' USR2; "
                                "trap 'echo term >> /sigs; exit 0' TERM; touch /ready; while :; do sleep 0.05; done")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    support.wait_for_path(bundle.rootfs / "ready")
    sigs = bundle.rootfs / "sigs"
    for form, want in (("SIGHUP", "hup"), ("USR2", "usr2")):
        assert rt("kill", cid, form, root=root).returncode == 0
        deadline = __import__("time").monotonic() + 5
        while (not sigs.exists() or want not in sigs.read_text()) and __import__("time").monotonic() < deadline:
            __import__("time").sleep(0.02)
    assert rt("kill", cid, root=root).returncode == 0  # default SIGTERM
    wait_status(cid, "stopped", root)
    assert sigs.read_text().split() == ["hup", "usr2", "term"]


def test_kill_bad_signal(bundle, root, container_id):
    cid = container_id()
    bundle.set_args("sleep", "1000")
    proc, _ = rt_create(bundle, cid, root, command=("run", "-d"))
    assert proc.returncode == 0, proc.stderr
    bad = rt("kill", cid, "SIGNOPE", root=root)
    assert bad.returncode != 0 and "SIGNOPE" in bad.stderr.upper()
    assert state(cid, root)["status"] == "running"


def test_single_dash_long_flag(tmp_path, bundle, root, container_id):
    bundle.set_args("true")
    bundle.write()
    cid = container_id()
    proc = create_argv(["-root", root, "create", "-bundle", bundle.path, cid], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert state(cid, root)["status"] == "created"


def test_relative_pid_file_is_the_callers(tmp_path, bundle, root, container_id):
    """A relative --pid-file names a file in the caller's directory, not the bundle's (runc makes it
    absolute before it moves into the bundle); create, run -d and exec alike."""
    bundle.set_args("sleep", "1000")
    bundle.write()
    cwd = tmp_path / "caller"
    cwd.mkdir()
    cid, cid2 = container_id(), container_id()
    for argv, name in ((["--root", root, "create", "--pid-file", "c.pid", "-b", bundle.path, cid], "c.pid"),
                       (["--root", root, "run", "-d", "--pid-file", "r.pid", "-b", bundle.path, cid2], "r.pid")):
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        with open(out, "wb") as o, open(err, "wb") as e:
            proc = subprocess.run([support.RUNTIME, *map(str, argv)], stdin=subprocess.DEVNULL, stdout=o,
                                  stderr=e, cwd=cwd, timeout=30)
        assert proc.returncode == 0, err.read_text()
        assert not (bundle.path / name).exists()
    try:
        assert int((cwd / "c.pid").read_text()) == state(cid, root)["pid"]
        assert int((cwd / "r.pid").read_text()) == state(cid2, root)["pid"]
        proc = subprocess.run([support.RUNTIME, "--root", str(root), "exec", "-d", "--pid-file", "e.pid", cid2,
                               "sleep", "1"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, cwd=cwd, timeout=30)
        assert proc.returncode == 0 and (cwd / "e.pid").read_text().isdigit()
    finally:
        for c in (cid, cid2):
            rt("delete", "--force", c, root=root)


def test_run_no_subreaper_waits_for_the_init(bundle, root, container_id):
    """--no-subreaper (runc): the foreground run still gets the process's exit status and output (the
    init is orphaned by stage 1 and must be adopted first; it failed with 255)."""
    bundle.set_args("sh", "-c", "echo out-of-the-box; exit 7")
    proc = support.rt_run(bundle, container_id(), root, extra=("--no-subreaper",))
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == "out-of-the-box\n"


def _host_keyrings():
    with open("/proc/keys") as f:
        return f.read()


def test_session_keyring_of_its_own_unless_no_new_keyring(bundle, root, container_id):
    """runc's default: the init joins a new session keyring "_ses.<id>" (the caller's keys are out of
    the container's reach); --no-new-keyring keeps the caller's."""
    bundle.set_args("sleep", "1000")
    own, kept = container_id(), container_id()
    try:
        proc, _ = rt_create(bundle, own, root, command=("run", "-d"))
        assert proc.returncode == 0, proc.stderr
        assert f" keyring   _ses.{own}: " in _host_keyrings()
        proc, _ = rt_create(bundle, kept, root, command=("run", "-d"), extra=("--no-new-keyring",))
        assert proc.returncode == 0, proc.stderr
        assert f"_ses.{kept}" not in _host_keyrings()
    finally:
        for c in (own, kept):
            rt("delete", "--force", c, root=root)


def test_create_pid_file_in_a_missing_directory(bundle, root, container_id):
    """One error line (the Go PathError runc prints), exit 1, and nothing of the container left."""
    bundle.set_args("sleep", "1000")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root, extra=("--pid-file", "/no/such/dir/c.pid"))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    # runc's words for any failure of create after its arguments were read (create.go)
    assert len(lines) == 1 and 'msg="runc create failed: open /no/such/dir/' in lines[0], proc.stderr
    assert lines[0].endswith(': no such file or directory"'), proc.stderr
    assert not (root / cid).exists()


def test_debug_run_names_runcs_steps_too(bundle, root, container_id):
    """--debug's step records carry runc's names for the same steps (what a person, or runc's
    suite, looks for in a trace); without --debug there is none of them."""
    bundle.set_args("true")
    cid = container_id()
    r = rt("--debug", "run", "--bundle", str(bundle.path), cid, root=root)
    assert r.returncode == 0, r.stderr
    for words in ("nsexec container setup", "child process in init()", "init: closing the pipe to signal completion"):
        assert words in r.stderr, (words, r.stderr)
    r = rt("run", "--bundle", str(bundle.path), container_id(), root=root)
    assert r.returncode == 0 and "nsexec" not in r.stderr, r.stderr
