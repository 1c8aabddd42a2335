"""Benchmarks: `make bench` (python -m bench [name ...]). Not tests; figures go in the README."""
