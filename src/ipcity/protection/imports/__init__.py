"""Protection imports, one module per area."""
