"""The OpenAPI document, built from the routes as they register.

Routes declare themselves with `spec.operation(...)`; request bodies are the
pydantic models the route validates with, so the document cannot drift from
what the server accepts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from hallq.queue.inputs import MAX_ID

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@dataclass
class Spec:
    title: str
    version: str
    paths: dict = field(default_factory=dict)
    schemas: dict = field(default_factory=dict)

    def operation(self, method: str, path: str, summary: str, *, body: type[BaseModel] | None = None,
                  responses: dict[int, str] | None = None, public: bool = False, query: dict | None = None) -> None:
        op: dict = {"summary": summary, "responses": {}}
        errors = {400: "invalid input", 401: "no valid token", 403: "not allowed for this token", 404: "unknown thing",
                  409: "not allowed now"}
        if public:  # no token asked, none refused (a public route that answers 401 names it in `responses`)
            del errors[401], errors[403]
        if body is not None:
            errors[413] = "the body is larger than the server takes (hallq.web.bounds)"
        answers = {**errors, **(responses or {200: "OK"})}  # the route's own wording wins
        for code in sorted(answers):
            op["responses"][str(code)] = {"description": answers[code]}
            if code >= 400:  # every error has the one shape: {"error", "message"}
                op["responses"][str(code)]["content"] = {"application/json": {"schema": ERROR_REF}}
        if public:
            op["security"] = []
        if body is not None:
            schema = body.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
            for name, part in {**schema.pop("$defs", {}), body.__name__: schema}.items():
                self._add_schema(name, part)
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{body.__name__}"}}}}
        params = [{"name": name, "in": "path", "required": True, "schema": schema}
                  for name, schema in _path_params(path)]
        params += [{"name": k, "in": "query", "required": False, "schema": {"type": "string"},
                    **({"description": v} if isinstance(v, str) else v)} for k, v in (query or {}).items()]
        if params:
            op["parameters"] = params
        self.paths.setdefault(_openapi_path(path), {})[method.lower()] = op

    def _add_schema(self, name: str, schema: dict) -> None:
        # Two bodies of one name would silently document one operation with the other's body.
        if self.schemas.get(name, schema) != schema:
            raise ValueError(f"two request bodies are named {name} in the OpenAPI document: rename one")
        self.schemas[name] = schema

    def route(self, bp, method: str, path: str, summary: str, **doc):
        """A blueprint route that is also documented here (one decorator, so the two never drift)."""
        self.operation(method, path, summary, **doc)
        return bp.route(path, methods=[method])

    def document(self) -> dict:
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "servers": [{"url": "/api/v1"}],
            "paths": self.paths,
            "components": {
                "schemas": {"Error": ERROR, **self.schemas},
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}],
        }


def integer(description: str, low: int = 0, high: int = MAX_ID, *, required: bool = False) -> dict:
    """A query parameter read as a whole number (hallq.web.runtime.int_arg), as `query=` documents it."""
    return {"description": description, "required": required,
            "schema": {"type": "integer", "minimum": low, "maximum": high}}


def date(description: str) -> dict:
    """A query parameter read as a day (hallq.queue.inputs.day)."""
    return {"description": description, "schema": {"type": "string", "format": "date"}}


def flag(description: str) -> dict:
    return {"description": description, "schema": {"type": "boolean"}}


# The one document of /api/v1: every component's web/ declares its routes in it as it is imported.
spec = Spec("hallq public interface", "1")


# A Flask path part, `<name>` or `<converter(args):name>`, anywhere in a segment (`<month>.csv` too),
# or one already written the OpenAPI way, `{name}`.
_PARAM = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>|\{(\w+)\}")


def _path_params(path: str) -> list[tuple[str, dict]]:
    """Each path parameter with its schema: `int` parts as the bounded integers the server reads."""
    found = []
    for converter, args, name, plain in _PARAM.findall(path):
        schema: dict = {"type": "string"}
        if converter == "int":
            bounds = dict(pair.split("=") for pair in args.replace(" ", "").split(",") if pair)
            schema = {"type": "integer", "minimum": int(bounds.get("min", 0)),
                      "maximum": int(bounds.get("max", MAX_ID))}
        found.append((name or plain, schema))
    return found


def _openapi_path(path: str) -> str:
    return _PARAM.sub(lambda m: "{" + (m[3] or m[4]) + "}", path)
