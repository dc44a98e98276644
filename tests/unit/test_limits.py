"""The init's limits are the parser's (docs/security.md §1.29): one table (pyruntime/_native/contract.py)
makes pyruntime/limits.py's numbers and init.h's LIMIT_* (tests/contract/ proves the decoder takes each
limit and refuses one more), and a config past one is a ConfigError naming the JSON path."""
import os
import re

import pytest

from pyruntime import plan as P
from pyruntime.defaults import default_config
from pyruntime.errors import ConfigError
from pyruntime.limits import LIMITS

INIT_H = os.path.join(os.path.dirname(P.__file__), "_native", "init.h")


def test_init_tables_are_sized_by_the_limits():
    """Every table of struct plan uses a LIMIT_ name, not a number of its own."""
    with open(INIT_H) as f:
        text = f.read()
    body = text[text.index("struct plan {"):text.index("};", text.index("struct plan {"))]
    sizes = [x.split()[0] for x in re.findall(r"\[([^\]]+)\]", body)]
    # affinity[2]: the initial and the final mask, not a table
    assert sizes and all(s.startswith("LIMIT_") or s == "2" for s in sizes), sizes


@pytest.fixture
def bundle(tmp_path):
    (tmp_path / "rootfs").mkdir()
    return str(tmp_path)


def cfg():
    c = default_config()
    c["process"]["terminal"] = False
    return c


CASES = [
    (lambda c: c["mounts"].extend({"destination": f"/m{i}", "type": "tmpfs", "source": "t"}
                                  for i in range(LIMITS["MOUNTS"])), "mounts"),
    (lambda c: c["process"].__setitem__("args", ["a"] * (LIMITS["ARGS"] + 1)), "process.args"),
    # HOME (looked up by the init) takes the last slot
    (lambda c: c["process"].__setitem__("env", [f"V{i}=1" for i in range(LIMITS["ENV"])]), "process.env"),
    (lambda c: c["process"]["user"].__setitem__("additionalGids", list(range(LIMITS["GROUPS"] + 1))),
     "process.user.additionalGids"),
    (lambda c: c["linux"].__setitem__("maskedPaths", ["/m"] * (LIMITS["MASKED"] + 1)), "linux.maskedPaths"),
    (lambda c: c["linux"].__setitem__("readonlyPaths", ["/r"] * (LIMITS["READONLY"] + 1)), "linux.readonlyPaths"),
    (lambda c: c["linux"].__setitem__("devices", [{"path": f"/dev/x{i}", "type": "c", "major": 1, "minor": 3}
                                                  for i in range(LIMITS["DEVICES"])]), "linux.devices"),
    (lambda c: c.__setitem__("hooks", {"startContainer": [{"path": "/x"}] * (LIMITS["HOOKS"] + 1)}),
     "hooks.startContainer"),
    (lambda c: c.__setitem__("hooks", {"createContainer": [{"path": "/x", "args": ["a"] * 65}]}),
     "hooks.createContainer[0].args"),
    (lambda c: c.__setitem__("hooks", {"createContainer": [{"path": "/x", "env": ["a=1"] * 257}]}),
     "hooks.createContainer[0].env"),
]


@pytest.mark.parametrize("mutate,path", CASES, ids=[p for _, p in CASES])
def test_over_a_limit_is_a_config_error(bundle, mutate, path):
    c = cfg()
    mutate(c)
    with pytest.raises(ConfigError, match="more than the") as e:
        P.build_plan(c, bundle, P.Host("", 40, False))
    assert e.value.path == path


def test_at_the_limits_is_fine(bundle):
    c = cfg()
    c["process"]["args"] = ["a"] * LIMITS["ARGS"]
    c["process"]["env"] = [f"V{i}=1" for i in range(LIMITS["ENV"] - 1)]  # + HOME
    c["process"]["user"]["additionalGids"] = list(range(LIMITS["GROUPS"]))
    plan = P.build_plan(c, bundle, P.Host("", 40, False))
    assert len(plan.args) == LIMITS["ARGS"] and len(plan.groups) == LIMITS["GROUPS"]


def test_exec_plan_limits_name_the_process(bundle):
    proc = {"args": ["a"] * (LIMITS["ARGS"] + 1), "cwd": "/", "env": []}
    with pytest.raises(ConfigError) as e:
        P.build_exec_plan(proc, cfg(), 5, P.Host("", 40, False))
    assert e.value.path == "process.args"
