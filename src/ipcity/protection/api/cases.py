"""Protection API: cases."""

from ninja import Router

router = Router()
