"""Dashboard card of the incentive programmes."""
