"""E-mailing a sales prospect its pre-filled application link (issue 15),
and the first opening of a link as a sign of interest.

From the prospect's page, sales staff send the live link (or a new one)
to the prospect's contact e-mail, through the outbox like every other
e-mail (a broker outage delays it, loses nothing); the timeline notes it
as an e-mail by that salesperson. A prospect with no e-mail, closed,
anonymised or of a company's pipeline gets nothing, with a clear message;
a double submit sends once. The first opening of each link by a person
(its page's button: ``test_application_link_opening``) is noted
("système") and the nightly score reads it (signal ``link``)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.app.task import Task
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError
from post_office.models import STATUS, Email

from common.tasks import outbox_sweep
from eligibility.selectors import trade_fits
from prospects import application_links, scoring, services
from prospects.models import (
    Interaction,
    LostReason,
    Origin,
    Pipeline,
    Prospect,
    Stage,
)
from prospects.scoring import RULE_BASE, SIGNAL_POINTS, rule_score

from .conftest import BROWSER

pytestmark = pytest.mark.django_db


@contextmanager
def broker_down():
    """Redis stopped: every publish fails as kombu reports it."""
    error = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(Task, "apply_async", side_effect=error):
        yield


def send_url(prospect: Prospect) -> str:
    return reverse("prospects:staff-prospects-application-link-email", args=[prospect.pk])


def detail_url(prospect: Prospect) -> str:
    return reverse("prospects:staff-prospects-detail", args=[prospect.pk])


def sent_notes(prospect: Prospect):
    return Interaction.objects.filter(prospect=prospect, origin=Origin.LINK_SENT)


def opened_notes(prospect: Prospect):
    return Interaction.objects.filter(prospect=prospect, origin=Origin.LINK_OPENED)


def to_prospect() -> list:
    return [m for m in mail.outbox if m.to == ["contact@cuisines-rhone.fr"]]


def payload(link: str) -> str:
    """A link's signed payload: its timestamp is the second it was signed."""
    return link.rsplit(":", 2)[0]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post(client, url, capture):
    with capture(execute=True):
        return client.post(url)


# --- Sending -----------------------------------------------------------------------------


def test_sales_staff_send_the_link_by_email(
    client, open_link, seller, hot_prospect, django_capture_on_commit_callbacks
):
    client.force_login(seller)
    mail.outbox.clear()
    response = post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == detail_url(hot_prospect)
    assert "envoyé par e-mail à contact@cuisines-rhone.fr" in messages_of(response)[0]

    [message] = to_prospect()
    hot_prospect.refresh_from_db()
    assert application_links.link_is_live(hot_prospect)
    link = application_links.application_link_path(hot_prospect)
    assert payload(link) in message.body
    [sent_link] = [line for line in message.body.splitlines() if "/rejoindre/invitation/" in line]
    assert "Bonjour Marie Curie," in message.body
    assert "Cuisines du Rhône" in message.body
    assert message.reply_to == ["sales@example.fr"]
    assert hot_prospect.application_link_sent_at is not None

    # The timeline: an e-mail by the salesperson, worded in French; the
    # follow-up date is left alone.
    [note] = sent_notes(hot_prospect)
    assert (note.kind, note.author) == (Interaction.Kind.EMAIL, seller)
    assert hot_prospect.last_interaction_at == note.happened_at
    page = client.get(detail_url(hot_prospect)).content.decode()
    assert "lien de candidature envoyé par e-mail" in page
    assert "Dernier envoi par e-mail" in page

    # The link in the e-mail works.
    client.logout()
    assert sent_link.startswith(django_settings.SITE_URL + "/rejoindre/invitation/")
    assert open_link(sent_link.removeprefix(django_settings.SITE_URL)).status_code == 302


def test_a_live_link_is_sent_as_it_is(
    client, seller, hot_prospect, django_capture_on_commit_callbacks
):
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=seller)
    link = application_links.application_link_path(hot_prospect)
    client.force_login(seller)
    mail.outbox.clear()
    post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    [message] = to_prospect()
    assert payload(link) in message.body
    hot_prospect.refresh_from_db()
    assert payload(application_links.application_link_path(hot_prospect)) == payload(link)


def test_a_link_about_to_expire_is_replaced_before_it_is_sent(
    client, seller, hot_prospect, settings, django_capture_on_commit_callbacks
):
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=seller)
    old = application_links.application_link_path(hot_prospect)
    client.force_login(seller)
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=settings.PROSPECT_APPLICATION_LINK_DAYS - 1)
    with time_machine.travel(later):
        post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
        [message] = to_prospect()
        hot_prospect.refresh_from_db()
        new = application_links.application_link_path(hot_prospect)
        assert payload(new) != payload(old)
        assert payload(new) in message.body
        assert payload(old) not in message.body
        assert client.get(old).status_code == 410


def test_the_email_reads_well_in_english(hot_prospect, seller, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        application_links.application_link_send(prospect=hot_prospect, actor=seller)
    # Rendered in the site's language (French) whoever sends it…
    assert "Bonjour" in to_prospect()[0].body
    # …and available in English (tests/common/test_email_templates.py checks both).
    from common.mail import render_templated

    hot_prospect.refresh_from_db()
    subject, body = render_templated(
        "application_link",
        {
            "prospect": hot_prospect,
            "url": "https://example.org/rejoindre/invitation/x/",
            "expires": timezone.now(),
            "sender_name": "",
        },
        language="en",
    )
    assert "Hello Marie Curie," in body
    assert "ready to complete" in subject


# --- Refusals: a clear message, nothing sent, nothing noted ----------------------------------


def _no_email(prospect, seller):
    Prospect.objects.filter(pk=prospect.pk).update(email="", email_key="")


def _lost(prospect, seller):
    services.prospect_move(
        prospect=prospect, to=Stage.LOST, actor=seller, lost_reason=LostReason.PRICE
    )


def _client(prospect, seller):
    services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=seller)


def _anonymised(prospect, seller):
    services.prospect_anonymise(prospect=prospect)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_no_email, "aucune adresse e-mail"),
        (_lost, "en cours"),
        (_client, "en cours"),
        (_anonymised, "anonymisé"),
    ],
    ids=["no e-mail", "lost", "client", "anonymised"],
)
def test_a_prospect_that_cannot_get_the_link_gets_nothing(
    client, seller, hot_prospect, change, says, django_capture_on_commit_callbacks
):
    change(hot_prospect, seller)
    client.force_login(seller)
    mail.outbox.clear()
    emails_before = Email.objects.count()
    response = post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert says in " ".join(messages_of(response))
    assert mail.outbox == []
    assert Email.objects.count() == emails_before
    assert not sent_notes(hot_prospect).exists()
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_sent_at is None
    assert hot_prospect.application_link_nonce == ""
    # The page says why instead of offering the button.
    page = client.get(detail_url(hot_prospect)).content.decode()
    assert "Envoyer le lien de candidature par e-mail" not in page


def test_the_service_refuses_a_company_pipeline_prospect(make):
    lead = make(name="Jean Dupont", email="jean@example.org", stage=Stage.HOT)
    with pytest.raises(ValidationError, match="plateforme"):
        application_links.application_link_send(prospect=lead, actor=None)
    assert not sent_notes(lead).exists()


def test_the_page_offers_the_button_with_the_address(client, seller, hot_prospect):
    client.force_login(seller)
    page = client.get(detail_url(hot_prospect)).content.decode()
    assert "Envoyer le lien de candidature par e-mail" in page
    assert "à contact@cuisines-rhone.fr" in page


def test_a_double_submit_sends_once_and_a_minute_later_sends_again(
    client, seller, hot_prospect, settings, django_capture_on_commit_callbacks
):
    client.force_login(seller)
    mail.outbox.clear()
    post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    second = post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert second.status_code == 302
    assert "il y a un instant" in " ".join(messages_of(second))
    assert len(to_prospect()) == 1
    assert sent_notes(hot_prospect).count() == 1
    # The wait is a setting; past it, a new send goes out (the same link).
    later = timezone.now() + timedelta(
        seconds=settings.PROSPECT_APPLICATION_LINK_RESEND_SECONDS + 1
    )
    with time_machine.travel(later):
        post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert len(to_prospect()) == 2
    first, again = (
        [line for line in m.body.splitlines() if "/rejoindre/" in line] for m in to_prospect()
    )
    assert [payload(x) for x in first] == [payload(x) for x in again]
    assert sent_notes(hot_prospect).count() == 2


def test_a_refused_send_does_not_hold_the_next_one(
    client, seller, hot_prospect, django_capture_on_commit_callbacks
):
    """The claim of a refused send is rolled back with it."""
    Prospect.objects.filter(pk=hot_prospect.pk).update(email="")
    client.force_login(seller)
    post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    Prospect.objects.filter(pk=hot_prospect.pk).update(email="contact@cuisines-rhone.fr")
    mail.outbox.clear()
    post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert len(to_prospect()) == 1


# --- Who may send ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "pro", "vetter", "consumer"])
def test_only_sales_staff_send_it(
    client, cast, hot_prospect, who, django_capture_on_commit_callbacks
):
    if who != "anonymous":
        client.force_login(
            {"pro": cast.owner_a, "vetter": cast.staff, "consumer": cast.consumer}[who]
        )
    mail.outbox.clear()
    response = post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/compte/login/" in response["Location"]
    assert mail.outbox == []
    assert not sent_notes(hot_prospect).exists()


def test_another_pipelines_prospect_is_a_404(
    client, seller, make, django_capture_on_commit_callbacks
):
    lead = make(name="Jean Dupont", email="jean@example.org", stage=Stage.HOT)
    client.force_login(seller)
    mail.outbox.clear()
    assert post(client, send_url(lead), django_capture_on_commit_callbacks).status_code == 404
    assert (
        client.post(
            reverse("prospects:staff-prospects-application-link-email", args=["999999"])
        ).status_code
        == 404
    )
    assert mail.outbox == []


def test_a_get_sends_nothing(client, seller, hot_prospect):
    client.force_login(seller)
    assert client.get(send_url(hot_prospect)).status_code == 405
    assert not sent_notes(hot_prospect).exists()


# --- The broker down: noted, and sent later --------------------------------------------------


def test_sent_while_the_broker_is_down_it_is_noted_and_goes_out_later(
    client, seller, hot_prospect, django_capture_on_commit_callbacks
):
    client.force_login(seller)
    mail.outbox.clear()
    with broker_down():
        response = post(client, send_url(hot_prospect), django_capture_on_commit_callbacks)
    assert response.status_code == 302  # not a 500
    assert mail.outbox == []  # delayed, not lost
    assert sent_notes(hot_prospect).count() == 1
    row = Email.objects.get(to=["contact@cuisines-rhone.fr"])
    assert row.status in (STATUS.queued, STATUS.requeued, None)

    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert outbox_sweep() >= 1
    hot_prospect.refresh_from_db()
    [message] = to_prospect()
    assert payload(application_links.application_link_path(hot_prospect)) in message.body


# --- The first opening of a link: a sign of interest -----------------------------------------


def test_the_first_opening_of_a_link_is_noted_once(client, open_link, hot_prospect):
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=None)
    link = application_links.application_link_path(hot_prospect)
    assert client.head(link).status_code == 200  # a link checker: not noted
    assert client.get(link).status_code == 200  # a mail scanner: not noted
    assert not opened_notes(hot_prospect).exists()
    assert open_link(link).status_code == 302
    assert open_link(link).status_code == 302
    [note] = opened_notes(hot_prospect)
    assert (note.kind, note.author) == (Interaction.Kind.NOTE, None)
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_opened_at == note.happened_at
    assert hot_prospect.last_interaction_at == note.happened_at

    # A new link: its own first opening is noted.
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=None)
    assert hot_prospect.application_link_opened_at is None
    open_link(application_links.application_link_path(hot_prospect))
    assert opened_notes(hot_prospect).count() == 2


def test_an_unusable_link_notes_nothing(client, hot_prospect, settings):
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=None)
    link = application_links.application_link_path(hot_prospect)
    forged = reverse("prospects:application-link", args=["forged"])
    assert client.post(forged, headers={"User-Agent": BROWSER}).status_code == 400
    later = timezone.now() + timedelta(days=settings.PROSPECT_APPLICATION_LINK_DAYS, minutes=1)
    with time_machine.travel(later):
        assert client.post(link, headers={"User-Agent": BROWSER}).status_code == 410
    application_links.application_link_revoke(prospect=hot_prospect)
    assert client.post(link, headers={"User-Agent": BROWSER}).status_code == 410
    assert not opened_notes(hot_prospect).exists()


def test_the_opening_shows_on_the_prospect_page(client, open_link, seller, hot_prospect):
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=None)
    open_link(application_links.application_link_path(hot_prospect))
    client.force_login(seller)
    page = client.get(detail_url(hot_prospect)).content.decode()
    assert "a ouvert le lien de candidature" in page
    assert "Le prospect a ouvert ce lien le" in page


def test_an_opened_link_is_the_link_signal_of_the_score(open_link, make, seller, taxonomy):
    now = timezone.now()
    fits = trade_fits()
    prospect = make(
        pipeline=Pipeline.PLATFORM,
        actor=seller,
        name="Menuiserie Bois",
        email="bois@example.org",
        stage=Stage.SUSPECT,
    )

    def signal() -> str:
        [row] = scoring.open_features(prospect.pk, prospect.pk, now=now, fits=fits)
        slow = (
            scoring.with_features(Prospect.objects.filter(pk=prospect.pk), now=now, fits=fits)
            .values_list("f_signal", flat=True)
            .get()
        )
        assert slow == row["f_signal"]  # the two paths agree
        return str(row["f_signal"])

    assert signal() == "none"
    assert scoring.prospects_score(now=now).scored >= 1
    prospect.refresh_from_db()
    before = prospect.score

    # The link is e-mailed (a contact), then opened: a sign of interest.
    application_links.application_link_send(prospect=prospect, actor=seller)
    prospect.refresh_from_db()
    open_link(application_links.application_link_path(prospect))
    now = timezone.now() + timedelta(seconds=1)
    assert signal() == "link"
    scoring.prospects_score(now=now)
    prospect.refresh_from_db()
    assert prospect.score > before
    assert "signal.link" in [reason["code"] for reason in prospect.score_reasons]
    with translation.override("fr"):
        assert "↑ a ouvert le lien de candidature" in scoring.reasons_text(prospect.score_reasons)

    # A stronger sign wins over it: a submitted application.
    services.prospect_move(
        prospect=prospect,
        to=Stage.HOT,
        actor=None,
        origin=Origin.APPLICATION,
        origin_ref="submitted",
    )
    assert signal() == "application"


def test_the_link_signal_is_worth_its_documented_points():
    nothing = {
        "recency": "never",
        "frequency": "none",
        "signal": "link",
        "fit": "unknown",
        "budget": "unknown",
    }
    result = rule_score(nothing)
    assert result.score == RULE_BASE + SIGNAL_POINTS["link"] == RULE_BASE + 15
    [reason] = result.reasons
    assert (reason.code, reason.effect) == ("signal.link", 1)
    assert SIGNAL_POINTS["referral"] < SIGNAL_POINTS["link"] < SIGNAL_POINTS["quote"]


def test_an_opening_after_a_prospect_closed_is_not_read_as_of_its_closing(make, seller):
    """A closed prospect is read as it stood the day it closed (the
    history the learned model counts): a later opening does not count."""
    prospect = make(
        pipeline=Pipeline.PLATFORM,
        actor=seller,
        name="Menuiserie Bois",
        email="bois@example.org",
        stage=Stage.WARM,
    )
    services.prospect_move(
        prospect=prospect, to=Stage.LOST, actor=seller, lost_reason=LostReason.TIMING
    )
    Interaction.objects.create(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        origin=Origin.LINK_OPENED,
        happened_at=timezone.now() + timedelta(days=1),
    )
    [row] = scoring.open_features(
        prospect.pk, prospect.pk, now=timezone.now(), fits=trade_fits(), closed=True
    )
    assert row["f_signal"] == "none"


def test_the_migration_gives_old_link_notes_their_origin(hot_prospect):
    """Notes written before the link had origins carried fixed English
    texts: the migration turns them into origins, and back."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("prospects.migrations.0012_link_notes_origin")
    old = {
        text: Interaction.objects.create(
            prospect=hot_prospect,
            kind=Interaction.Kind.NOTE,
            outcome=text,
            happened_at=timezone.now(),
        )
        for text in ("application link sent by e-mail", "application link opened")
    }
    typed = Interaction.objects.create(
        prospect=hot_prospect,
        kind=Interaction.Kind.NOTE,
        author=hot_prospect.owner,
        outcome="application link opened",
        happened_at=timezone.now(),
    )
    migration.forwards(apps, None)
    got = {text: Interaction.objects.get(pk=row.pk) for text, row in old.items()}
    assert [(r.origin, r.outcome) for r in got.values()] == [
        (Origin.LINK_SENT, ""),
        (Origin.LINK_OPENED, ""),
    ]
    typed.refresh_from_db()
    assert (typed.origin, typed.outcome) == ("", "application link opened")  # a person's words
    migration.backwards(apps, None)
    assert [Interaction.objects.get(pk=r.pk).outcome for r in old.values()] == list(old)
