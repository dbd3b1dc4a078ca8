"""Personal data: download everything as JSON; delete the account (applications anonymised)."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, ApplicationDocument, ApplicationMessage, CandidateProfile
from candidates.services import transition
from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, application_in
from candidates.workflow import Status
from portal import outbox
from portal.models import OutgoingEmail, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate_with_history(roles, open_session):
    user = roles["candidate"]
    application = application_in(
        Status.SUBMITTED, candidate=user, session=open_session, is_woman=True, is_qpv_resident=True
    )
    transition(application, "mark_eligible", actor=None)
    ApplicationDocumentFactory(application=application)
    ApplicationMessage.objects.create(application=application, visibility="to_candidate", body="Bienvenue !")
    ApplicationMessage.objects.create(application=application, visibility="internal", body="Note interne")
    return user, application


def test_export_contains_profile_applications_history_and_documents(client, candidate_with_history):
    user, application = candidate_with_history
    client.force_login(user)

    response = client.get(reverse("candidates:export_my_data"))

    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees-portail.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    assert data["profile"]["postcode"] == "93500"
    assert data["profile"]["privacy_consent_at"]
    [exported] = data["applications"]
    assert exported["reference"] == str(application.reference)
    assert [step["to"] for step in exported["history"]] == ["eligible"]
    assert exported["documents"][0]["name"] == "cv.pdf"
    assert exported["messages"] == [{"date": exported["messages"][0]["date"], "text": "Bienvenue !"}]
    assert "Note interne" not in response.content.decode()


def test_delete_account_needs_the_password(client, candidate_with_history):
    user, _application = candidate_with_history
    client.force_login(user)

    response = client.post(reverse("candidates:delete_my_account"), {"password": "pas le bon"})

    assert response.status_code == 400
    assert "Ce mot de passe n&#x27;est pas le bon." in response.content.decode()
    assert 'aria-describedby="id_password_error"' in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_account_anonymises_applications_and_deletes_documents(
    client, candidate_with_history, django_capture_on_commit_callbacks
):
    user, application = candidate_with_history
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    draft = ApplicationFactory(candidate=user)
    document = application.documents.get()
    storage, name = document.file.storage, document.file.name
    # The "eligible" email of the fixture, already sent, and one still waiting in the outbox.
    OutgoingEmail.objects.filter(recipient_user=user).update(status=OutgoingEmail.Status.SENT, sent_at=timezone.now())
    waiting = outbox.queue_email(
        kind="test",
        to=user,
        template="screening_eligible",
        context={"application": application},
        application=application,
        idempotency_key="k",
    )
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:delete_my_account"), {"password": "motdepasse-solide-2017"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not CandidateProfile.objects.filter(user_id=user.pk).exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    assert not Application.objects.filter(pk=draft.pk).exists()
    application.refresh_from_db()
    assert application.candidate is None
    assert application.motivation == ""
    assert application.status == Status.WITHDRAWN  # an active application is withdrawn, freeing any seat
    assert (application.is_woman, application.is_qpv_resident) == (True, True)  # figures stay right
    assert not ApplicationDocument.objects.filter(application=application).exists()
    assert not storage.exists(name)
    assert not application.history.filter(candidate_id=user.pk).exists()
    assert "_auth_user_id" not in client.session
    # Their emails lose address and contents; the one not sent yet is never sent.
    emails = OutgoingEmail.objects.filter(application=application)
    assert emails.count() >= 2
    assert not OutgoingEmail.objects.filter(recipient__iexact=user.email).exists()
    assert set(emails.values_list("recipient", "subject", "body_text", "body_html")) == {("", "", "", "")}
    assert OutgoingEmail.objects.get(pk=waiting.pk).status == OutgoingEmail.Status.CANCELLED
    assert emails.filter(status=OutgoingEmail.Status.SENT).exists()
    assert len(mail.outbox) == 0


@pytest.mark.parametrize(
    "url_name, method", [("my_data", "get"), ("export_my_data", "get"), ("delete_my_account", "post")]
)
def test_personal_data_pages_are_the_candidates_own(client, roles, url_name, method):
    url = reverse(f"candidates:{url_name}")
    assert getattr(client, method)(url).status_code == 302  # anonymous → login
    for role in ("municipal_staff", "other_centre_staff", "plain_user"):
        client.force_login(roles[role])
        assert getattr(client, method)(url, {"password": "motdepasse-solide-2017"}).status_code == 404, role
    assert User.objects.filter(pk=roles["plain_user"].pk).exists()
