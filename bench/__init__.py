"""Benchmarks at production scale: `make bench`, `make bench-quick`. See README.md."""
