"""Dashboard cards of the service mechanism."""
