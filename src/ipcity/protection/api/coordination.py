"""Protection API: coordination."""

from ninja import Router

router = Router()
