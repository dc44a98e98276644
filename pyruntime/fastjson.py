"""JSON for the hot path without `import json`.

`import json` pulls in re, enum, functools and collections: about 10 ms of a 40 ms `run` here.
The C accelerator `_json` has the same scanner json.loads uses, and our documents need no more
than a small encoder (strings go through _json's own escaping). Behaviour matches json.loads /
json.dumps for what we read and write; tests/unit/test_fastjson.py checks that.
"""
import _json

_WS = " \t\n\r"


class _Context:
    """The attributes _json.make_scanner reads (those of json.JSONDecoder's defaults)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = None

    @staticmethod
    def parse_constant(name):
        return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


_scan = _json.make_scanner(_Context())


class JSONError(ValueError):
    pass


def _where(text, pos):
    line = text.count("\n", 0, pos) + 1
    col = pos - text.rfind("\n", 0, pos)
    return f"line {line} column {col} (char {pos})"


def loads(data):
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    if text.startswith("\ufeff"):
        raise JSONError("unexpected UTF-8 BOM")
    start = len(text) - len(text.lstrip(_WS))
    try:
        obj, end = _scan(text, start)
    except StopIteration as e:
        raise JSONError(f"expecting value: {_where(text, e.value)}") from None
    except RecursionError:
        raise JSONError("nested too deeply") from None
    except (ValueError, SystemError):
        # the C scanner builds its error through json.decoder, which we never import on the hot
        # path: on this (slow, rare) path let the json module describe the problem
        import json  # noqa: PLC0415
        try:
            json.loads(text)
        except ValueError as e:
            raise JSONError(str(e)[0].lower() + str(e)[1:]) from None
        except RecursionError:
            raise JSONError("nested too deeply") from None
        raise JSONError("invalid JSON") from None
    rest = len(text.rstrip(_WS))
    if end < rest:
        raise JSONError(f"extra data: {_where(text, end)}")
    return obj


_str = _json.encode_basestring_ascii


def dumps(obj, indent=None):
    """json.dumps(obj, indent=indent) for dict/list/str/int/float/bool/None."""
    out = []
    _enc(obj, out, indent, 0)
    return "".join(out)


def _enc(obj, out, indent, level):
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(_str(obj))
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            out.append({"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(obj)])
        else:
            out.append(float.__repr__(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        sep, close = _layout(indent, level)
        out.append("{")
        first = True
        for k, v in obj.items():
            out.append(sep if first else ("," + sep if indent is not None else ", "))
            first = False
            out.append(_str(k if isinstance(k, str) else str(k)))
            out.append(": ")
            _enc(v, out, indent, level + 1)
        out.append(close + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        sep, close = _layout(indent, level)
        out.append("[")
        for i, v in enumerate(obj):
            out.append(sep if i == 0 else ("," + sep if indent is not None else ", "))
            _enc(v, out, indent, level + 1)
        out.append(close + "]")
    else:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _layout(indent, level):
    if indent is None:
        return "", ""
    pad = " " * indent
    return "\n" + pad * (level + 1), "\n" + pad * level
