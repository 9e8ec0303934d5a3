"""Reproducible benchmarks of every SPEC §9 budget: ``python -m bench`` (see ``__main__``)."""
