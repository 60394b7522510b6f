"""The OpenAPI document describes every operation as the server reads it (issue 19)."""
from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from hallq.web.openapi import Spec

on_sqlite = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _body(doc: dict, op: dict) -> dict:
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]


@on_sqlite
def test_every_path_parameter_is_declared_with_its_type(server):
    doc = server.api().get("/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            declared = {p["name"]: p["schema"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert set(re.findall(r"\{(\w+)\}", path)) == set(declared), (method, path, declared)
            for name, schema in declared.items():
                # Ids and window numbers are integers the server bounds; no other path part is one.
                if name.endswith("_id") or name in ("number", "year"):
                    assert schema["type"] == "integer" and schema["maximum"] <= 2**31 - 1, (path, name, schema)
    for ext in ("csv", "xlsx"):
        op = doc["paths"][f"/assessment/{{month}}.{ext}"]["get"]
        assert [p["name"] for p in op["parameters"] if p["in"] == "path"] == ["month"]
    year = doc["paths"]["/assessment/year/{year}"]["get"]["parameters"][0]["schema"]
    assert (year["minimum"], year["maximum"]) == (2000, 2999)


@on_sqlite
def test_the_two_appeals_are_documented_with_their_own_bodies(server):
    doc = server.api().get("/openapi.json").json()
    scorecard = _body(doc, doc["paths"]["/assessment/appeals"]["post"])
    rating = _body(doc, doc["paths"]["/ratings/{rating_id}/appeal"]["post"])
    assert {"month", "scope", "unit", "item", "statement"} <= set(scorecard["properties"])
    assert set(rating["properties"]) == {"ruling", "reasons"}


def test_two_bodies_of_one_name_cannot_both_be_documented():
    class AppealIn(BaseModel):
        ruling: str

    first = AppealIn

    class AppealIn(BaseModel):  # noqa: F811 (the clash is the point)
        statement: str

    spec = Spec("t", "1")
    spec.operation("POST", "/a", "one", body=first)
    spec.operation("POST", "/b", "the same body again", body=first)  # the same schema twice is fine
    with pytest.raises(ValueError, match="two request bodies are named AppealIn"):
        spec.operation("POST", "/c", "another", body=AppealIn)
