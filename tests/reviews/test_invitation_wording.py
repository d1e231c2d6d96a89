"""The invitation asks for an opinion, any opinion (issue 12, "the neutral
invitation sentence"; Code de la consommation, art. D111-17: no incentive,
no steering towards a positive review). Its wording is pinned in French and
English, first e-mail and reminder, as the real service renders it, and a
list of steering and incentive words must never appear in it."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from reviews import emails
from reviews.services import invoices

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))

BODY = {
    "fr": """Bonjour,

Plus que pro, l'annuaire des professionnels vérifiés, vous demande votre avis sur Alpha \
Électricité, à la suite de la prestation facturée le 2 novembre 2026 (facture n° F-2026-101).

Ce message est envoyé par la plateforme, et non par l'entreprise, à chaque client dont \
l'entreprise enregistre la facture, quel que soit votre avis.

Rédigez votre avis (quelques minutes) :
<link>

Votre avis sera publié sur la page publique de l'entreprise, avec votre prénom, l'initiale \
de votre nom de famille et la date de la prestation. Votre e-mail et la facture ne sont \
jamais affichés.
Le lien ne fonctionne qu'une seule fois, jusqu'au 22 mars 2027.

Cela ne vous intéresse pas ? Arrêtez les invitations pour cette facture :
<link>

Plus que pro — <site>""",
    "en": """Hello,

Plus que pro, the directory of vetted professionals, asks you for your opinion of Alpha \
Électricité, following the service invoiced on Nov. 2, 2026 (invoice no. F-2026-101).

This message is sent by the platform, not by the company, to every client whose invoice \
the company registers, whatever your opinion.

Write your review (a few minutes):
<link>

Your review will be published on the company's public page, with your first name, the \
initial of your surname, and the date of the service. Your e-mail and the invoice are never \
shown.
The link works once, until March 22, 2027.

Not interested? Stop the invitations for this invoice:
<link>

Plus que pro — <site>""",
}

SUBJECT = {
    ("fr", False): "[Plus que pro] Votre avis sur Alpha Électricité",
    ("fr", True): "[Plus que pro] Rappel : votre avis sur Alpha Électricité",
    ("en", False): "[Plus que pro] Your opinion of Alpha Électricité",
    ("en", True): "[Plus que pro] Reminder: your opinion of Alpha Électricité",
}

# Words that would steer the client towards a good review or pay for one.
# Matched as whole words (or word beginnings, for the French stems), case
# and accents as written.
FORBIDDEN = {
    "fr": [
        r"\d+\s*étoiles?",
        r"cinq étoiles",
        r"étoiles?",
        r"positi(?:f|ve|fs|ves)",
        r"bon(?:ne)? (?:avis|note|commentaire)",
        r"satisf\w*",
        r"recommand\w*",
        r"excellent\w*",
        r"content(?:e|s|es)?",
        r"ravi(?:e|s|es)?",
        r"cadeau\w*",
        r"r[ée]duction\w*",
        r"remise\w*",
        r"bon d'achat",
        r"code promo",
        r"promo\w*",
        r"offert\w*",
        r"gratuit\w*",
        r"concours",
        r"tirage",
        r"gagne\w*",
        r"r[ée]compens\w*",
        r"avantage\w*",
        r"points? de fid[ée]lit[ée]",
    ],
    "en": [
        r"\d+[\s-]*stars?",
        r"five[\s-]*stars?",
        r"stars?",
        r"positive\w*",
        r"good (?:review|rating|feedback)",
        r"satisf\w*",
        r"recommend\w*",
        r"excellent",
        r"happy",
        r"delighted",
        r"great",
        r"gifts?",
        r"discounts?",
        r"vouchers?",
        r"coupons?",
        r"promo\w*",
        r"free",
        r"prizes?",
        r"draw",
        r"win\w*",
        r"rewards?",
        r"loyalty points?",
    ],
}


@pytest.fixture
def invitation(cast, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(NOW, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-2026-101",
                "issued_on": "2026-11-02",
                "amount": "1800",
                "client_name": "Luc Petit",
                "client_email": "luc.petit@example.org",
            },
            actor=None,
        )
    return invoice.invitation


@pytest.fixture
def sent(invitation, settings, django_capture_on_commit_callbacks):
    def send(language: str, *, reminder: bool):
        """The message the service sends, rendered in ``language`` (the
        site's)."""
        settings.LANGUAGE_CODE = language
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            emails.send_review_invitation(invitation.pk, reminder=reminder)
        (message,) = mail.outbox
        return message

    return send


def with_placeholders(body: str, site_url: str) -> str:
    body = re.sub(re.escape(site_url) + r"(?:/[a-z]{2})?/avis/\S+", "<link>", body)
    return body.replace(site_url, "<site>").strip()


@pytest.mark.parametrize("reminder", [False, True], ids=["first", "reminder"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_invitation_wording_is_pinned(sent, settings, language, reminder):
    message = sent(language, reminder=reminder)
    assert message.subject == SUBJECT[language, reminder]
    assert with_placeholders(message.body, settings.SITE_URL) == BODY[language]


@pytest.mark.parametrize("reminder", [False, True], ids=["first", "reminder"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_invitation_neither_steers_nor_rewards(sent, language, reminder):
    message = sent(language, reminder=reminder)
    text = f"{message.subject}\n{message.body}"
    found = [
        word
        for word in FORBIDDEN[language]
        if re.search(rf"(?<!\w){word}(?!\w)", text, flags=re.IGNORECASE)
    ]
    assert found == []
    # It asks whatever the opinion, and says who asks.
    neutral = {
        "fr": "par la plateforme, et non par l'entreprise, à chaque client dont l'entreprise"
        " enregistre la facture, quel que soit votre avis.",
        "en": "by the platform, not by the company, to every client whose invoice the company"
        " registers, whatever your opinion.",
    }
    assert neutral[language] in " ".join(message.body.split())


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_forbidden_words_are_caught(language):
    """The list catches what it is meant to: a steering sentence in each
    language fails the check above."""
    steering = {
        "fr": "Laissez-nous 5 étoiles et recevez un bon d'achat si vous êtes satisfait !",
        "en": "Leave us 5 stars and get a voucher if you are satisfied!",
    }[language]
    found = [
        word
        for word in FORBIDDEN[language]
        if re.search(rf"(?<!\w){word}(?!\w)", steering, flags=re.IGNORECASE)
    ]
    assert len(found) >= 3
