"""Benchmarks of the directory, run by ``manage.py bench_search`` (``make bench-search``)."""
