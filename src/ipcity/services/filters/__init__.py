"""Filters of services, one module per area."""
