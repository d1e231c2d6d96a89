"""The name comparison (:mod:`reviews.names`) told to a moderator in
words: what was compared, the score, and what it means.

:func:`reviews.names.compare_names` gives a short English reason made of
fixed phrases ("initials, spelling difference: martinn / martin; one of
a couple on one side"); each phrase is translated here, a phrase this
table does not know is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .names import MATCH_THRESHOLD, PROBABLE_THRESHOLD, NameComparison, NameMatch

PHRASES = {
    "same name": gettext_lazy("the same name"),
    "same name, spaced differently": gettext_lazy("the same name, spaced differently"),
    "same words in another order": gettext_lazy("the same words in another order"),
    "no word in common": gettext_lazy("no word in common"),
    "no word spelt the same": gettext_lazy("no word spelt the same way"),
    "initials": gettext_lazy("initials instead of whole words"),
    "only one word in common": gettext_lazy("only one word in common"),
    "extra words on one side": gettext_lazy("extra words on one side"),
    "author name too long to be a name": gettext_lazy("the author's name is too long to be a name"),
    "no author name to compare": gettext_lazy("the author gave no name"),
    "invoice name too long to be a name": gettext_lazy(
        "the name on the invoice is too long to be a name"
    ),
    "no client name on the invoice to compare": gettext_lazy("no client name on the invoice"),
    # Notes: how a side was read to find the best comparison.
    "contact and company on the invoice": gettext_lazy(
        "compared with the contact and the company on the invoice"
    ),
    "title and surname only": gettext_lazy("a title and a surname only"),
    "one of a couple on one side": gettext_lazy("one person of a couple"),
    "maiden or married name": gettext_lazy("with a maiden or married name"),
    "particles ignored": gettext_lazy("particles (de, van…) ignored"),
    "company name": gettext_lazy("compared with the client company's name"),
}
# Phrases followed by the words concerned ("different words: paul / sophie").
PREFIXED = {
    "different words: ": gettext_lazy("different words: %(words)s"),
    "spelling difference: ": gettext_lazy("spelling differences: %(words)s"),
}
RESULT_LABELS = {
    NameMatch.MATCH: gettext_lazy("Same name"),
    NameMatch.PROBABLE: gettext_lazy("Probably the same person"),
    NameMatch.MISMATCH: gettext_lazy("Probably not the same person"),
}
MEANINGS = {
    NameMatch.MATCH: gettext_lazy(
        "Every word of one name is the same word in the other: the author is the client "
        "named on the invoice. Such a review is published without waiting."
    ),
    NameMatch.PROBABLE: gettext_lazy(
        "The names differ only as people usually write them (an initial, a typo, a missing "
        "first name, one person of a couple): published without waiting, this note is for you."
    ),
    NameMatch.MISMATCH: gettext_lazy(
        "The names could belong to two different people (a different first name, several "
        "differences, or a name missing): the review waits for your decision. Check the "
        "invoice: a maiden name or a relative may explain it."
    ),
}


@dataclass(frozen=True)
class NameExplanation:
    """``author`` and ``invoice`` are the two names compared, ``score``
    0–100 (int), ``result`` and ``meaning`` sentences in the active
    language, ``details`` the translated phrases of the reason."""

    author: str
    invoice: str
    score: int
    result: str
    meaning: str
    details: list[str]
    thresholds: str


def translate_reason(reason: str) -> list[str]:
    """The phrases of a comparison's reason, translated, in order."""
    details: list[str] = []
    main, *notes = reason.split("; ")
    for part in _main_phrases(main) + notes:
        details.append(_translate_phrase(part))
    return [detail for detail in details if detail]


def _main_phrases(main: str) -> list[str]:
    """Split on ", " except inside the word list of a prefixed phrase
    ("spelling difference: a / b, c / d")."""
    if main in PHRASES:
        return [main]
    phrases: list[str] = []
    for piece in main.split(", "):
        continues_list = " / " in piece and not any(piece.startswith(p) for p in PREFIXED)
        if phrases and continues_list and phrases[-1].startswith(tuple(PREFIXED)):
            phrases[-1] += ", " + piece
        else:
            phrases.append(piece)
    return phrases


def _translate_phrase(phrase: str) -> str:
    phrase = phrase.strip()
    if phrase in PHRASES:
        return str(PHRASES[phrase])
    for prefix, template in PREFIXED.items():
        if phrase.startswith(prefix):
            return str(template) % {"words": phrase[len(prefix) :]}
    return phrase


def explain_comparison(
    comparison: NameComparison, *, author: str, invoice_client: str, invoice_company: str = ""
) -> NameExplanation:
    """What a moderator reads about the author's name against the invoice."""
    invoice = f"{invoice_client} ({invoice_company})" if invoice_company else invoice_client
    return NameExplanation(
        author=author,
        invoice=invoice,
        score=round(comparison.score),
        result=str(RESULT_LABELS[comparison.result]),
        meaning=str(MEANINGS[comparison.result]),
        details=translate_reason(comparison.reason),
        thresholds=_(
            "%(match)d/100: the same words; from %(probable)d: probably the same person; "
            "below: a moderator decides."
        )
        % {"match": MATCH_THRESHOLD, "probable": PROBABLE_THRESHOLD},
    )
