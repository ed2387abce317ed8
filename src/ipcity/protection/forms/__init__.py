"""Protection forms, one module per area."""
