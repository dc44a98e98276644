"""config.json -> a validated config (dict), with the JSON path of the first problem on error.

Validation runs the validator generated at build time from schema/config-schema.json
(pyruntime/_config_validator.py): the schema stays the one source of truth and the hot path
never imports jsonschema.
"""
from . import fastjson as json
import os

from .errors import ConfigError, RuntimeFailure


def load(bundle, warn=None):
    """Read and validate <bundle>/config.json; returns (config dict, raw bytes)."""
    path = os.path.join(bundle, "config.json")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        if not os.path.isdir(bundle):
            raise RuntimeFailure(f"bundle \"{bundle}\": no such file or directory") from None
        raise RuntimeFailure(f"open {path}: no such file or directory") from None
    except OSError as e:
        raise RuntimeFailure(f"open {path}: {e.strerror.lower()}") from None
    return parse(raw, warn), raw


def parse(raw, warn=None):
    try:
        config = json.loads(raw)
    except ValueError as e:
        raise ConfigError("", f"invalid JSON: {e}") from None
    go_lenient(config, raw, warn or (lambda msg: None))
    validate(config)
    if b"\\u0000" in raw:  # JSON can only carry a NUL escaped: no escape, no NUL (the common case)
        _refuse_nul(config, "")
    return config


def validate_process(process, raw=b"\\u0000"):
    """process.json of `exec -p`, validated as config.json's process is at `create` (the same
    generated checks, then no NUL byte); errors name the path inside process.json."""
    from ._config_validator import validate_process as schema_validate  # noqa: PLC0415
    problem = schema_validate(process)
    if problem:
        raise ConfigError(*problem, source="process.json")
    if b"\\u0000" in raw:
        try:
            _refuse_nul(process, "")
        except ConfigError as e:
            raise ConfigError(e.path, e.reason, source="process.json") from None


def _drop_nulls(node):
    """Go's encoding/json (runc) reads a JSON null as "not given" for every field: drop them."""
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if v is None]:
            del node[key]
        for v in node.values():
            _drop_nulls(v)
    elif isinstance(node, list):
        for v in node:
            _drop_nulls(v)


def _version_known(v):
    """1.0.x .. 1.3.x with optional pre-release/build suffixes (what this runtime implements)."""
    core = v.partition("+")[0].partition("-")[0].split(".")
    return len(core) == 3 and core[0] == "1" and core[1] in ("0", "1", "2", "3") and core[2].isdigit()


def go_lenient(config, raw, warn):
    """Take what runc (Go's encoding/json) takes and the schema alone would refuse, before the
    schema check: a JSON null for any field, no ociVersion or another version, `pagesize` (Go
    matches field names case-insensitively), device access letters other than r, w, m (ignored).
    Cheap on the common config: the walk for nulls runs only when the raw bytes hold one."""
    if not isinstance(config, dict):
        return
    if b"null" in raw:
        _drop_nulls(config)
    version = config.get("ociVersion")
    if "ociVersion" not in config:
        warn("config.json: no ociVersion (the runtime-spec requires one): reading it as 1.3")
    elif isinstance(version, str) and not _version_known(version):
        warn(f"config.json: ociVersion {version!r} is not a runtime-spec version this runtime implements "
             f"(1.0.x to 1.3.x): reading it as 1.3")
    linux = config.get("linux")
    res = linux.get("resources") if isinstance(linux, dict) else None
    if not isinstance(res, dict):
        return
    for h in res.get("hugepageLimits") or ():
        if isinstance(h, dict) and "pageSize" not in h:
            for key in [k for k in h if k.lower() == "pagesize"]:
                h["pageSize"] = h.pop(key)
    for i, d in enumerate(res.get("devices") or ()):
        acc = d.get("access") if isinstance(d, dict) else None
        if isinstance(acc, str) and acc.strip("rwm"):
            warn(f"config.json: linux.resources.devices[{i}].access: {acc!r}: letters other than r, w "
                 f"and m are ignored")


def _refuse_nul(node, path):
    """No path, argument, name or option can hold a NUL byte (C strings end there): refuse the
    config with the JSON path rather than cut the string. Annotations are free-form metadata."""
    if isinstance(node, str):
        if "\0" in node:
            raise ConfigError(path, "must not contain a NUL byte")
    elif isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else key
            if "\0" in key:
                raise ConfigError(sub, "must not contain a NUL byte")
            if sub != "annotations":
                _refuse_nul(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _refuse_nul(value, f"{path}[{i}]")


def validate(config):
    from ._config_validator import validate as schema_validate  # noqa: PLC0415
    problem = schema_validate(config)
    if problem:
        raise ConfigError(*problem)
