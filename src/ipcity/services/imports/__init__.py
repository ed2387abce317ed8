"""Imports of services, one module per area."""
