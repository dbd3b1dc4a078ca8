"""The municipal agent's rows of the December walk-through (9, 11, 12, 13, 38), each as the agent
met it in the admin."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from candidates import services
from candidates.models import Appointment
from candidates.tests.factories import ScreeningFactory, application_in, criterion
from candidates.workflow import Status
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:candidates_application_changelist")


def future(days=5):
    return (timezone.localtime() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def bulk(client, action, applications, **data):
    payload = {"action": f"bulk_{action}", "_selected_action": [a.pk for a in applications], **data}
    return client.post(CHANGELIST, payload)


# --- Row 9: « Candidatures à examiner » is a queue ------------------------------------------


def test_the_index_opens_the_queue_of_what_needs_a_decision(staff_client):
    waiting = {status: application_in(status) for status in (Status.TO_BE_CHECKED, Status.ELIGIBLE)}
    waiting[Status.INVITED_TO_TEST] = application_in(Status.INVITED_TO_TEST)
    waiting[Status.SEAT_ACCEPTED] = application_in(Status.SEAT_ACCEPTED)
    done = [application_in(s) for s in (Status.REFUSED, Status.ENROLLED, Status.SEAT_OFFERED, Status.NOT_ELIGIBLE)]
    application_in(Status.DRAFT)

    index = staff_client.get(reverse("admin:index")).content.decode()
    assert f'href="{CHANGELIST}?a_traiter=tout">Candidatures à examiner</a>' in index

    shown = {a.pk for a in staff_client.get(CHANGELIST + "?a_traiter=tout").context["cl"].result_list}
    assert shown == {a.pk for a in waiting.values()}
    assert not shown & {a.pk for a in done}
    checks = staff_client.get(CHANGELIST + "?a_traiter=verifier").context["cl"].result_list
    assert [a.pk for a in checks] == [waiting[Status.TO_BE_CHECKED].pk]


def test_the_queue_query_count_does_not_grow_with_rows(staff_client, django_assert_max_num_queries):
    for _ in range(3):
        application_in(Status.ELIGIBLE)
    staff_client.get(CHANGELIST + "?a_traiter=tout")  # warm caches (content types, sessions)
    with django_assert_max_num_queries(20) as first:
        staff_client.get(CHANGELIST + "?a_traiter=tout")
    for _ in range(10):
        application_in(Status.ELIGIBLE)
    with django_assert_max_num_queries(len(first.captured_queries)):
        staff_client.get(CHANGELIST + "?a_traiter=tout")


# --- Row 11: bulk invitations stay within one session; skipped rows listed one per line ------


def test_a_bulk_invitation_across_sessions_is_refused_before_anything_is_asked(staff_client):
    applications = [application_in(Status.ELIGIBLE), application_in(Status.ELIGIBLE)]
    response = bulk(staff_client, "invite_to_test", applications)
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "concernent 2 sessions" in message and "une même session" in message
    # Even a forged « apply » is refused: nobody is invited to a place meant for another session.
    bulk(staff_client, "invite_to_test", applications, apply="1", starts_at=future(), duration_minutes=60, place="X")
    assert not Appointment.objects.exists()
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.ELIGIBLE


def test_a_bulk_invitation_of_one_session_is_prefilled_with_its_full_address(staff_client):
    session = SessionFactory(
        site__name="Simplon Pantin", site__address="55 rue Cartier-Bresson", site__postcode="93500"
    )
    applications = [application_in(Status.ELIGIBLE, session=session) for _ in range(2)]
    response = bulk(staff_client, "invite_to_test", applications)
    assert response.status_code == 200
    assert response.context["form"].initial["place"] == (
        f"Simplon Pantin, 55 rue Cartier-Bresson, 93500 {session.site.commune}"
    )


def test_other_bulk_decisions_may_span_sessions_and_list_skipped_rows_one_per_line(staff_client):
    eligible = application_in(Status.ELIGIBLE)
    enrolled = application_in(Status.ENROLLED)
    refused = application_in(Status.REFUSED)
    response = bulk(staff_client, "waitlist", [eligible, enrolled, refused], apply="1", note="")
    eligible.refresh_from_db()
    assert eligible.status == Status.WAITLISTED
    [warning] = [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    text = str(warning)
    assert text.startswith("2 candidatures laissées de côté :<ul")
    assert text.count("<li>") == 2
    assert f"<li>{enrolled.candidate} ({enrolled.session.name}) : " in text
    page = staff_client.get(CHANGELIST)  # the message is rendered as a list, not escaped
    assert '<ul class="skipped-list"><li>' in page.content.decode()


# --- Row 38: the decision form's layout ------------------------------------------------------


def test_the_decision_form_uses_the_admins_aligned_layout_and_a_useful_help(staff_client):
    application = application_in(Status.ELIGIBLE)
    content = staff_client.get(
        reverse("admin:candidates_application_decision", args=[application.pk, "invite_to_test"])
    ).content.decode()
    assert '<h2 id="decision-heading" class="fieldset-heading">Convoquer aux tests</h2>' in content
    assert content.count('<div class="flex-container">') == 4  # date, duration, place, what to bring
    assert "2017" not in content and "au moins une heure à l&#x27;avance" in content
    refuse = staff_client.get(
        reverse("admin:candidates_application_decision", args=[application.pk, "refuse"])
    ).content.decode()
    assert 'class="flex-container checkbox-row"' in refuse and 'class="vCheckboxLabel"' in refuse


# --- Rows 12 and 13: the admin in the agent's words; the system signs its own changes ----------


def test_the_automatic_screening_is_not_signed_by_the_candidate_whose_request_ran_it(agent):
    application = application_in(Status.SUBMITTED)
    request = RequestFactory().post("/")
    request.user = application.candidate
    HistoricalRecords.context.request = request  # as HistoryRequestMiddleware leaves it (eager Celery)
    try:
        services.transition(application, "mark_eligible", actor=None)
        services.transition(application, "invite_to_interview", actor=agent, actor_role="municipal_staff")
    except services.TransitionError:
        pass
    finally:
        del HistoricalRecords.context.request
    eligible, invited = application.history.order_by("history_id")[1:3]
    assert (eligible.status, eligible.history_user) == (Status.ELIGIBLE, None)
    assert invited.history_user == agent


def test_the_history_shows_labels_and_the_system_not_codes(staff_client, agent):
    application = application_in(Status.SUBMITTED)
    services.transition(application, "mark_eligible", actor=None)
    services.transition(application, "waitlist", actor=agent, actor_role="municipal_staff")

    content = " ".join(
        staff_client.get(reverse("admin:candidates_application_history", args=[application.pk]))
        .content.decode()
        .split()
    )

    assert "<h1>Historique des modifications : " in content
    assert "<strong>Statut :</strong> Éligible &nbsp;&rarr;&nbsp;&nbsp;Liste d&#x27;attente" in content
    assert "Déclarer éligible" in content and "mark_eligible" not in content
    assert "le système (automatique)" in content
    assert "eligible →" not in content and ">None<" not in content and "False" not in content
    assert "Modifications" in content and "Changes" not in content
    assert timezone.localtime(application.history.latest("history_id").history_date).strftime("%d/%m/%Y") in content


def test_the_application_page_speaks_plainly_and_shows_the_profile_first(staff_client):
    application = application_in(Status.ELIGIBLE)
    ScreeningFactory(
        application=application,
        criteria=[criterion("age", "met", "age.ok", fr="Vous avez 24 ans.", en="You are 24.")],
    )
    url = reverse("admin:candidates_application_change", args=[application.pk])
    content = staff_client.get(url).content.decode()
    assert '<th scope="row">Âge</th>' in content and "respecté" in content and "✔</span> met" not in content
    assert "crire un message au candidat" in content and "Ajouter un objet" not in content
    # What the decision is made on comes before the stored fields and their ✖ icons.
    assert (
        content.index('id="profile-title"') < content.index('id="screening-title"') < content.index("fieldset-heading")
    )
    assert "collapse" in content  # the eight audience flags are folded

    changelist = staff_client.get(CHANGELIST).content.decode()
    assert "<h1>Candidatures</h1>" in changelist and "Sélectionnez" not in changelist

    response = staff_client.post(url, {**management_data(staff_client, url), "_continue": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Vos notes sont enregistrées."]


def management_data(client, url):
    """The inline formsets' management forms as the page renders them (nothing added)."""
    form = client.get(url).context["adminform"].form
    data = {}
    for formset in client.get(url).context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": formset.formset.total_form_count(),
                f"{prefix}-INITIAL_FORMS": formset.formset.initial_form_count(),
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for index, inline_form in enumerate(formset.formset.initial_forms):
            data[f"{prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{prefix}-{index}-application"] = form.instance.pk
    return data


# --- Row 14: the dashboard's session list follows the scope; below target said in words ------


def test_the_dashboards_session_list_follows_the_chosen_programme_and_structure(staff_client):
    pantin = SessionFactory(name="Ma 6T Va Coder — Pantin")
    same_programme = SessionFactory(programme=pantin.programme, name="Ma 6T Va Coder — Bobigny")
    elsewhere = SessionFactory(name="POP School — Valenciennes")
    url = reverse("admin:programme_dashboard")

    choices = staff_client.get(url, {"programme": pantin.programme_id}).context["form"].fields["session"].queryset
    assert set(choices) == {pantin, same_programme}
    choices = staff_client.get(url, {"provider": elsewhere.site.provider_id}).context["form"].fields["session"].queryset
    assert set(choices) == {elsewhere}
    assert staff_client.get(url, {"programme": "abc"}).status_code == 200  # a wrong value narrows nothing


def test_below_target_figures_are_marked_in_words_not_colour_only(staff_client):
    from programmes.models import ProgrammeAudience

    session = SessionFactory()
    ProgrammeAudience.objects.create(programme=session.programme, audience="women", target_percent=40)
    application_in(Status.ELIGIBLE, session=session)

    content = staff_client.get(reverse("admin:programme_dashboard"), {"programme": session.programme_id})
    html = content.content.decode()
    assert '<span class="below-target-mark" aria-hidden="true">↓ </span>0' in html
    assert 'objectif 40 %<span class="visually-hidden">, sous l\'objectif</span>' in html
    assert "↓ : part sous l'objectif du programme." in html
    assert '<th scope="col"></th>' not in html
