"""Demo data of the reviews app (``seed``: invoices, reviews and audits for the
demo companies), kept apart from production code."""
