"""Reference data loaded after migrate: threshold rule sets (once)."""
