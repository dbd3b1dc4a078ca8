"""FranceConnect and ProConnect without a browser: which accounts ProConnect may sign in, the
identity pivot, the buttons, the read-only verified profile, and logging out when the provider is
unreachable. (The full exchange against a real provider: test_federation_browser.py.)"""

import datetime

import pytest
from django.urls import reverse

from candidates.models import CandidateProfile
from candidates.tests.factories import candidate
from partners.tests.factories import partner_member
from portal.identity.federation import LOGOUT_SESSION_KEY, VerifiedIdentity, proconnect_account_for
from portal.tests.factories import UserFactory, municipal_staff
from programmes.tests.factories import TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db


def configure(settings, *provider_ids, server_url="http://127.0.0.1:9/"):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": provider_id,
                    "client_id": f"{provider_id}-client",
                    "secret": "s3cret",
                    "settings": {"server_url": server_url, "scope": ["openid", "email"]},
                }
                for provider_id in provider_ids
            ],
        }
    }


def test_proconnect_signs_in_only_existing_professional_accounts(settings):
    settings.PROCONNECT = {**settings.PROCONNECT, "allowed_domains": []}
    agent = municipal_staff(email="claire.dubois@paris.fr")
    staff = centre_staff(TrainingProviderFactory(), user__email="formateur@lepoles.org")
    partner = partner_member(user__email="rh@microsoft.example.org")
    candidate(user__email="amina@example.org")

    assert proconnect_account_for("Claire.Dubois@paris.fr") == agent
    assert proconnect_account_for("formateur@lepoles.org") == staff
    assert proconnect_account_for("rh@microsoft.example.org") == partner
    assert proconnect_account_for("amina@example.org") is None  # candidates: FranceConnect, not ProConnect
    assert proconnect_account_for("nobody@paris.fr") is None  # never creates an account
    UserFactory(email="inactive@paris.fr", is_staff=True, is_active=False)
    assert proconnect_account_for("inactive@paris.fr") is None


def test_proconnect_can_be_limited_to_email_domains(settings):
    settings.PROCONNECT = {**settings.PROCONNECT, "allowed_domains": ["paris.fr"]}
    municipal_staff(email="claire.dubois@paris.fr")
    centre_staff(TrainingProviderFactory(), user__email="formateur@lepoles.org")

    assert proconnect_account_for("claire.dubois@paris.fr") is not None
    assert proconnect_account_for("formateur@lepoles.org") is None


def test_the_identity_pivot_is_read_as_franceconnect_sends_it():
    identity = VerifiedIdentity.from_claims(
        "franceconnect",
        {"given_name": "Amina Fatou", "family_name": "DIALLO", "birthdate": "2002-04-12", "birthplace": "93055"},
    )
    assert identity.birth_date == datetime.date(2002, 4, 12)
    assert (identity.given_names, identity.family_name, identity.birth_place) == ("Amina Fatou", "DIALLO", "93055")
    assert VerifiedIdentity.from_claims("franceconnect", {"birthdate": "1985-00-00"}).birth_date is None


def test_the_buttons_show_only_when_configured(client, settings):
    configure(settings)
    page = client.get(reverse("account_login")).content.decode()
    assert "FranceConnect" not in page and "ProConnect" not in page

    configure(settings, "franceconnect", "proconnect")
    login = client.get(reverse("account_login")).content.decode()
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Qu'est-ce que FranceConnect ?" in login and "Qu'est-ce que ProConnect ?" in login
    assert "Qu'est-ce que FranceConnect ?" in signup and "ProConnect" not in signup  # staff are invited
    assert 'action="/comptes/oidc/franceconnect/login/?process=login' in login


def test_verified_identity_fields_cannot_be_edited_by_the_candidate(client):
    user = candidate(user__first_name="Amina Fatou", user__last_name="DIALLO", birth_date=datetime.date(2002, 4, 12))
    CandidateProfile.objects.filter(user=user).update(identity_verified_by="franceconnect")
    client.force_login(user)
    page = client.get(reverse("candidates:profile"))
    form = page.context["form"]
    data = {
        key: value
        for key, value in {name: form[name].value() for name in form.fields}.items()
        if value is not None and value != ""
    }

    client.post(
        reverse("candidates:profile"),
        {**data, "first_name": "Autre", "last_name": "Nom", "birth_date": "1990-01-01", "gender": "man"},
    )

    user.refresh_from_db()
    user.candidate_profile.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Amina Fatou", "DIALLO")
    assert user.candidate_profile.birth_date == datetime.date(2002, 4, 12)
    assert "Vérifié par FranceConnect" in page.content.decode()


def test_logging_out_works_when_the_provider_cannot_be_reached(client, settings):
    configure(settings, "franceconnect", server_url="http://127.0.0.1:9/")
    user = candidate()
    client.force_login(user)
    session = client.session
    session[LOGOUT_SESSION_KEY] = {"provider": "franceconnect", "id_token": "x.y.z"}
    session.save()

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
