"""Walk-through rows 1, 2 and 23: the required yes/no questions are enforced, the review step
names exactly what is missing and sends the candidate back to it, then back to the review, and
shows every answer before sending."""

import re

import pytest
from django.urls import reverse

from candidates.models import CandidateProfile
from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, candidate
from candidates.tests.samples import PROFILE_FORM

pytestmark = pytest.mark.django_db


def step_url(application, step, **query):
    url = reverse("candidates:apply_step", args=[application.reference, step])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def newcomer(client):
    """A candidate who has just signed up: a profile with nothing answered yet."""
    user = candidate(
        birth_date=None,
        postcode="",
        commune="",
        qualification_level=None,
        is_job_seeker=None,
        job_seeker_since=None,
        receives_rsa=None,
        has_rqth=None,
        lives_in_qpv=None,
    )
    client.force_login(user)
    return user


@pytest.mark.parametrize("field", ["is_job_seeker", "receives_rsa", "has_rqth"])
def test_a_blank_required_yes_no_question_is_refused_on_its_field(client, newcomer, field):
    data = {key: value for key, value in PROFILE_FORM.items() if key != field}
    response = client.post(reverse("candidates:profile"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    expected = {
        "is_job_seeker": "Répondez par oui ou par non.",
        "receives_rsa": "Répondez par oui ou par non.",
        "has_rqth": "Choisissez une réponse (« Je préfère ne pas répondre » en est une).",
    }[field]
    assert errors[field] == [expected]
    content = response.content.decode()
    # Tied to the group, and listed in the error summary with a link to the first choice.
    assert f'href="#id_{field}_0"' in content
    assert "data-error-summary" in content
    assert CandidateProfile.objects.get(user=newcomer).birth_date is None  # nothing saved


def test_empty_submit_shows_every_required_question(client, newcomer):
    response = client.post(reverse("candidates:profile"), {"first_name": "", "phone": ""})
    errors = response.context["form"].errors
    for field in ("first_name", "last_name", "birth_date", "postcode", "commune", "qualification_level"):
        assert field in errors
    for field in ("is_job_seeker", "receives_rsa", "has_rqth"):
        assert field in errors, field


def test_nothing_is_pre_checked_for_a_newcomer(client, newcomer):
    content = client.get(reverse("candidates:profile")).content.decode()
    for field in ("is_job_seeker", "receives_rsa", "has_rqth"):
        assert re.search(f'<input[^>]*name="{field}"', content), field
        assert not re.search(f'<input[^>]*name="{field}"[^>]*checked', content), field


def test_rqth_prefer_not_to_say_is_an_answer_kept_and_shown(client, newcomer):
    response = client.post(reverse("candidates:profile"), {**PROFILE_FORM, "has_rqth": "undisclosed"})
    assert response.status_code == 302
    profile = CandidateProfile.objects.get(user=newcomer)
    assert profile.has_rqth is None and profile.rqth_undisclosed is True

    content = client.get(reverse("candidates:profile")).content.decode()
    assert re.search(r'<input[^>]*value="undisclosed"[^>]*checked', content)

    client.post(reverse("candidates:profile"), {**PROFILE_FORM, "has_rqth": "true"})
    profile.refresh_from_db()
    assert profile.has_rqth is True and profile.rqth_undisclosed is False


def test_review_names_exactly_what_is_missing(client, newcomer, open_session):
    profile = newcomer.candidate_profile
    profile.birth_date, profile.postcode, profile.commune = "1999-04-12", "93500", "Pantin"
    profile.qualification_level = 4  # the diploma is there
    profile.save()
    application = ApplicationFactory(candidate=newcomer, session=open_session, draft_step="review")

    content = client.get(step_url(application, "review")).content.decode()

    assert "diplôme" not in content.split("Avant d'envoyer, il manque")[1].split("</ul>")[0]
    assert (
        "Dans votre profil, indiquez votre inscription à France Travail (oui ou non), votre réponse sur le RSA "
        "(oui ou non), votre réponse sur la RQTH." in content
    )
    assert f'href="{step_url(application, "profile", retour="verifier")}"' in content
    assert "Envoyer ma candidature" not in content


def test_fixing_the_profile_from_the_review_leads_back_to_the_review(client, newcomer, open_session):
    application = ApplicationFactory(candidate=newcomer, session=open_session, draft_step="review")
    ApplicationDocumentFactory(application=application)

    page = client.get(step_url(application, "profile", retour="verifier")).content.decode()
    assert "Enregistrer et revenir à la vérification" in page
    response = client.post(step_url(application, "profile", retour="verifier"), PROFILE_FORM)

    assert response["Location"] == step_url(application, "review")
    review = client.get(step_url(application, "review")).content.decode()
    assert "Envoyer ma candidature" in review
    # Without coming from the review, the steps follow their order.
    assert client.post(step_url(application, "profile"), PROFILE_FORM)["Location"] == step_url(
        application, "motivation"
    )


def test_the_review_shows_every_answer(client, open_session):
    user = candidate(receives_rsa=True, has_rqth=None, rqth_undisclosed=True, lives_in_qpv=True)
    client.force_login(user)
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="review")

    content = client.get(step_url(application, "review")).content.decode()

    for label, value in [
        ("Vous êtes", "Femme"),
        ("Quartier prioritaire (QPV)", "Oui"),
        ("Inscrit(e) à France Travail", "Oui, depuis le 1 septembre 2016"),
        ("RSA", "Oui"),
        ("RQTH", "Je préfère ne pas répondre"),
        ("Téléphone", "06 12 34 56 78"),
    ]:
        assert f'<dt class="col-sm-5">{label}</dt><dd class="col-sm-7">{value}</dd>' in content, label


def test_an_incomplete_profile_cannot_be_sent(client, newcomer, open_session, django_capture_on_commit_callbacks):
    application = ApplicationFactory(candidate=newcomer, session=open_session, draft_step="review")
    ApplicationDocumentFactory(application=application)

    response = client.post(step_url(application, "review"), follow=True)

    application.refresh_from_db()
    assert application.status == "draft"
    assert "votre réponse sur le RSA" in response.content.decode()
