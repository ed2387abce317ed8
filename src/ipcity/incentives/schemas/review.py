"""API shapes of the review."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ..choices import ReviewDecision, ReviewStage
from ..review import COMMENT_MAX


class ReviewOut(Schema):
    id: int
    application: int = Field(description="Id of the application.")
    stage: ReviewStage
    decision: ReviewDecision
    reviewer: str
    at: datetime
    comment: str
    amount: Decimal | None

    @staticmethod
    def resolve_application(obj) -> int:
        return obj.application_id

    @staticmethod
    def resolve_reviewer(obj) -> str:
        return str(obj.reviewer)


class ReviewDecideIn(Schema):
    stage: ReviewStage = Field(description="The stage the application waits for.")
    decision: ReviewDecision
    comment: str = Field(
        default="", max_length=COMMENT_MAX, description="Required for return and reject."
    )
    amount: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=2, description="Lower the total (yuan)."
    )
    item_amounts: dict[int, Decimal] | None = Field(
        default=None, description="Lower single items: {item id: amount in yuan}."
    )
