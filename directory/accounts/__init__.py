"""Accounts: django-allauth's adapter, the consumer account (``/mon-compte/``),
personal data export and deletion, and the staff groups."""
