"""A prospect who is also a referrer (``Referrer.prospect``): an erasure
on request takes their name and contact from their referrer records
too, and the export shows what those records hold. Found by a
fresh-user trial: after "Effacer les données personnelles" on Karim
Roux (the demo pro's referrer), the leaderboard still read "Karim Roux",
with his e-mail on his referrer page."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from prospects import services
from prospects.models import Pipeline, Referrer, Stage

pytestmark = pytest.mark.django_db


def pro(cast, name: str, *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


@pytest.fixture
def karim(make, cast):
    record = make(name="Karim Roux", email="karim@example.org", stage=Stage.CLIENT)
    referrer = services.referrer_create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        name="Karim Roux",
        email="karim.perso@example.org",
        phone="0699056090",
        prospect=record,
        is_client=True,
        thanks_opt_in=True,
        user=cast.owner_a,
    )
    brought = make(name="Victor Martins", referrer=referrer, stage=Stage.HOT)
    return record, referrer, brought


def test_the_export_says_what_their_referrer_record_holds(client, cast, karim):
    record, referrer, _brought = karim
    client.force_login(cast.owner_a)
    data = json.loads(client.get(pro(cast, "personal-data", record.pk)).content)
    assert data["referral_codes"] == [referrer.code]
    [row] = data["as_referrer"]
    assert (row["code"], row["name"], row["email"], row["phone"]) == (
        referrer.code,
        "Karim Roux",
        "karim.perso@example.org",
        "+33699056090",
    )
    assert (row["client"], row["thanked_by_email"]) == (True, True)
    assert "Victor" not in json.dumps(data)  # the people they brought are not theirs


def test_erasing_on_request_erases_them_as_a_referrer_too(client, cast, karim):
    record, referrer, brought = karim
    other = services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Marie Curie", email="m@x.org"
    )
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "erase", record.pk), {"confirm": "on"})
    assert response.status_code == 302

    referrer.refresh_from_db()
    assert (referrer.name, referrer.email, referrer.email_key, referrer.phone) == (
        services.ANONYMOUS_NAME,
        "",
        "",
        "",
    )
    assert (referrer.user_id, referrer.thanks_opt_in) == (None, False)
    # The code still attributes what it brought; another referrer is untouched.
    brought.refresh_from_db()
    assert brought.referrer_id == referrer.pk
    assert Referrer.objects.get(pk=other.pk).name == "Marie Curie"
    for page in (pro(cast, "referrers"), pro(cast, "referrer", referrer.pk)):
        text = client.get(page).content.decode()
        assert "Karim" not in text
        assert "karim.perso@example.org" not in text
    export = client.get(pro(cast, "personal-data", record.pk)).content.decode()
    assert "Karim" not in export
    assert "karim.perso" not in export


def test_the_erasure_page_says_the_referrer_record_goes_too(client, cast, karim):
    record, _referrer, _brought = karim
    client.force_login(cast.owner_a)
    text = client.get(pro(cast, "erase", record.pk)).content.decode()
    assert "et sa propre fiche de" in text  # … prescripteur (ses coordonnées effacées …)
    assert "coordonnées effacées" in text
