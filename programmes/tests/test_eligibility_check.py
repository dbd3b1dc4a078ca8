""" "Am I eligible?" on the session page, before any account, with the screening's rules engine."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.tests.factories import candidate
from programmes.models import QpvPolicy, QualificationLevel
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    session = SessionFactory(starts_on=datetime.date.today() + datetime.timedelta(days=60))
    EligibilityRuleSetFactory(
        programme=session.programme,
        min_age=18,
        max_age=25,
        max_qualification_level=QualificationLevel.LEVEL_4,
        allowed_departements=["92", "93"],
    )
    return session


def born_years_ago(years):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=1)


def test_only_the_questions_the_rules_need_are_asked(client, session):
    content = client.get(session.get_absolute_url()).content.decode()

    assert "Suis-je éligible ?" in content
    assert 'name="birth_date"' in content
    assert 'name="qualification_level"' in content
    assert 'name="postcode"' in content
    assert 'name="lives_in_qpv"' not in content
    assert 'name="is_job_seeker"' not in content


def test_entry_conditions_are_listed_in_plain_words(client, session):
    content = client.get(session.get_absolute_url()).content.decode()

    assert "Avoir entre 18 et 25 ans au début de la formation." in content
    assert "au plus « Baccalauréat (général, technologique ou professionnel) »" in content
    assert "Habiter : Hauts-de-Seine (92), Seine-Saint-Denis (93)." in content


def test_eligible_answer(client, session):
    response = client.post(
        session.get_absolute_url(),
        {"birth_date": born_years_ago(20).isoformat(), "qualification_level": "3", "postcode": "93500"},
    )

    assert response.context["eligibility_result"].outcome == "eligible"
    assert "Oui, vous semblez éligible." in response.content.decode()


def test_not_eligible_says_why_in_plain_words(client, session):
    response = client.post(
        session.get_absolute_url(),
        {"birth_date": born_years_ago(40).isoformat(), "qualification_level": "7", "postcode": "75019"},
    )

    content = response.content.decode()
    assert response.context["eligibility_result"].outcome == "not_eligible"
    assert "vous n&#x27;êtes pas éligible" in content or "vous n'êtes pas éligible" in content
    assert "Il faut avoir au plus 25 ans au début de la session" in content
    assert "Cette formation est réservée aux habitants de : 92, 93" in content


def test_missing_answer_is_to_be_checked(client, session):
    response = client.post(session.get_absolute_url(), {"qualification_level": "3", "postcode": "92390"})

    content = response.content.decode()
    assert response.context["eligibility_result"].outcome == "to_be_checked"
    assert "Indiquez votre date de naissance" in content


def test_birth_date_in_the_future_is_an_error_tied_to_its_field(client, session):
    future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(session.get_absolute_url(), {"birth_date": future, "postcode": "93500"})

    content = response.content.decode()
    assert response.context["eligibility_result"] is None
    assert "La date de naissance ne peut pas être dans le futur." in content
    assert 'aria-describedby="id_birth_date_error"' in content
    assert f'value="{future}"' in content
    assert 'value="93500"' in content


def test_qpv_required_asks_and_explains(client):
    session = SessionFactory()
    EligibilityRuleSetFactory(programme=session.programme, qpv_policy=QpvPolicy.REQUIRED)

    response = client.post(session.get_absolute_url(), {"lives_in_qpv": "false"})

    assert response.context["eligibility_result"].outcome == "not_eligible"
    assert "réservée aux habitants d&#x27;un quartier prioritaire" in response.content.decode()


def test_no_rules_means_open_to_all(client):
    session = SessionFactory()
    content = client.get(session.get_absolute_url()).content.decode()

    assert "tout le monde peut candidater" in content


def test_a_candidate_asking_to_answer_differently_sees_their_profile_prefilled(client, session):
    client.force_login(candidate(postcode="92390", birth_date=datetime.date(2001, 2, 3)))

    content = client.get(session.get_absolute_url() + "?verifier=1").content.decode()

    assert 'value="92390"' in content
    assert 'value="2001-02-03"' in content
    assert "eligibility-result" not in content


def test_a_candidate_whose_profile_answers_sees_the_result_at_once(client, session):
    client.force_login(
        candidate(postcode="92390", birth_date=born_years_ago(20), qualification_level=QualificationLevel.LEVEL_4)
    )

    response = client.get(session.get_absolute_url())
    content = response.content.decode()

    assert response.context["eligibility_result"].outcome == "eligible"
    result = content[content.index("eligibility-result") :]
    assert "D'après les réponses de votre profil :" in result
    assert "Oui, vous semblez éligible." in result
    assert f'<form method="post" action="/sessions/{session.pk}/candidater/">' in result  # starts at once
    assert 'href="?verifier=1#eligibilite"' in content
    assert 'name="birth_date"' not in content  # nothing to send again
    assert "Vérifiez en une minute" not in content


def test_the_result_from_the_profile_is_the_engines_on_the_questions_asked(client, session):
    """Not eligible from the profile says why, exactly as sending the filled form would."""
    from programmes import eligibility
    from programmes.models import EligibilityRuleSet

    user = candidate(postcode="75011", birth_date=born_years_ago(40), qualification_level=QualificationLevel.LEVEL_4)
    client.force_login(user)

    from_profile = client.get(session.get_absolute_url()).context["eligibility_result"]
    sent = client.post(
        session.get_absolute_url(),
        {"birth_date": born_years_ago(40).isoformat(), "qualification_level": "4", "postcode": "75011"},
    ).context["eligibility_result"]

    rules = eligibility.Rules.from_rule_set(EligibilityRuleSet.objects.current_for(session))
    expected = eligibility.evaluate(
        rules,
        eligibility.Answers(
            birth_date=born_years_ago(40),
            qualification_level=4,
            postcode="75011",
            commune=user.candidate_profile.commune,
        ),
        session_start=session.starts_on,
    )
    assert from_profile == expected
    assert from_profile.outcome == sent.outcome == "not_eligible"
    assert [c.code for c in from_profile.criteria if c.status == "not_met"] == [
        c.code for c in sent.criteria if c.status == "not_met"
    ]


def test_a_profile_missing_a_deciding_answer_gets_the_form(client, session):
    client.force_login(candidate(postcode="92390", birth_date=None, qualification_level=QualificationLevel.LEVEL_4))

    response = client.get(session.get_absolute_url())

    assert response.context["eligibility_result"] is None
    assert 'name="birth_date"' in response.content.decode()


def test_anonymous_visitors_and_open_sessions_get_no_result_unasked(client, session):
    assert client.get(session.get_absolute_url()).context["eligibility_result"] is None
    open_to_all = SessionFactory()
    client.force_login(candidate())
    content = client.get(open_to_all.get_absolute_url()).content.decode()
    assert "eligibility-result" not in content
    assert "tout le monde peut candidater" in content


def test_same_result_as_the_screening_engine(client, session):
    """The page calls the one engine: its result equals evaluate() on the same answers."""
    from programmes import eligibility
    from programmes.models import EligibilityRuleSet

    answers = {"birth_date": born_years_ago(19).isoformat(), "qualification_level": "5", "postcode": "93200"}
    response = client.post(session.get_absolute_url(), answers)

    rules = eligibility.Rules.from_rule_set(EligibilityRuleSet.objects.current_for(session))
    expected = eligibility.evaluate(
        rules,
        eligibility.Answers(birth_date=answers["birth_date"], qualification_level=5, postcode="93200"),
        session_start=session.starts_on,
    )
    assert response.context["eligibility_result"] == expected
    assert expected.outcome == "not_eligible"


def test_a_candidate_starts_applying_from_the_session_page_in_one_click(client, session):
    """The button posts to the start: the next page is the first step, no start page between."""
    from candidates.models import Application

    user = candidate(postcode="92390", birth_date=born_years_ago(20), qualification_level=QualificationLevel.LEVEL_4)
    client.force_login(user)
    content = client.get(session.get_absolute_url()).content.decode()
    action = f"/sessions/{session.pk}/candidater/"
    assert content.count(f'<form method="post" action="{action}">') == 2  # the apply card and the result
    assert "Préparez votre CV" in content

    response = client.post(action)

    application = Application.objects.get(candidate=user, session=session)
    assert response["Location"] == reverse("candidates:apply_step", args=[application.reference, "profile"])


def test_the_start_page_stays_for_whoever_it_has_something_to_say_to(client, session):
    action = f"/sessions/{session.pk}/candidater/"
    assert f'href="{action}"' in client.get(session.get_absolute_url()).content.decode()  # anonymous: log in first

    client.force_login(
        candidate(postcode="75011", birth_date=born_years_ago(40), qualification_level=QualificationLevel.LEVEL_4)
    )
    not_eligible = client.get(session.get_absolute_url()).content.decode()
    assert f'href="{action}"' in not_eligible  # the start page says which conditions are not met
    assert f'action="{action}"' not in not_eligible
