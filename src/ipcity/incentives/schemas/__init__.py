"""Schemas of incentives, one module per area."""
