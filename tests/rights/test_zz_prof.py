import cProfile, pstats, time
import pytest
from ipcity.rights.imports import run_import
from tests.rights.exports import write_generated

def test_profile(world, tmp_path):
    run_import(write_generated(tmp_path / "warm.csv", 50, year=2018))
    path = write_generated(tmp_path / "p.csv", 2000, year=2019)
    pr = cProfile.Profile(); pr.enable()
    t = time.perf_counter(); run_import(path); print("elapsed", time.perf_counter() - t)
    pr.disable()
    pstats.Stats(pr).sort_stats("cumulative").print_stats(30)
