"""Parameter and response declarations every router shares."""

from typing import Annotated

from ninja import Path

from .errors import ERROR_RESPONSES

MAX_ID = 2**63 - 1  # the largest primary key a database column holds

ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def responses(ok_status: int, schema) -> dict:
    """The success response of an endpoint together with the shared error responses."""
    return {ok_status: schema, **ERROR_RESPONSES}
