"""Advisers kept informed through the outbox, under their preferences (status changes,
invitations with their .ics, offers with their deadline), the weekly digest of who needs a nudge,
and « orienté par » in the centre space."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import seats, services
from candidates.advisers import consent, emails
from candidates.models import AdviserMembership, Application, Support
from candidates.services import Move, transition_in_bulk
from candidates.tests.factories import AdviserOrganisationFactory, adviser, oriented_application
from candidates.workflow import Status
from portal.models import OutgoingEmail
from portal.tests.factories import municipal_staff
from programmes.tests.factories import centre_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return AdviserOrganisationFactory(name="Mission locale de Pantin")


@pytest.fixture
def sophie(organisation):
    return adviser(organisation, user__first_name="Sophie", user__last_name="Bernard")


def adviser_emails(user=None):
    """The emails keeping advisers informed (not the accord requests nor the invitations to join)."""
    rows = OutgoingEmail.objects.filter(kind__in=["adviser_status_changes", "adviser_invitations", "adviser_offers"])
    return [row for row in rows.order_by("pk") if user is None or row.recipient_user_id == user.pk]


def test_the_referent_hears_of_a_status_change(organisation, sophie):
    application = oriented_application(Status.SUBMITTED, organisation=organisation, by=sophie)
    colleague = adviser(organisation)
    services.transition(application, "mark_eligible")
    (email,) = adviser_emails()
    assert email.recipient_user == sophie and email.kind == "adviser_status_changes"  # the referent only
    name = application.candidate.get_full_name()
    assert f"La candidature de {name}, que vous accompagnez" in email.body_text
    assert "est maintenant : Éligible" in email.body_text
    assert reverse("advisers:application", args=[application.reference]) in email.body_text
    assert "Mission locale de Pantin" in email.body_text  # why they get it
    assert not adviser_emails(colleague)


def test_without_a_referent_every_member_hears(organisation, sophie):
    application = oriented_application(Status.SUBMITTED, organisation=organisation, by=sophie)
    colleague = adviser(organisation)
    Support.objects.update(referent=None)
    services.transition(application, "mark_eligible")
    assert {email.recipient_user for email in adviser_emails()} == {sophie, colleague}


def test_an_invitation_comes_with_its_ics(organisation, sophie):
    application = oriented_application(Status.ELIGIBLE, organisation=organisation, by=sophie)
    starts_at = timezone.make_aware(datetime.datetime(2026, 11, 26, 14, 30))
    services.invite(
        application, kind="test", starts_at=starts_at, place="LePoleS, Villeneuve-la-Garenne", actor=municipal_staff()
    )
    (email,) = adviser_emails(sophie)
    assert email.kind == "adviser_invitations"
    assert "que vous accompagnez, est convoqué(e)" in email.body_text
    assert "26 novembre 2026 à 14:30 — LePoleS, Villeneuve-la-Garenne" in email.body_text
    assert email.attachment_name == "convocation.ics" and "BEGIN:VEVENT" in email.attachment_content


def test_an_offer_comes_with_its_deadline(organisation, sophie):
    application = oriented_application(Status.ELIGIBLE, organisation=organisation, by=sophie)
    seats.offer_seat(application, actor=municipal_staff())
    application.refresh_from_db()
    (email,) = adviser_emails(sophie)
    assert email.kind == "adviser_offers"
    local = timezone.localtime(application.offer_expires_at)
    assert "doit répondre avant le" in email.body_text and f"à {local:%H:%M}" in email.body_text


def test_preferences_decide(organisation, sophie):
    AdviserMembership.objects.filter(user=sophie).update(notify_offers=False, notify_status_changes=False)
    application = oriented_application(Status.ELIGIBLE, organisation=organisation, by=sophie)
    seats.offer_seat(application, actor=municipal_staff())
    services.transition(application, "accept_offer", actor=application.candidate)
    assert not adviser_emails()


def test_the_advisers_own_move_and_a_withdrawn_access_send_nothing(organisation, sophie):
    application = oriented_application(Status.DRAFT, organisation=organisation, by=sophie)
    services.transition(application, "request_confirmation", actor=sophie)
    assert not adviser_emails()
    services.transition(application, "confirm", actor=application.candidate)
    assert len(adviser_emails(sophie)) == 1  # the person confirmed
    consent.withdraw(Support.objects.get(person=application.candidate), person=application.candidate)
    services.transition(application, "mark_eligible")
    assert len(adviser_emails(sophie)) == 1


def test_a_batch_of_screening_moves_tells_advisers_in_bounded_queries(
    organisation, sophie, django_assert_max_num_queries
):
    applications = [oriented_application(Status.SUBMITTED, organisation=organisation, by=sophie) for _ in range(5)]
    moves = [Move(application.pk, Status.SUBMITTED, "mark_eligible") for application in applications]
    with django_assert_max_num_queries(20):
        transition_in_bulk(moves)
    assert len(adviser_emails(sophie)) == 5


# --- The weekly digest ------------------------------------------------------------------------


def test_the_weekly_digest_lists_who_needs_a_nudge_once_a_week(organisation, sophie):
    draft = oriented_application(Status.DRAFT, organisation=organisation, by=sophie)
    fresh = oriented_application(Status.DRAFT, organisation=organisation, by=sophie)
    offered = oriented_application(Status.SEAT_OFFERED, organisation=organisation, by=sophie)
    now = timezone.now()
    Application.objects.filter(pk=draft.pk).update(updated_at=now - datetime.timedelta(days=8))
    Application.objects.filter(pk=offered.pk).update(offer_expires_at=now + datetime.timedelta(days=1))
    assert emails.queue_weekly_digests(now=now) == 1
    digest = OutgoingEmail.objects.get(kind="digest_adviser")
    assert digest.recipient_user == sophie
    assert digest.subject == "Cette semaine : 2 personnes à relancer"
    assert draft.candidate.get_full_name() in digest.body_text and "candidature pas encore envoyée" in digest.body_text
    assert offered.candidate.get_full_name() in digest.body_text and "réponse avant le" in digest.body_text
    assert fresh.candidate.get_full_name() not in digest.body_text
    assert emails.queue_weekly_digests(now=now) == 0  # once a week


def test_no_digest_for_who_turned_it_off_or_has_nobody_to_nudge(organisation, sophie):
    assert emails.queue_weekly_digests() == 0
    draft = oriented_application(Status.DRAFT, organisation=organisation, by=sophie)
    Application.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - datetime.timedelta(days=8))
    AdviserMembership.objects.filter(user=sophie).update(receives_weekly_digest=False)
    assert emails.queue_weekly_digests() == 0


# --- « Orienté par » in the centre space ----------------------------------------------------------


def test_the_centre_sees_who_oriented_the_application(client, organisation, sophie):
    application = oriented_application(Status.ELIGIBLE, organisation=organisation, by=sophie)
    client.force_login(centre_staff(application.session.site.provider))
    page = client.get(reverse("centre:session_detail", args=[application.session_id])).content.decode()
    assert "Orienté par Mission locale de Pantin" in page
    detail = client.get(reverse("centre:application_detail", args=[application.pk])).content.decode()
    assert "Mission locale de Pantin (Mission locale)" in detail and "Sophie Bernard" in detail
