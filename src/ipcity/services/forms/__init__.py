"""Forms of services, one module per area."""
