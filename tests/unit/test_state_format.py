"""state.json's one definition (pyruntime/state_format.py): the C front's table is generated from
it, Python's own check of a loaded state uses it, and what create writes fits it."""
import os

import pyruntime
from pyruntime import state, state_format


def test_the_installed_front_reads_by_this_table():
    header = os.path.join(os.path.dirname(pyruntime.__file__), "_native", "state_format.h")
    with open(header) as f:
        assert f.read() == state_format.c_header()


def test_header_lists_every_field_with_its_type():
    text = state_format.c_header()
    for table in (state_format.FIELDS, state_format.CGROUP_FIELDS):
        for name, kind in table.items():
            assert f'{{"{name}", SF_{kind.upper()}}},' in text


def test_python_check_uses_the_table():
    assert set(state.INT_FIELDS) == {"pid", "pid_start", "creator", "creator_start"}
    assert state._sound({"pid": 5, "pid_start": 7})
    assert not state._sound({"pid": -1})
    assert not state._sound({"pid_start": 1 << 63})
    assert not state._sound({"creator": True})


def test_unfit_names_unknown_and_mistyped_keys():
    good = {"ociVersion": "1.0.2", "id": "a", "pid": 1, "pid_start": 2, "annotations": {"k": "v"},
            "namespaces": ["pid"], "shared_pid": False, "hooks": {}, "notify": "",
            "cgroup": {"driver": "v1", "paths": {"pids": "/x"}, "created": ["/x"], "claimed": True, "other": 1}}
    assert state_format.unfit(good) == []
    assert state_format.unfit(dict(good, extra=1)) == ["extra"]
    assert state_format.unfit(dict(good, annotations={"k": 1})) == ["annotations"]
    assert state_format.unfit(dict(good, cgroup={"claimed": "yes"})) == ["cgroup.claimed"]
    assert state_format.unfit(dict(good, pid=True)) == ["pid"]
