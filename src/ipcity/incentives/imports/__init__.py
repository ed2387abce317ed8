"""Imports of incentives, one module per area."""
