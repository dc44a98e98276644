"""config.md: root, mounts, process, hostname, domainname, annotations, extensibility, valid values.

Most cases run /checker (conformance/checker/checker.c) inside the container and read its JSON.
Every docstring starts with the spec reference and the sentence it checks.
"""

import errno
import os
import shutil

import pytest

from cutil import (
    assert_create_fails,
    cap_mask,
    mount_options,
    mounts_at,
    run_checker,
    xfail_runc,
)
from support import rt_run

# --- Root ----------------------------------------------------------------------------------------


def test_root_path_absolute(cbundle, root, container_id, tmp_path):
    """config.md#root: path specifies the path to the root filesystem for the container; on POSIX
    platforms path is either an absolute path or a relative path to the bundle (absolute here)."""
    other = tmp_path / "elsewhere"
    shutil.move(str(cbundle.rootfs), other)
    (other / "marker-abs").touch()
    cbundle.config["root"]["path"] = str(other)
    info = run_checker(cbundle, root, container_id(), "stat=/marker-abs")
    assert "errno" not in info["stats"]["/marker-abs"]


def test_root_path_relative_to_bundle(cbundle, root, container_id):
    """config.md#root: path ... a relative path to the bundle (the conventional "rootfs")."""
    (cbundle.rootfs / "marker-rel").touch()
    info = run_checker(cbundle, root, container_id(), "stat=/marker-rel")
    assert "errno" not in info["stats"]["/marker-rel"]


def test_root_path_must_exist(bundle, root, container_id):
    """config.md#root: a directory MUST exist at the path declared by the field (a missing one is an
    environment the runtime cannot create: runtime.md#lifecycle step 2, MUST generate an error)."""
    bundle.config["root"]["path"] = "no-such-rootfs"
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_root_readonly_true(cbundle, root, container_id):
    """config.md#root: if readonly is true then the root filesystem MUST be read-only inside the
    container."""
    cbundle.config["root"]["readonly"] = True
    info = run_checker(cbundle, root, container_id(), "create=/newfile")
    assert info["creates"]["/newfile"] == errno.EROFS
    (top,) = mounts_at(info, "/")[-1:]
    assert "ro" in top[5].split(",")


def test_root_readonly_false(cbundle, root, container_id):
    """config.md#root: readonly (bool, OPTIONAL) if true then the root filesystem MUST be read-only
    inside the container, defaults to false (writable)."""
    cbundle.config["root"].pop("readonly")
    info = run_checker(cbundle, root, container_id(), "create=/newfile")
    assert info["creates"]["/newfile"] == 0


# --- Mounts --------------------------------------------------------------------------------------


def test_mounts_in_listed_order(cbundle, root, container_id):
    """config.md#mounts: the runtime MUST mount entries in the listed order (two tmpfs mounts on the
    same destination: the later one is on top)."""
    cbundle.config["mounts"] += [
        {"destination": "/m", "type": "tmpfs", "source": "tmpfs", "options": ["size=1024k"]},
        {"destination": "/m", "type": "tmpfs", "source": "tmpfs", "options": ["size=2048k"]},
        {"destination": "/m/inner", "type": "tmpfs", "source": "tmpfs", "options": ["size=3072k"]},
    ]
    (cbundle.rootfs / "m").mkdir()
    info = run_checker(cbundle, root, container_id())
    at_m = mounts_at(info, "/m")
    assert len(at_m) == 2
    assert "size=1024k" in mount_options(at_m[0]) and "size=2048k" in mount_options(at_m[1])
    inner = mounts_at(info, "/m/inner")
    assert len(inner) == 1 and inner[0][3 - 0] is not None
    # /m/inner sits on the second /m mount (its parent id is that mount's id)
    assert inner[0][1] == at_m[1][0]


@pytest.mark.parametrize("opt", ["ro", "nosuid", "nodev", "noexec", "noatime"])
def test_mount_options_applied(cbundle, root, container_id, opt):
    """config.md#mounts: options are the mount options of the filesystem to be used; the Linux
    mount options runtimes MUST support include ro, nosuid, nodev, noexec, noatime (visible in
    mountinfo)."""
    cbundle.config["mounts"].append({"destination": "/opt-test", "type": "tmpfs", "source": "tmpfs",
                                     "options": [opt, "size=1024k"]})
    info = run_checker(cbundle, root, container_id())
    (m,) = mounts_at(info, "/opt-test")
    assert opt in mount_options(m)


def test_bind_mount_source_and_ro(cbundle, root, container_id, tmp_path):
    """config.md#mounts: source is a device name or a file/directory name for bind mounts; the bind
    and ro options MUST be supported (a read-only bind mount of a host directory shows its files
    and refuses writes)."""
    src = tmp_path / "bindsrc"
    src.mkdir()
    (src / "hello").write_text("from-host")
    cbundle.config["mounts"].append({"destination": "/bound", "type": "bind", "source": str(src),
                                     "options": ["rbind", "ro"]})
    info = run_checker(cbundle, root, container_id(), "read=/bound/hello", "create=/bound/new")
    assert info["files"]["/bound/hello"] == "from-host"
    assert info["creates"]["/bound/new"] == errno.EROFS
    assert not (src / "new").exists()


def test_bind_mount_file(cbundle, root, container_id, tmp_path):
    """config.md#mounts: source is a file name for bind mounts (a single file bound onto a file)."""
    src = tmp_path / "file.txt"
    src.write_text("file-content")
    cbundle.config["mounts"].append({"destination": "/etc/bound.txt", "type": "bind",
                                     "source": str(src), "options": ["bind"]})
    info = run_checker(cbundle, root, container_id(), "read=/etc/bound.txt")
    assert info["files"]["/etc/bound.txt"] == "file-content"


@xfail_runc("1.1.5 predates idmapped mounts (runc 1.2): it does not apply mounts[].uidMappings")
def test_bind_mount_idmapped(cbundle, root, container_id, tmp_path):
    """config.md#mounts: uidMappings/gidMappings (with the idmap option) are the mapping that
    converts the ids of the source file system for the destination mount point (on-disk 0 and 1
    show as 1000 and 1001 through a 0 -> 1000 mapping)."""
    src = tmp_path / "idsrc"
    src.mkdir()
    (src / "zero").write_text("0")
    (src / "one").write_text("1")
    os.chown(src / "one", 1, 1)
    maps = [{"containerID": 0, "hostID": 1000, "size": 10}]
    cbundle.config["mounts"].append({"destination": "/idm", "type": "bind", "source": str(src),
                                     "options": ["bind", "idmap"], "uidMappings": maps, "gidMappings": maps})
    info = run_checker(cbundle, root, container_id(), "stat=/idm/zero", "stat=/idm/one")
    owners = [(info["stats"][p]["uid"], info["stats"][p]["gid"]) for p in ("/idm/zero", "/idm/one")]
    assert owners == [(1000, 1000), (1001, 1001)]


# --- Process -------------------------------------------------------------------------------------


def test_process_args_argv(bundle, root, container_id):
    """config.md#process: args (array of strings) with similar semantics to execv's argv; the first
    entry is used with the same semantics as execvp's file (looked up on PATH)."""
    bundle.set_args("sh", "-c", 'echo "$0|$1|$2"', "zero", "one", "two words")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "zero|one|two words\n"


def test_process_args_required(bundle, root, container_id):
    """config.md#process: args ... at least one entry is REQUIRED (POSIX); an empty args is a config
    the runtime cannot honour and MUST reject (runtime.md#lifecycle step 2)."""
    bundle.config["process"]["args"] = []
    assert_create_fails(bundle, container_id(), root)


def test_process_env(cbundle, root, container_id):
    """config.md#process: env (array of strings) with the same semantics as IEEE Std 1003.1-2008's
    environ: every entry is in the process's environment, values verbatim."""
    cbundle.config["process"]["env"] = ["PATH=/bin", "A=1", "SPACED=a b  c", "EMPTY=", "EQ=x=y"]
    info = run_checker(cbundle, root, container_id())
    for entry in cbundle.config["process"]["env"]:
        assert entry in info["env"]


def test_process_cwd(cbundle, root, container_id):
    """config.md#process: cwd (string, REQUIRED) is the working directory that will be set for the
    executable."""
    cbundle.config["process"]["cwd"] = "/tmp"
    assert run_checker(cbundle, root, container_id())["cwd"] == "/tmp"


def test_process_cwd_must_be_absolute(bundle, root, container_id):
    """config.md#process: cwd ... This value MUST be an absolute path (a relative one is invalid:
    config.md#valid-values, runtimes MUST generate an error)."""
    bundle.config["process"]["cwd"] = "tmp"
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_process_user_uid_gid(cbundle, root, container_id):
    """config.md#user (POSIX): uid specifies the user ID in the container namespace; gid specifies
    the group ID in the container namespace (real, effective and saved)."""
    cbundle.config["process"]["user"] = {"uid": 1234, "gid": 5678}
    info = run_checker(cbundle, root, container_id())
    assert (info["uid"], info["euid"], info["suid"]) == (1234, 1234, 1234)
    assert (info["gid"], info["egid"], info["sgid"]) == (5678, 5678, 5678)


def test_process_user_additional_gids(cbundle, root, container_id):
    """config.md#user (POSIX): additionalGids specifies additional group IDs in the container
    namespace to be added to the process."""
    cbundle.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20, 4242]}
    info = run_checker(cbundle, root, container_id())
    assert {10, 20, 4242} <= set(info["groups"])


def test_process_user_no_additional_gids(cbundle, root, container_id):
    """config.md#user (POSIX): additionalGids lists the additional groups; without it the process
    has no supplementary groups beyond its gid (none inherited from the runtime)."""
    cbundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    info = run_checker(cbundle, root, container_id())
    assert set(info["groups"]) <= {1000}


def test_process_user_umask(cbundle, root, container_id):
    """config.md#user (POSIX): umask (int, OPTIONAL) is the umask of the user."""
    cbundle.config["process"]["user"]["umask"] = 0o027
    assert run_checker(cbundle, root, container_id())["umask"] == 0o027


@xfail_runc("sets umask 0022 when process.user.umask is unspecified (libcontainer init)")
def test_process_user_umask_unspecified(cbundle, root, container_id):
    """config.md#user (POSIX): if umask is unspecified, the umask should not be changed from the
    calling process' umask (SHOULD)."""
    info = run_checker(cbundle, root, container_id(), preexec_fn=lambda: os.umask(0o077))
    assert info["umask"] == 0o077


def test_rlimits_soft_hard(cbundle, root, container_id):
    """config.md#posix-process: for each entry in rlimits, a getrlimit(3) on type MUST succeed; soft:
    rlim.rlim_cur MUST match the configured value; hard: rlim.rlim_max MUST match the configured
    value."""
    cbundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 4096},
        {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
        {"type": "RLIMIT_MSGQUEUE", "soft": 8192, "hard": 8192},
    ]
    info = run_checker(cbundle, root, container_id())
    for rl in cbundle.config["process"]["rlimits"]:
        assert info["rlimits"][rl["type"]] == [rl["soft"], rl["hard"]], rl["type"]


@xfail_runc("accepts duplicated rlimits (the last one wins) instead of an error")
def test_rlimits_duplicate_type_errors(bundle, root, container_id):
    """config.md#posix-process: if rlimits contains duplicated entries with same type, the runtime
    MUST generate an error."""
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
        {"type": "RLIMIT_NOFILE", "soft": 256, "hard": 1000},
    ]
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_rlimits_unknown_type_errors(bundle, root, container_id):
    """config.md#posix-process: rlimits type -- the runtime MUST generate an error for any values
    which cannot be mapped to a relevant kernel interface."""
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_capabilities_root(cbundle, root, container_id):
    """config.md#linux-process: capabilities -- effective, bounding, permitted are the sets kept for
    the process (uid 0: CapEff, CapPrm, CapBnd match the configured sets)."""
    caps = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"]
    cbundle.config["process"]["capabilities"] = {"bounding": caps, "effective": caps,
                                                 "permitted": caps}
    st = run_checker(cbundle, root, container_id())["status"]
    m = cap_mask(caps)
    assert int(st["CapBnd"], 16) == m
    assert int(st["CapEff"], 16) == m
    assert int(st["CapPrm"], 16) == m


def test_capabilities_all_sets_nonroot(cbundle, root, container_id):
    """config.md#linux-process: capabilities -- effective, bounding, inheritable, permitted and
    ambient sets (a non-root user keeps its capabilities through execve only via the ambient set:
    CapBnd, CapInh, CapAmb and with them CapPrm/CapEff match the configuration)."""
    kept = ["CAP_CHOWN", "CAP_KILL"]
    bnd = kept + ["CAP_NET_BIND_SERVICE", "CAP_SETUID"]
    cbundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    cbundle.config["process"]["noNewPrivileges"] = False
    cbundle.config["process"]["capabilities"] = {
        "bounding": bnd, "effective": kept, "permitted": kept, "inheritable": kept, "ambient": kept}
    st = run_checker(cbundle, root, container_id())["status"]
    assert int(st["CapBnd"], 16) == cap_mask(bnd)
    assert int(st["CapInh"], 16) == cap_mask(kept)
    assert int(st["CapAmb"], 16) == cap_mask(kept)
    assert int(st["CapPrm"], 16) == cap_mask(kept)
    assert int(st["CapEff"], 16) == cap_mask(kept)


def test_capabilities_empty(cbundle, root, container_id):
    """config.md#linux-process: capabilities -- an empty effective/permitted/bounding set means the
    process has none of them."""
    cbundle.config["process"]["capabilities"] = {"bounding": [], "effective": [], "permitted": []}
    st = run_checker(cbundle, root, container_id())["status"]
    assert int(st["CapEff"], 16) == 0 and int(st["CapBnd"], 16) == 0 and int(st["CapPrm"], 16) == 0


def test_capabilities_unknown_does_not_fail(cbundle, root, container_id):
    """config.md#linux-process: any capability value which cannot be mapped to a relevant kernel
    interface, or cannot be granted otherwise MUST be logged as a warning by the runtime; runtimes
    SHOULD NOT fail if the container configuration requests capabilities that cannot be granted."""
    caps = ["CAP_CHOWN", "CAP_NOT_A_REAL_ONE"]
    cbundle.config["process"]["capabilities"] = {"bounding": caps, "effective": caps,
                                                 "permitted": caps}
    st = run_checker(cbundle, root, container_id())["status"]
    assert int(st["CapEff"], 16) == cap_mask(["CAP_CHOWN"])


@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(cbundle, root, container_id, nnp):
    """config.md#linux-process: noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true
    prevents the process from gaining additional privileges (NoNewPrivs in /proc/self/status)."""
    cbundle.config["process"]["noNewPrivileges"] = nnp
    st = run_checker(cbundle, root, container_id())["status"]
    assert st["NoNewPrivs"] == ("1" if nnp else "0")


def test_oom_score_adj_set(cbundle, root, container_id):
    """config.md#linux-process: oomScoreAdj -- if oomScoreAdj is set, the runtime MUST set
    oom_score_adj to the given value."""
    cbundle.config["process"]["oomScoreAdj"] = 432
    assert run_checker(cbundle, root, container_id())["oom_score_adj"] == "432"


def test_oom_score_adj_unset_unchanged(cbundle, root, container_id):
    """config.md#linux-process: if oomScoreAdj is not set, the runtime MUST NOT change the value of
    oom_score_adj (the container process keeps the value the runtime was started with)."""
    cbundle.config["process"].pop("oomScoreAdj", None)

    def preexec():
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("123")

    info = run_checker(cbundle, root, container_id(), preexec_fn=preexec)
    assert info["oom_score_adj"] == "123"


# --- Hostname, domainname -------------------------------------------------------------------------


def test_hostname(cbundle, root, container_id):
    """config.md#hostname: hostname specifies the container's hostname as seen by processes running
    inside the container (new UTS namespace)."""
    cbundle.config["hostname"] = "spec-host"
    assert run_checker(cbundle, root, container_id())["hostname"] == "spec-host"


@xfail_runc("1.1.5 predates config.md's domainname (runtime-spec 1.1): it is ignored")
def test_domainname(cbundle, root, container_id):
    """config.md#domainname: domainname specifies the container's domainname as seen by processes
    running inside the container (new UTS namespace)."""
    cbundle.config["domainname"] = "spec.example"
    assert run_checker(cbundle, root, container_id())["domainname"] == "spec.example"


# --- Extensibility and valid values --------------------------------------------------------------


def test_unknown_properties_ignored(cbundle, root, container_id):
    """config.md#extensibility: runtimes that are reading or processing this configuration file MUST
    NOT generate an error if they encounter an unknown property. Instead they MUST ignore unknown
    properties."""
    cbundle.config["org.example.unknownTopLevel"] = {"a": [1, 2]}
    cbundle.config["process"]["org.example.unknownProcess"] = True
    cbundle.config["linux"]["org.example.unknownLinux"] = "x"
    cbundle.config["mounts"][0]["org.example.unknownMount"] = 1
    cbundle.config["hostname"] = "ext"
    assert run_checker(cbundle, root, container_id())["hostname"] == "ext"


@pytest.mark.parametrize("where", ["namespace-type", "mount-type", "rootfsPropagation"])
def test_invalid_values_error(bundle, root, container_id, where):
    """config.md#valid-values: runtimes that are reading or processing this configuration file MUST
    generate an error when invalid or unsupported values are encountered."""
    if where == "namespace-type":
        bundle.config["linux"]["namespaces"].append({"type": "bogus"})
    elif where == "rootfsPropagation":
        bundle.config["linux"]["rootfsPropagation"] = "bogus"
    else:
        bundle.config["mounts"].append({"destination": "/x", "type": "no-such-filesystem",
                                        "source": "none"})
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_console_size_ignored_without_terminal(cbundle, root, container_id):
    """config.md#process: runtimes MUST ignore consoleSize if terminal is false or unset."""
    cbundle.config["process"]["terminal"] = False
    cbundle.config["process"]["consoleSize"] = {"height": 40, "width": 120}
    assert run_checker(cbundle, root, container_id())["uid"] == 0


@pytest.mark.parametrize("bad", ["relative-path", "zero-timeout"])
def test_invalid_hook_errors(bundle, root, container_id, bad):
    """config.md#posix-platform-hooks: path MUST be absolute; if set, timeout MUST be greater than
    zero (config.md#valid-values: invalid values MUST generate an error)."""
    hook = {"path": "/bin/true"}
    if bad == "relative-path":
        hook["path"] = "bin/true"
    else:
        hook["timeout"] = 0
    bundle.config["hooks"] = {"createRuntime": [hook]}
    bundle.set_args("true")
    assert_create_fails(bundle, container_id(), root)


def test_unknown_annotation_keys_accepted(bundle, root, container_id):
    """config.md#annotations: implementations that are reading/processing this configuration file
    MUST NOT generate an error if they encounter an unknown annotation key."""
    bundle.config["annotations"] = {"io.example.never-heard-of-it": "1",
                                    "org.opencontainers.unknown.key": "2"}
    bundle.set_args("true")
    proc = rt_run(bundle, container_id(), root)
    assert proc.returncode == 0, proc.stderr
