"""The services API under /api/services/: one router per area."""

from ninja import Router

from . import institutions, notices, outreach, requests, stats

router = Router(tags=["services"])
router.add_router("/", requests.router)
router.add_router("/", institutions.router)
router.add_router("/", outreach.router)
router.add_router("/", notices.router)
router.add_router("/", stats.router)
