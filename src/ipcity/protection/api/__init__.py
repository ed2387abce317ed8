"""The protection API under /api/protection/: one router per area."""

from ninja import Router

from . import agencies, cases, coordination, leads, stats, transfers

router = Router(tags=["protection"])
router.add_router("/", leads.router)
router.add_router("/", cases.router)
router.add_router("/", transfers.router)
router.add_router("/", coordination.router)
router.add_router("/", agencies.router)
router.add_router("/", stats.router)
