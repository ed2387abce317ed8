"""Daily duties of the incentive programmes (notice periods ending, calls closing)."""
