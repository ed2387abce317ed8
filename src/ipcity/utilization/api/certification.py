"""Certification over HTTP."""

from ninja import Router

router = Router(tags=["utilization"])
