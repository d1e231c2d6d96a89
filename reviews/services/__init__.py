"""Writes of the reviews app, one module per sub-domain. Import the module
(``from reviews.services import invitations``); nothing is re-exported here.

- ``invoices``: invoices registered by form or imported from a file
  (read, column mapping, preview, the import worker's run and progress).
- ``invitations``: the invitation to review an invoice, its link, reminder
  and opt-out.
- ``reviews``: a review's submission, the people linked to the company who
  cannot review it, the automatic checks that send it to moderation.
- ``moderation``: staff decisions (publish, reject), the company's reply,
  flags.
- ``appeals``: the author's dated updates and withdrawal, appeals against a
  decision.
- ``sanctions``: warnings for fake reviews that freeze new reviews.
- ``requests``: clients without an invitation asking to review.
- ``stats``: published reviews' aggregates kept on the companies.
- ``audits``: fraud signals and document audits (the nightly job).

Imports run one way: ``reviews.tasks`` → services → ``reviews.emails`` →
``reviews.links``.
"""
