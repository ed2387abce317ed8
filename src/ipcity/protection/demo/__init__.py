"""Protection demo, one module per area."""
