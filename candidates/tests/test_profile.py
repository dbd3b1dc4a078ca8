"""The candidate's profile form: plain words, errors tied to fields, input kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import CandidateProfile
from candidates.tests.factories import candidate
from candidates.tests.samples import PROFILE_FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = candidate(birth_date=None, postcode="", commune="", qualification_level=None)
    client.force_login(user)
    return user


def test_profile_saves_every_candidate_field(client, user):
    response = client.post(reverse("candidates:profile"), PROFILE_FORM)

    assert response.status_code == 302
    profile = CandidateProfile.objects.get(user=user)
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Awa", "Diallo")
    assert profile.birth_date == datetime.date(1999, 4, 12)
    assert profile.lives_in_qpv is None
    assert profile.is_job_seeker is True
    assert profile.job_seeker_since == datetime.date(2016, 10, 1)
    assert profile.qualification_level == 4
    assert profile.receives_rsa is False
    assert profile.phone == "06 12 34 56 78"


def test_profile_page_speaks_plainly(client, user):
    content = client.get(reverse("candidates:profile")).content.decode()

    assert "Baccalauréat (général, technologique ou professionnel)" in content
    assert "CAP, BEP" in content
    assert "Un quartier prioritaire de la politique de la ville (QPV) est un quartier" in content
    assert 'href="https://sig.ville.gouv.fr/"' in content
    assert "France Travail" in content


@pytest.mark.parametrize(
    "birth_date, message",
    [
        ((timezone.localdate() + datetime.timedelta(days=1)).isoformat(), "ne peut pas être dans le futur"),
        ("1890-01-01", "entre 15 et 100 ans"),
        (timezone.localdate().isoformat(), "entre 15 et 100 ans"),
    ],
)
def test_implausible_birth_date_is_refused_and_input_kept(client, user, birth_date, message):
    response = client.post(reverse("candidates:profile"), {**PROFILE_FORM, "birth_date": birth_date})

    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert 'aria-describedby="id_birth_date_helptext id_birth_date_error"' in content
    assert f'value="{birth_date}"' in content
    assert 'value="Pantin"' in content
    assert CandidateProfile.objects.get(user=user).birth_date is None


def test_not_a_job_seeker_clears_the_registration_date(client, user):
    client.post(reverse("candidates:profile"), {**PROFILE_FORM, "is_job_seeker": "false"})

    profile = CandidateProfile.objects.get(user=user)
    assert profile.is_job_seeker is False
    assert profile.job_seeker_since is None


def test_bad_postcode_and_phone_are_explained(client, user):
    response = client.post(reverse("candidates:profile"), {**PROFILE_FORM, "postcode": "9350", "phone": "abc"})

    content = response.content.decode()
    assert "Saisissez un code postal à 5 chiffres" in content
    assert "Saisissez un numéro de téléphone" in content


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("0612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033612345678", "06 12 34 56 78"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("", ""),
    ],
)
def test_phone_numbers_are_kept_in_one_form(client, user, typed, kept):
    response = client.post(reverse("candidates:profile"), {**PROFILE_FORM, "phone": typed})

    assert response.status_code == 302
    assert CandidateProfile.objects.get(user=user).phone == kept


@pytest.mark.parametrize("typed", ["abc", "06 12 34", "01 23 45 67 89 01 23"])
def test_an_impossible_phone_number_is_refused_and_kept(client, user, typed):
    response = client.post(reverse("candidates:profile"), {**PROFILE_FORM, "phone": typed})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."]
    assert f'value="{typed}"' in response.content.decode()


def test_profile_permissions(client, roles):
    url = reverse("candidates:profile")
    assert client.get(url).status_code == 302  # anonymous → login
    for role in ("municipal_staff", "other_centre_staff", "plain_user"):
        client.force_login(roles[role])
        assert client.get(url).status_code == 404, role
    client.force_login(roles["candidate"])
    assert client.get(url).status_code == 200


def test_privacy_page_is_public(client):
    response = client.get(reverse("candidates:privacy"))
    assert response.status_code == 200
    assert "Politique de confidentialité" in response.content.decode()
