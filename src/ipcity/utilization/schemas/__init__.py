"""Per-area modules: cultivation, certification, transfers, marketplace, finance."""
