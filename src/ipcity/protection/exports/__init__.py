"""Protection exports, one module per area."""
