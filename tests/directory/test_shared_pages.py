"""The public pages kept for visitors who are not logged in
(common.page_cache, issue 16 §1): served again without a query, never
stale after a write, never someone else's, each with its visitor's own
CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.nightly import Step, StepResult, step_run
from common.page_cache import pages_changed, pages_version
from directory.models import CompanyStatus
from directory.taxonomy.services import taxonomy_changed
from eligibility.services import company_set_status
from reviews.services.stats import company_review_stats_refresh
from tests.factories import QuoteRequestFactory, UserFactory
from tests.reviews.review_rows import make_review

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/?q=electricien&ou=Lyon"
COMPANY = "/entreprises/lumiere-lyon/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def queries_of(client: Client, path: str, **extra) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries), response.content.decode()


def without_tokens(html: str) -> str:
    return TOKEN.sub("", html)


@pytest.mark.parametrize(
    "path",
    [SEARCH, "/recherche/?q=electricien", COMPANY, "/", "/metiers/", "/metiers/electricien/"],
)
def test_a_second_visitor_gets_the_same_page_without_a_query(client, lyon, path):
    built, first = queries_of(client, path)
    assert built > 0
    served, second = queries_of(Client(), path)
    assert served == 0
    assert without_tokens(second) == without_tokens(first)


def test_each_visitor_gets_a_working_token_of_their_own(lyon):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for visitor in (first, second):
        page = visitor.get(SEARCH).content.decode()
        found = set(TOKEN.findall(page))
        assert len(found) == 1  # the same token in every form of the page
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    assert all(len(token) == 64 for token in tokens)  # Django's masked tokens
    # The served page's token passes the CSRF check with its visitor's cookie.
    answer = second.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[1]}
    )
    assert answer.status_code == 302
    # Another visitor's token does not (cookies differ, as they would).
    answer = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[0]}
    )
    assert answer.status_code == 403


def test_a_written_row_shows_at_once(client, lyon, cast):
    queries_of(client, SEARCH)
    queries_of(client, COMPANY)

    lyon.trade_name = "Lumière Lyon Est"
    lyon.save()
    assert "Lumière Lyon Est" in queries_of(Client(), SEARCH)[1]
    assert "Lumière Lyon Est" in queries_of(Client(), COMPANY)[1]

    make_review(lyon, rating=2, submitted=timezone.now() - timedelta(days=2))
    company_review_stats_refresh(company_ids=[lyon.pk])  # an UPDATE: no signal of its own
    assert "Un titre correct" in queries_of(Client(), COMPANY)[1]

    company_set_status(
        company=lyon, status=CompanyStatus.SUSPENDED, actor=cast.staff, reason="Contrôle"
    )
    assert "Lumière Lyon" not in Client().get(SEARCH).content.decode()
    assert Client().get(COMPANY).status_code != 200


def test_a_write_draws_a_version_at_once_and_again_on_commit(
    lyon, django_capture_on_commit_callbacks
):
    before = pages_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lyon.description = "Nouvelle description."
        lyon.save()
        during = pages_version()
    assert before != during != pages_version()
    assert pages_changed in callbacks


def test_private_rows_keep_the_pages(lyon):
    version = pages_version()
    UserFactory()
    QuoteRequestFactory(company=lyon)
    assert pages_version() == version


def test_a_logged_in_user_is_never_served_nor_kept(client, lyon, cast):
    assert "Se connecter" in queries_of(Client(), SEARCH)[1]
    client.force_login(cast.consumer)
    built, page = queries_of(client, SEARCH)
    assert built > 0
    assert "Mon compte" in page
    assert "Se connecter" not in page
    assert "Mon compte" not in queries_of(Client(), SEARCH)[1]


@pytest.mark.parametrize("cookie", ["sessionid", CookieStorage.cookie_name])
def test_a_visitor_with_a_session_or_a_message_is_served_a_page_built_for_them(lyon, cookie):
    queries_of(Client(), SEARCH)
    visitor = Client()
    visitor.cookies[cookie] = "x"
    assert queries_of(visitor, SEARCH)[0] > 0


def test_a_page_is_kept_per_language_host_and_address(lyon, settings):
    settings.ALLOWED_HOSTS = ["testserver", "annuaire.example"]
    french = queries_of(Client(), COMPANY)[1]
    english = queries_of(Client(), "/en" + COMPANY)[1]
    assert '<html lang="fr">' in french
    assert '<html lang="en">' in english
    other_host = queries_of(Client(), COMPANY, HTTP_HOST="annuaire.example")
    assert other_host[0] > 0
    assert "https://annuaire.example" in other_host[1] or "http://annuaire.example" in other_host[1]
    assert queries_of(Client(), COMPANY + "?parrain=ABC")[0] > 0


def test_what_is_not_a_complete_page_is_not_kept(lyon):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get("/entreprises/nobody-here/").status_code == 404
        assert len(queries) > 0


def test_a_page_expires_and_the_setting_turns_it_off(lyon, settings):
    queries_of(Client(), SEARCH)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PAGE_CACHE_SECONDS + 1)):
        assert queries_of(Client(), SEARCH)[0] > 0
    settings.PAGE_CACHE_SECONDS = 0
    queries_of(Client(), SEARCH)
    assert queries_of(Client(), SEARCH)[0] > 0


def test_the_night_and_the_taxonomy_draw_a_new_version(lyon):
    night = timezone.localdate()
    version = pages_version()
    nothing = Step("quiet", "Quiet", lambda: StepResult(read=10, changed=0), 60, 120)
    step_run(step=nothing, night=night, owner="test", foreground=True)
    assert pages_version() == version

    something = Step("busy", "Busy", lambda: StepResult(read=10, changed=3), 60, 120)
    step_run(step=something, night=night, owner="test", foreground=True)
    assert pages_version() != version

    version = pages_version()
    taxonomy_changed()
    assert pages_version() != version


def test_head_is_answered_like_get(lyon):
    queries_of(Client(), SEARCH)
    response = Client().head(SEARCH)
    assert response.status_code == 200


# Services whose writes send no signal (an UPDATE, a bulk_update) draw the
# new version themselves (common.page_cache.pages_written): what a pro or a
# moderator just did shows at once, not up to PAGE_CACHE_SECONDS later.


def test_a_photo_moved_by_the_pro_shows_at_once(lyon):
    from directory.companies.services import company_photo_move
    from directory.models import CompanyPhoto

    _, second = (
        CompanyPhoto.objects.create(company=lyon, image=f"p/{n}.jpg", caption=n, position=i)
        for i, n in enumerate(("Avant", "Après"), start=1)
    )
    order = re.compile(r'alt="(Avant|Après)"')
    assert order.findall(queries_of(Client(), COMPANY)[1]) == ["Avant", "Après"]
    company_photo_move(photo=second, offset=-1)
    assert order.findall(queries_of(Client(), COMPANY)[1]) == ["Après", "Avant"]


def test_a_held_reply_a_moderator_publishes_shows_at_once(lyon, cast):
    from reviews.models import AdditionStatus, Reply
    from reviews.services.moderation import addition_moderate

    review = make_review(lyon, submitted=timezone.now() - timedelta(days=2))
    company_review_stats_refresh(company_ids=[lyon.pk])
    reply = Reply.objects.create(
        review=review, text="Merci, rappelez-nous au 06 12 34 56 78.", status=AdditionStatus.PENDING
    )
    assert "rappelez-nous" not in queries_of(Client(), COMPANY)[1]
    addition_moderate(addition=reply, actor=cast.staff, publish=True)
    assert "rappelez-nous" in queries_of(Client(), COMPANY)[1]


def test_a_lifted_sanction_leaves_the_page_at_once(lyon, cast):
    from reviews.services.sanctions import sanction_create, sanction_lift

    make_review(lyon, submitted=timezone.now() - timedelta(days=2))
    sanction = sanction_create(company=lyon, actor=cast.staff, reason="Faux avis trouvés.")
    assert "Faux avis trouvés." in queries_of(Client(), COMPANY)[1]
    sanction_lift(sanction=sanction, actor=cast.staff)
    assert "Faux avis trouvés." not in queries_of(Client(), COMPANY)[1]


def test_the_page_of_a_suspended_company_is_not_kept_by_browsers(lyon, cast):
    # Chromium keeps a 410 without Cache-Control as fresh for ever: once the
    # company was listed again, a visitor who saw it suspended would still
    # be shown "no longer listed".
    company_set_status(
        company=lyon, status=CompanyStatus.SUSPENDED, actor=cast.staff, reason="Contrôle"
    )
    for path in (COMPANY, COMPANY + "devis/"):
        gone = Client().get(path)
        assert gone.status_code == 410
        assert "no-store" in gone["Cache-Control"]
    company_set_status(company=lyon, status=CompanyStatus.LISTED, actor=cast.staff, reason="Levée")
    assert Client().get(COMPANY).status_code == 200
