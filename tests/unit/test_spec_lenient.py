"""spec.parse takes what runc (Go's encoding/json) takes and the schema alone would refuse."""
import json

import pytest

from pyruntime import spec
from pyruntime.errors import ConfigError

BASE = {"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], "cwd": "/"},
        "linux": {"resources": {}}}


def parse(doc):
    notes = []
    return spec.parse(json.dumps(doc).encode(), notes.append), notes


def test_no_oci_version():
    doc = dict(BASE)
    del doc["ociVersion"]
    config, notes = parse(doc)
    assert "ociVersion" not in config and len(notes) == 1 and "no ociVersion" in notes[0]


@pytest.mark.parametrize("version", ["1.4.0", "2.0.0", "0.5.0-dev", "banana"])
def test_an_unknown_version_is_taken_with_a_warning(version):
    _, notes = parse(dict(BASE, ociVersion=version))
    assert len(notes) == 1 and repr(version) in notes[0]


@pytest.mark.parametrize("version", ["1.0.0", "1.0.2-dev", "1.3.0+build.5", "1.2.1"])
def test_a_known_version_has_no_warning(version):
    assert parse(dict(BASE, ociVersion=version))[1] == []


def test_null_is_not_given():
    doc = json.loads(json.dumps(BASE))
    doc["linux"]["timeOffsets"] = None
    doc["linux"]["namespaces"] = [{"type": "pid", "path": None}]
    doc["process"]["env"] = None
    config, _ = parse(doc)
    assert "timeOffsets" not in config["linux"] and "env" not in config["process"]
    assert config["linux"]["namespaces"] == [{"type": "pid"}]


def test_hugepage_pagesize_in_any_case():
    doc = json.loads(json.dumps(BASE))
    doc["linux"]["resources"]["hugepageLimits"] = [{"pagesize": "2MB", "limit": 1}, {"PageSize": "1GB", "limit": 2}]
    config, _ = parse(doc)
    assert config["linux"]["resources"]["hugepageLimits"] == [{"limit": 1, "pageSize": "2MB"},
                                                             {"limit": 2, "pageSize": "1GB"}]


def test_device_access_with_other_letters_warns():
    doc = json.loads(json.dumps(BASE))
    doc["linux"]["resources"]["devices"] = [{"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwa"}]
    config, notes = parse(doc)
    assert config["linux"]["resources"]["devices"][0]["access"] == "rwa"
    assert notes and "devices[0].access" in notes[0]


def test_still_refused():
    doc = dict(BASE, ociVersion=1)
    with pytest.raises(ConfigError):
        parse(doc)
