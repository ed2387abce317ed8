"""Daily duties of the service mechanism (response-time reminders)."""
