"""Demo data for the utilization mechanism, one module per area, run after the registry's."""

from . import certification, cultivation, finance, marketplace, transfers


def load(stdout=None) -> None:
    for module in (cultivation, certification, transfers, marketplace, finance):
        module.load(stdout)
