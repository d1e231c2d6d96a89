"""Views of reviews by audience: ``public`` (anyone), ``author`` (the client
who reviews), ``pro`` (the company's members, in the pro space), ``staff``
(moderators)."""
