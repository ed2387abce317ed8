"""Signal handlers shared by all apps."""
