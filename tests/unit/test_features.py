import json
import os
import shutil
import subprocess
import sys

import pytest

from pyruntime import OCI_VERSION, __version__, capabilities, criu, features

# Every property runtime-spec v1.2 defines for the Features structure (features.md,
# features-linux.md, specs-go/features/features.go at v1.2.0). None = leaf value.
SPEC_V1_2 = {
    "ociVersionMin": None,
    "ociVersionMax": None,
    "hooks": None,
    "mountOptions": None,
    "annotations": None,  # free-form map of strings
    "potentiallyUnsafeConfigAnnotations": None,
    "linux": {
        "namespaces": None,
        "capabilities": None,
        "cgroup": {"v1": None, "v2": None, "systemd": None, "systemdUser": None, "rdma": None},
        "seccomp": {"enabled": None, "actions": None, "operators": None, "archs": None,
                    "knownFlags": None, "supportedFlags": None},
        "apparmor": {"enabled": None},
        "selinux": {"enabled": None},
        "intelRdt": {"enabled": None},
        "mountExtensions": {"idmap": {"enabled": None}},
    },
}

RUNC = shutil.which("runc") or ("/usr/sbin/runc" if os.path.exists("/usr/sbin/runc") else None)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _check_keys(doc, allowed, where=""):
    assert isinstance(doc, dict), where
    for key, value in doc.items():
        assert key in allowed, f"{where}{key} is not defined by runtime-spec v1.2"
        if allowed[key] is not None:
            _check_keys(value, allowed[key], f"{where}{key}.")


def test_required_and_versions():
    f = features.features()
    assert f["ociVersionMin"] == "1.0.0"
    assert f["ociVersionMax"] == OCI_VERSION
    vmin = tuple(int(x) for x in f["ociVersionMin"].split("."))
    vmax = tuple(int(x) for x in f["ociVersionMax"].split("."))
    assert vmax >= vmin


def test_only_spec_defined_keys():
    _check_keys(features.features(), SPEC_V1_2)


def test_contents():
    f = features.features()
    assert f["hooks"] == ["prestart", "createRuntime", "createContainer", "startContainer",
                          "poststart", "poststop"]
    lx = f["linux"]
    assert sorted(lx["namespaces"]) == ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]
    assert lx["capabilities"] == list(capabilities.NAMES)
    assert lx["cgroup"] == {"v1": True, "v2": True, "systemd": False, "systemdUser": False}
    assert lx["seccomp"]["enabled"] is True
    assert {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_NOTIFY"} <= set(lx["seccomp"]["actions"])
    assert set(lx["seccomp"]["operators"]) == {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                               "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}
    # built-in support, whatever the host has on (features-linux.md; runc says true for both)
    assert lx["apparmor"] == {"enabled": True}
    assert lx["selinux"] == {"enabled": True}
    assert lx["mountExtensions"] == {"idmap": {"enabled": True}}
    assert f["annotations"] == {
        "org.opencontainers.pyruntime.version": __version__,
        "org.opencontainers.pyruntime.checkpoint.enabled": "true" if criu.available() else "false",
    }
    for v in f["annotations"].values():
        assert isinstance(v, str)


def test_mount_options():
    opts = features.features()["mountOptions"]
    assert opts == sorted(opts) and len(set(opts)) == len(opts)
    for must in ("ro", "rw", "bind", "rbind", "rro", "rrw", "rprivate", "rslave", "rshared",
                 "tmpcopyup", "nosuid", "nodev", "noexec", "relatime", "strictatime", "defaults", "idmap", "ridmap",
                 "nosymfollow", "symfollow", "rnosymfollow", "rsymfollow"):
        assert must in opts
    # fs data options are never listed
    for absent in ("mode=755", "size=65536k"):
        assert absent not in opts
    # every flag option listed is one the plan knows (not passed on as fs data)
    from pyruntime import mounts
    known = set(mounts.FLAGS) | set(mounts.RECURSIVE) | set(mounts.PROPAGATION) | {"tmpcopyup", "idmap", "ridmap"}
    assert set(opts) - known == {"acl", "noacl"}  # data options runc lists too


def test_no_shared_state():
    a = features.features()
    a["hooks"].append("x")
    a["linux"]["cgroup"]["systemd"] = True
    a["linux"]["capabilities"].append("CAP_X")
    b = features.features()
    assert "x" not in b["hooks"]
    assert b["linux"]["cgroup"]["systemd"] is False
    assert b["linux"]["capabilities"] == list(capabilities.NAMES)


def test_json_layout():
    text = features.features_json()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n    "ociVersionMin": "1.0.0",\n    "ociVersionMax": ')
    assert json.loads(text) == features.features()


@pytest.mark.skipif(RUNC is None, reason="runc not installed")
def test_subset_of_runc_mount_options_and_same_layout():
    out = subprocess.run([RUNC, "features"], capture_output=True, text=True, check=True).stdout
    theirs = json.loads(out)
    ours = features.features()
    # runc 1.1.5 here predates idmap/ridmap (runc 1.2 lists them)
    assert set(ours["mountOptions"]) - {"idmap", "ridmap"} <= set(theirs["mountOptions"])
    assert ours["hooks"] == theirs["hooks"]
    assert ours["linux"]["capabilities"] == theirs["linux"]["capabilities"]
    assert set(theirs["linux"]["namespaces"]) <= set(ours["linux"]["namespaces"])
    assert (ours["linux"]["apparmor"], ours["linux"]["selinux"]) == (theirs["linux"]["apparmor"],
                                                                     theirs["linux"]["selinux"])
    # identical formatting: re-encode runc's document our way and compare text
    assert json.dumps(theirs, indent=4) + "\n" == out


def test_schema_if_available():
    jsonschema = pytest.importorskip("jsonschema")
    path = os.path.join(REPO, "schema", "features-schema.json")
    if not os.path.exists(path):
        pytest.skip("schema/features-schema.json not present")
    with open(path) as fp:
        schema = json.load(fp)
    jsonschema.validate(features.features(), schema)


def test_import_is_light():
    code = ("import sys; import pyruntime.features; "
            "print(sorted(m for m in ('json', 'subprocess', 'ctypes', 'signal') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_checkpoint_annotation_follows_criu(monkeypatch):
    """checkpoint.enabled says whether criu and its Python bindings are installed (runc reports its
    build-time support; the kernel is `criu check`'s question)."""
    for have, text in ((True, "true"), (False, "false")):
        monkeypatch.setattr(criu, "available", lambda have=have: have)
        assert features.features()["annotations"]["org.opencontainers.pyruntime.checkpoint.enabled"] == text
