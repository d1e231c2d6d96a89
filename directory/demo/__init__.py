"""Reproducible demo data (``manage.py seed_demo``); never imported by production code."""
