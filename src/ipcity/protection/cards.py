"""The home-dashboard card of protection."""
