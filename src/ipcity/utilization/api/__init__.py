"""The utilization API under /api/utilization/: one router per area."""

from ninja import Router

from . import certification, cultivation, finance, marketplace, transfers

router = Router(tags=["utilization"])
router.add_router("/", cultivation.router)
router.add_router("/", certification.router)
router.add_router("/", transfers.router)
router.add_router("/", marketplace.router)
router.add_router("/", finance.router)
