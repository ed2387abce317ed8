"""API: payments."""

from ninja import Router

router = Router()
