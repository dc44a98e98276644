"""config.json -> a validated config (dict), with the JSON path of the first problem on error.

Validation runs the validator generated at build time from schema/config-schema.json
(pyruntime/_config_validator.py): the schema stays the one source of truth and the hot path
never imports jsonschema.
"""
from . import fastjson as json
import os

from .errors import ConfigError, RuntimeFailure

SUPPORTED_MAJOR_MINOR = ("1.0", "1.1", "1.2", "1.3")


def load(bundle):
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
    return parse(raw), raw


def parse(raw):
    try:
        config = json.loads(raw)
    except ValueError as e:
        raise ConfigError("", f"invalid JSON: {e}") from None
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
