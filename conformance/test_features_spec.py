"""features.md and features-linux.md: the `features` document and what it claims.

The features document itself is OPTIONAL (features.md: a runtime MAY provide it); a runtime without
a `features` command skips these cases with that reason.  Every docstring starts with the spec
reference and the sentence it checks.
"""

import json
import re
from pathlib import Path

import pytest

import support
from cutil import create_ok, features, run_checker, start_ok
from support import rt, wait_status

SCHEMA = Path(support.REPO) / "schema" / "features-schema.json"
SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@pytest.fixture
def doc():
    d = features()
    if d is None:
        pytest.skip(f"optional feature: `{support.RUNTIME_NAME} features` (features.md: a runtime MAY "
                    "provide the features document) is not implemented")
    return d


def test_required_keys(doc):
    """features.md#features-structure: ociVersionMin (string, REQUIRED) and ociVersionMax (string,
    REQUIRED) -- the minimum and maximum recognized version of the Runtime Specification (SemVer)."""
    assert SEMVER.match(doc["ociVersionMin"]), doc["ociVersionMin"]
    assert SEMVER.match(doc["ociVersionMax"]), doc["ociVersionMax"]


def test_document_matches_schema(doc):
    """features.md / features-linux.md: the document's properties have the listed types (validated
    with schema/features-schema.json)."""
    import jsonschema

    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))


@pytest.mark.parametrize("which", ["ociVersionMin", "ociVersionMax"])
def test_accepts_oci_version_bounds(doc, bundle, root, container_id, which):
    """features.md#features-structure: ociVersionMin / ociVersionMax -- the runtime MUST accept this
    value as the ociVersion property of config.json."""
    bundle.config["ociVersion"] = doc[which]
    bundle.set_args("true")
    cid = container_id()
    create_ok(bundle, cid, root)
    start_ok(cid, root)
    wait_status(cid, "stopped", root)


def test_listed_hooks_run(doc, bundle, root, container_id, tmp_path):
    """features.md#hooks: hooks is the list of the recognized hook names; each listed hook type in a
    config is run during the container's lifecycle."""
    log = tmp_path / "hooks.log"
    hooks = {}
    for name in doc.get("hooks") or []:
        target = "/hooks.log" if name == "startContainer" else str(log)
        hooks[name] = [{"path": "/bin/sh", "args": ["sh", "-c", f"echo {name} >> {target}"]}]
    if not hooks:
        pytest.skip("optional feature: the features document lists no hooks")
    bundle.config["hooks"] = hooks
    bundle.set_args("true")
    cid = container_id()
    create_ok(bundle, cid, root)
    start_ok(cid, root)
    wait_status(cid, "stopped", root)
    assert rt("delete", cid, root=root).returncode == 0
    ran = log.read_text().split() if log.exists() else []
    inside = bundle.rootfs / "hooks.log"
    ran += inside.read_text().split() if inside.exists() else []
    assert sorted(ran) == sorted(hooks), f"listed {sorted(hooks)}, ran {sorted(ran)}"


def test_listed_namespaces_work(doc, cbundle, root, container_id):
    """features-linux.md#namespaces: namespaces is the list of the recognized namespaces; each
    listed namespace can be requested (one container with all of them new)."""
    listed = (doc.get("linux") or {}).get("namespaces") or []
    if not listed:
        pytest.skip("optional feature: the features document lists no namespaces")
    have = {n["type"] for n in cbundle.config["linux"]["namespaces"]}
    for ns in listed:
        if ns not in have:
            cbundle.config["linux"]["namespaces"].append({"type": ns})
    if "user" in listed:
        cbundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 65536}]
        cbundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 0, "size": 65536}]
    info = run_checker(cbundle, root, container_id())
    files = {"network": "net", "mount": "mnt"}
    import os

    for ns in listed:
        f = files.get(ns, ns)
        assert info["ns"][f] != os.readlink(f"/proc/self/ns/{f}"), ns


def test_listed_capabilities_known(doc):
    """features-linux.md#capabilities: capabilities is the list of the recognized capabilities
    (names of capabilities(7), CAP_ prefixed, no duplicates)."""
    caps = (doc.get("linux") or {}).get("capabilities")
    if caps is None:
        pytest.skip("optional feature: linux.capabilities not in the features document")
    assert all(re.match(r"^CAP_[A-Z_]+$", c) for c in caps)
    assert len(set(caps)) == len(caps)
    assert {"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"} <= set(caps)


def test_cgroup_section(doc):
    """features-linux.md#cgroup: v1, v2, systemd, systemdUser, rdma are booleans when present."""
    cg = (doc.get("linux") or {}).get("cgroup")
    if cg is None:
        pytest.skip("optional feature: linux.cgroup not in the features document")
    for k in ("v1", "v2", "systemd", "systemdUser", "rdma"):
        if k in cg:
            assert isinstance(cg[k], bool), k
