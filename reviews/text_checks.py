"""The checks every public text of a review runs through — the review
itself, the author's dated updates and the company's reply: contact details
(an e-mail, a French phone number, a link) and the client's personal data
(their surname written out where the page shows only its initial).

One implementation for the three texts: ``reviews.services.reviews``
(review submission and resubmission), ``reviews.services.appeals``
(updates) and ``reviews.services.moderation`` (replies). A hit never
refuses the text: it waits for a moderator.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from common.text import normalize

from .models import ModerationCheck
from .names import CIVILITY_TITLES, COUPLE_WORD, OTHER_NAME_MARKERS, PARTICLES

# Contact details in a public text: an e-mail, a French phone number, a link.
# The review form warns while typing with the same rules, mirrored in
# static/js/review-form.js (tests/browser/test_review_form.py runs both on
# the same samples); this one decides.
CONTACT_PATTERN = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+"
    r"|(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b"
    r"|\bhttps?://|\bwww\.\S+|\b[\w-]+\.(?:fr|com|net|org|io)\b",
    re.IGNORECASE,
)
# Shorter words of a name ("Li", "Ba") are too often ordinary words or
# initials to be told from them in a text.
MIN_NAME_WORD = 3
_NOT_NAME_WORDS = CIVILITY_TITLES | PARTICLES | OTHER_NAME_MARKERS | {COUPLE_WORD}


def hidden_name_words(client_name: str, shown_name: str) -> set[str]:
    """The words of the invoice's client name (normalised, ``common.text``)
    that the public page does not show in full: every word of at least
    ``MIN_NAME_WORD`` letters but civility titles, particles and the words
    of ``shown_name`` (the review's display name, "Marc D."; its initials
    are one letter, so "Durand" stays hidden).

    ``hidden_name_words("M. Marc Durand", "Marc D.") == {"durand"}``."""
    shown = set(normalize(shown_name).split())
    return {
        word
        for word in normalize(client_name).split()
        if len(word) >= MIN_NAME_WORD and word not in _NOT_NAME_WORDS and word not in shown
    }


def text_check_reasons(text: str, *, client_name: str, shown_name: str) -> list[str]:
    """The codes of :class:`~reviews.models.ModerationCheck` a public text
    fails, in a fixed order (empty: it may be published at once):

    - ``contact_details``: :data:`CONTACT_PATTERN` finds an e-mail, a
      phone number or a link;
    - ``personal_data``: a word of the client's name hidden on the page
      (:func:`hidden_name_words`) is written out, as a whole word, accents
      and case aside ("Monsieur DURAND", "durand,").
    """
    reasons = []
    if CONTACT_PATTERN.search(text):
        reasons.append(ModerationCheck.CONTACT_DETAILS.value)
    words = set(normalize(text).split())
    if words & hidden_name_words(client_name, shown_name):
        reasons.append(ModerationCheck.PERSONAL_DATA.value)
    return reasons


def held_message(labels: list[str]) -> str:
    """What the author of an update, or the company replying, reads when
    the text is held: that it waits for a moderator, and why (the labels of
    the checks it failed)."""
    return _(
        "Your text waits for our moderators before it is shown (%(checks)s). "
        "You will see it here once they decide."
    ) % {"checks": ", ".join(labels)}
