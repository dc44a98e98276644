"""schema/: the JSON Schemas against real configs, and invalid configs against pyruntime.

Real configs: `pyruntime spec`, `runc spec`, `crun spec`, the config.json podman writes into its
bundle (`podman create` + `podman init`), and the OCI spec containerd generates (`ctr c create`, on a
private containerd started for the test).  Invalid configs must fail the schema and be rejected by
pyruntime's `create` with the JSON path of the problem in its error.  These cases check
pyruntime's schema and validator, whatever RUNTIME is.
"""

import copy
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest

import support

SCHEMA_DIR = Path(support.REPO) / "schema"
PYRUNTIME = str(Path(support.REPO) / ".venv" / "bin" / "pyruntime")


@pytest.fixture(scope="module")
def config_schema():
    schema = json.loads((SCHEMA_DIR / "config-schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _spec_of(binary, tmp_path):
    if shutil.which(binary) is None and not os.path.exists(binary):
        pytest.skip(f"{binary} is not installed")
    d = tmp_path / "spec"
    d.mkdir()
    proc = subprocess.run([binary, "spec"], cwd=d, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return json.loads((d / "config.json").read_text())


def _errors(validator, config):
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message
            for e in validator.iter_errors(config)]


@pytest.mark.parametrize("binary", [PYRUNTIME, "runc", "crun"], ids=["pyruntime", "runc", "crun"])
def test_spec_output_valid(config_schema, tmp_path, binary):
    """schema/config-schema.json: `<runtime> spec` writes a config.json the schema accepts
    (config.md: the configuration's properties and types)."""
    config = _spec_of(binary, tmp_path)
    assert not _errors(config_schema, config)


@pytest.fixture(scope="module")
def busybox_image(tmp_path_factory):
    """localhost/busybox in podman's storage: imported from a busybox rootfs built here when the
    machine has none yet (and removed again at the end), so these cases never skip for want of it."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    have = subprocess.run(["podman", "image", "exists", "localhost/busybox"], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=60)
    if have.returncode == 0:
        yield "localhost/busybox"
        return
    base = tmp_path_factory.mktemp("image")
    rootfs = support.build_busybox_rootfs(base / "rootfs")
    tar = base / "busybox.tar"
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tar), "."], check=True, timeout=120)
    imp = subprocess.run(["podman", "import", str(tar), "localhost/busybox"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=120)
    assert imp.returncode == 0, imp.stderr
    try:
        yield "localhost/busybox"
    finally:
        subprocess.run(["podman", "rmi", "-f", "localhost/busybox"], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)


def test_podman_bundle_config_valid(config_schema, busybox_image):
    """schema/config-schema.json: the config.json podman 4.3 writes into its bundle
    (overlay-containers/<id>/userdata/config.json) is accepted."""
    # podman's default here is crun, which refuses this host's hybrid layout; the config podman
    # writes does not depend on the runtime, so any that runs here will do
    runtime = ["--runtime", "runc"] if shutil.which("runc") else []
    proc = subprocess.run(["podman", *runtime, "create", busybox_image, "true"], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 0, proc.stderr
    cid = proc.stdout.strip().splitlines()[-1]
    try:
        init = subprocess.run(["podman", *runtime, "init", cid], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=60)
        assert init.returncode == 0, init.stderr
        path = Path(f"/var/lib/containers/storage/overlay-containers/{cid}/userdata/config.json")
        config = json.loads(path.read_text())
    finally:
        subprocess.run(["podman", "rm", "-f", cid], capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=60)
    assert config["process"]["args"] == ["true"]
    assert not _errors(config_schema, config)


@pytest.fixture
def containerd(tmp_path, busybox_image):
    """A private containerd (own root, state and socket) with localhost/busybox imported."""
    for tool in ("containerd", "ctr"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: no containerd-generated config")
    base = tmp_path / "containerd"
    base.mkdir()
    sock = base / "sock"
    log = open(base / "log", "wb")
    proc = subprocess.Popen(["containerd", "--root", str(base / "root"), "--state",
                             str(base / "state"), "--address", str(sock), "--config", "/dev/null"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 15
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip("containerd could not be started: " + (base / "log").read_text()[-300:])
            time.sleep(0.05)
        ctr = ["ctr", "--address", str(sock)]
        tar = base / "img.tar"
        save = subprocess.run(["podman", "save", "--format", "oci-archive", "-o", str(tar),
                               busybox_image], capture_output=True, text=True, timeout=120)
        assert save.returncode == 0, save.stderr
        imp = subprocess.run([*ctr, "images", "import", "--base-name", "localhost/busybox", str(tar)],
                             capture_output=True, text=True, timeout=120)
        assert imp.returncode == 0, imp.stderr
        yield ctr
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_containerd_config_valid(config_schema, containerd):
    """schema/config-schema.json: the OCI spec containerd 1.6 generates for a container
    (`ctr c create`, read back with `ctr c info`) is accepted."""
    ctr = containerd
    proc = subprocess.run([*ctr, "c", "create", "localhost/busybox:latest", "conformance-ctr",
                           "true"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = subprocess.run([*ctr, "c", "info", "conformance-ctr"], capture_output=True, text=True,
                          timeout=60)
    subprocess.run([*ctr, "c", "rm", "conformance-ctr"], capture_output=True, timeout=60)
    config = json.loads(info.stdout)["Spec"]
    assert config["process"]["args"] == ["true"]
    assert not _errors(config_schema, config)


# --- invalid configs: the schema rejects them, and so does pyruntime, naming the JSON path --------


def _set(path, value):
    def mutate(c):
        node = c
        for k in path[:-1]:
            node = node[k]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return mutate


_DELETE = object()

INVALID = [
    ("ociVersion-number", _set(["ociVersion"], 1), "ociVersion"),
    ("args-string", _set(["process", "args"], "sh"), "process.args"),
    ("cwd-number", _set(["process", "cwd"], 5), "process.cwd"),
    ("uid-negative", _set(["process", "user", "uid"], -1), "process.user.uid"),
    ("rlimit-soft-string", _set(["process", "rlimits", 0, "soft"], "x"), "process.rlimits[0].soft"),
    ("rlimit-type-missing", _set(["process", "rlimits", 0, "type"], _DELETE), "process.rlimits[0]"),
    ("root-path-missing", _set(["root", "path"], _DELETE), "root"),
    ("mount-destination-number", _set(["mounts", 0, "destination"], 7), "mounts[0].destination"),
    ("namespace-type-bogus", _set(["linux", "namespaces", 0, "type"], "bogus"),
     "linux.namespaces[0].type"),
    ("hook-path-missing", _set(["hooks"], {"createRuntime": [{"args": ["x"]}]}),
     "hooks.createRuntime[0]"),
    ("annotations-value-number", _set(["annotations"], {"a.b": 1}), "annotations"),
    ("hostname-number", _set(["hostname"], 3), "hostname"),
    ("caps-not-array", _set(["process", "capabilities", "bounding"], "CAP_KILL"),
     "process.capabilities.bounding"),
]


@pytest.mark.parametrize("name,mutate,json_path", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_config_rejected_with_json_path(config_schema, bundle, root, container_id, name,
                                                 mutate, json_path):
    """config.md#valid-values: runtimes MUST generate an error when invalid values are encountered;
    the schema rejects the config and pyruntime's create fails naming the JSON path."""
    config = copy.deepcopy(bundle.config)
    config["annotations"] = config.get("annotations", {})
    mutate(config)
    assert _errors(config_schema, config), "the schema accepts an invalid config"
    bundle.config = config
    bundle.write()
    cid = container_id()
    proc = subprocess.run([PYRUNTIME, "--root", str(root), "create", "--bundle", str(bundle.path),
                           cid], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=30)
    assert proc.returncode != 0
    assert json_path in proc.stderr, f"JSON path {json_path!r} not in: {proc.stderr.strip()}"
    assert not (root / cid).exists()


@pytest.mark.runc_compat
def test_config_without_oci_version_is_taken(bundle, root, container_id):
    """The runtime-spec calls ociVersion REQUIRED, but runc (and every config it takes) runs without
    one: a drop-in takes it too, and pyruntime says so in a warning."""
    bundle.config.pop("ociVersion", None)
    bundle.set_args("true")
    cid = container_id()
    proc, _ = support.rt_create(bundle, cid, root)
    try:
        assert proc.returncode == 0, proc.stderr
        if not support.IS_RUNC and not support.IS_CRUN:
            assert "ociVersion" in proc.stderr and "warning" in proc.stderr, proc.stderr
    finally:
        support.rt("delete", "--force", cid, root=root)
