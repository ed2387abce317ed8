"""Protection schemas, one module per area."""
