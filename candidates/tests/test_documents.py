"""Documents through the application form and the download view: the probe's hostile uploads are
refused with a clear French error and nothing stored; accepted files are named by the portal,
re-encoded when they are images, served as their detected type, as an attachment with a
generated name, nosniff and no-store; a staff download is recorded in the access trail."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from candidates.tests.factories import application_in, candidate
from candidates.workflow import Status
from portal import doors
from portal.models import AccessLog
from portal.tests import crafted
from portal.tests.factories import municipal_staff

pytestmark = pytest.mark.django_db


def add(client, draft, name, content, kind="cv"):
    url = reverse("candidates:apply_step", args=[draft.reference, "documents"])
    return client.post(url, {"kind": kind, "file": SimpleUploadedFile(name, content), "action": "add"})


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("photo.html", crafted.jpeg_with_comment(b"<html><script>alert('polyglot')</script>"), "second fichier caché"),
        ("cv.html", crafted.pdf(head=b"%<html><script>alert('polyglot')</script>\n"), "second fichier caché"),
        ("cv.pdf", crafted.pdf(catalog="/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "du code (JavaScript)"),
        ("cv.pdf", crafted.pdf(catalog="/OpenAction << /S /Launch /F (cmd.exe) >>"), "des actions automatiques"),
        ("scan.png", crafted.png_bomb(), "trop grande"),
    ],
    ids=["jpeg-html-polyglot", "pdf-html-polyglot", "pdf-javascript", "pdf-launch", "png-bomb"],
)
def test_hostile_uploads_are_refused_on_the_field(client, draft, name, content, message):
    response = add(client, draft, name, content)

    page = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"').replace("&laquo;", "«")
    assert response.status_code == 200
    assert message in page
    assert 'aria-describedby="id_file_helptext id_file_error"' in page
    assert not draft.documents.exists()


def test_an_accepted_photo_is_stored_re_encoded_under_a_generated_name(client, draft):
    photo = crafted.jpeg(200, 100, exif=crafted.exif_with_gps())

    add(client, draft, "photo.html", photo, kind="residence_proof")

    document = draft.documents.get()
    assert (document.content_type, document.original_name) == ("image/jpeg", "photo.jpg")
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".jpg")
    assert "photo" not in document.file.name
    stored = document.file.open("rb").read()
    assert document.size == len(stored) and stored != photo
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_a_pdf_named_like_an_executable_is_stored_and_served_as_a_pdf(client, user, draft):
    add(client, draft, "cv\u202efdp.exe", crafted.pdf())
    document = draft.documents.get()
    assert (document.original_name, document.file.name[-4:]) == ("cvfdp.pdf", ".pdf")
    draft.status = Status.SUBMITTED
    draft.submitted_at = draft.created_at
    with doors.service_write():  # arrange: sent, as the workflow would have left it
        draft.save()
    client.force_login(municipal_staff())

    response = client.get(reverse("candidates:document_download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="cv-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_staff_downloads_are_recorded_and_the_owner_s_are_not(client, open_session):
    from candidates.tests.factories import ApplicationDocumentFactory

    owner = candidate()
    document = ApplicationDocumentFactory(application=application_in(Status.ELIGIBLE, candidate=owner))
    agent = municipal_staff()
    url = reverse("candidates:document_download", args=[document.pk])
    client.force_login(owner)
    client.get(url)
    assert not AccessLog.objects.exists()

    client.force_login(agent)
    client.get(url, REMOTE_ADDR="203.0.113.7")

    entry = AccessLog.objects.get()
    assert (entry.actor_id, entry.actor_email, entry.space, entry.action) == (
        agent.pk,
        agent.email,
        "admin",
        "document_downloaded",
    )
    assert (entry.object_type, entry.object_id, entry.candidate_id) == (
        "candidates.applicationdocument",
        str(document.pk),
        owner.pk,
    )
    assert entry.ip_address == "203.0.113.7"


def test_a_refused_download_records_nothing(client, open_session):
    from candidates.tests.factories import ApplicationDocumentFactory

    document = ApplicationDocumentFactory(application=application_in(Status.DRAFT))
    client.force_login(municipal_staff())

    assert client.get(reverse("candidates:document_download", args=[document.pk])).status_code == 404
    assert not AccessLog.objects.exists()
