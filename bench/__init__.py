"""Benchmarks at production scale (issue 6): `make bench`, `make bench-quick`. See README.md."""
