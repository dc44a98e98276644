"""pyruntime.api, the Python library over the lifecycle (docs/api.md).

The example of docs/api.md runs here as it stands (only its `rootfs` and `root` lines pointed at
this test's own), and its printed output must be the one the page shows: the page cannot rot.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import support

# the API is pyruntime's own: under RUNTIME=runc these compare pyruntime with runc's CLI
pytestmark = pytest.mark.skipif(support.RUNTIME_NAME != "pyruntime", reason="the Python API is pyruntime's")

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _blocks():
    text = DOC.read_text()
    section = text.split("## An example", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.S)


def _example():
    """(code, expected output) of the page's example."""
    blocks = _blocks()
    code = [body for lang, body in blocks if lang == "python"]
    out = [body for lang, body in blocks if lang == ""]
    assert len(code) == 1 and len(out) == 1, "docs/api.md: one python block and its output"
    return code[0], out[0]


def _pointed(code, rootfs, root):
    """The example with its two setting lines pointed at ours (each must be there exactly once)."""
    for name, value in (("rootfs", rootfs), ("root", root)):
        code, n = re.subn(rf"^{name} = \"[^\"]*\"", f"{name} = {str(value)!r}", code, flags=re.M)
        assert n == 1, f"docs/api.md's example no longer sets {name} on a line of its own"
    return code


def _python(code, tmp_path, name="script.py"):
    script = tmp_path / name
    script.write_text(code)
    # a process of its own: a foreground exec makes its caller a subreaper and takes its signals
    # files, not pipes: a container left running holds its stdio (the caller's) open
    with open(tmp_path / f"{name}.out", "w+") as out, open(tmp_path / f"{name}.err", "w+") as err:
        r = subprocess.run([sys.executable, "-u", str(script)], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                           timeout=60, cwd=tmp_path)
        out.seek(0)
        err.seek(0)
        r.stdout, r.stderr = out.read(), err.read()
    return r


def test_docs_example_runs_as_written(busybox_rootfs, root, tmp_path):
    code, expected = _example()
    r = _python(_pointed(code, busybox_rootfs, root), tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected
    assert os.listdir(root) == []  # deleted: no state left


def test_state_is_typed_and_matches_the_cli(bundle, root, container_id, tmp_path):
    cid = container_id()
    bundle.config["process"]["args"] = ["sleep", "1000"]
    bundle.write()
    code = f"""
from pyruntime.api import Container, State
c = Container.create({str(bundle.path)!r}, {cid!r}, root={str(root)!r})
st = c.state()
assert isinstance(st, State) and isinstance(st.pid, int) and st.pid > 0, st
print(st.status, st.id, st.pid)
print([s.id for s in Container.list(root={str(root)!r})])
"""
    r = _python(code, tmp_path)
    assert r.returncode == 0, r.stderr
    status, sid, pid = r.stdout.splitlines()[0].split()
    cli = support.state(cid, root)
    assert (status, sid, int(pid)) == (cli["status"], cli["id"], cli["pid"]) == ("created", cid, cli["pid"])
    assert r.stdout.splitlines()[1] == repr([cid])


def test_state_round_trips_to_the_cli_json():
    from pyruntime.api import State
    d = {"ociVersion": "1.2.1", "id": "x", "pid": 7, "status": "running", "bundle": "/b", "rootfs": "/b/r",
         "created": "2026-01-01T00:00:00Z", "annotations": {"a": "b"}, "owner": ""}
    st = State.from_dict(d)
    assert st.to_dict() == d and list(st.to_dict()) == list(d)
    assert st == State.from_dict(dict(d)) and st != State.from_dict(dict(d, pid=8))


def test_missing_container_is_not_found(root):
    from pyruntime.api import Container, NotFound, RuntimeFailure
    with pytest.raises(NotFound) as e:
        Container.load("no-such-container", root=root)
    assert str(e.value) == "container does not exist"
    assert isinstance(e.value, RuntimeFailure)
    for call in (lambda c: c.state(), lambda c: c.start(), lambda c: c.kill("KILL"), lambda c: c.delete()):
        with pytest.raises(NotFound):
            call(Container("no-such-container", root=root))
    Container("no-such-container", root=root).delete(force=True)  # as `delete --force`: no error


def test_bad_config_raises_config_error_with_its_json_path(bundle, root, container_id):
    from pyruntime.api import ConfigError, Container, Spec
    bundle.config["process"]["args"] = []
    bundle.write()
    cid = container_id()
    cwd = os.getcwd()
    with pytest.raises(ConfigError) as e:
        Container.create(bundle.path, cid, root=root)
    assert e.value.path == "process.args" and e.value.reason == "must be a non-empty array"
    assert str(e.value) == "config.json: process.args: must be a non-empty array"
    assert os.listdir(root) == [] and os.getcwd() == cwd  # nothing made, nowhere moved
    with pytest.raises(ConfigError) as e:
        Spec.load(bundle.path)
    assert e.value.path == "process.args"
    s = Spec(bundle.config)
    s.args = ["true"]
    s.validate()
    s["mounts"].append({"destination": 5, "type": "tmpfs", "source": "tmpfs"})
    with pytest.raises(ConfigError) as e:
        s.validate()
    assert e.value.path == f"mounts[{len(s['mounts']) - 1}].destination" and e.value.reason == "must be a string"


def test_wrong_status_is_state_error(bundle, root, container_id, tmp_path):
    cid = container_id()
    bundle.config["process"]["args"] = ["sleep", "1000"]
    bundle.write()
    code = f"""
from pyruntime.api import Container, NotFound, StateError
c = Container.create({str(bundle.path)!r}, {cid!r}, root={str(root)!r})
c.start()
for what, call in (("start", c.start), ("delete", c.delete)):
    try:
        call()
    except StateError as e:
        print(what, "->", e)
c.delete(force=True)
try:
    c.state()
except NotFound:
    print("deleted")
"""
    r = _python(code, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "start -> cannot start an already running container",
        f"delete -> cannot delete container {cid} that is not stopped: running",
        "deleted",
    ]
    assert os.listdir(root) == []


def test_unknown_option_is_a_usage_error(bundle, root):
    from pyruntime.api import Container, UsageError
    with pytest.raises(UsageError, match="unknown option.*: bogus"):
        Container.create(bundle.path, "x", root=root, bogus=True)
    assert os.listdir(root) == []


def test_import_is_light():
    code = ("import sys; import pyruntime.api; "
            "print(sorted(m for m in ('json', 'jsonschema', 'subprocess', 'argparse', 'dataclasses', 'typing', "
            "'inspect', 're', 'enum', 'logging', 'tempfile') if m in sys.modules))")
    # as the installed command starts (-S: no site; its site-packages on the path by hand)
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True, cwd="/",
                         env={"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    assert out.stdout.strip() == "[]"
