"""Protection filters, one module per area."""
