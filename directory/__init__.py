"""The directory: trades, places, companies and their search, public pages;
with the accounts, teams, quote requests and the pro space built around
them. One Django app (label ``directory``), one sub-package per feature;
models gathered in :mod:`directory.models`."""
