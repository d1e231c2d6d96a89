"""One key per client and company, never readable (issue 13, § Client identity)."""

from __future__ import annotations

import hmac

import pytest

from loyalty.identity import NoClientIdentity, client_identity, client_key


@pytest.mark.parametrize(
    "spelling",
    [
        "jeandupont@gmail.com",
        "Jean.Dupont@Gmail.com",
        " jean.dupont@gmail.com ",
        "JEAN.DUPONT+devis@googlemail.com",
        "jean.dupont@gmail.com.",
    ],
)
def test_one_person_s_spellings_of_an_address_are_one_client(spelling):
    assert client_key(company_id=7, email=spelling) == client_key(
        company_id=7, email="jeandupont@gmail.com"
    )


def test_two_people_are_two_clients():
    assert client_key(company_id=7, email="jean.dupont@orange.fr") != client_key(
        company_id=7, email="jean.dupond@orange.fr"
    )


def test_outside_gmail_dots_tell_people_apart():
    assert client_key(company_id=7, email="jean.dupont@orange.fr") != client_key(
        company_id=7, email="jeandupont@orange.fr"
    )


def test_the_same_person_has_unrelated_keys_at_two_companies():
    assert client_key(company_id=7, email="a@example.org") != client_key(
        company_id=8, email="a@example.org"
    )


@pytest.mark.parametrize(
    ("fields", "identity"),
    [
        (
            {"email": "Luc@Example.org", "phone": "06 12 34 56 78", "name": "Luc"},
            "e:luc@example.org",
        ),
        ({"phone": "06 12 34 56 78", "name": "Luc Petit"}, "p:+33612345678"),
        ({"phone": "+33 6 12 34 56 78"}, "p:+33612345678"),
        ({"phone": "0033612345678"}, "p:+33612345678"),
        ({"phone": "pas de numéro", "name": "Élodie  Lefèvre"}, "n:elodie lefevre"),
        ({"name": "ÉLODIE LEFÈVRE"}, "n:elodie lefevre"),
        ({"email": "   ", "name": "Luc"}, "n:luc"),
    ],
)
def test_e_mail_then_phone_then_name(fields, identity):
    assert client_identity(**fields) == identity


@pytest.mark.parametrize(
    "fields", [{}, {"email": " ", "phone": "", "name": " - "}, {"phone": "12"}]
)
def test_no_identity_is_refused(fields):
    with pytest.raises(NoClientIdentity):
        client_key(company_id=1, **fields)


def test_the_key_is_an_hmac_of_the_company_and_identity_with_the_setting(settings):
    settings.LOYALTY_CLIENT_KEY = "un secret"
    key = client_key(company_id=12, email="Luc@Example.org")
    expected = hmac.new(b"un secret", b"12|e:luc@example.org", "sha256").hexdigest()
    assert key == expected
    assert len(key) == 64
    settings.LOYALTY_CLIENT_KEY = "un autre secret"
    assert client_key(company_id=12, email="Luc@Example.org") != key
