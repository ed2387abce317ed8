"""Forms of incentives, one module per area."""
