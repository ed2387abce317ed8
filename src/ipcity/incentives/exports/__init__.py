"""Exports of incentives, one module per area."""
