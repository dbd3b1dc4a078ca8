"""The review admin under bad input and its privacy rules (December 2026 probe, findings 6-7):
every filter, search and page parameter is checked (a wrong value gives the list, unfiltered on
it, with a message; never a 500, the export included); drafts are invisible to staff until sent
(list, search, change page, documents, exports); opening an application or taking an export is
recorded in the personal-data access trail."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, application_in, candidate
from candidates.workflow import Status
from portal.models import AccessLog
from portal.tests.factories import UserFactory
from programmes.tests.factories import SessionFactory, centre_staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:candidates_application_changelist")
EXPORT = reverse("admin:candidates_application_export")
NOT_APPLIED = "n&#x27;est pas appliqué"

BAD_PARAMETERS = [
    {"programme": "abc"},
    {"provider": "x"},
    {"site": "x"},
    {"session": "x"},
    {"session": "99999999999999999999"},
    {"status": "\x00"},
    {"season": "\x00"},
    {"screening_outcome": "\x00"},
    {"session__track": "\x00"},
    {"status__exact": "not-a-status"},
    {"screening_outcome__exact": "\x00"},
    {"submitted_at__gte": "2026-02-30"},
    {"submitted_at__lt": "99999-01-01"},
    {"is_woman__exact": "maybe"},
    {"has_rqth__exact": "\x00"},
    {"priority": "abc"},
    {"session__id__exact": "99999999999999999999"},
    {"candidate__email": "\x00"},
    {"unknown": "1"},
    {"p": "abc"},
    {"p": "99999999999999999999"},
    {"o": "\x00"},
    {"q": "\x00"},
    {"q": "x" * 5000},
]


@pytest.fixture
def sent(db):
    return application_in(Status.ELIGIBLE, candidate=candidate(user__last_name="Zéphyrine"))


@pytest.mark.parametrize("params", BAD_PARAMETERS, ids=lambda params: ",".join(params).replace("\x00", "NUL"))
def test_a_wrong_filter_value_gives_the_unfiltered_list_with_a_message(staff_client, sent, params):
    response = staff_client.get(CHANGELIST, params)

    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_APPLIED in page
    assert "Zéphyrine" in page  # the list, unfiltered on the wrong parameter


@pytest.mark.parametrize("params", BAD_PARAMETERS[:12], ids=lambda params: ",".join(params).replace("\x00", "NUL"))
def test_the_export_page_checks_the_same_parameters(staff_client, sent, params):
    response = staff_client.get(EXPORT, params)

    assert response.status_code == 200
    assert NOT_APPLIED in response.content.decode()
    assert response.context["count"] == 1


def test_a_bad_export_query_kept_in_a_job_is_checked_again_when_the_file_is_built(agent, sent):
    from candidates import exports

    assert exports.changelist_queryset(agent, "programme=abc&status=%00").count() == 1


def test_valid_filters_still_filter(staff_client, sent):
    other = application_in(
        Status.REFUSED, refusal_reason="session_full", candidate=candidate(user__last_name="Bartholomé")
    )

    by_programme = staff_client.get(CHANGELIST, {"programme": sent.session.programme_id}).content.decode()
    by_status = staff_client.get(CHANGELIST, {"status__exact": "refused"}).content.decode()

    assert "Zéphyrine" in by_programme and "Bartholomé" not in by_programme and NOT_APPLIED not in by_programme
    assert "Bartholomé" in by_status and "Zéphyrine" not in by_status
    assert other.pk


def test_a_valid_value_that_matches_nothing_gives_an_empty_list(staff_client, sent):
    response = staff_client.get(CHANGELIST, {"session": SessionFactory().pk})

    page = response.content.decode()
    assert response.status_code == 200 and "Zéphyrine" not in page and NOT_APPLIED not in page


# --- Drafts -----------------------------------------------------------------------------------


@pytest.fixture
def draft(db):
    application = ApplicationFactory(
        candidate=candidate(user__last_name="Quenouille"), motivation="Un texte que personne ne doit lire."
    )
    ApplicationDocumentFactory(application=application, original_name="cv-brouillon.pdf")
    return application


@pytest.fixture(params=["agent", "superuser"])
def staff_member(request, agent, django_user_model):
    if request.param == "agent":
        return agent
    return UserFactory(is_staff=True, is_superuser=True)


def test_drafts_are_invisible_to_staff_until_sent(client, staff_member, draft, sent):
    client.force_login(staff_member)

    listing = client.get(CHANGELIST, {"status__exact": "draft"}).context["cl"].result_list
    searched = client.get(CHANGELIST, {"q": "Quenouille"}).context["cl"].result_list
    everything = client.get(CHANGELIST).context["cl"].result_list
    change = client.get(reverse("admin:candidates_application_change", args=[draft.pk]))
    history = client.get(reverse("admin:candidates_application_history", args=[draft.pk]))
    documents = client.get(reverse("admin:candidates_applicationdocument_changelist")).content.decode()
    document = client.get(reverse("admin:candidates_applicationdocument_change", args=[draft.documents.get().pk]))
    download = client.get(reverse("candidates:document_download", args=[draft.documents.get().pk]))

    assert list(listing) == [] and list(searched) == [] and list(everything) == [sent]
    assert change.status_code == 302 and history.status_code in (302, 404)
    assert "cv-brouillon.pdf" not in documents and document.status_code == 302
    assert download.status_code == 404
    assert "Un texte que personne ne doit lire" not in client.get(change["Location"], follow=True).content.decode()


def test_exports_leave_drafts_out(client, agent, draft, sent):
    agent.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    client.force_login(agent)

    response = client.post(EXPORT, {"file_format": "csv", "include_personal_data": "on"})

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Zéphyrine" in content and "Quenouille" not in content


def test_staff_do_not_browse_profiles_of_people_who_sent_nothing(client, agent, draft, sent, django_user_model):
    client.force_login(agent)
    profiles = client.get(reverse("admin:candidates_candidateprofile_changelist")).content.decode()
    assert "Zéphyrine" in profiles and "Quenouille" not in profiles

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert "Quenouille" in client.get(reverse("admin:candidates_candidateprofile_changelist")).content.decode()


# --- The access trail -------------------------------------------------------------------------


def test_opening_an_application_in_the_admin_is_recorded(staff_client, agent, sent):
    staff_client.get(reverse("admin:candidates_application_change", args=[sent.pk]))

    entry = AccessLog.objects.get()
    assert (entry.actor_id, entry.space, entry.action, entry.object_id, entry.candidate_id) == (
        agent.pk,
        "admin",
        "application_viewed",
        str(sent.pk),
        sent.candidate_id,
    )


def test_opening_an_application_in_the_centre_space_is_recorded(client, sent):
    staff = centre_staff(sent.session.site.provider)
    client.force_login(staff)

    assert client.get(reverse("centre:application_detail", args=[sent.pk])).status_code == 200

    entry = AccessLog.objects.get()
    assert (entry.actor_id, entry.space, entry.action, entry.candidate_id) == (
        staff.pk,
        "centre",
        "application_viewed",
        sent.candidate_id,
    )


def test_a_refused_look_records_nothing(client, sent):
    client.force_login(centre_staff(SessionFactory().site.provider))  # another structure

    assert client.get(reverse("centre:application_detail", args=[sent.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_taking_an_export_is_recorded(staff_client, agent, sent):
    response = staff_client.post(EXPORT + "?status__exact=eligible", {"file_format": "xlsx"})
    assert response.status_code == 200

    entry = AccessLog.objects.get()
    assert (entry.actor_id, entry.action, entry.object_type, entry.candidate_id) == (
        agent.pk,
        "export_downloaded",
        "candidates.exportjob",
        None,
    )
    assert "status__exact=eligible" in entry.detail and "1 ligne" in entry.detail
