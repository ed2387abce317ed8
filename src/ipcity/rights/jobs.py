"""Background job handlers of the rights registry."""
