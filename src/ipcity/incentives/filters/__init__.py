"""Filters of incentives, one module per area."""
