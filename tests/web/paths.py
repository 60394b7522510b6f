"""Filling the OpenAPI document's path templates with values the test hall has (small.toml): the one table the
tests that walk every operation share (who may call what, request bounds)."""
from __future__ import annotations

import re

SAMPLES = {"number": 1, "rating_id": 1, "case_id": 1, "record_id": 1, "complaint_id": 1, "appeal_id": 1, "objection_id": 1,
           "revision": 1, "year": 2026, "month": "2026-11", "scope": "window", "unit": 1, "username": "S003",
           "alert_id": 1, "code": "GA02", "form_id": 1, "name": "a.pdf", "staff_number": "S005", "token_id": 1, "task_id": 1,
           "hall": "test"}


def fill(path: str, **given) -> str:
    """`path` with each {name} replaced: by `given` first (a ticket's id and token), else by SAMPLES."""
    def value(match: re.Match) -> str:
        name = match[1]
        if name not in given and name not in SAMPLES:
            raise KeyError(f"{path}: no sample for {{{name}}}: add one to tests/web/paths.py")
        return str(given.get(name, SAMPLES.get(name)))
    return re.sub(r"\{(\w+)\}", value, path)
