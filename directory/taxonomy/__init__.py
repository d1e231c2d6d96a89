"""Sectors and trades (professions), loaded from ``directory/data/professions.json``."""
