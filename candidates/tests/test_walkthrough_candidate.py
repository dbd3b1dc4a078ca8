"""The candidate-side rows of the December walk-through (rows 19–39), each as the user met it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import CandidateProfile
from candidates.tests.factories import ApplicationDocumentFactory, ApplicationFactory, application_in, candidate
from candidates.workflow import Status
from programmes.models import QualificationLevel
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db


# --- Row 19: the catalogue's shareable URL and the results first on a phone --------------------


def test_empty_filter_parameters_are_dropped_from_the_shared_url(client):
    response = client.get("/formations/?q=&programme=&track=web_developer&departement=&open=on")
    assert response.status_code == 302
    assert response["Location"] == "/formations/?track=web_developer&open=on"
    assert client.get("/formations/?q=&programme=")["Location"] == "/formations/"


def test_a_search_collapses_the_filters_and_says_what_is_searched(client):
    SessionFactory(site__departement="93")
    blank = client.get("/formations/").content.decode()
    assert re.search(r"<details[^>]*catalogue-filters[^>]*open", blank)

    content = client.get("/formations/?track=web_developer&departement=93").content.decode()
    assert not re.search(r"<details[^>]*catalogue-filters[^>]* open", content)
    assert "Votre recherche :" in content and "Métier : Développeur web" in content
    assert content.index("1 session trouvée") < content.index('class="card card-session')


def test_no_result_is_said_in_the_singular(client):
    content = client.get("/formations/?q=introuvable").content.decode()
    assert "Aucune session trouvée" in content and "0 sessions" not in content


# --- Row 20: apply and check near the top; answers carried into the profile ------------------


@pytest.fixture
def session_with_rules():
    session = SessionFactory(site__departement="93")
    EligibilityRuleSetFactory(
        programme=session.programme,
        min_age=18,
        max_age=30,
        max_qualification_level=QualificationLevel.LEVEL_4,
        allowed_departements=["93"],
    )
    return session


def test_session_page_puts_apply_first_and_the_check_before_apply_on_the_result(client, session_with_rules):
    content = client.get(session_with_rules.get_absolute_url()).content.decode()
    assert content.index('id="h-apply"') < content.index('id="h-essentials"')
    assert 'href="#eligibilite"' in content

    checked = client.post(
        session_with_rules.get_absolute_url(),
        {"birth_date": "2001-04-12", "qualification_level": "4", "postcode": "93500", "commune": "Pantin"},
    ).content.decode()
    result = checked[checked.index("eligibility-result") :]
    assert "Oui, vous semblez éligible." in result
    assert f'href="/sessions/{session_with_rules.pk}/candidater/"' in result.split("</div>")[0]


def test_anonymous_check_answers_fill_the_new_profile(client, session_with_rules, django_capture_on_commit_callbacks):
    client.post(
        session_with_rules.get_absolute_url(),
        {"birth_date": "2001-04-12", "qualification_level": "4", "postcode": "93500", "commune": "Pantin"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "karim@example.org",
                "password1": "Formation-Numerique-2017",
                "password2": "Formation-Numerique-2017",
                "privacy_consent": "on",
            },
        )
    profile = CandidateProfile.objects.get(user__email="karim@example.org")
    assert profile.birth_date == datetime.date(2001, 4, 12)
    assert (profile.postcode, profile.commune, profile.qualification_level) == ("93500", "Pantin", 4)
    assert "eligibility_check_answers" not in client.session


# --- Row 21: a warning before starting when the profile fails the rules -----------------------


def test_starting_warns_when_the_saved_profile_fails_the_rules(client, session_with_rules):
    user = candidate(birth_date=datetime.date(1990, 1, 1), postcode="75011", commune="Paris")
    client.force_login(user)

    content = client.get(reverse("candidates:apply", args=[session_with_rules.pk])).content.decode()

    assert "D'après votre profil, vous ne remplissez pas les conditions de cette session" in content
    assert "Commencer ma candidature" in content  # still possible: the situation may have changed


def test_no_warning_when_the_profile_meets_the_rules(client, session_with_rules):
    client.force_login(candidate(birth_date=datetime.date(2001, 1, 1)))
    content = client.get(reverse("candidates:apply", args=[session_with_rules.pk])).content.decode()
    assert "vous ne remplissez pas les conditions" not in content


# --- Row 25: file sizes in the units of the help text ----------------------------------------


def test_file_sizes_use_french_units(client, open_session):
    user = candidate()
    client.force_login(user)
    application = ApplicationFactory(candidate=user, session=open_session, draft_step="documents")
    ApplicationDocumentFactory(application=application, size=18_125)
    content = client.get(reverse("candidates:apply_step", args=[application.reference, "documents"])).content.decode()
    assert "5 Mo au maximum" in content
    assert "17,7 ko" in content
    assert "Mio" not in content and "Kio" not in content


# --- Row 26: « Mes données » in the menu, readable -------------------------------------------


def test_my_data_is_in_the_menu_and_readable(client, open_session):
    user = candidate()
    application_in(Status.ELIGIBLE, candidate=user, session=open_session)
    client.force_login(user)

    home = client.get("/").content.decode()
    assert f'href="{reverse("candidates:my_data")}"' in home
    page = client.get(reverse("candidates:my_data_readable"))
    content = page.content.decode()
    assert page.status_code == 200
    assert open_session.name in content and "Conditions remplies, transmise au centre" in content
    assert "Pantin" in content and user.email in content


def test_my_data_readable_is_for_its_owner_only(client, roles):
    url = reverse("candidates:my_data_readable")
    assert client.get(url).status_code == 302
    for role in ("municipal_staff", "own_centre_staff", "plain_user"):
        client.force_login(roles[role])
        assert client.get(url).status_code == 404, role


# --- Row 27: no staff digest offered to candidates --------------------------------------------


def test_candidates_preferences_do_not_offer_staff_digests(client):
    client.force_login(candidate())
    content = client.get(reverse("preferences")).content.decode()
    assert 'name="receives_digests"' not in content
    assert 'name="receives_reminders"' in content


# --- Row 29: no free seats announced once applications are closed -----------------------------


def test_closed_session_does_not_announce_free_seats(client):
    session = SessionFactory(closed=True)
    content = client.get(session.get_absolute_url()).content.decode()
    assert "Les candidatures sont closes" in content
    assert "places libres" not in content


# --- Row 33: French typography -----------------------------------------------------------------


def test_first_of_the_month_is_written_1er(client):
    first = (timezone.localdate().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    session = SessionFactory(applications_close_on=first)
    content = client.get(session.get_absolute_url()).content.decode()
    assert re.search(r"jusqu'au <strong>1er \w+ \d{4}</strong>", content)


def test_candidate_confirms_with_a_plain_yes_and_reads_their_own_status(client, open_session):
    user = candidate()
    application = application_in(Status.OFFER_DECLINED, candidate=user, session=open_session)
    client.force_login(user)
    assert (
        "Vous avez refusé la place"
        in client.get(reverse("candidates:application_detail", args=[application.reference])).content.decode()
    )

    offered = application_in(Status.SEAT_OFFERED, candidate=user, session=SessionFactory())
    content = client.get(
        reverse("candidates:application_action", args=[offered.reference, "withdraw"])
    ).content.decode()
    assert "Oui, retirer ma candidature" in content and "Oui :" not in content


# --- Row 34: French URLs, old links still working ---------------------------------------------


def test_candidate_urls_are_in_french_and_old_links_still_work(client, open_session):
    user = candidate()
    client.force_login(user)
    draft = ApplicationFactory(candidate=user, session=open_session, draft_step="review")
    assert reverse("candidates:apply_step", args=[draft.reference, "profile"]).endswith("/etapes/profil/")
    assert reverse("candidates:apply_step", args=[draft.reference, "review"]).endswith("/etapes/verification/")
    assert client.get(f"/candidatures/{draft.reference}/etapes/profile/").status_code == 200
    assert client.get(f"/candidatures/{draft.reference}/etapes/inconnue/").status_code == 404

    offered = application_in(Status.SEAT_OFFERED, candidate=user, session=SessionFactory())
    for name, word in (
        ("withdraw", "retirer"),
        ("accept_offer", "accepter-la-place"),
        ("decline_offer", "refuser-la-place"),
    ):
        url = reverse("candidates:application_action", args=[offered.reference, name])
        assert url.endswith(f"/{word}/")
        assert client.get(url).status_code == 200
    assert client.get(f"/mes-candidatures/{offered.reference}/withdraw/").status_code == 200
