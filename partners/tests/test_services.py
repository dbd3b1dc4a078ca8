import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from candidates.tests.factories import ApplicationFactory
from partners import services
from partners.models import CharterSignature, Commitment, Interest, Opportunity
from partners.tests.factories import (
    CharterSignatureFactory,
    CommitmentFactory,
    InterestFactory,
    OpportunityFactory,
    enrolled_trainee,
    partner_member,
)
from programmes.models import Track
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def take(opportunity, n):
    actor = partner_member(company=opportunity.company)
    for _ in range(n):
        services.mark_taken(InterestFactory(opportunity=opportunity), actor=actor)


def test_delivered_counts_only_taken_placements_on_the_commitments_opportunities():
    commitment = CommitmentFactory(kind=Commitment.Kind.DISCOVERY_DAY, quantity_promised=5)
    other = CommitmentFactory(signature=commitment.signature, kind=Commitment.Kind.INTERNSHIP, quantity_promised=2)
    linked = OpportunityFactory(company=commitment.signature.company, commitment=commitment)
    also_linked = OpportunityFactory(company=commitment.signature.company, commitment=commitment)
    unlinked = OpportunityFactory(company=commitment.signature.company)
    take(linked, 2)
    take(also_linked, 1)
    take(unlinked, 3)
    InterestFactory(opportunity=linked)  # interested, not taken
    services.mark_not_taken(InterestFactory(opportunity=linked), actor=None)

    figures = {c.pk: (c.delivered, c.shortfall) for c in Commitment.objects.with_delivered()}

    assert figures[commitment.pk] == (3, 2)
    assert figures[other.pk] == (0, 2)


def test_delivered_follows_a_placement_taken_back():
    commitment = CommitmentFactory(quantity_promised=1, kind=Commitment.Kind.DISCOVERY_DAY)
    interest = InterestFactory(opportunity__commitment=commitment, opportunity__company=commitment.signature.company)
    services.mark_taken(interest, actor=None)
    assert Commitment.objects.with_delivered().get().delivered == 1

    services.mark_not_taken(interest, actor=None)

    assert Commitment.objects.with_delivered().get().delivered == 0
    assert Commitment.objects.with_delivered().get().shortfall == 1


def test_signature_figures_sum_promised_and_delivered_without_multiplying_rows():
    signature = CharterSignatureFactory()
    first = CommitmentFactory(signature=signature, quantity_promised=4, kind=Commitment.Kind.DISCOVERY_DAY)
    CommitmentFactory(signature=signature, quantity_promised=3, kind=Commitment.Kind.INTERNSHIP)
    take(OpportunityFactory(company=signature.company, commitment=first), 2)

    annotated = CharterSignature.objects.with_figures().get(pk=signature.pk)

    assert (annotated.promised, annotated.delivered) == (7, 2)


def test_commitment_figures_per_kind_and_company_and_programme():
    a = CommitmentFactory(kind=Commitment.Kind.WORK_STUDY, quantity_promised=10, signature__company__name="Alpha")
    b = CommitmentFactory(
        kind=Commitment.Kind.WORK_STUDY,
        quantity_promised=4,
        signature__company__name="Beta",
        signature__charter=a.signature.charter,
    )
    elsewhere = CommitmentFactory(kind=Commitment.Kind.MENTORING, quantity_promised=7)
    take(OpportunityFactory(company=a.signature.company, commitment=a, kind="work_study"), 3)
    take(OpportunityFactory(company=b.signature.company, commitment=b, kind="work_study"), 1)

    figures = services.commitment_figures(programme=a.signature.charter.programme)

    assert (figures["promised"], figures["delivered"]) == (14, 4)
    work_study = next(row for row in figures["by_kind"] if row["kind"] == "work_study")
    assert (work_study["promised"], work_study["delivered"], work_study["label"]) == (14, 4, "Alternance")
    assert [(c["company"], c["promised"], c["delivered"]) for c in figures["by_company"]] == [
        ("Alpha", 10, 3),
        ("Beta", 4, 1),
    ]
    everything = services.commitment_figures()
    assert everything["promised"] == 21
    assert any(c["company_id"] == elsewhere.signature.company_id for c in everything["by_company"])


def test_commitment_figures_take_one_query(django_assert_num_queries):
    for _ in range(5):
        take(OpportunityFactory(commitment=CommitmentFactory()), 1)
    with django_assert_num_queries(1):
        services.commitment_figures()


def test_interest_twice_is_one():
    session = SessionFactory()
    trainee = enrolled_trainee(session)
    opportunity = OpportunityFactory(sessions=[session])

    first, created = services.express_interest(opportunity=opportunity, candidate=trainee, message="Bonjour")
    second, created_again = services.express_interest(opportunity=opportunity, candidate=trainee, message="Re")

    assert created and not created_again
    assert first.pk == second.pk
    assert Interest.objects.filter(opportunity=opportunity).count() == 1
    assert Interest.objects.get().message == "Bonjour"
    assert first.application.session == session


def test_the_database_refuses_a_second_interest_row():
    interest = InterestFactory()
    with pytest.raises(IntegrityError):
        InterestFactory(opportunity=interest.opportunity, candidate=interest.candidate)


def test_past_deadline_refuses_interest_with_a_clear_message():
    session = SessionFactory()
    trainee = enrolled_trainee(session)
    opportunity = OpportunityFactory(sessions=[session], past_deadline=True)

    with pytest.raises(services.OpportunityClosed, match="date limite pour se manifester était le"):
        services.express_interest(opportunity=opportunity, candidate=trainee)

    assert not Interest.objects.exists()


def test_deadline_day_itself_still_accepts_interest():
    session = SessionFactory()
    opportunity = OpportunityFactory(sessions=[session], apply_by=timezone.localdate())
    _, created = services.express_interest(opportunity=opportunity, candidate=enrolled_trainee(session))
    assert created


def test_taking_is_bounded_by_places_and_idempotent():
    opportunity = OpportunityFactory(places=1)
    first, second = InterestFactory(opportunity=opportunity), InterestFactory(opportunity=opportunity)
    services.mark_taken(first, actor=None)
    services.mark_taken(first, actor=None)  # a double click

    with pytest.raises(services.NoPlacesLeft, match="1 places"):
        services.mark_taken(second, actor=None)

    assert opportunity.interests.taken().count() == 1


def test_withdraw_only_before_the_decision():
    interest = InterestFactory(taken=True)
    with pytest.raises(services.PartnerError):
        services.withdraw_interest(interest)
    pending = InterestFactory()
    services.withdraw_interest(pending)
    assert not Interest.objects.filter(pk=pending.pk).exists()


def test_for_candidate_by_session_or_track_and_only_when_admitted():
    session = SessionFactory(track=Track.DATA_ANALYST)
    by_session = OpportunityFactory(sessions=[session])
    by_track = OpportunityFactory(tracks=[Track.DATA_ANALYST])
    other_track = OpportunityFactory(tracks=[Track.CYBERSECURITY])
    other_session = OpportunityFactory(sessions=[SessionFactory()])
    OpportunityFactory(sessions=[session], is_published=False)
    enrolled = enrolled_trainee(session)
    accepted = ApplicationFactory(
        session=session, status="seat_accepted", submitted_at=timezone.now(), screening_outcome="eligible"
    ).candidate
    offered = ApplicationFactory(session=session, seat_offered=True).candidate

    assert set(Opportunity.objects.for_candidate(enrolled)) == {by_session, by_track}
    assert set(Opportunity.objects.for_candidate(accepted)) == {by_session, by_track}
    assert not Opportunity.objects.for_candidate(offered).exists()
    assert other_track not in Opportunity.objects.for_candidate(enrolled)
    assert other_session not in Opportunity.objects.for_candidate(enrolled)


def test_save_opportunity_sets_sessions_and_tracks():
    opportunity = OpportunityFactory.build(company=OpportunityFactory().company)
    session = SessionFactory()
    services.save_opportunity(opportunity, sessions=[session], tracks=["web_developer", "data_analyst"], actor=None)
    services.save_opportunity(opportunity, sessions=[session], tracks=["data_analyst"], actor=None)

    assert opportunity.tracks == ["data_analyst"]
    assert list(opportunity.sessions.all()) == [session]


def test_deadline_must_precede_start_in_the_database():
    with pytest.raises(IntegrityError):
        OpportunityFactory(apply_by=timezone.localdate() + datetime.timedelta(days=30))
