"""The incentives API under /api/incentives/: one router per area."""

from ninja import Router

from . import applications, notices, payments, programs, review, stats

router = Router(tags=["incentives"])
router.add_router("/", programs.router)
router.add_router("/", applications.router)
router.add_router("/", review.router)
router.add_router("/", notices.router)
router.add_router("/", payments.router)
router.add_router("/", stats.router)
