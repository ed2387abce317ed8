"""Protection tables, one module per area."""
