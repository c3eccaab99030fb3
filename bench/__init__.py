"""Benchmarks: `make bench` runs each `bench_*.py` in its own process and data home."""
