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
    return config


def validate(config):
    from ._config_validator import validate as schema_validate  # noqa: PLC0415
    problem = schema_validate(config)
    if problem:
        raise ConfigError(*problem)
