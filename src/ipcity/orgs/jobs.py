"""Background job handlers for organizations (import, export)."""
