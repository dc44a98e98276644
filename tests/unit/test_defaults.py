import json
import os
import shutil
import subprocess
import sys

import pytest

from pyruntime import OCI_VERSION, defaults
from pyruntime.errors import RuntimeFailure

RUNC = shutil.which("runc") or ("/usr/sbin/runc" if os.path.exists("/usr/sbin/runc") else None)
CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
NEEDS_RUNC = pytest.mark.skipif(RUNC is None, reason="runc not installed")


def runc_spec(tmp_path, rootless):
    d = tmp_path / ("runc-rootless" if rootless else "runc")
    d.mkdir()
    subprocess.run([RUNC, "spec", "--bundle", str(d)] + (["--rootless"] if rootless else []), check=True)
    return json.loads((d / "config.json").read_text())


def ns_types(cfg):
    return [ns["type"] for ns in cfg["linux"]["namespaces"]]


def test_basic_shape():
    cfg = defaults.default_config()
    assert cfg["ociVersion"] == OCI_VERSION
    p = cfg["process"]
    assert p["terminal"] is True
    assert p["user"] == {"uid": 0, "gid": 0}
    assert p["args"] == ["sh"]
    assert p["env"] == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"]
    assert p["cwd"] == "/"
    assert p["capabilities"] == {"bounding": CAPS, "effective": CAPS, "permitted": CAPS}
    assert p["rlimits"] == [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
    assert p["noNewPrivileges"] is True
    assert cfg["root"] == {"path": "rootfs", "readonly": True}
    assert cfg["hostname"] == "pyruntime"
    assert cfg["linux"]["resources"] == {"devices": [{"allow": False, "access": "rwm"}]}
    assert ns_types(cfg)[:5] == ["pid", "network", "ipc", "uts", "mount"]
    assert "uidMappings" not in cfg["linux"]


def test_no_inheritable_or_ambient():
    # CVE-2022-29162: the starter config must not put anything in the inheritable set
    for rootless in (False, True):
        c = defaults.default_config(rootless)["process"]["capabilities"]
        assert "inheritable" not in c and "ambient" not in c


def test_cgroup_namespace_follows_cgroup2(monkeypatch):
    monkeypatch.setattr(defaults, "_cgroup2_unified", lambda: True)
    assert ns_types(defaults.default_config()) == ["pid", "network", "ipc", "uts", "mount", "cgroup"]
    assert ns_types(defaults.default_config(True)) == ["pid", "ipc", "uts", "mount", "cgroup", "user"]
    monkeypatch.setattr(defaults, "_cgroup2_unified", lambda: False)
    assert ns_types(defaults.default_config()) == ["pid", "network", "ipc", "uts", "mount"]
    assert ns_types(defaults.default_config(True)) == ["pid", "ipc", "uts", "mount", "user"]


def test_rootless_shape():
    cfg = defaults.default_config(rootless=True)
    lx = cfg["linux"]
    assert "resources" not in lx
    assert lx["uidMappings"] == [{"containerID": 0, "hostID": os.geteuid(), "size": 1}]
    assert lx["gidMappings"] == [{"containerID": 0, "hostID": os.getegid(), "size": 1}]
    types = ns_types(cfg)
    assert "network" not in types and types[-1] == "user" and types.count("user") == 1
    by_dest = {m["destination"]: m for m in cfg["mounts"]}
    assert by_dest["/sys"] == {"destination": "/sys", "type": "none", "source": "/sys",
                               "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}
    for m in cfg["mounts"]:
        assert not any(o.startswith(("uid=", "gid=")) for o in m.get("options", ()))


def test_fresh_objects():
    a = defaults.default_config()
    a["mounts"][1]["options"].append("x")
    a["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    a["linux"]["maskedPaths"].append("/x")
    b = defaults.default_config()
    assert "x" not in b["mounts"][1]["options"]
    assert b["process"]["capabilities"]["bounding"] == CAPS
    assert "/x" not in b["linux"]["maskedPaths"]
    # the rootless variant must not have altered the shared option lists either
    defaults.default_config(True)
    assert "gid=5" in defaults.default_config()["mounts"][2]["options"]


def _normalise(cfg):
    """runc's output minus the deliberate differences (version, hostname, ambient, cgroupns)."""
    cfg = json.loads(json.dumps(cfg))
    cfg.pop("ociVersion")
    cfg.pop("hostname")
    cfg["process"]["capabilities"].pop("ambient", None)
    cfg["linux"]["namespaces"] = [ns for ns in cfg["linux"]["namespaces"] if ns["type"] != "cgroup"]
    return cfg


@NEEDS_RUNC
@pytest.mark.parametrize("rootless", [False, True])
def test_matches_runc_spec(tmp_path, rootless):
    theirs = runc_spec(tmp_path, rootless)
    ours = defaults.default_config(rootless)
    # the parts clients look at, compared explicitly for readable failures
    assert [(m["destination"], m["type"], m["source"], m.get("options")) for m in ours["mounts"]] == \
        [(m["destination"], m["type"], m["source"], m.get("options")) for m in theirs["mounts"]]
    assert ours["linux"]["maskedPaths"] == theirs["linux"]["maskedPaths"]
    assert ours["linux"]["readonlyPaths"] == theirs["linux"]["readonlyPaths"]
    for kind in ("bounding", "effective", "permitted"):
        assert ours["process"]["capabilities"][kind] == theirs["process"]["capabilities"][kind]
    # and everything else, modulo the documented deltas
    assert _normalise(ours) == _normalise(theirs)
    assert list(ours) == list(theirs)  # same key order
    assert list(ours["linux"]) == list(theirs["linux"])


@NEEDS_RUNC
def test_written_file_matches_runc_bytes(tmp_path):
    """Same layout as runc: tab indentation, no trailing newline; only the deltas differ."""
    runc_dir = tmp_path / "r"
    ours_dir = tmp_path / "o"
    runc_dir.mkdir()
    ours_dir.mkdir()
    subprocess.run([RUNC, "spec", "--bundle", str(runc_dir)], check=True)
    defaults.write_spec(str(ours_dir), False)
    theirs = json.loads((runc_dir / "config.json").read_text())
    theirs["ociVersion"] = OCI_VERSION
    theirs["hostname"] = "pyruntime"
    theirs["process"]["capabilities"].pop("ambient", None)
    if defaults._cgroup2_unified() and {"type": "cgroup"} not in theirs["linux"]["namespaces"]:
        theirs["linux"]["namespaces"].append({"type": "cgroup"})
    expected = json.dumps(theirs, indent="\t")
    assert (ours_dir / "config.json").read_text() == expected


def test_write_spec(tmp_path):
    defaults.write_spec(str(tmp_path), False)
    path = tmp_path / "config.json"
    text = path.read_text()
    assert text.startswith('{\n\t"ociVersion": ')
    assert not text.endswith("\n")
    assert json.loads(text) == defaults.default_config()
    old_umask = os.umask(0)
    os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~old_umask


def test_write_spec_rootless(tmp_path):
    defaults.write_spec(str(tmp_path), True)
    assert json.loads((tmp_path / "config.json").read_text()) == defaults.default_config(True)


def test_write_spec_refuses_existing(tmp_path):
    (tmp_path / "config.json").write_text("keep")
    with pytest.raises(RuntimeFailure) as exc:
        defaults.write_spec(str(tmp_path), False)
    assert str(exc.value) == "File config.json exists. Remove it first"
    assert exc.value.exit_code == 1
    assert (tmp_path / "config.json").read_text() == "keep"


def test_write_spec_refuses_dangling_symlink(tmp_path):
    os.symlink(tmp_path / "elsewhere", tmp_path / "config.json")
    with pytest.raises(RuntimeFailure, match="exists. Remove it first"):
        defaults.write_spec(str(tmp_path), False)
    assert not (tmp_path / "elsewhere").exists()


def test_write_spec_missing_bundle(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(RuntimeFailure) as exc:
        defaults.write_spec(str(missing), False)
    assert str(exc.value) == f"chdir {missing}: no such file or directory"


def test_import_is_light():
    code = ("import sys; import pyruntime.defaults; "
            "print(sorted(m for m in ('json', 'subprocess', 'ctypes') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
