import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from candidates.tests.factories import ApplicationFactory, candidate
from partners.models import Commitment, Interest, Opportunity
from partners.tests.factories import (
    CharterFactory,
    CharterSignatureFactory,
    CommitmentFactory,
    InterestFactory,
    OpportunityFactory,
    PartnerCompanyFactory,
    enrolled_trainee,
    partner_member,
)
from portal.tests.factories import municipal_staff
from programmes.tests.factories import SessionFactory, TrainingProviderFactory, centre_staff

pytestmark = pytest.mark.django_db


def login_url_for(url):
    return f"{reverse('account_login')}?next={url}"


@pytest.fixture
def world():
    """Two companies with one opportunity each for one session, an enrolled trainee who expressed
    interest in both, and the people who must not see what is not theirs."""
    session = SessionFactory()
    ours, theirs = PartnerCompanyFactory(name="Microsoft"), PartnerCompanyFactory(name="Orange")
    trainee = enrolled_trainee(session, candidate=candidate(user__first_name="Awa", user__last_name="Diallo"))
    our_opportunity = OpportunityFactory(company=ours, sessions=[session], title="Journée chez Microsoft")
    their_opportunity = OpportunityFactory(company=theirs, sessions=[session], title="Journée chez Orange")
    return {
        "session": session,
        "ours": ours,
        "member": partner_member(company=ours),
        "other_member": partner_member(company=theirs),
        "trainee": trainee,
        "our_opportunity": our_opportunity,
        "their_opportunity": their_opportunity,
        "our_interest": InterestFactory(
            opportunity=our_opportunity, candidate=trainee, application=trainee.applications.get(), share_email=True
        ),
        "their_interest": InterestFactory(opportunity=their_opportunity, candidate=trainee),
        "outsider": enrolled_trainee(SessionFactory()),
        "municipal": municipal_staff(),
        "centre": centre_staff(TrainingProviderFactory()),
    }


# --- Partner space: a company sees only its own ---------------------------------------------


def test_partner_pages_send_anonymous_visitors_to_login(client, world):
    for url in [
        reverse("partners:space"),
        reverse("partners:opportunity_create"),
        reverse("partners:partner_opportunity", args=[world["our_opportunity"].pk]),
        reverse("partners:trainee_opportunities"),
        reverse("partners:trainee_opportunity", args=[world["our_opportunity"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == login_url_for(url)


@pytest.mark.parametrize("who", ["trainee", "outsider", "municipal", "centre"])
def test_partner_space_is_404_for_non_members(client, world, who):
    client.force_login(world[who])
    assert client.get(reverse("partners:space")).status_code == 404
    assert client.get(reverse("partners:opportunity_create")).status_code == 404
    assert client.get(reverse("partners:partner_opportunity", args=[world["our_opportunity"].pk])).status_code == 404


def test_partner_space_shows_own_commitments_and_opportunities_only(client, world):
    commitment = CommitmentFactory(signature__company=world["ours"], kind="discovery_day", quantity_promised=4)
    world["our_opportunity"].commitment = commitment
    world["our_opportunity"].save()
    world["our_interest"].status, world["our_interest"].decided_at = Interest.Status.TAKEN, timezone.now()
    world["our_interest"].save()
    theirs = CommitmentFactory(signature__company=world["their_opportunity"].company, quantity_promised=987654)
    client.force_login(world["member"])

    content = client.get(reverse("partners:space")).content.decode()

    assert "Journée chez Microsoft" in content
    assert "Journée chez Orange" not in content
    # A number long enough never to show up by chance in the page's CSRF token.
    assert "987654" not in content
    assert f'data-commitment="{theirs.pk}"' not in content
    assert f'data-commitment="{commitment.pk}"' in content
    assert "3 restants" in content  # 4 promised, 1 delivered


def test_company_sees_its_interested_trainees_with_only_what_they_shared(client, world):
    world["trainee"].candidate_profile.phone = "0611223344"
    world["trainee"].candidate_profile.save()
    client.force_login(world["member"])

    content = client.get(reverse("partners:partner_opportunity", args=[world["our_opportunity"].pk])).content.decode()

    assert world["trainee"].email in content  # shared
    assert "Diallo" not in content  # name not shared
    assert "0611223344" not in content  # phone not shared
    assert world["session"].name in content
    assert "nom non partagé" in content


def test_company_cannot_see_or_decide_another_companys_opportunity_or_interest(client, world):
    client.force_login(world["other_member"])
    assert client.get(reverse("partners:partner_opportunity", args=[world["our_opportunity"].pk])).status_code == 404
    url = reverse("partners:interest_decide", args=[world["our_interest"].pk, "taken"])
    assert client.post(url).status_code == 404
    assert client.get(reverse("partners:opportunity_edit", args=[world["our_opportunity"].pk])).status_code == 404
    world["our_interest"].refresh_from_db()
    assert world["our_interest"].status == Interest.Status.INTERESTED


def test_company_marks_a_trainee_taken_then_not_taken(client, world):
    client.force_login(world["member"])
    interest = world["our_interest"]

    response = client.post(reverse("partners:interest_decide", args=[interest.pk, "taken"]), follow=True)

    interest.refresh_from_db()
    assert interest.status == Interest.Status.TAKEN
    assert interest.decided_by == world["member"]
    assert "marquée comme retenue" in response.content.decode()
    client.post(reverse("partners:interest_decide", args=[interest.pk, "not_taken"]))
    interest.refresh_from_db()
    assert interest.status == Interest.Status.NOT_TAKEN
    assert client.post(reverse("partners:interest_decide", args=[interest.pk, "whatever"])).status_code == 404
    assert client.get(reverse("partners:interest_decide", args=[interest.pk, "taken"])).status_code == 405


def test_taking_more_than_the_places_shows_a_clear_error(client, world):
    opportunity = world["our_opportunity"]
    opportunity.places = 1
    opportunity.save()
    InterestFactory(opportunity=opportunity, taken=True)
    client.force_login(world["member"])

    response = client.post(reverse("partners:interest_decide", args=[world["our_interest"].pk, "taken"]), follow=True)

    assert "déjà attribuées" in response.content.decode()
    assert opportunity.interests.taken().count() == 1


def publish_data(session, **overrides):
    start = timezone.localdate() + datetime.timedelta(days=20)
    data = {
        "kind": "discovery_day",
        "title": "Journée découverte du cloud",
        "description": "Une journée avec nos équipes.",
        "starts_on": start.isoformat(),
        "ends_on": start.isoformat(),
        "places": "8",
        "location": "39 quai du Président Roosevelt, Issy-les-Moulineaux",
        "apply_by": (start - datetime.timedelta(days=5)).isoformat(),
        "sessions": [str(session.pk)],
        "tracks": [],
        "commitment": "",
        "is_published": "on",
    }
    data.update(overrides)
    return data


def test_partner_publishes_an_opportunity_linked_to_its_commitment(client, world):
    commitment = CommitmentFactory(signature__company=world["ours"], kind="discovery_day")
    client.force_login(world["member"])

    response = client.post(
        reverse("partners:opportunity_create"),
        publish_data(world["session"], commitment=str(commitment.pk), tracks=["data_analyst"]),
    )

    opportunity = Opportunity.objects.get(title="Journée découverte du cloud")
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:partner_opportunity", args=[opportunity.pk])
    assert opportunity.company == world["ours"]
    assert opportunity.commitment == commitment
    assert opportunity.created_by == world["member"]
    assert list(opportunity.sessions.all()) == [world["session"]]
    assert opportunity.tracks == ["data_analyst"]


@pytest.mark.parametrize(
    "period, message",
    [
        ((-30, 10), "L'engagement choisi court du {start} au {end} : l'opportunité doit commencer entre ces dates."),
        (
            (25, None),
            "L'engagement choisi court à partir du {start} : l'opportunité doit commencer ce jour-là ou après.",
        ),
        ((None, 19), "L'engagement choisi court jusqu'au {end} : l'opportunité doit commencer ce jour-là ou avant."),
    ],
)
def test_an_opportunity_starts_within_its_commitments_period(client, world, period, message):
    today = timezone.localdate()
    start, end = (today + datetime.timedelta(days=d) if d is not None else None for d in period)
    commitment = CommitmentFactory(
        signature__company=world["ours"], kind="discovery_day", period_start=start, period_end=end
    )
    client.force_login(world["member"])
    url = reverse("partners:opportunity_create")

    refused = client.post(url, publish_data(world["session"], commitment=str(commitment.pk)))  # starts in 20 days

    dates = {"start": date_format(start) if start else "", "end": date_format(end) if end else ""}
    assert refused.status_code == 200
    assert refused.context["form"].errors["starts_on"] == [message.format(**dates)]
    assert refused.context["form"]["title"].value() == "Journée découverte du cloud"
    assert not Opportunity.objects.filter(title="Journée découverte du cloud").exists()
    # Without the commitment, the same opportunity is fine.
    assert client.post(url, publish_data(world["session"])).status_code == 302


def test_publishing_with_bad_input_keeps_what_was_typed_and_ties_errors_to_fields(client, world):
    foreign = CommitmentFactory(signature__company=world["their_opportunity"].company, kind="discovery_day")
    internship = CommitmentFactory(signature__company=world["ours"], kind="internship")
    client.force_login(world["member"])
    start = timezone.localdate() + datetime.timedelta(days=20)

    response = client.post(
        reverse("partners:opportunity_create"),
        publish_data(
            world["session"],
            sessions=[],
            ends_on=(start - datetime.timedelta(days=1)).isoformat(),
            apply_by=(start + datetime.timedelta(days=1)).isoformat(),
            commitment=str(internship.pk),
        ),
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert "La fin doit être le jour du début ou après." in form.errors["ends_on"]
    assert "La date limite doit précéder le début de l'opportunité." in form.errors["apply_by"]
    assert "Choisissez au moins une session ou un métier." in form.errors["sessions"]
    assert "même type" in form.errors["commitment"][0]
    content = response.content.decode()
    assert 'value="Journée découverte du cloud"' in content
    assert 'aria-describedby="id_ends_on_error' in content or 'id="error_1_id_ends_on"' in content
    response = client.post(
        reverse("partners:opportunity_create"), publish_data(world["session"], commitment=str(foreign.pk))
    )
    assert "commitment" in response.context["form"].errors
    assert not Opportunity.objects.filter(title="Journée découverte du cloud").exists()


def test_partner_edits_its_opportunity(client, world):
    client.force_login(world["member"])
    url = reverse("partners:opportunity_edit", args=[world["our_opportunity"].pk])
    assert client.get(url).status_code == 200
    client.post(url, publish_data(world["session"], title="Nouveau titre"))
    world["our_opportunity"].refresh_from_db()
    assert world["our_opportunity"].title == "Nouveau titre"


# --- Trainees ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "member", "municipal", "centre"])
def test_a_candidate_not_in_the_session_gets_404(client, world, who):
    client.force_login(world[who])
    url = reverse("partners:trainee_opportunity", args=[world["our_opportunity"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"message": "Bonjour"}).status_code == 404
    assert client.post(reverse("partners:interest_withdraw", args=[world["our_opportunity"].pk])).status_code == 404
    assert "Journée chez Microsoft" not in client.get(reverse("partners:trainee_opportunities")).content.decode()
    assert not Interest.objects.filter(candidate=world[who]).exists()


def test_a_candidate_whose_application_is_not_admitted_gets_404(client):
    session = SessionFactory()
    opportunity = OpportunityFactory(sessions=[session])
    applicant = ApplicationFactory(session=session, eligible=True).candidate
    client.force_login(applicant)
    assert client.get(reverse("partners:trainee_opportunity", args=[opportunity.pk])).status_code == 404


def test_enrolled_trainee_expresses_interest_once(client):
    session = SessionFactory()
    opportunity = OpportunityFactory(sessions=[session])
    trainee = enrolled_trainee(session)
    client.force_login(trainee)
    url = reverse("partners:trainee_opportunity", args=[opportunity.pk])
    data = {"message": "Disponible toute la semaine.", "share_name": "on", "share_phone": "on"}

    first = client.post(url, data, follow=True)
    client.post(url, data)

    interest = Interest.objects.get()
    assert (interest.candidate, interest.message, interest.share_name, interest.share_email, interest.share_phone) == (
        trainee,
        "Disponible toute la semaine.",
        True,
        False,
        True,
    )
    # Said once, in its place on the page, not also as a flash message (walk-through row 37).
    assert first.content.decode().count("Votre intérêt est transmis") == 1
    assert not list(first.context["messages"])


def test_past_deadline_page_says_so_and_a_post_is_refused_clearly(client):
    session = SessionFactory()
    opportunity = OpportunityFactory(sessions=[session], past_deadline=True)
    client.force_login(enrolled_trainee(session))
    url = reverse("partners:trainee_opportunity", args=[opportunity.pk])

    assert "La date limite pour se manifester était le" in client.get(url).content.decode()
    response = client.post(url, {"message": "Encore possible ?"})

    assert response.status_code == 200
    assert "accepte plus de candidats" in response.content.decode()
    assert "Encore possible ?" in response.content.decode()
    assert not Interest.objects.exists()


def test_trainee_withdraws_a_pending_interest(client, world):
    client.force_login(world["trainee"])
    client.post(reverse("partners:interest_withdraw", args=[world["our_opportunity"].pk]))
    assert not Interest.objects.filter(pk=world["our_interest"].pk).exists()


def test_trainee_list_shows_own_sessions_opportunities_and_status(client, world):
    client.force_login(world["trainee"])
    content = client.get(reverse("partners:trainee_opportunities")).content.decode()
    assert "Journée chez Microsoft" in content and "Journée chez Orange" in content
    assert "intérêt transmis" in content


def test_nav_shows_partner_space_to_members_and_opportunities_to_trainees(client, world):
    client.force_login(world["member"])
    assert reverse("partners:space") in client.get(reverse("home")).content.decode()
    client.force_login(world["trainee"])
    content = client.get(reverse("home")).content.decode()
    assert reverse("partners:trainee_opportunities") in content
    assert reverse("partners:space") not in content


# --- Public charter and signed copy -------------------------------------------------------------


def test_public_charter_page_shows_signatories_and_figures_without_personal_data(client, settings):
    settings.LANGUAGE_CODE = "fr"
    commitment = CommitmentFactory(
        kind="discovery_day",
        quantity_promised=5,
        signature__company__name="Microsoft France",
        signature__signatory_name="Carlo Purassanta",
        signature__charter__text_fr="Texte français de la charte.",
        signature__charter__text_en="English text of the charter.",
    )
    interest = InterestFactory(
        opportunity__commitment=commitment, opportunity__company=commitment.signature.company, taken=True
    )
    url = commitment.signature.charter.get_absolute_url()

    content = client.get(url).content.decode()

    assert "Microsoft France" in content
    assert "Texte français de la charte." in content and "English text" not in content
    assert "data-delivered>1</td>" in content
    assert "Carlo Purassanta" not in content
    assert interest.candidate.email not in content and interest.candidate.last_name not in content
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "English text of the charter." in english


def test_unpublished_charter_is_404(client):
    charter = CharterFactory(is_published=False)
    assert client.get(charter.get_absolute_url()).status_code == 404
    assert charter.title not in client.get(reverse("partners:charter_list")).content.decode()


@pytest.fixture
def signed_charter():
    charter = CharterFactory()
    charter.signed_copy.save("charte.pdf", ContentFile(b"%PDF-1.4 signed"), save=True)
    signature = CharterSignatureFactory(charter=charter)
    return charter, signature


def test_signed_copy_for_municipal_staff_and_signatory_members_only(client, signed_charter):
    charter, signature = signed_charter
    url = reverse("partners:signed_copy", args=[charter.slug])
    assert client.get(url)["Location"] == login_url_for(url)
    for user in [
        candidate(),
        partner_member(),  # a partner that did not sign this charter
        centre_staff(TrainingProviderFactory()),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == 404
    for user in [municipal_staff(), partner_member(company=signature.company)]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 signed"
        assert response["Content-Type"] == "application/pdf"
        assert url in client.get(charter.get_absolute_url()).content.decode()


def test_signed_copy_link_hidden_from_the_public(client, signed_charter):
    charter, _ = signed_charter
    assert (
        reverse("partners:signed_copy", args=[charter.slug])
        not in client.get(charter.get_absolute_url()).content.decode()
    )


# --- Bounded queries on list pages -------------------------------------------------------------


def populate(company, session, trainee, n):
    """n commitments, opportunities and interests of the company, n other signatories."""
    signature = CharterSignatureFactory(company=company)
    for _ in range(n):
        CommitmentFactory(signature__charter=signature.charter)
        commitment = CommitmentFactory(signature=signature, kind=Commitment.Kind.DISCOVERY_DAY)
        opportunity = OpportunityFactory(
            company=company, commitment=commitment, sessions=[session], tracks=["web_developer"]
        )
        InterestFactory(opportunity=opportunity, taken=True)
        InterestFactory(opportunity=opportunity, share_name=True, share_phone=True)
        InterestFactory(opportunity=opportunity, candidate=trainee)
    return signature.charter


@pytest.mark.parametrize("n", [1, 8])
def test_list_pages_run_a_bounded_number_of_queries(client, django_assert_max_num_queries, n):
    session = SessionFactory()
    company = PartnerCompanyFactory()
    member, trainee = partner_member(company=company), enrolled_trainee(session)
    charter_url = populate(company, session, trainee, n).get_absolute_url()
    opportunity = Opportunity.objects.filter(company=company).first()

    client.force_login(member)
    # The menu asks one question per space (partner, trainee, candidate, training centre); the
    # paginated lists count their rows.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("partners:space")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("partners:partner_opportunity", args=[opportunity.pk])).status_code == 200
    client.force_login(trainee)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("partners:trainee_opportunities")).status_code == 200
    client.logout()
    with django_assert_max_num_queries(5):
        assert client.get(charter_url).status_code == 200


def test_a_member_of_two_companies_chooses_one_of_theirs_only(client, world):
    second = PartnerCompanyFactory(name="Cisco France")
    partner_member(company=second, user=world["member"])
    client.force_login(world["member"])
    url = reverse("partners:opportunity_create")

    refused = client.post(url, publish_data(world["session"], company=str(world["their_opportunity"].company_id)))
    client.post(url, publish_data(world["session"], company=str(second.pk)))

    assert "company" in refused.context["form"].errors
    assert Opportunity.objects.get(title="Journée découverte du cloud").company == second


def test_long_opportunity_lists_are_paginated(client):
    session = SessionFactory()
    company = PartnerCompanyFactory()
    member, trainee = partner_member(company=company), enrolled_trainee(session)
    populate(company, session, trainee, 25)
    titles = list(Opportunity.objects.filter(company=company).values_list("title", flat=True))
    assert len(titles) == 25

    for user, url in ((member, reverse("partners:space")), (trainee, reverse("partners:trainee_opportunities"))):
        client.force_login(user)
        first, second = client.get(url).content.decode(), client.get(url, {"page": 2}).content.decode()
        shown = [sum(f">{title}<" in page for title in titles) for page in (first, second)]
        assert shown == [20, 5], url
        assert "Page 1 sur 2" in first and "?page=2" in first
        assert "Page 2 sur 2" in second and "Page précédente" in second
