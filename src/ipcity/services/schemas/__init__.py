"""Schemas of services, one module per area."""
