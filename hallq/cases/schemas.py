"""Request bodies of the cases API (validated by pydantic, published as OpenAPI)."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hallq.queue.schemas import Body, Day

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str | None, Field(None, max_length=2000)]


class CompletionIn(Body):
    completed_on: Day = Field(description="the day the case was finished (办结): its result is ready")
    note: Annotated[str | None, Field(None, max_length=4000)] = None
    reason: Note = Field(None, description="a correction of a completion already entered says why (logged)")
    delay_reason: Note = Field(None, description="finished after its due day: why (延期原因), unless on record")


class DelayIn(Body):
    reason: Text = Field(description="why the case is not finished by its due day (延期原因)")


class NoteIn(Body):
    note: Note = None


class MaterialsIn(Body):
    note: Note = None
    materials: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        None, max_length=20, description="容缺受理: the materials that came, by the names owed (all of them when left out)")


class TaskIn(Body):
    due_on: Day | None = Field(None, description="this department's own date")
    task: Annotated[str | None, Field(None, min_length=1, max_length=200)] = None
    done_on: Day | None = Field(None, description="the day this department finished its part")


class DeliveryIn(Body):
    to: Annotated[str, Field(min_length=1, max_length=100, description="who took the result (the applicant or "
                                                                      "their agent); shown masked")]
