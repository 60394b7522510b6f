"""What a request may be before anything parses it: its size, its JSON's depth, its numbers in the path.

Python's JSON parser recurses once per nesting level: a body of a thousand `[`
raised RecursionError (a 500) on every JSON POST, the public ones included.
Every JSON text the app parses, Flask's `request.get_json()` and
`hallq.web.runtime.body()` alike, goes through `BoundedJSON.loads`, which
counts the depth first with a linear scan and refuses what is too deep as
malformed (ValueError, a 400). The body's size is capped by Flask
(MAX_CONTENT_LENGTH: 413) before it is read.
"""
from __future__ import annotations

import math
import re

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from hallq.queue import inputs

# The largest body hallq takes: a supervisor's record with its evidence text, a scheme's points,
# a democratic evaluation of every staff member are a few kilobytes; nothing is uploaded.
MAX_BODY_BYTES = 256 * 1024
# Our bodies are at most 3 levels deep (a scheme's overrides); room for other vendors' devices.
MAX_JSON_DEPTH = 32

# A string (to its closing quote, or to the end when there is none) or a bracket. Strings are taken
# whole so brackets inside them do not count; the optional closing quote keeps the scan linear.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.S)
_TOKENS_BYTES = re.compile(_TOKENS.pattern.encode(), re.S)
_OPEN = frozenset(("[", "{", b"[", b"{"))


def json_depth(text: str | bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (0 for a bare value)."""
    depth = deepest = 0
    for token in (_TOKENS_BYTES if isinstance(text, bytes) else _TOKENS).findall(text):
        if token in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif len(token) == 1 and token not in ('"', b'"'):
            depth -= 1
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 is read as infinity
        raise ValueError(f"number {text} is out of range")
    return value


def _no_constant(name: str):
    # Python reads NaN and Infinity, which JSON (RFC 8259) has not: a NaN passes every "<= 100" check.
    raise ValueError(f"{name} is not JSON")


class BoundedJSON(DefaultJSONProvider):
    """Flask's JSON, refusing a text nested deeper than MAX_JSON_DEPTH before parsing it, and numbers
    that are not finite (NaN, Infinity, 1e999) as it parses."""

    def loads(self, s: str | bytes, **kwargs):
        if json_depth(s) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return super().loads(s, parse_float=_finite, parse_constant=_no_constant, **kwargs)


class WholeNumber(IntegerConverter):
    """`<int:...>` in a route: ASCII digits only (Werkzeug's `\\d+` takes "１２" as 12), read by hallq.queue.inputs.

    A path part that is no such number matches no route: 404, an unknown thing. So is a number outside
    the route's range, raised here rather than left to Werkzeug: a POST to /assessment/democratic/3000
    otherwise found the GET route of that shape first and answered 405, as if POST were the mistake.
    (No route of ours has another dynamic part where an <int:...> sits, so none is hidden by this.)
    """

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = inputs.whole_number_or_none(value, self.min or 0, inputs.MAX_ID if self.max is None else self.max)
        if number is None:
            raise NotFound()
        return number


def install(app: Flask) -> None:
    """Before any blueprint registers: its `<int:...>` parts are then WholeNumber's."""
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json = BoundedJSON(app)
    app.json.ensure_ascii = False  # Chinese as text, not \u escapes
    app.url_map.converters["int"] = WholeNumber
