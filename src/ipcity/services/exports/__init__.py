"""Exports of services, one module per area."""
