"""The reviews app's invoice fixtures, for the outbox journeys."""

from tests.reviews.conftest import invited, invoice_fields  # noqa: F401
