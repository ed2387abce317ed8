"""Tables of services, one module per area."""
