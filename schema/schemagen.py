"""Generate a fast, dependency-free validator from schema/config-schema.json.

The schema in schema/ stays the one source of truth.  This module turns it
into plain Python (one function per definition, straight-line checks, only
`re` imported) so the create hot path never imports jsonschema.

    /usr/bin/python3 schema/schemagen.py           # (re)write pyruntime/_config_validator.py
    /usr/bin/python3 schema/schemagen.py --check   # exit 1 if the committed file is stale

Library use (build.py, with schema/ on sys.path):  schemagen.generate(schema_path, out_path)
Build tooling, not part of the installed package: it lives next to the schema it reads.

The generated module exposes

    validate(doc) -> None | tuple[str, str]

None when `doc` is valid, else (json_path, reason) for the first error found,
json_path dotted with [i] indexes ("" is the document root), e.g.
("process.args", "must be a non-empty array").

Supported keywords (anything else is refused at generation time, so the
schema cannot silently use something the validator ignores): type (a name
or a list), properties, required, items (one schema), additionalProperties
(schema or bool), patternProperties, enum, const, pattern, minimum, maximum,
minItems, maxItems, uniqueItems, $ref to "#/definitions/...", allOf, anyOf,
oneOf.  Semantics follow draft-07 as implemented by jsonschema: a bool is
neither an integer nor a number, 1.0 is an integer, patterns use re.search.
Importing this module has no side effects.
"""

import hashlib
import json
import os
import sys

__all__ = ["generate", "render", "GenerationError", "DEFAULT_SCHEMA", "DEFAULT_OUTPUT"]

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCHEMA = os.path.join(_ROOT, "schema", "config-schema.json")
DEFAULT_OUTPUT = os.path.join(_ROOT, "pyruntime", "_config_validator.py")

# Keywords that carry no validation meaning for us.
_ANNOTATIONS = frozenset(
    ["$schema", "$id", "id", "$comment", "title", "description", "default", "examples", "definitions"]
)
_SUPPORTED = frozenset(
    [
        "type", "properties", "required", "items", "additionalProperties", "patternProperties",
        "enum", "const", "pattern", "minimum", "maximum", "minItems", "maxItems", "uniqueItems",
        "$ref", "allOf", "anyOf", "oneOf",
    ]
)
_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


class GenerationError(Exception):
    """The schema uses something the generator does not support."""


def _type_test(t, v):
    """A Python expression that is true when `v` is of JSON type `t` (jsonschema semantics)."""
    if t == "object":
        return "isinstance(%s, dict)" % v
    if t == "array":
        return "isinstance(%s, list)" % v
    if t == "string":
        return "isinstance(%s, str)" % v
    if t == "integer":
        return "(type(%s) is int or _isint(%s))" % (v, v)
    if t == "number":
        return "(type(%s) is int or type(%s) is float or _isnum(%s))" % (v, v, v)
    if t == "boolean":
        return "(%s is True or %s is False)" % (v, v)
    if t == "null":
        return "%s is None" % v
    raise GenerationError("unknown type %r" % (t,))


def _join_words(words):
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _show(value):
    return value if isinstance(value, str) else json.dumps(value)


def _ident(name):
    out = "".join(c if (c.isalnum() or c == "_") else "_" for c in name)
    return "_d_" + out


class _Gen:
    def __init__(self, schema):
        self.schema = schema
        self.defs = schema.get("definitions", {})
        self.consts = []  # module-level constants: (name, source)
        self.patterns = []  # pattern strings, compiled lazily by index
        self.extra_funcs = []  # synthetic functions for anyOf/oneOf alternatives
        self.counter = 0
        self.func_names = {name: _ident(name) for name in self.defs}
        if len(set(self.func_names.values())) != len(self.func_names):
            raise GenerationError("definition names collide after sanitising")

    # -- helpers ---------------------------------------------------------
    def fresh(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    def const(self, source):
        for name, src in self.consts:
            if src == source:
                return name
        name = "_C%d" % len(self.consts)
        self.consts.append((name, source))
        return name

    def pattern(self, pat):
        if not isinstance(pat, str):
            raise GenerationError("pattern must be a string")
        import re

        re.compile(pat)  # fail at generation time on a bad pattern
        if pat not in self.patterns:
            self.patterns.append(pat)
        return self.patterns.index(pat)

    def ref_target(self, ref):
        prefix = "#/definitions/"
        if not isinstance(ref, str) or not ref.startswith(prefix):
            raise GenerationError("only local refs '#/definitions/...' are supported: %r" % (ref,))
        name = ref[len(prefix):]
        if name not in self.defs:
            raise GenerationError("unresolved $ref %r" % (ref,))
        return name

    @staticmethod
    def path_expr(path):
        """Python expression for a relative path given as segments."""
        fmt = []
        args = []
        for kind, val in path:
            if kind == "key":
                s = val.replace("%", "%%")
                fmt.append(s if not fmt else "." + s)
            elif kind == "idx":
                fmt.append("[%d]")
                args.append(val)
            else:  # dynamic key
                fmt.append("%s" if not fmt else ".%s")
                args.append(val)
        text = "".join(fmt)
        if not args:
            return repr(text.replace("%%", "%"))
        if len(args) == 1:
            return "%r %% %s" % (text, args[0])
        return "%r %% (%s)" % (text, ", ".join(args))

    # -- emission --------------------------------------------------------
    def fail(self, out, ind, path, msg):
        out.append("%sreturn (%s, %r)" % (ind, self.path_expr(path), msg))

    def call(self, out, ind, func, v, path):
        r = self.fresh("r")
        out.append("%s%s = %s(%s)" % (ind, r, func, v))
        out.append("%sif %s is not None:" % (ind, r))
        if not path:
            out.append("%s    return %s" % (ind, r))
        else:
            out.append("%s    return _in(%s, %s)" % (ind, self.path_expr(path), r))

    def emit(self, s, v, path, out, ind):
        if s is True or s == {}:
            return
        if s is False:
            self.fail(out, ind, path, "is not allowed")
            return
        if not isinstance(s, dict):
            raise GenerationError("schema must be an object or a bool: %r" % (s,))
        for k in s:
            if k not in _SUPPORTED and k not in _ANNOTATIONS:
                raise GenerationError("unsupported keyword %r" % (k,))
        if "$ref" in s:
            # draft-07: siblings of $ref are ignored
            target = self.ref_target(s["$ref"])
            if self.is_leaf(target):
                # scalar definitions (uint32, FileType, ...) are inlined: no call, no path join
                self.emit(self.defs[target], v, path, out, ind)
            else:
                self.call(out, ind, self.func_names[target], v, path)
            return

        types = s.get("type")
        if isinstance(types, str):
            types = [types]
        if types == ["integer"] and set(s) - _ANNOTATIONS <= {"type", "minimum", "maximum"}:
            # the commonest leaf (uint32, int64, ...): one helper call
            lo, hi = s.get("minimum"), s.get("maximum")
            m = self.fresh("m")
            out.append("%s%s = _int(%s, %r, %r)" % (ind, m, v, lo, hi))
            out.append("%sif %s is not None:" % (ind, m))
            out.append("%s    return (%s, %s)" % (ind, self.path_expr(path), m))
            return
        known = set(types) if types else None
        if types:
            test = " or ".join(_type_test(t, v) for t in types)
            if types == ["array"] and s.get("minItems") == 1:
                msg = "must be a non-empty array"
            else:
                msg = "must be " + _join_words([_TYPE_NAMES[t] for t in types])
            out.append("%sif not (%s):" % (ind, test))
            self.fail(out, ind + "    ", path, msg)

        def guarded(t):
            """Yield the indentation to use for keywords of JSON type t, opening a guard if needed."""
            if known is not None and (known == {t} or (t == "number" and known <= {"integer", "number"})):
                return ind
            if known is not None and t not in known and not (t == "number" and "integer" in known):
                return None  # keyword can never apply
            if t == "number":
                out.append("%sif %s:" % (ind, "(type(%s) is int or type(%s) is float or _isnum(%s))" % (v, v, v)))
            else:
                out.append("%sif %s:" % (ind, _type_test(t, v)))
            return ind + "    "

        # generic keywords
        if "enum" in s:
            vals = s["enum"]
            if not isinstance(vals, list) or not vals:
                raise GenerationError("enum must be a non-empty list")
            msg = "must be one of: " + ", ".join(_show(x) for x in vals)
            if known == {"string"} and all(isinstance(x, str) for x in vals):
                c = self.const("frozenset(%r)" % (sorted(set(vals)),))
                out.append("%sif %s not in %s:" % (ind, v, c))
            else:
                c = self.const(repr(tuple(vals)))
                out.append("%sif not _inenum(%s, %s):" % (ind, v, c))
            self.fail(out, ind + "    ", path, msg)
        if "const" in s:
            c = self.const(repr(s["const"]))
            out.append("%sif not _eq(%s, %s):" % (ind, v, c))
            self.fail(out, ind + "    ", path, "must be " + json.dumps(s["const"]))

        # string keywords
        if "pattern" in s:
            g = guarded("string")
            if g is not None:
                i = self.pattern(s["pattern"])
                out.append("%sif not _p%d(%s):" % (g, i, v))
                self.fail(out, g + "    ", path, "must match pattern " + s["pattern"])

        # numeric keywords
        if "minimum" in s or "maximum" in s:
            g = guarded("number")
            if g is not None:
                for kw, op, word in (("minimum", "<", ">="), ("maximum", ">", "<=")):
                    if kw in s:
                        lim = s[kw]
                        if isinstance(lim, bool) or not isinstance(lim, (int, float)):
                            raise GenerationError("%s must be a number" % kw)
                        out.append("%sif %s %s %r:" % (g, v, op, lim))
                        self.fail(out, g + "    ", path, "must be %s %s" % (word, _show(lim)))

        # array keywords
        if any(k in s for k in ("minItems", "maxItems", "uniqueItems", "items")):
            g = guarded("array")
            if g is not None:
                if "minItems" in s:
                    n = s["minItems"]
                    out.append("%sif len(%s) < %d:" % (g, v, n))
                    msg = "must be a non-empty array" if n == 1 else "must have at least %d items" % n
                    self.fail(out, g + "    ", path, msg)
                if "maxItems" in s:
                    n = s["maxItems"]
                    out.append("%sif len(%s) > %d:" % (g, v, n))
                    self.fail(out, g + "    ", path, "must have at most %d items" % n)
                if s.get("uniqueItems"):
                    out.append("%sif not _unique(%s):" % (g, v))
                    self.fail(out, g + "    ", path, "must not contain duplicate items")
                if "items" in s:
                    items = s["items"]
                    if isinstance(items, list):
                        raise GenerationError("tuple-form items is not supported")
                    if not (items is True or items == {}):
                        i, x = self.fresh("i"), self.fresh("x")
                        out.append("%sfor %s, %s in enumerate(%s):" % (g, i, x, v))
                        self.emit(items, x, path + [("idx", i)], out, g + "    ")

        # object keywords
        if any(k in s for k in ("required", "properties", "patternProperties", "additionalProperties")):
            g = guarded("object")
            if g is not None:
                for name in s.get("required", ()):
                    out.append("%sif %r not in %s:" % (g, name, v))
                    self.fail(out, g + "    ", path + [("key", name)], "is required")
                props = s.get("properties", {})
                for name, sub in props.items():
                    if sub is True or sub == {}:
                        continue
                    x = self.fresh("x")
                    out.append("%sif %r in %s:" % (g, name, v))
                    out.append("%s    %s = %s[%r]" % (g, x, v, name))
                    self.emit(sub, x, path + [("key", name)], out, g + "    ")
                pprops = s.get("patternProperties", {})
                addl = s.get("additionalProperties", True)
                check_addl = not (addl is True or addl == {})
                if pprops or check_addl:
                    k, x = self.fresh("k"), self.fresh("x")
                    out.append("%sfor %s, %s in %s.items():" % (g, k, x, v))
                    b = g + "    "
                    m = None
                    if check_addl and pprops:
                        m = self.fresh("m")
                        out.append("%s%s = False" % (b, m))
                    for pat, sub in pprops.items():
                        i = self.pattern(pat)
                        out.append("%sif _p%d(%s):" % (b, i, k))
                        if m:
                            out.append("%s    %s = True" % (b, m))
                        if sub is True or sub == {}:
                            out.append("%s    pass" % b)
                        else:
                            self.emit(sub, x, path + [("kvar", k)], out, b + "    ")
                    if check_addl:
                        conds = []
                        if props:
                            conds.append("%s not in %s" % (k, self.const("frozenset(%r)" % (sorted(props),))))
                        if m:
                            conds.append("not %s" % m)
                        if conds:
                            out.append("%sif %s:" % (b, " and ".join(conds)))
                            bb = b + "    "
                        else:
                            bb = b
                        if addl is False:
                            self.fail(out, bb, path + [("kvar", k)], "is not allowed")
                        else:
                            self.emit(addl, x, path + [("kvar", k)], out, bb)

        # combinators
        for sub in s.get("allOf", ()):
            self.emit(sub, v, path, out, ind)
        for kw in ("anyOf", "oneOf"):
            if kw not in s:
                continue
            alts = s[kw]
            if not isinstance(alts, list) or not alts:
                raise GenerationError("%s must be a non-empty list" % kw)
            funcs = [self.alt_function(a) for a in alts]
            if kw == "anyOf" and len(funcs) == 1:
                self.call(out, ind, funcs[0], v, path)
                continue
            if kw == "anyOf":
                cond = " and ".join("%s(%s) is not None" % (f, v) for f in funcs)
                out.append("%sif %s:" % (ind, cond))
                self.fail(out, ind + "    ", path, "does not match any allowed form")
            else:
                cnt = " + ".join("(%s(%s) is None)" % (f, v) for f in funcs)
                out.append("%sif %s != 1:" % (ind, cnt))
                self.fail(out, ind + "    ", path, "must match exactly one allowed form")

    def is_leaf(self, name, seen=()):
        """True if definition `name` checks a scalar only (inlined at each use)."""
        s = self.defs[name]
        if not isinstance(s, dict):
            return False
        if "$ref" in s:
            target = self.ref_target(s["$ref"])
            return target not in seen and self.is_leaf(target, seen + (name,))
        return not any(k in s for k in ("properties", "required", "items", "patternProperties",
                                        "additionalProperties", "allOf", "anyOf", "oneOf"))

    def alt_function(self, sub):
        if isinstance(sub, dict) and set(sub) - _ANNOTATIONS == {"$ref"}:
            return self.func_names[self.ref_target(sub["$ref"])]
        name = self.fresh("_alt")
        body = []
        self.emit(sub, "v", [], body, "    ")
        self.extra_funcs.append((name, body))
        return name

    def function(self, s):
        body = []
        self.emit(s, "v", [], body, "    ")
        return body


# -- regex patterns -> plain Python ------------------------------------------
# Compiling a regex costs ~100 us on a small machine (re's compiler is pure
# Python), which would dominate the validator's run time.  Patterns that are
# deterministic (LL(1): every repeat/option/branch can be decided from the next
# character, so greedy matching never needs to backtrack) are translated to a
# straight-line matcher with exactly re.search's result.  Anything else falls
# back to re, compiled lazily on first use.

class _Unsupported(Exception):
    pass


def _charset(op, av):
    """(negated, frozenset of chars) for a single-character atom."""
    from re import _constants as c

    if op == c.LITERAL:
        return (False, frozenset([chr(av)]))
    if op == c.NOT_LITERAL:
        return (True, frozenset([chr(av)]))
    if op == c.ANY:
        return (True, frozenset(["\n"]))
    if op == c.IN:
        neg = False
        chars = set()
        for iop, iav in av:
            if iop == c.NEGATE:
                neg = True
            elif iop == c.LITERAL:
                chars.add(chr(iav))
            elif iop == c.RANGE:
                lo, hi = iav
                if hi - lo > 512:
                    raise _Unsupported("range too wide")
                chars.update(chr(x) for x in range(lo, hi + 1))
            else:
                raise _Unsupported("class item %s" % (iop,))
        return (neg, frozenset(chars))
    raise _Unsupported("op %s" % (op,))


def _disjoint(a, b):
    (na, ca), (nb, cb) = a, b
    if not na and not nb:
        return ca.isdisjoint(cb)
    if na and not nb:
        return cb <= ca
    if nb and not na:
        return ca <= cb
    return False


def _cond(cs, c):
    neg, chars = cs
    text = "".join(sorted(chars))
    if len(text) == 1:
        return "%s %s %r" % (c, "!=" if neg else "==", text)
    return "%s %s %r" % (c, "not in" if neg else "in", text)


class _PatGen:
    def __init__(self):
        from re import _constants as c

        self.c = c
        self.n = 0

    def is_atom(self, op):
        c = self.c
        return op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN)

    def first(self, items):
        """(list of charsets, nullable) for a sequence."""
        c = self.c
        out = []
        for op, av in items:
            if self.is_atom(op):
                out.append(_charset(op, av))
                return out, False
            if op == c.SUBPATTERN:
                if av[1] or av[2]:
                    raise _Unsupported("inline flags")
                f, nul = self.first(av[3])
            elif op == c.MAX_REPEAT:
                mn, mx, sub = av
                f, nul = self.first(sub)
                nul = nul or mn == 0
            elif op == c.BRANCH:
                f, nul = [], False
                for alt in av[1]:
                    fa, na = self.first(alt)
                    f += fa
                    nul = nul or na
            else:
                raise _Unsupported("op %s" % (op,))
            out += f
            if not nul:
                return out, False
        return out, True

    def seq(self, items, follow, out, ind):
        c = self.c
        for k, (op, av) in enumerate(items):
            rest, nul = self.first(items[k + 1:])
            after = rest + (follow if nul else [])
            if self.is_atom(op):
                cs = _charset(op, av)
                out.append("%sif i >= n or not (%s):" % (ind, _cond(cs, "s[i]")))
                out.append("%s    return False" % ind)
                out.append("%si += 1" % ind)
            elif op == c.SUBPATTERN:
                if av[1] or av[2]:
                    raise _Unsupported("inline flags")
                self.seq(av[3], after, out, ind)
            elif op == c.MAX_REPEAT and len(av[2]) == 1 and self.is_atom(av[2][0][0]):
                mn, mx, sub = av
                cs = _charset(*sub[0])
                if not all(_disjoint(cs, f) for f in after):
                    raise _Unsupported("repeat needs backtracking")
                self.n += 1
                j = "j%d" % self.n
                out.append("%s%s = i" % (ind, j))
                lim = "" if mx == c.MAXREPEAT else " and i - %s < %d" % (j, mx)
                out.append("%swhile i < n and %s%s:" % (ind, _cond(cs, "s[i]"), lim))
                out.append("%s    i += 1" % ind)
                if mn:
                    out.append("%sif i - %s < %d:" % (ind, j, mn))
                    out.append("%s    return False" % ind)
            elif op == c.MAX_REPEAT and av[0] == 0 and av[1] == 1:
                f, nul = self.first(av[2])
                if nul or not all(_disjoint(a, b) for a in f for b in after):
                    raise _Unsupported("optional needs backtracking")
                out.append("%sif i < n and (%s):" % (ind, " or ".join(_cond(a, "s[i]") for a in f)))
                self.seq(av[2], after, out, ind + "    ")
            elif op == c.BRANCH:
                firsts = []
                for alt in av[1]:
                    f, nul = self.first(alt)
                    if nul:
                        raise _Unsupported("nullable branch")
                    firsts.append(f)
                for x in range(len(firsts)):
                    for y in range(x + 1, len(firsts)):
                        if not all(_disjoint(a, b) for a in firsts[x] for b in firsts[y]):
                            raise _Unsupported("ambiguous branch")
                for x, alt in enumerate(av[1]):
                    kw = "if" if x == 0 else "elif"
                    out.append("%s%s i < n and (%s):" % (ind, kw, " or ".join(_cond(a, "s[i]") for a in firsts[x])))
                    self.seq(alt, after, out, ind + "    ")
                out.append("%selse:" % ind)
                out.append("%s    return False" % ind)
            else:
                raise _Unsupported("op %s" % (op,))


def _translate_pattern(pat):
    """Body lines of `def f(s):` returning re.search(pat, s) is not None, or None if unsupported."""
    from re import _constants as c
    from re import _parser

    try:
        items = list(_parser.parse(pat))
        if items and items[0] == (c.AT, c.AT_BEGINNING):
            items = items[1:]
        elif len(items) == 1 and items[0][0] == c.MAX_REPEAT and items[0][1][0] >= 1:
            # unanchored X{m,}: search succeeds iff some char is in X (m == 1)
            mn, mx, sub = items[0][1]
            if mn == 1 and len(sub) == 1 and sub[0][0] == c.ANY:
                return ["    return s.strip('\\n') != ''"]
            return None
        else:
            return None
        end = bool(items) and items[-1] == (c.AT, c.AT_END)
        if end:
            items = items[:-1]
        if any(op == c.AT for op, _ in items):
            return None
        gen = _PatGen()
        out = ["    n = len(s)", "    i = 0"]
        # "$" matches at the end or before a final newline
        follow = [(False, frozenset(["\n"]))] if end else [(True, frozenset())]
        gen.seq(items, follow, out, "    ")
        out.append("    return i == n or (i == n - 1 and s[i] == '\\n')" if end else "    return True")
        return out
    except _Unsupported:
        return None


_PRELUDE = '''\
_M = object()


def _j(a, b):
    if not b:
        return a
    if not a:
        return b
    if b[0] == "[":
        return a + b
    return a + "." + b


def _isint(v):
    if v is True or v is False:
        return False
    if isinstance(v, float):
        return v.is_integer()
    return isinstance(v, int)


def _in(prefix, r):
    return (_j(prefix, r[0]), r[1])


def _int(v, lo, hi):
    if not (type(v) is int or _isint(v)):
        return "must be an integer"
    if lo is not None and v < lo:
        return "must be >= %s" % lo
    if hi is not None and v > hi:
        return "must be <= %s" % hi
    return None


def _isnum(v):
    if v is True or v is False:
        return False
    return isinstance(v, (int, float))


def _eq(a, b):
    # JSON equality: bools are not numbers; containers compare recursively.
    if a is True or a is False or b is True or b is False:
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return a == b


def _inenum(v, values):
    for x in values:
        if _eq(v, x):
            return True
    return False


def _unique(v):
    for i in range(len(v)):
        for j in range(i + 1, len(v)):
            if _eq(v[i], v[j]):
                return False
    return True


def _pat(i):
    p = _PATTERNS[i]
    if p.__class__ is str:
        import re  # only for patterns the generator could not turn into plain code
        p = _PATTERNS[i] = re.compile(p)
    return p
'''


def render(schema, source_name="schema/config-schema.json", schema_bytes=None):
    """Return the source text of the validator module for `schema` (a parsed JSON Schema)."""
    if not isinstance(schema, dict):
        raise GenerationError("the top-level schema must be an object")
    gen = _Gen(schema)
    funcs = []
    aliases = []
    for name, s in gen.defs.items():
        if gen.is_leaf(name):
            continue
        if isinstance(s, dict) and set(s) - _ANNOTATIONS == {"$ref"}:
            aliases.append((name, gen.ref_target(s["$ref"])))
            continue
        funcs.append((gen.func_names[name], gen.function(s)))
    root_body = gen.function(schema)

    # Resolve alias chains (UID -> uint32) to their final target.
    alias_map = dict(aliases)

    def final(n, seen=()):
        if n in alias_map:
            if n in seen:
                raise GenerationError("$ref cycle through %r" % (n,))
            return final(alias_map[n], seen + (n,))
        return n

    digest = hashlib.sha256(schema_bytes if schema_bytes is not None else
                            json.dumps(schema, sort_keys=True).encode()).hexdigest()
    lines = [
        "# GENERATED FILE - DO NOT EDIT.",
        "# Written by schema/schemagen.py from %s;" % source_name,
        "# regenerate with: /usr/bin/python3 schema/schemagen.py",
        '"""Validator for config.json generated from the JSON Schema (no jsonschema import).',
        "",
        "validate(doc) -> None | (json_path, reason): None when valid, else the first error.",
        '"""',
        "",
    ]
    lines.extend(_PRELUDE.splitlines())
    lines.append("")
    lines.append("SCHEMA_SHA256 = %r" % digest)
    lines.append("_PATTERNS = %r" % (list(gen.patterns),))
    for cname, src in gen.consts:
        lines.append("%s = %s" % (cname, src))
    lines.append("")

    def add_func(fname, body, doc=None):
        lines.append("")
        lines.append("def %s(v):" % fname)
        if doc:
            lines.append("    %s" % doc)
        lines.extend(body)
        lines.append("    return None")
        lines.append("")

    for i, pat in enumerate(gen.patterns):
        body = _translate_pattern(pat)
        lines.append("")
        lines.append("def _p%d(s):" % i)
        lines.append("    # %s" % pat.encode("unicode_escape").decode("ascii"))
        if body is None:
            lines.append("    return _pat(%d).search(s) is not None" % i)
        else:
            lines.extend(body)
        lines.append("")
    for fname, body in funcs:
        add_func(fname, body)
    for fname, body in gen.extra_funcs:
        add_func(fname, body)
    lines.append("")
    for name, _target in aliases:
        lines.append("%s = %s" % (gen.func_names[name], gen.func_names[final(name)]))
    if aliases:
        lines.append("")
    lines.append("")
    lines.append("def validate(doc):")
    lines.append('    """Return None if `doc` is valid, else (json_path, reason) of the first error."""')
    lines.append("    v = doc")
    lines.extend(root_body)
    lines.append("    return None")
    lines.append("")
    if "Process" in gen.func_names:
        # `exec --process FILE` holds one Process: validated as `create` validates config.json's
        lines.append("")
        lines.append("def validate_process(doc):")
        lines.append('    """The Process definition alone (process.json of `exec -p`); the path is relative to it."""')
        lines.append("    return %s(doc)" % gen.func_names[final("Process")])
        lines.append("")
    return "\n".join(lines)


def _render_file(schema_path):
    with open(schema_path, "rb") as f:
        raw = f.read()
    schema = json.loads(raw)
    rel = os.path.relpath(os.path.abspath(schema_path), _ROOT)
    if rel.startswith(".."):
        rel = os.path.basename(schema_path)
    return render(schema, source_name=rel.replace(os.sep, "/"), schema_bytes=raw)


def generate(schema_path=DEFAULT_SCHEMA, out_path=DEFAULT_OUTPUT):
    """Generate the validator module from `schema_path` and write it to `out_path` atomically.

    Returns True if the file changed, False if it was already up to date.
    """
    text = _render_file(schema_path)
    try:
        with open(out_path, "r", encoding="utf-8") as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    tmp = "%s.tmp.%d" % (out_path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out_path)
    return True


def check(schema_path=DEFAULT_SCHEMA, out_path=DEFAULT_OUTPUT):
    """True if `out_path` holds exactly what `generate` would write."""
    text = _render_file(schema_path)
    try:
        with open(out_path, "r", encoding="utf-8") as f:
            return f.read() == text
    except FileNotFoundError:
        return False


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(prog="python3 schema/schemagen.py", description=__doc__.splitlines()[0])
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file is stale")
    args = ap.parse_args(argv)
    try:
        if args.check:
            if check(args.schema, args.output):
                return 0
            sys.stderr.write("%s is stale; regenerate with: python3 schema/schemagen.py\n" % args.output)
            return 1
        changed = generate(args.schema, args.output)
        sys.stdout.write("%s %s\n" % ("wrote" if changed else "up to date:", args.output))
        return 0
    except (GenerationError, OSError, ValueError) as e:
        sys.stderr.write("schemagen: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
