"""Tables of incentives, one module per area."""
