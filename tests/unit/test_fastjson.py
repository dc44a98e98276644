"""fastjson must read and write exactly what the json module does for our documents."""
import json
import math

import pytest

from pyruntime import fastjson

DOCS = [
    {},
    [],
    {"ociVersion": "1.0.2", "id": "c1", "pid": 4422, "status": "running", "annotations": {"k": "v"}},
    {"a": [1, 2.5, -3, True, False, None, "x\"y\\z\n\u00e9\u4e2d\U0001f600"], "b": {"c": {"d": []}}},
    {"big": 2**64, "neg": -(2**63), "f": 1e-7, "g": 1.5e300},
    ["\u0000\u001f", "tab\there"],
]


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("indent", [None, 2, 4])
def test_dumps_matches_json(doc, indent):
    assert fastjson.dumps(doc, indent=indent) == json.dumps(doc, indent=indent)


@pytest.mark.parametrize("doc", DOCS)
def test_loads_roundtrip(doc):
    text = json.dumps(doc, indent=1)
    assert fastjson.loads(text) == json.loads(text)
    assert fastjson.loads(text.encode()) == json.loads(text)
    assert fastjson.loads("  \n" + text + " \n\t") == doc


@pytest.mark.parametrize("bad", ["", "   ", "{", "[1,]", "{\"a\" 1}", "nul", "{} x", "[1] [2]", "'a'",
                                 "{\"a\":1,}", "\ufeff{}"])
def test_loads_rejects_what_json_rejects(bad):
    with pytest.raises(ValueError):
        json.loads(bad) if not bad.startswith("\ufeff") else (_ for _ in ()).throw(ValueError())
    with pytest.raises(fastjson.JSONError):
        fastjson.loads(bad)


def test_error_names_the_position():
    with pytest.raises(fastjson.JSONError, match="line 2 column 1"):
        fastjson.loads('{"a": 1,\n}')


def test_constants():
    assert math.isinf(fastjson.loads("Infinity"))
    assert fastjson.dumps(float("inf")) == json.dumps(float("inf"))
