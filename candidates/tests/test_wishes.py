"""Ranked wishes: the order of preference (given at submission, migrated in the order sent,
reordered until the deadline), what an acceptance releases (for good: every other wish; « en
attendant mieux »: the lower ones), the choice when a better wish is offered, the emails that
explain each moment, and who sees a wish's rank."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from candidates import dashboard, seats, services, wishes
from candidates.models import Application, ApplicationEvent
from candidates.tests.factories import application_in, candidate, ready_to_send
from candidates.workflow import Status, TransitionNotAllowed
from portal import doors
from portal.models import OutgoingEmail
from portal.tests.factories import municipal_staff
from programmes.models import Session
from programmes.tests.factories import ProgrammeFactory, SessionFactory, centre_staff

pytestmark = pytest.mark.django_db


def _(language, msgid, **params):
    with translation.override(language):
        text = gettext(msgid)
    return text % params if params else text


def wishes_of(person, *statuses, programme=None, names=None):
    """One application per status, ranked 1, 2, 3… in that order, each in its own session of the
    same programme (capacity 1: a seat freed goes to the waiting list)."""
    programme = programme or ProgrammeFactory()
    applications = []
    for rank, status in enumerate(statuses, start=1):
        name = names[rank - 1] if names else f"Vœu {rank}"
        session = SessionFactory(programme=programme, name=name, capacity=1)
        applications.append(application_in(status, candidate=person, session=session, wish_rank=rank))
    return applications


def status_of(application):
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def figures(session):
    session.refresh_from_db()
    return {field: getattr(session, field) for field in seats.FIGURES}


def expire(offer):
    """Move an offer's deadline an hour into the past (as if nobody answered in time)."""
    with doors.service_write():
        Application.objects.filter(pk=offer.pk).update(offer_expires_at=timezone.now() - datetime.timedelta(hours=1))
    offer.refresh_from_db()


# --- The order ---------------------------------------------------------------------------------


def test_wishes_rank_in_the_order_sent_within_a_programme(user):
    programme = ProgrammeFactory()
    first = ready_to_send(candidate=user, session=SessionFactory(programme=programme))
    second = ready_to_send(candidate=user, session=SessionFactory(programme=programme))
    elsewhere = ready_to_send(candidate=user, session=SessionFactory())
    for application in (first, second, elsewhere):
        services.transition(application, "submit", actor=user)
    assert (first.wish_rank, second.wish_rank, elsewhere.wish_rank) == (1, 2, 1)


def test_the_migration_ranks_existing_applications_in_the_order_sent():
    person = candidate()
    programme = ProgrammeFactory()
    now = timezone.now()
    late = application_in(
        Status.ELIGIBLE, candidate=person, session=SessionFactory(programme=programme), submitted_at=now
    )
    early = application_in(
        Status.WAITLISTED,
        candidate=person,
        session=SessionFactory(programme=programme),
        submitted_at=now - datetime.timedelta(days=3),
    )
    draft = application_in(Status.DRAFT, candidate=person, session=SessionFactory(programme=programme))
    other = application_in(Status.ELIGIBLE, submitted_at=now - datetime.timedelta(days=9))
    migration = importlib.import_module("candidates.migrations.0017_ranked_wishes")

    with doors.service_write():
        migration.rank_sent_applications(apps, None)

    ranks = dict(Application.objects.values_list("pk", "wish_rank"))
    assert (ranks[early.pk], ranks[late.pk], ranks[draft.pk], ranks[other.pk]) == (1, 2, None, 1)


def test_moving_a_wish_up_and_down_renumbers_the_active_wishes():
    person = candidate()
    one, two, three = wishes_of(person, Status.ELIGIBLE, Status.WAITLISTED, Status.SUBMITTED)

    order = wishes.move_wish(three, wishes.UP, actor=person)
    assert [a.pk for a in order] == [one.pk, three.pk, two.pk]
    wishes.move_wish(one, wishes.DOWN, actor=person)
    wishes.move_wish(one, wishes.DOWN, actor=person)
    wishes.move_wish(one, wishes.DOWN, actor=person)  # already last: nothing moves
    ranked = Application.objects.ranking_of(person.pk, one.session.programme_id).order_by("wish_rank")
    assert list(ranked.values_list("pk", "wish_rank")) == [(three.pk, 1), (two.pk, 2), (one.pk, 3)]


def test_no_reordering_after_the_deadline_and_nothing_changes():
    person = candidate()
    programme = ProgrammeFactory(wishes_ranking_closes_on=timezone.localdate() - datetime.timedelta(days=1))
    one, two = wishes_of(person, Status.ELIGIBLE, Status.ELIGIBLE, programme=programme)

    with pytest.raises(wishes.RankingRefused, match="ne peut plus changer"):
        wishes.move_wish(two, wishes.UP, actor=person)
    assert list(Application.objects.order_by("wish_rank").values_list("pk", flat=True)) == [one.pk, two.pk]


def test_nobody_reorders_someone_else_s_wishes():
    one, two = wishes_of(candidate(), Status.ELIGIBLE, Status.ELIGIBLE)
    with pytest.raises(wishes.RankingRefused):
        wishes.move_wish(two, wishes.UP, actor=candidate())
    assert Application.objects.get(pk=two.pk).wish_rank == 2


# --- The reorder buttons: permissions and messages -----------------------------------------------


def move_url(application, direction):
    return reverse("candidates:move_wish", args=[application.reference, direction])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),  # to the login page
        ("other_candidate", 404),
        ("own_centre_staff", 404),
        ("other_centre_staff", 404),
        ("municipal_staff", 404),
    ],
)
def test_only_the_person_moves_their_wishes(client, roles, role, expected):
    one, two = wishes_of(roles["candidate"], Status.ELIGIBLE, Status.ELIGIBLE)
    if roles[role] is not None:
        client.force_login(roles[role])
    response = client.post(move_url(two, "up"))
    assert response.status_code == expected
    if expected == 302:
        assert "/connexion/" in response["Location"] or "login" in response["Location"]
    assert Application.objects.get(pk=two.pk).wish_rank == 2


def test_the_buttons_move_a_wish_and_say_so(client, roles):
    person = roles["candidate"]
    one, two = wishes_of(person, Status.ELIGIBLE, Status.WAITLISTED, names=["Cybersécurité", "Développeur web"])
    client.force_login(person)

    page = client.get(reverse("candidates:application_list")).content.decode()
    assert page.index("Cybersécurité") < page.index("Développeur web")
    assert move_url(two, "up") in page and move_url(one, "down") in page
    assert move_url(one, "up") not in page  # the first wish cannot go higher
    assert client.get(move_url(two, "up")).status_code == 405  # a button, never a link

    response = client.post(move_url(two, "up"), follow=True)
    page = response.content.decode()
    assert "« Développeur web » est maintenant votre vœu n° 1." in page
    assert page.index("Développeur web") < page.index("Cybersécurité")


def test_after_the_deadline_the_page_says_so_and_the_order_stays(client, roles):
    person = roles["candidate"]
    programme = ProgrammeFactory(wishes_ranking_closes_on=datetime.date(2020, 3, 1))
    one, two = wishes_of(person, Status.ELIGIBLE, Status.ELIGIBLE, programme=programme)
    client.force_login(person)

    page = client.get(reverse("candidates:application_list")).content.decode()
    assert "L'ordre est définitif depuis le 1er mars 2020." in page.replace("&#x27;", "'")
    assert move_url(two, "up") not in page
    response = client.post(move_url(two, "up"), follow=True)
    assert "la date limite était le 1er mars 2020" in response.content.decode().replace("&#x27;", "'")
    assert Application.objects.get(pk=two.pk).wish_rank == 2


# --- Accepting for good: every other wish released -----------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_accepting_for_good_releases_every_other_wish_and_moves_the_waiting_lists(
    language, mailoutbox, django_capture_on_commit_callbacks
):
    person = candidate(user__language=language)
    higher, offered, lower = wishes_of(
        person, Status.WAITLISTED, Status.SEAT_OFFERED, Status.SEAT_OFFERED, names=["Data", "Web", "Cyber"]
    )
    next_on_lower = application_in(Status.WAITLISTED, session=lower.session)

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(offered, "accept_offer", actor=person)

    assert [status_of(a) for a in (higher, offered, lower)] == [
        Status.WITHDRAWN,
        Status.SEAT_ACCEPTED,
        Status.WITHDRAWN,
    ]
    assert figures(higher.session)["waitlist_size"] == 0
    # The freed seat went to the next on that waiting list, through the existing promotion.
    assert status_of(next_on_lower) == Status.SEAT_OFFERED
    assert figures(lower.session) == {"seats_offered": 1, "seats_accepted": 0, "seats_enrolled": 0, "waitlist_size": 0}
    releases = ApplicationEvent.objects.filter(transition="release_wish", actor__isnull=True)
    assert sorted(releases.values_list("application_id", "from_status")) == sorted(
        [(higher.pk, Status.WAITLISTED), (lower.pk, Status.SEAT_OFFERED)]
    )
    row = OutgoingEmail.objects.get(kind="wishes_released")
    assert row.recipient_user == person and row.language == language
    assert row.subject == _(language, "Votre place est confirmée : %(session)s", session="Web")
    for fragment in (
        _(language, "Vous avez accepté définitivement la place dans la formation « %(session)s ».", session="Web"),
        _(language, "« %(session)s » : votre place sur la liste d'attente", session="Data"),
        _(language, "« %(session)s » : la place qui vous était proposée", session="Cyber"),
    ):
        assert fragment in row.body_text
    assert OutgoingEmail.objects.filter(kind="seat_offered", recipient_user=next_on_lower.candidate).exists()


def test_accepting_with_nothing_else_in_play_releases_nothing_and_sends_nothing_more():
    person = candidate()
    (offered,) = wishes_of(person, Status.SEAT_OFFERED)
    services.transition(offered, "accept_offer", actor=person)
    assert status_of(offered) == Status.SEAT_ACCEPTED
    assert not OutgoingEmail.objects.filter(kind__in=["wishes_released", "wish_held"]).exists()


def test_wishes_of_other_programmes_are_not_released():
    person = candidate()
    (offered,) = wishes_of(person, Status.SEAT_OFFERED)
    (elsewhere,) = wishes_of(person, Status.WAITLISTED)
    services.transition(offered, "accept_offer", actor=person)
    assert status_of(elsewhere) == Status.WAITLISTED


# --- « Oui, en attendant mieux » ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_holding_keeps_the_better_wishes_and_releases_the_lower_ones(language, django_capture_on_commit_callbacks):
    person = candidate(user__language=language)
    higher, offered, lower = wishes_of(
        person, Status.INVITED_TO_INTERVIEW, Status.SEAT_OFFERED, Status.WAITLISTED, names=["Data", "Web", "Cyber"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(offered, "hold_offer", actor=person)

    assert [status_of(a) for a in (higher, offered, lower)] == [
        Status.INVITED_TO_INTERVIEW,
        Status.SEAT_HELD,
        Status.WITHDRAWN,
    ]
    # A held seat counts as accepted for its session.
    assert figures(offered.session)["seats_accepted"] == 1 and figures(offered.session)["seats_offered"] == 0
    row = OutgoingEmail.objects.get(kind="wish_held")
    assert row.subject == _(language, "Place gardée en attendant mieux : %(session)s", session="Web")
    for fragment in (
        _(
            language,
            "Vous avez accepté la place dans la formation « %(session)s » en attendant mieux : elle vous est réservée.",
            session="Web",
        ),
        _(language, "Vos vœux mieux classés restent en attente :") + "\n- Data",
        _(language, "« %(session)s » : votre place sur la liste d'attente", session="Cyber"),
        _(
            language,
            "Vous n'avez rien à faire pour l'instant. Si vous ne voulez plus attendre, acceptez cette place définitivement :",
        ),
    ):
        assert fragment in row.body_text


def test_holding_without_a_better_wish_is_refused_with_a_clear_message():
    person = candidate()
    offered, lower = wishes_of(person, Status.SEAT_OFFERED, Status.ELIGIBLE)
    with pytest.raises(TransitionNotAllowed, match="Aucun vœu mieux classé"):
        services.transition(offered, "hold_offer", actor=person)
    assert (status_of(offered), status_of(lower)) == (Status.SEAT_OFFERED, Status.ELIGIBLE)


@pytest.mark.parametrize("name", ["accept_offer", "hold_offer"])
def test_an_expired_offer_cannot_be_accepted_and_nothing_changes(name):
    person = candidate()
    higher, offered, lower = wishes_of(person, Status.ELIGIBLE, Status.SEAT_OFFERED, Status.ELIGIBLE)
    expire(offered)

    with pytest.raises(TransitionNotAllowed, match="Le délai pour répondre à cette proposition est dépassé"):
        services.transition(offered, name, actor=person)

    assert [status_of(a) for a in (higher, offered, lower)] == [Status.ELIGIBLE, Status.SEAT_OFFERED, Status.ELIGIBLE]
    assert not ApplicationEvent.objects.exists()


def test_the_expired_offer_page_says_so_and_changes_nothing(client):
    person = candidate()
    higher, offered = wishes_of(person, Status.ELIGIBLE, Status.SEAT_OFFERED)
    expire(offered)
    client.force_login(person)
    url = reverse("candidates:application_action", args=[offered.reference, "hold_offer"])
    response = client.post(url, follow=True)
    assert "Le délai pour répondre à cette proposition est dépassé." in response.content.decode()
    assert (status_of(higher), status_of(offered)) == (Status.ELIGIBLE, Status.SEAT_OFFERED)


# --- A better wish offered later: the person chooses -----------------------------------------------


def test_a_better_offer_while_holding_asks_to_choose_then_the_seat_not_kept_is_released(
    django_capture_on_commit_callbacks,
):
    person = candidate()
    higher, held = wishes_of(person, Status.WAITLISTED, Status.SEAT_HELD, names=["Data", "Web"])
    next_on_held = application_in(Status.WAITLISTED, session=held.session)
    staff = municipal_staff()

    seats.offer_seat(higher, actor=staff)

    row = OutgoingEmail.objects.get(kind="seat_offered", recipient_user=person)
    higher.refresh_from_db()
    assert "Cette formation est mieux classée dans vos vœux que « Web », où une place vous attend." in row.body_text
    assert "si vous acceptez cette place, celle de « Web » sera libérée" in row.body_text
    assert "si vous la refusez ou ne répondez pas à temps, vous gardez « Web »" in row.body_text

    with django_capture_on_commit_callbacks(execute=True):
        services.transition(higher, "accept_offer", actor=person)

    assert (status_of(higher), status_of(held)) == (Status.SEAT_ACCEPTED, Status.WITHDRAWN)
    assert status_of(next_on_held) == Status.SEAT_OFFERED
    assert OutgoingEmail.objects.filter(kind="seat_offered", recipient_user=next_on_held.candidate).exists()
    released = OutgoingEmail.objects.get(kind="wishes_released", recipient_user=person)
    assert "« Web » : la place que vous gardiez en attendant mieux" in released.body_text


def test_declining_the_better_offer_keeps_the_held_seat():
    person = candidate()
    higher, held = wishes_of(person, Status.SEAT_OFFERED, Status.SEAT_HELD)
    services.transition(higher, "decline_offer", actor=person)
    assert (status_of(higher), status_of(held)) == (Status.OFFER_DECLINED, Status.SEAT_HELD)


def test_enrolling_a_held_seat_releases_the_better_wishes_still_waiting():
    person = candidate()
    higher, held = wishes_of(person, Status.WAITLISTED, Status.SEAT_HELD)
    services.transition(held, "enroll", actor=centre_staff(held.session.site.provider))
    assert (status_of(higher), status_of(held)) == (Status.WITHDRAWN, Status.ENROLLED)


# --- Who sees a wish's rank ----------------------------------------------------------------------


def test_the_centre_sees_the_rank_for_its_session_never_the_other_sessions(client):
    person = candidate()
    one, two, three = wishes_of(
        person, Status.ELIGIBLE, Status.WAITLISTED, Status.ELIGIBLE, names=["Alpha", "Bravo", "Charlie"]
    )
    staff = centre_staff(two.session.site.provider)
    client.force_login(staff)

    for url in (
        reverse("centre:session_detail", args=[two.session.pk]),
        reverse("centre:application_detail", args=[two.pk]),
    ):
        page = client.get(url).content.decode()
        assert "vœu n° 2 sur 3" in page
        assert "Alpha" not in page and "Charlie" not in page
    assert client.get(reverse("centre:application_detail", args=[one.pk])).status_code == 404


def test_the_admin_shows_the_rank_without_the_other_sessions(admin_client_municipal):
    client, _agent = admin_client_municipal
    person = candidate()
    one, two = wishes_of(person, Status.ELIGIBLE, Status.WAITLISTED, names=["Alpha", "Bravo"])
    page = client.get(reverse("admin:candidates_application_change", args=[two.pk])).content.decode()
    assert "vœu n° 2 sur 2" in page
    assert "Alpha" not in page


@pytest.fixture
def admin_client_municipal(client):
    agent = municipal_staff()
    client.force_login(agent)
    return client, agent


# --- The programme dashboard ----------------------------------------------------------------------


def test_the_dashboard_counts_what_releases_freed_and_how_much_earlier(staff_client):
    person = candidate()
    programme = ProgrammeFactory(offer_deadline_days=5)
    chosen, held, waiting = wishes_of(
        person, Status.SEAT_OFFERED, Status.SEAT_HELD, Status.WAITLISTED, programme=programme
    )
    services.transition(chosen, "accept_offer", actor=person)

    total = dashboard.figures({"programme": programme.pk})["total"]
    # The held seat would have stayed blocked until the first day (60 days ahead); the waiting
    # place until the person's offer ran out its 5 days.
    assert (total.seats_released, total.waiting_released, total.days_gained) == (1, 1, 65)
    assert total.days_earlier == 32.5
    page = staff_client.get(reverse("admin:programme_dashboard"), {"programme": programme.pk}).content.decode()
    assert "places libérées par les vœux acceptés ailleurs" in page
    assert "32,5 jours" in page or "32.5 jours" in page


def test_a_release_in_paris_s_first_hour_counts_the_days_from_paris_s_date():
    """A release at 23:30 UTC happened on the next day in Paris: the days gained until the first
    day count from that date (CI once ran in that hour and counted one day too many)."""
    person = candidate()
    chosen, held = wishes_of(person, Status.SEAT_OFFERED, Status.SEAT_HELD)
    Session.objects.filter(pk=held.session_id).update(starts_on=datetime.date(2026, 12, 14))
    services.transition(chosen, "accept_offer", actor=person)
    released_at = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)  # 00:30 on 4 December in Paris
    with doors.service_write():
        ApplicationEvent.objects.filter(application=held, transition="release_wish").update(created_at=released_at)

    assert dashboard.release_figures([Session.objects.get(pk=held.session_id)])[held.session_id] == {
        "seats_released": 1,
        "waiting_released": 0,
        "days_gained": 10,
    }


def test_the_positions_counted_from_a_person_s_list_are_the_querysets():
    """« Mes candidatures » counts its wishes' positions from the rows (wishes.set_positions):
    the same as with_wish_position() on every status, gap in the ranks and programme."""
    person = candidate()
    wishes_of(person, Status.SUBMITTED, Status.REFUSED, Status.ELIGIBLE, Status.WAITLISTED, Status.WITHDRAWN)
    wishes_of(person, Status.SEAT_OFFERED, Status.SUBMITTED)
    application_in(Status.DRAFT, candidate=person)  # a draft has no rank
    wishes_of(candidate(), Status.SUBMITTED, Status.ELIGIBLE)  # someone else's

    mine = Application.objects.of_candidate(person).select_related("session")
    expected = {a.pk: (a.wish_position, a.wish_count) for a in mine.with_wish_position()}
    rows = list(mine)
    wishes.set_positions(rows)

    assert {a.pk: (a.wish_position, a.wish_count) for a in rows} == expected
    assert sorted(expected.values(), key=str) == sorted(
        [(1, 3), (None, 3), (2, 3), (3, 3), (None, 3), (1, 2), (2, 2), (None, 0)], key=str
    )
