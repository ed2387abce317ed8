"""Daily duties of protection (registered with core/daily.py)."""
