"""The child's errno and step survive to the Python caller (issue 15, part 3): the init sends
errno, its step and the text (MSG_ERROR); container.create raises an InitError that keeps
.errno and .step, as crun's libcrun_error_t keeps its status; the line the CLI prints is the
text alone, as before."""
import errno
import json
import subprocess
from pathlib import Path

import pytest

import support

PROBE = """
import json, sys
from pyruntime import container
from pyruntime.errors import RuntimeFailure
root, cid, bundle = sys.argv[1:4]
try:
    container.create(root, cid, bundle)
    print(json.dumps({"created": True}))
except RuntimeFailure as e:
    print(json.dumps({"type": type(e).__name__, "errno": getattr(e, "errno", None),
                      "step": getattr(e, "step", None), "text": str(e)}))
"""


def create_in_python(bundle, root, cid):
    """container.create() called as a library (the installed package, -I), its failure as data."""
    bundle.write()
    python = Path(support.RUNTIME).parent / "python"
    proc = subprocess.run([str(python), "-I", "-c", PROBE, str(root), cid, str(bundle.path)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def cli_error(bundle, root, cid):
    """The message the CLI printed (runc's logrus line: msg="...", quotes escaped)."""
    proc = support.rt("create", "--bundle", str(bundle.path), cid, root=root, timeout=60)
    assert proc.returncode != 0
    return proc.stderr.replace('\\"', '"')


@pytest.mark.skipif(support.RUNTIME_NAME != "pyruntime", reason="pyruntime's Python API")
def test_a_missing_bind_source_is_enoent_in_the_rootfs_step(tmp_path, bundle, root, container_id):
    missing = tmp_path / "no-such-dir"
    bundle.config["mounts"].append({"destination": "/mnt/x", "type": "bind", "source": str(missing),
                                    "options": ["rbind"]})
    got = create_in_python(bundle, root, container_id())
    assert got["type"] == "InitError"
    assert (got["errno"], got["step"]) == (errno.ENOENT, "rootfs")
    assert got["text"].endswith("no such file or directory") and str(missing) in got["text"]
    # the CLI says the same line, nothing more of errno or step
    assert got["text"] in cli_error(bundle, root, container_id())


@pytest.mark.skipif(support.RUNTIME_NAME != "pyruntime", reason="pyruntime's Python API")
def test_a_namespace_path_that_is_no_namespace_is_einval_in_the_namespaces_step(tmp_path, bundle, root,
                                                                                container_id):
    fake = tmp_path / "not-a-netns"
    fake.write_text("")
    ns = [n for n in bundle.config["linux"]["namespaces"] if n["type"] != "network"]
    bundle.config["linux"]["namespaces"] = ns + [{"type": "network", "path": str(fake)}]
    got = create_in_python(bundle, root, container_id())
    assert got["type"] == "InitError"
    assert (got["errno"], got["step"]) == (errno.EINVAL, "namespaces"), got
    assert got["text"] in cli_error(bundle, root, container_id())


@pytest.mark.skipif(support.RUNTIME_NAME != "pyruntime", reason="pyruntime's Python API")
def test_a_cwd_that_is_a_file_is_the_process_step(bundle, root, container_id):
    bundle.config["process"]["cwd"] = "/bin/sh"
    got = create_in_python(bundle, root, container_id())
    assert got["type"] == "InitError"
    assert (got["errno"], got["step"]) == (errno.ENOTDIR, "process"), got
