"""The application link's opening counts only when a person opens it
(issue 15: an opened link is worth points in the score). E-mail security
scanners fetch every link of a message, often seconds after it is sent,
with HEAD or GET, without cookies, sometimes in a headless browser: the
link's page (GET) shows a button and names nothing of the prospect; the
button, a form POSTed with the page's CSRF token, is the opening. No
JavaScript is needed. Visitors announcing themselves as robots, and our
own staff trying the link, still get the page and the application, but
are not an opening."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from eligibility.invitations import SESSION_KEY
from prospects import application_links
from prospects.models import Interaction, Origin, Prospect

from .conftest import BROWSER

pytestmark = pytest.mark.django_db

# Real people's browsers, as they introduce themselves.
PEOPLE = [
    BROWSER,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
]
# What scanners and robots that say so send.
ROBOTS = [
    "",
    "   ",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Go-http-client/1.1",
    "Barracuda Sentinel (EE)",
    "Proofpoint URL Defense",
    "Mimecast-Link-Scanner/1.0",
    "Microsoft Office Preview",
]


@pytest.fixture
def link(hot_prospect) -> str:
    prospect = application_links.application_link_create(prospect=hot_prospect, actor=None)
    return application_links.application_link_path(prospect)


def opened(prospect: Prospect) -> bool:
    prospect.refresh_from_db()
    noted = Interaction.objects.filter(prospect=prospect, origin=Origin.LINK_OPENED).exists()
    assert noted == (prospect.application_link_opened_at is not None)
    return noted


def test_fetching_the_link_is_not_opening_it(client, hot_prospect, link):
    """HEAD and GET, with a browser's name or a robot's, as often as a
    scanner likes: a page, nothing noted, nothing kept for the visitor."""
    for agent in (BROWSER, *ROBOTS):
        assert client.head(link, headers={"User-Agent": agent}).status_code == 200
        assert client.get(link, headers={"User-Agent": agent}).status_code == 200
    assert not opened(hot_prospect)
    assert SESSION_KEY not in client.session


def test_the_page_names_nothing_and_its_button_needs_no_script(client, link):
    page = client.get(link, headers={"User-Agent": BROWSER}).content.decode()
    for known in ("Cuisines", "Curie", "732", "Lyon", "69002", "cuisines-rhone", "05 60 90"):
        assert known not in page
    [form] = [
        form
        for form in re.findall(r"<form[^>]*>.*?</form>", page, re.S)
        if "Commencer ma candidature" in form
    ]
    assert 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert "onclick" not in form
    assert "action=" not in form  # posts to the link itself


def test_a_person_pressing_the_button_opens_it_even_seconds_after_the_email(
    client, open_link, seller, hot_prospect, link
):
    application_links.application_link_send(prospect=hot_prospect, actor=seller)
    hot_prospect.refresh_from_db()
    live = application_links.application_link_path(hot_prospect)
    assert open_link(live).status_code == 302
    assert opened(hot_prospect)
    assert client.session[SESSION_KEY]["legal_name"] == "Cuisines du Rhône"


def test_a_post_without_the_pages_cookie_is_refused_and_not_an_opening(hot_prospect, link):
    """A scanner replaying the form: no CSRF cookie, no token. A browser
    that showed the page has both."""
    browser = Client(enforce_csrf_checks=True, headers={"User-Agent": BROWSER})
    assert browser.post(link).status_code == 403
    assert not opened(hot_prospect)
    browser.get(link)
    token = browser.cookies["csrftoken"].value
    assert browser.post(link, {"csrfmiddlewaretoken": token}).status_code == 302
    assert opened(hot_prospect)


@pytest.mark.parametrize("agent", ROBOTS)
def test_a_robot_pressing_the_button_gets_the_application_but_is_no_opening(
    client, hot_prospect, link, agent
):
    response = client.post(link, headers={"User-Agent": agent})
    assert response.status_code == 302
    assert SESSION_KEY in client.session  # the page works for whoever it is
    assert not opened(hot_prospect)


@pytest.mark.parametrize("agent", PEOPLE)
def test_peoples_browsers_are_not_taken_for_robots(agent):
    assert not application_links.looks_automated(agent)


def test_our_staff_trying_the_link_is_no_opening(client, open_link, seller, hot_prospect, link):
    client.force_login(seller)
    assert open_link(link).status_code == 302
    assert not opened(hot_prospect)
