"""API: notices."""

from ninja import Router

router = Router()
