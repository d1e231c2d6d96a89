"""Outgoing webhooks, signed per the Standard Webhooks specification.

The library behind the partners' webhooks (issue 14), free of any model:

- :mod:`common.webhooks.signing`: secrets (``whsec_…``), message ids
  (``msg_…``), the ``webhook-id`` / ``webhook-timestamp`` /
  ``webhook-signature`` headers, and a verifier for tests and the partner
  guide;
- :mod:`common.webhooks.targets`: which endpoint URLs may be called (HTTPS,
  public addresses only: the SSRF guard);
- :mod:`common.webhooks.delivery`: one POST to a validated, pinned address,
  its result, what to do next (delivered, retry, gone) and the retry
  schedule.

Specification: https://www.standardwebhooks.com/ (repository
standard-webhooks/standard-webhooks, ``spec/standard-webhooks.md``).
"""
