"""Applying: the multi-step form, drafts, documents checked by content, the rules around sending."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, ApplicationEvent
from candidates.tests.factories import ApplicationFactory, application_in, ready_to_send
from candidates.tests.samples import EXE, MOTIVATION, PDF, PNG, PROFILE_FORM
from candidates.workflow import Status
from portal import doors
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def upload(name="cv.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def step_url(application, step):
    return reverse("candidates:apply_step", args=[application.reference, step])


def test_whole_application_path(client, user, open_session, django_capture_on_commit_callbacks):
    start = client.get(reverse("candidates:apply", args=[open_session.pk]))
    assert "Commencer ma candidature" in start.content.decode()

    response = client.post(reverse("candidates:apply", args=[open_session.pk]))
    application = Application.objects.get(candidate=user, session=open_session)
    assert application.status == Status.DRAFT
    assert response["Location"] == step_url(application, "profile")
    assert "Étape 1 sur 4" in client.get(step_url(application, "profile")).content.decode()

    assert client.post(step_url(application, "profile"), PROFILE_FORM)["Location"] == step_url(
        application, "motivation"
    )
    assert client.post(step_url(application, "motivation"), {"motivation": MOTIVATION})["Location"] == step_url(
        application, "documents"
    )
    added = client.post(step_url(application, "documents"), {"kind": "cv", "file": upload(), "action": "add"})
    assert added["Location"] == step_url(application, "documents")
    assert client.post(step_url(application, "documents"), {"action": "continue"})["Location"] == step_url(
        application, "review"
    )
    review = client.get(step_url(application, "review")).content.decode()
    assert MOTIVATION in review and "cv.pdf" in review

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = client.post(step_url(application, "review"))

    application.refresh_from_db()
    assert sent["Location"] == reverse("candidates:application_detail", args=[application.reference])
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None
    event = ApplicationEvent.objects.get(application=application)
    assert (event.transition, event.actor, event.actor_role) == ("submit", user, "candidate")
    assert callbacks, "screening must be scheduled after commit"
    document = application.documents.get()
    assert (document.kind, document.content_type, document.original_name) == ("cv", "application/pdf", "cv.pdf")
    assert not document.file.name.endswith("cv.pdf")  # random name in private storage


def test_the_history_holds_the_draft_s_creation_and_its_sending_not_each_step(client, user, open_session):
    client.post(reverse("candidates:apply", args=[open_session.pk]))
    application = Application.objects.get(candidate=user, session=open_session)
    client.post(step_url(application, "profile"), PROFILE_FORM)
    client.post(step_url(application, "motivation"), {"motivation": "Un premier jet."})
    client.post(step_url(application, "motivation"), {"motivation": MOTIVATION})
    client.post(step_url(application, "documents"), {"kind": "cv", "file": upload(), "action": "continue"})
    application.refresh_from_db()
    assert application.draft_step == "review" and application.motivation == MOTIVATION  # the steps were saved

    client.post(step_url(application, "review"))

    records = list(application.history.order_by("history_date", "history_id"))
    assert [(record.history_type, record.status) for record in records] == [("+", "draft"), ("~", "submitted")]
    assert records[-1].motivation == MOTIVATION
    assert not application.history.filter(motivation="Un premier jet.").exists()


def test_draft_is_resumed_where_the_candidate_left(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="documents")

    response = client.get(reverse("candidates:apply", args=[open_session.pk]))

    assert response["Location"] == step_url(application, "documents")
    assert Application.objects.filter(candidate=user).count() == 1


def test_steps_cannot_be_skipped(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="motivation", motivation="")

    assert client.get(step_url(application, "review"))["Location"] == step_url(application, "motivation")


def test_a_second_application_to_the_same_session_shows_the_existing_one(client, user, open_session):
    application = application_in(Status.SUBMITTED, candidate=user, session=open_session)

    for method in (client.get, client.post):
        response = method(reverse("candidates:apply", args=[open_session.pk]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("candidates:application_detail", args=[application.reference])
        assert "Vous avez déjà candidaté à cette session" in response.content.decode()
    assert Application.objects.filter(candidate=user, session=open_session).count() == 1


def test_closed_session_refuses_clearly(client, user):
    closed = SessionFactory(closed=True)

    page = client.get(reverse("candidates:apply", args=[closed.pk]))
    posted = client.post(reverse("candidates:apply", args=[closed.pk]), follow=True)

    assert "Les candidatures pour cette session sont closes : la date limite était le" in page.content.decode()
    assert "Les candidatures pour cette session sont closes" in posted.content.decode()
    assert not Application.objects.filter(session=closed).exists()


def test_session_closing_while_drafting_blocks_sending(client, user, open_session):
    application = ready_to_send(candidate=user, session=open_session)
    open_session.applications_open_on = timezone.localdate() - datetime.timedelta(days=20)
    open_session.applications_close_on = timezone.localdate() - datetime.timedelta(days=1)
    with doors.service_write():  # arrange: the centre closed the session meanwhile
        open_session.save()

    response = client.post(step_url(application, "review"))

    assert "sont closes" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_programme_limit_of_active_applications(client, user, open_session):
    programme = open_session.programme
    programme.max_active_applications = 1
    programme.save()
    application_in(Status.ELIGIBLE, candidate=user, session=SessionFactory(programme=programme))
    application_in(Status.REFUSED, candidate=user, session=SessionFactory(programme=programme))  # not active

    page = client.get(reverse("candidates:apply", args=[open_session.pk]))
    client.post(reverse("candidates:apply", args=[open_session.pk]))

    assert "le maximum autorisé" in page.content.decode()
    assert not Application.objects.filter(session=open_session).exists()


def test_limit_is_rechecked_when_sending(client, user, open_session):
    programme = open_session.programme
    programme.max_active_applications = 1
    programme.save()
    draft = ready_to_send(candidate=user, session=open_session)
    application_in(Status.SUBMITTED, candidate=user, session=SessionFactory(programme=programme))

    response = client.post(step_url(draft, "review"))

    assert "le maximum autorisé" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_full_session_offers_the_waiting_list(client, user):
    full = SessionFactory(capacity=1)
    application_in(Status.ENROLLED, session=full)

    page = client.get(reverse("candidates:apply", args=[full.pk])).content.decode()
    client.post(reverse("candidates:apply", args=[full.pk]))

    assert "liste d&#x27;attente" in page or "liste d'attente" in page
    assert Application.objects.filter(candidate=user, session=full, status=Status.DRAFT).exists()


def test_empty_motivation_is_refused_and_the_draft_does_not_move(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="motivation", motivation="")

    response = client.post(step_url(application, "motivation"), {"motivation": "   "})
    short = client.post(step_url(application, "motivation"), {"motivation": "Trop court"})

    assert "Écrivez quelques phrases sur votre motivation." in response.content.decode()
    content = short.content.decode()
    assert "Écrivez au moins 30 caractères" in content
    assert 'aria-describedby="id_motivation_helptext id_motivation_error"' in content
    assert "Trop court</textarea>" in content
    application.refresh_from_db()
    assert (application.draft_step, application.motivation) == ("motivation", "")


@pytest.mark.parametrize(
    "file, message",
    [
        (upload("cv.pdf", EXE, "application/pdf"), "n&#x27;est ni un PDF, ni une image JPEG ou PNG"),
        (upload("cv.pdf", PDF + b"\x00" * (6 * 1024 * 1024), "application/pdf"), "trop lourd, la limite est de 5"),
        (upload("cv.pdf", b"", "application/pdf"), "Le fichier est vide."),
    ],
    ids=["renamed-executable", "six-megabytes", "empty"],
)
def test_bad_documents_are_refused_by_content(client, draft, file, message):
    response = client.post(step_url(draft, "documents"), {"kind": "cv", "file": file, "action": "add"})

    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert 'aria-describedby="id_file_helptext id_file_error"' in content
    assert not draft.documents.exists()


def test_png_photo_is_accepted(client, draft):
    client.post(
        step_url(draft, "documents"), {"kind": "job_seeker_proof", "file": upload("photo.png", PNG, "image/png")}
    )

    assert draft.documents.get().content_type == "image/png"


def test_continuing_without_a_cv_is_refused(client, draft):
    response = client.post(step_url(draft, "documents"), {"action": "continue"})

    assert "Ajoutez votre CV pour continuer" in response.content.decode()
    draft.refresh_from_db()
    assert draft.draft_step == "documents"


def test_delete_a_document_of_a_draft(client, draft, django_capture_on_commit_callbacks):
    client.post(step_url(draft, "documents"), {"kind": "cv", "file": upload(), "action": "add"})
    document = draft.documents.get()
    storage, name = document.file.storage, document.file.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:delete_document", args=[draft.reference, document.pk]))

    assert not draft.documents.exists()
    assert not storage.exists(name)


def test_double_click_on_send_creates_one_event(client, user, open_session):
    application = ready_to_send(candidate=user, session=open_session)

    first = client.post(step_url(application, "review"))
    second = client.post(step_url(application, "review"), follow=True)

    assert first.status_code == 302
    assert "Votre candidature a déjà été envoyée." in second.content.decode()
    assert ApplicationEvent.objects.filter(application=application, transition="submit").count() == 1
    assert Application.objects.filter(candidate=user, session=open_session).count() == 1


def test_submit_service_says_already_sent_on_a_second_call(user, open_session):
    from candidates.applying import submit_application
    from candidates.services import TransitionAlreadyDone

    application = ready_to_send(candidate=user, session=open_session)
    submit_application(application, candidate=user)

    with pytest.raises(TransitionAlreadyDone):
        submit_application(application, candidate=user)
    assert application.events.count() == 1


def test_review_lists_what_is_missing(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="review")

    content = client.get(step_url(application, "review")).content.decode()

    assert "Ajoutez votre CV." in content
    assert "Envoyer ma candidature" not in content


def test_apply_permissions(client, roles, open_session):
    url = reverse("candidates:apply", args=[open_session.pk])
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    for role in ("municipal_staff", "own_centre_staff", "other_centre_staff", "plain_user"):
        client.force_login(roles[role])
        assert client.get(url).status_code == 404, role
        assert client.post(url).status_code == 404, role
    assert not Application.objects.exists()


def test_another_candidates_draft_is_404(client, roles, open_session):
    application = ApplicationFactory(candidate=roles["candidate"], session=open_session)
    client.force_login(roles["other_candidate"])

    for step in ("profile", "motivation", "documents", "review"):
        assert client.get(step_url(application, step)).status_code == 404
        assert client.post(step_url(application, step), {"motivation": MOTIVATION}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.DRAFT


@pytest.mark.parametrize("role", ["other_candidate", "municipal_staff", "own_centre_staff", "other_centre_staff"])
def test_nobody_else_can_touch_a_draft_or_its_documents(client, roles, open_session, role):
    application = ready_to_send(candidate=roles["candidate"], session=open_session)
    document = application.documents.get()
    client.force_login(roles[role])

    assert client.get(step_url(application, "documents")).status_code == 404
    assert (
        client.post(reverse("candidates:delete_document", args=[application.reference, document.pk])).status_code == 404
    )
    assert client.post(step_url(application, "review")).status_code == 404

    assert application.documents.filter(pk=document.pk).exists()
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_anonymous_is_sent_to_login_from_every_step(client, open_session):
    application = ready_to_send(session=open_session)
    for step in ("profile", "motivation", "documents", "review"):
        assert client.get(step_url(application, step))["Location"].startswith(reverse("account_login"))


def test_session_page_points_to_the_existing_application(client, user, open_session):
    draft = ApplicationFactory(candidate=user, session=open_session)
    assert "Reprendre ma candidature" in client.get(open_session.get_absolute_url()).content.decode()

    with doors.service_write():  # arrange: the candidate deleted their draft
        draft.delete()
    sent = application_in(Status.SUBMITTED, candidate=user, session=open_session)
    content = client.get(open_session.get_absolute_url()).content.decode()
    assert "Vous avez déjà candidaté à cette session." in content
    assert reverse("candidates:application_detail", args=[sent.reference]) in content


def test_unpublished_session_cannot_be_applied_to(client, user):
    hidden = SessionFactory(publication="draft")
    assert client.get(reverse("candidates:apply", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("candidates:apply", args=[hidden.pk])).status_code == 404


# --- The profile step: a complete profile is checked, not retyped ------------------------------


def test_a_complete_profile_is_shown_to_be_confirmed(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="profile", motivation="")
    profile = user.candidate_profile
    answers = model_to_dict(profile)

    page = client.get(step_url(application, "profile")).content.decode()

    assert "Vérifiez vos informations" in page
    assert user.get_full_name() in page and profile.postcode in page
    assert 'name="action" value="confirm"' in page and 'href="?modifier=1"' in page
    assert 'name="birth_date"' not in page  # no form to fill again
    confirmed = client.post(step_url(application, "profile"), {"action": "confirm"})
    assert confirmed["Location"] == step_url(application, "motivation")
    application.refresh_from_db()
    assert application.draft_step == "motivation"
    profile.refresh_from_db()
    assert model_to_dict(profile) == answers  # confirmed as it was


def test_modifier_opens_the_form_and_saves_what_is_typed(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="profile", motivation="")

    page = client.get(step_url(application, "profile") + "?modifier=1").content.decode()

    assert 'name="birth_date"' in page and 'name="action" value="confirm"' not in page
    saved = client.post(step_url(application, "profile") + "?modifier=1", {**PROFILE_FORM, "commune": "Bobigny"})
    assert saved["Location"] == step_url(application, "motivation")
    user.candidate_profile.refresh_from_db()
    assert user.candidate_profile.commune == "Bobigny"


def test_a_profile_with_a_missing_answer_gets_the_form_at_once(client, user, open_session):
    profile = user.candidate_profile
    profile.receives_rsa = None
    profile.save()
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="profile", motivation="")

    page = client.get(step_url(application, "profile")).content.decode()
    assert 'name="receives_rsa"' in page and 'name="action" value="confirm"' not in page

    # A confirmation sent from a page opened before the answer was removed opens the form, unfilled.
    late = client.post(step_url(application, "profile"), {"action": "confirm"})
    assert late.status_code == 200
    assert 'name="receives_rsa"' in late.content.decode()
    assert "Ce champ est obligatoire" not in late.content.decode()
    application.refresh_from_db()
    assert application.draft_step == "profile"


def test_changing_the_profile_from_the_review_opens_the_form(client, user, open_session):
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="review")

    page = client.get(step_url(application, "profile") + "?retour=verifier").content.decode()

    assert 'name="birth_date"' in page and 'name="action" value="confirm"' not in page
