"""Companies: the listed professionals, their trades, photos and
certifications, the public company page and the pro space's profile pages."""
