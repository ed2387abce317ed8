"""Background job handlers of the plans app."""
