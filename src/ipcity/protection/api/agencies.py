"""Protection API: agencies."""

from ninja import Router

router = Router()
