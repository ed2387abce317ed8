"""Risk alerts on pledged rights (task 8)."""
