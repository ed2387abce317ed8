"""Benchmark data: `ipcity bench generate` builds a deterministic synthetic data set (generate.py).

Not a Django app: plain modules that fill the other apps' tables through their models.
"""
