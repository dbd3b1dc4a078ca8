"""Walk-through row 24: a CV sent with an earlier application is added to a new one without
uploading it again — a copy of the file, offered to its owner only."""

import pytest
from django.urls import reverse

from candidates.models import ApplicationDocument
from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, application_in, candidate
from portal.tests.browser import assert_accessible, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier_cv(user):
    return ApplicationDocumentFactory(
        application=application_in("eligible", candidate=user), original_name="mon-cv.pdf"
    )


def step_url(draft):
    return reverse("candidates:apply_step", args=[draft.reference, "documents"])


def test_the_documents_step_offers_the_earlier_cv_and_adds_a_copy(client, user, earlier_cv, draft):
    page = client.get(step_url(draft)).content.decode()
    assert "Reprendre un document déjà envoyé" in page and "mon-cv.pdf" in page

    response = client.post(step_url(draft), {"action": "reuse", "document": earlier_cv.pk}, follow=True)

    copy = draft.documents.get()
    assert (copy.kind, copy.original_name, copy.size) == (earlier_cv.kind, "mon-cv.pdf", earlier_cv.size)
    assert copy.file.name != earlier_cv.file.name  # its own file: the earlier application keeps its own
    with copy.file.open("rb") as new, earlier_cv.file.open("rb") as old:
        assert new.read() == old.read()
    assert "Document ajouté : mon-cv.pdf." in response.content.decode()
    # Once added, it is no longer offered; the step can go on to the review.
    assert "Reprendre un document déjà envoyé" not in response.content.decode()
    assert client.post(step_url(draft), {"action": "continue"}).url.endswith("/etapes/verification/")


def test_another_candidates_document_cannot_be_taken(client, user, draft):
    someone_else = ApplicationDocumentFactory(application=ApplicationFactory(candidate=candidate()))
    assert "Reprendre un document" not in client.get(step_url(draft)).content.decode()
    response = client.post(step_url(draft), {"action": "reuse", "document": someone_else.pk})
    assert response.status_code == 404
    assert not draft.documents.exists()
    assert ApplicationDocument.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reusing_a_cv_on_a_phone(require_chromium, live_server, page):

    page.set_viewport_size({"width": 390, "height": 844})
    person = candidate()
    ApplicationDocumentFactory(application=application_in("eligible", candidate=person), original_name="cv-karim.pdf")
    draft = ApplicationFactory(candidate=person, draft_step="documents")
    login(page, live_server, person)
    page.goto(live_server.url + step_url(draft))
    assert_accessible(page)
    page.get_by_role("button", name="Ajouter à cette candidature : cv-karim.pdf").click()
    page.get_by_text("Document ajouté : cv-karim.pdf.").wait_for()
    assert_accessible(page)
    assert draft.documents.count() == 1
