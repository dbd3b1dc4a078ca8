"""The applications' admin: changelist (columns, filters, search, order, bounded queries), the
application page (panels, notes, decision buttons) and the roles that reach it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates.admin.filters import AUDIENCE_FIELDS
from candidates.models import ApplicationMessage, Screening
from candidates.tests.factories import ApplicationFactory, application_in, candidate
from candidates.workflow import Status
from portal import doors
from portal.tests.factories import UserFactory, give_second_factor
from programmes.tests.factories import (
    EligibilityRuleSetFactory,
    ProgrammeFactory,
    SessionFactory,
    TrainingSiteFactory,
    centre_staff,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:candidates_application_changelist")


def listed(response):
    return list(response.context["cl"].result_list)


# --- Who reaches the admin -------------------------------------------------------------------


def test_anonymous_and_candidates_and_centre_staff_are_sent_to_the_login(client):
    application = application_in(Status.ELIGIBLE)
    change = reverse("admin:candidates_application_change", args=[application.pk])
    for user in (None, application.candidate, candidate(), centre_staff(application.session.site.provider)):
        client.logout()
        if user:
            client.force_login(user)
        for url in (CHANGELIST, change):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response.url, (user, url)


def test_staff_without_the_group_get_403(client):
    user = UserFactory()  # the factory puts staff in the group: make a staff account of another kind
    user.is_staff = True
    user.save()
    give_second_factor(user)
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403


def test_municipal_staff_see_but_cannot_add_or_delete(staff_client):
    application = application_in(Status.ELIGIBLE)
    assert staff_client.get(CHANGELIST).status_code == 200
    assert staff_client.get(reverse("admin:candidates_application_change", args=[application.pk])).status_code == 200
    assert staff_client.get(reverse("admin:candidates_application_add")).status_code == 403
    assert staff_client.get(reverse("admin:candidates_application_delete", args=[application.pk])).status_code == 403
    assert staff_client.post(reverse("admin:candidates_application_delete", args=[application.pk])).status_code == 403
    application.refresh_from_db()


# --- Changelist ------------------------------------------------------------------------------


def test_changelist_columns(staff_client):
    session = SessionFactory(
        name="Développeur web — Pantin", programme=ProgrammeFactory(name="Paris Code", short_name="Paris Code")
    )
    application_in(Status.ELIGIBLE, session=session, priority_score=42, candidate=candidate(user__last_name="Diallo"))
    response = staff_client.get(CHANGELIST)
    content = response.content.decode()
    for text in (
        "Diallo",
        "Développeur web — Pantin",
        "Villeneuve-la-Garenne",
        session.site.provider.name,
        "Paris Code",
        "Éligible",
        "42",
    ):
        assert text in content, text


def test_default_order_is_priority_then_submission_date(staff_client):
    now = timezone.now()
    late_high = application_in(Status.SUBMITTED, priority_score=50, submitted_at=now)
    early_high = application_in(Status.SUBMITTED, priority_score=50, submitted_at=now - datetime.timedelta(days=2))
    low = application_in(Status.SUBMITTED, priority_score=5, submitted_at=now - datetime.timedelta(days=9))
    assert listed(staff_client.get(CHANGELIST)) == [early_high, late_high, low]


def test_filters_on_each_column(staff_client):
    target_programme = ProgrammeFactory(season="Saison 1 (2016)")
    target_site = TrainingSiteFactory()
    target_session = SessionFactory(programme=target_programme, site=target_site, track="cybersecurity")
    target = application_in(
        Status.INVITED_TO_TEST,
        session=target_session,
        screening_outcome="eligible",
        priority_score=35,
        submitted_at=timezone.now(),
    )
    application_in(Status.NOT_ELIGIBLE, priority_score=12, submitted_at=timezone.now() - datetime.timedelta(days=60))
    application_in(
        Status.TO_BE_CHECKED,
        screening_outcome="to_be_checked",
        priority_score=0,
        submitted_at=timezone.now() - datetime.timedelta(days=30),
    )
    filters = {
        "status": "invited_to_test",
        "screening_outcome": "eligible",
        "programme": target_programme.pk,
        "season": "Saison 1 (2016)",
        "provider": target_site.provider_id,
        "site": target_site.pk,
        "session": target_session.pk,
        "session__track": "cybersecurity",
        "priority": "high",
        "submitted_at__gte": str(timezone.localtime() - datetime.timedelta(days=7)),
    }
    for name, value in filters.items():
        assert listed(staff_client.get(CHANGELIST, {name: value})) == [target], name
    assert len(listed(staff_client.get(CHANGELIST, {"priority": "medium"}))) == 1
    assert len(listed(staff_client.get(CHANGELIST, {"priority": "low"}))) == 1


@pytest.mark.parametrize("flag", AUDIENCE_FIELDS)
def test_filter_on_each_priority_audience(staff_client, flag):
    member = application_in(Status.ELIGIBLE, **{flag: True})
    other = application_in(Status.ELIGIBLE)
    assert listed(staff_client.get(CHANGELIST, {f"{flag}__exact": "1"})) == [member]
    assert listed(staff_client.get(CHANGELIST, {f"{flag}__exact": "0"})) == [other]


@pytest.mark.parametrize(
    "query",
    [
        "Bernadette",
        "Ouedraogo",
        "b.ouedraogo@exemple.fr",
        "06 98 76 54 32",
        "0698765432",
        "+33 6 98 76 54 32",
        "+33698765432",
        "76 54 32",
        "ouedr berna",
    ],
)
def test_search_by_name_email_phone(staff_client, query):
    wanted = application_in(
        Status.ELIGIBLE,
        candidate=candidate(
            user__first_name="Bernadette",
            user__last_name="Ouedraogo",
            user__email="b.ouedraogo@exemple.fr",
            phone="06 98 76 54 32",
        ),
    )
    application_in(Status.ELIGIBLE, candidate=candidate(user__first_name="Bernard", phone="0698765433"))
    assert listed(staff_client.get(CHANGELIST, {"q": query})) == [wanted]


def _changelist_queries(client, count):
    ApplicationFactory.create_batch(count, status=Status.SUBMITTED, submitted_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, {"status": "submitted"})
    assert response.status_code == 200
    return len(queries)


def test_changelist_queries_do_not_grow_with_rows(staff_client):
    with_10 = _changelist_queries(staff_client, 10)
    with_200 = _changelist_queries(staff_client, 190)
    assert with_10 == with_200
    assert with_200 <= 20


# --- Application page -------------------------------------------------------------------------


def test_application_page_shows_profile_screening_timeline_and_buttons(staff_client, agent):
    application = application_in(Status.SUBMITTED, candidate=candidate(phone="0611223344", commune="Pantin"))
    rule_set = EligibilityRuleSetFactory(programme=application.session.programme)
    screening = Screening.objects.create(
        application=application,
        rule_set=rule_set,
        inputs={},
        criteria=[
            {"code": "age", "status": "met", "reason_code": "age_ok", "message_fr": "Âge dans les limites"},
            {
                "code": "residence",
                "status": "to_be_checked",
                "reason_code": "qpv",
                "message_fr": "Justificatif QPV à vérifier",
            },
        ],
        outcome="to_be_checked",
    )
    application.current_screening = screening
    with doors.service_write():  # arrange: what the screening service would have written
        application.save()
    from candidates import services

    services.transition(application, "mark_to_be_checked", actor=None, reason="justificatif à vérifier")
    response = staff_client.get(reverse("admin:candidates_application_change", args=[application.pk]))
    content = response.content.decode()
    for text in (
        "0611223344",
        "Pantin",
        "Âge dans les limites",
        "Justificatif QPV à vérifier",
        "justificatif à vérifier",
    ):
        assert text in content, text
    buttons = [d["name"] for d in response.context["decisions"]]
    assert buttons == ["mark_eligible", "mark_not_eligible", "refuse"]


def test_internal_comments_and_messages_to_the_candidate_stay_apart(
    staff_client, agent, mailoutbox, django_capture_on_commit_callbacks
):
    application = application_in(Status.ELIGIBLE)
    url = reverse("admin:candidates_application_change", args=[application.pk])
    page = staff_client.get(url)
    formsets = page.context["inline_admin_formsets"]
    prefixes = [formset.formset.prefix for formset in formsets]
    data = {"_continue": "1"}
    for prefix in prefixes:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "1",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data[f"{prefixes[0]}-0-body"] = "Appelée le 12/10 : dossier complet."
    data[f"{prefixes[1]}-0-body"] = "Merci d'apporter votre attestation France Travail."
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    internal = ApplicationMessage.objects.get(visibility=ApplicationMessage.Visibility.INTERNAL)
    to_candidate = ApplicationMessage.objects.get(visibility=ApplicationMessage.Visibility.TO_CANDIDATE)
    assert internal.body.startswith("Appelée") and internal.author == agent
    assert to_candidate.body.startswith("Merci") and to_candidate.author == agent
    application.refresh_from_db()
    assert application.status == Status.ELIGIBLE
    # The message reaches the candidate by email too; the internal comment never does.
    [email] = mailoutbox
    assert email.to == [application.candidate.email]
    assert email.subject == f"Un message au sujet de votre candidature : {application.session.name}"
    assert "Merci d'apporter votre attestation France Travail." in email.body
    assert "Appelée" not in email.body and "Appelée" not in email.alternatives[0][0]
    assert str(application.reference) in email.body  # the link to the application's page


def test_the_page_cannot_change_the_status(staff_client):
    application = application_in(Status.SUBMITTED)
    url = reverse("admin:candidates_application_change", args=[application.pk])
    staff_client.post(url, {"status": "enrolled", "_continue": "1"})
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_application_page_links_documents_to_the_secure_download(staff_client):
    from candidates.tests.factories import ApplicationDocumentFactory

    application = application_in(Status.TO_BE_CHECKED)
    document = ApplicationDocumentFactory(application=application)
    page = staff_client.get(reverse("admin:candidates_application_change", args=[application.pk]))
    url = reverse("candidates:document_download", args=[document.pk])
    assert f'href="{url}"' in page.content.decode()
    assert staff_client.get(url).status_code == 200


def test_history_events_cannot_be_edited_even_by_a_superuser(client, agent, django_user_model):
    from candidates import services

    application = application_in(Status.ELIGIBLE)
    event = services.transition(application, "waitlist", actor=agent).event
    superuser = django_user_model.objects.create_superuser("dsi@paris.example.org", "x")
    give_second_factor(superuser)
    client.force_login(superuser)
    change = reverse("admin:candidates_applicationevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # read-only view
    client.post(change, {"reason": "réécrit"})
    event.refresh_from_db()
    assert event.reason == ""
    assert client.post(reverse("admin:candidates_applicationevent_delete", args=[event.pk])).status_code == 403
