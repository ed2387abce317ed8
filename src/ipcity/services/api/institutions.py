"""API: institutions."""

from ninja import Router

router = Router()
