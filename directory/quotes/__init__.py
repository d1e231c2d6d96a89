"""Quote requests: the public form, anonymous confirmation, the company's
inbox and replies, the nightly purge."""
