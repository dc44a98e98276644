"""cgroup file and path traversal: docs/security.md §1.9 (GHSA-5g49-rx9x-qfc6 and relatives).

Safety (§0.2 rule 4): a probe that could reach a host cgroup file writes the value already there,
and every cgroup directory a test may create is removed in teardown. Device rules (§1.18) belong
to the cgroup work and are not tested here."""

import os
import uuid

import pytest

import secutil

CGROOT = "/sys/fs/cgroup"


def _unified():
    return os.path.exists(os.path.join(CGROOT, "cgroup.controllers"))


def _find(name):
    out = []
    for dirpath, dirnames, _ in os.walk(CGROOT):
        for d in dirnames:
            if d.startswith(name):
                out.append(os.path.join(dirpath, d))
    return out


def _rmdir_tree(path):
    for dirpath, dirnames, _ in sorted(os.walk(path, topdown=False), key=lambda t: -len(t[0])):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


@pytest.fixture
def cg_name():
    name = f"pyrt-sec-{uuid.uuid4().hex[:8]}"
    yield name
    for p in _find(name):
        _rmdir_tree(p)


@pytest.fixture
def cgroups_applied(bundle, root, container_id, cg_name):
    """Skip unless `create` places the container in config's cgroupsPath (issue 3)."""
    bundle.config["linux"]["cgroupsPath"] = f"/{cg_name}-probe"
    ns = bundle.config["linux"]["namespaces"]
    proc = secutil.run(bundle, container_id(), root, ["cat", "/proc/self/cgroup"])
    bundle.config["linux"].pop("cgroupsPath")
    if proc.returncode != 0 or f"{cg_name}-probe" not in proc.stdout:
        pytest.skip("the runtime does not apply linux.cgroupsPath yet: "
                    f"{proc.stdout.strip()[:100]} {proc.stderr.strip()[-150:]}")
    bundle.config["linux"]["namespaces"] = ns


def test_cgroup_unified_traversal(cgroups_applied, bundle, root, container_id, cg_name):
    if not _unified():
        pytest.skip("cgroup v2 (unified) host needed")
    parent_weight = open(os.path.join(CGROOT, "cpu.weight")).read().strip() if os.path.exists(
        os.path.join(CGROOT, "cpu.weight")) else "100"
    bundle.config["linux"]["cgroupsPath"] = f"/{cg_name}"
    for unified in ({"../cpu.weight": parent_weight}, {"/cpu.weight": "100"},
                    {"cpu.weight/../../cpu.weight": "100"}, {"": "1"}):
        bundle.config["linux"]["resources"] = {"unified": unified}
        proc = secutil.run(bundle, container_id(), root, ["true"])
        assert proc.returncode != 0, f"unified {unified} was accepted"


def test_cgroups_path_escape(cgroups_applied, bundle, root, container_id, host_canary, cg_name):
    bundle.config["linux"]["cgroupsPath"] = "/../../../../" + str(host_canary).lstrip("/") + f"/{cg_name}"
    proc = secutil.run(bundle, container_id(), root, ["cat", "/proc/self/cgroup"])
    if proc.returncode == 0:
        assert cg_name in proc.stdout, proc.stdout
    assert sorted(os.listdir(host_canary)) == ["MARKER"]
