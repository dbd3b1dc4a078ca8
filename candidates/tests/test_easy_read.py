"""« Facile à lire et à comprendre » (FALC): every criterion, reason and status has its FALC text;
the switch on every page is remembered (preferences when signed in, the session otherwise); the
candidate's pages, the session's conditions (staff may write them) and the main emails follow it."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from candidates import presentation, services
from candidates.tests.factories import ApplicationFactory, ScreeningFactory, application_in, candidate, criterion
from candidates.workflow import Status
from portal import easy_read
from portal.models import OutgoingEmail
from portal.tests.factories import municipal_staff
from programmes import eligibility
from programmes.models import EligibilityRuleSet
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TOGGLE = reverse("easy_read_toggle")


def test_every_status_criterion_and_reason_has_a_falc_text():
    assert set(presentation.EASY_READ_STATUS_LABELS) == set(Status)
    assert set(presentation.EASY_READ_NEXT_STEPS) == set(Status)
    assert set(eligibility.EASY_READ_CRITERIA) == set(eligibility.CRITERIA)
    assert set(eligibility.EASY_READ_MESSAGES) == set(eligibility.MESSAGES)
    for code, falc in eligibility.EASY_READ_MESSAGES.items():
        # The FALC text takes the same parameters as the usual one (never one it would lack).
        assert set(PLACEHOLDER.findall(falc)) <= set(PLACEHOLDER.findall(eligibility.MESSAGES[code])), code
        assert falc != eligibility.MESSAGES[code], code


def test_falc_sentences_are_short():
    """FALC: short sentences, one idea each (a rough bound: no sentence over 25 words)."""
    texts = [
        *eligibility.EASY_READ_MESSAGES.values(),
        *(text for pair in eligibility.EASY_READ_CRITERIA.values() for text in pair),
        *map(str, presentation.EASY_READ_STATUS_LABELS.values()),
        *map(str, presentation.EASY_READ_NEXT_STEPS.values()),
    ]
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert len(sentence.split()) <= 25, sentence


def test_an_anonymous_visitor_switches_and_the_session_remembers(client):
    home = client.get("/").content.decode()
    assert "Facile à lire" in home and "Texte habituel" not in home
    response = client.post(TOGGLE, {"next": "/facile-a-lire/"})
    assert response.status_code == 302 and response["Location"] == "/facile-a-lire/"
    assert client.session[easy_read.SESSION_KEY] is True
    assert "Texte habituel" in client.get("/").content.decode()
    client.post(TOGGLE, {"next": "/"})
    assert client.session[easy_read.SESSION_KEY] is False


def test_the_switch_goes_back_only_to_this_site(client):
    response = client.post(TOGGLE, {"next": "https://example.com/"})
    assert response["Location"] == "/"
    assert client.get(TOGGLE).status_code == 405  # a GET changes nothing


def test_a_candidate_switches_and_it_is_kept_in_the_preferences(client):
    user = candidate()
    client.force_login(user)
    client.post(TOGGLE, {"next": "/"})
    user.refresh_from_db()
    assert user.prefers_easy_read is True
    form = client.get(reverse("preferences")).context["form"]
    assert form["prefers_easy_read"].value() is True
    # A new session (another device) finds it too.
    client.logout()
    client.force_login(user)
    assert "Texte habituel" in client.get("/").content.decode()


def test_the_candidate_reads_statuses_and_reasons_in_falc(client):
    user = candidate(user__prefers_easy_read=True)
    application = application_in(Status.NOT_ELIGIBLE, candidate=user)
    ScreeningFactory(
        application=application,
        outcome="not_eligible",
        criteria=[
            {
                **criterion("age", "not_met", "age.too_old", fr="Trop âgé.", en="Too old."),
                "params": {"max_age": 25, "age": 31},
            }
        ],
    )
    client.force_login(user)
    page = client.get(reverse("candidates:application_detail", args=[application.reference])).content.decode()
    assert str(presentation.EASY_READ_STATUS_LABELS[Status.NOT_ELIGIBLE]).replace("'", "&#x27;") in page
    assert "Il faut avoir 25 ans ou moins au début de la formation. Vous aurez 31 ans." in page
    listing = client.get(reverse("candidates:application_list")).content.decode()
    assert str(presentation.EASY_READ_NEXT_STEPS[Status.NOT_ELIGIBLE]) in listing


def test_the_session_conditions_in_falc_written_by_staff_or_by_the_portal(client):
    session = SessionFactory()
    EligibilityRuleSetFactory(programme=session.programme, max_age=25, job_seeker_required=True)
    client.post(TOGGLE, {"next": "/"})
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Vous avez 25 ans ou moins au début de la formation." in page
    assert "Vous êtes inscrit à France Travail." in page
    assert "Avoir au plus 25 ans" not in page
    # Staff write their own FALC text with the rules, as a new version.
    rule_set = EligibilityRuleSet.objects.current_for(session)
    agent = municipal_staff()
    agent.user_permissions.add(*Permission.objects.filter(codename__in=["change_eligibilityruleset"]))
    staff = client.__class__()
    staff.force_login(agent)
    form = staff.get(reverse("admin:programmes_eligibilityruleset_change", args=[rule_set.pk]))
    assert 'name="easy_read_conditions"' in form.content.decode()
    from programmes import rules

    rule_set.easy_read_conditions = "Vous avez moins de 26 ans.\n\nVous cherchez un travail."
    rules.save_new_version(rule_set, actor=agent, comment="FALC")
    page = client.get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "<li>Vous avez moins de 26 ans.</li><li>Vous cherchez un travail.</li>" in page
    # Readers of the usual texts still read them.
    usual = client.__class__().get(reverse("programmes:session_detail", args=[session.pk])).content.decode()
    assert "Avoir au plus 25 ans au début de la formation." in usual


def test_the_main_emails_in_falc(mailoutbox, django_capture_on_commit_callbacks):
    user = candidate(user__prefers_easy_read=True, user__language="fr")
    application = ApplicationFactory(candidate=user, submitted=True)
    ScreeningFactory(
        application=application,
        outcome="not_eligible",
        criteria=[
            {
                **criterion("residence", "not_met", "residence.outside", fr="Réservée à Paris.", en="Paris only."),
                "params": {"places": "Paris", "where": "Lyon"},
            }
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_not_eligible")
    row = OutgoingEmail.objects.get(kind="screening_not_eligible")
    assert "Pour le moment, cette formation n'est pas pour vous." in row.body_text
    assert "Cette formation est pour les personnes qui habitent ici : Paris. Vous habitez : Lyon." in row.body_text
    assert "Pour le moment, cette formation n'est pas pour vous." in row.body_html.replace("&#x27;", "'")


def test_the_usual_emails_for_the_others(mailoutbox, django_capture_on_commit_callbacks):
    application = ApplicationFactory(candidate=candidate(user__language="fr"), submitted=True)
    ScreeningFactory(application=application, outcome="not_eligible", criteria=[])
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "mark_not_eligible")
    row = OutgoingEmail.objects.get(kind="screening_not_eligible")
    assert "ne remplit pas, pour l'instant, les conditions" in row.body_text


def test_the_falc_guide_lists_every_criterion_and_status(client):
    page = client.get(reverse("candidates:easy_read")).content.decode()
    for code in eligibility.CRITERIA:
        assert f'data-criterion="{code}"' in page
    for status in Status:
        assert f'data-status="{status.value}"' in page
    assert "Facile à lire : comprendre votre candidature" in client.get("/").content.decode()  # in the footer
