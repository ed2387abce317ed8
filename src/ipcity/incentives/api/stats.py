"""GET /api/incentives/stats: the overview's figures (what every yuan achieved)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja import Router

from ipcity.core.api.params import responses
from ipcity.core.scope import has_perm

from .. import stats
from ..models import Program

router = Router(tags=["incentives"])


@router.get(
    "/stats",
    summary="Incentive figures",
    description="Per programme: budget, approved, paid, remaining (staff only), applications "
    "by status; rewarded rights and amounts by rule kind; the applicants rewarded. Each figure "
    "carries the URL of the list holding exactly its rows. `year` narrows to one year.",
    operation_id="incentives_stats",
    response=responses(200, dict),
)
def incentive_stats(request, year: int | None = None):
    if not has_perm(request.auth, Program, "view"):
        raise PermissionDenied
    data = stats.figures(request.auth, year)
    return _plain(data)


def _plain(value):
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
