"""Public pages from the cache (portal.public_cache): served without the database to anonymous
visitors, rendered again after a change, per language, never personal."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from candidates import applying, personal_data, presentation, screening, seats, services
from candidates.advisers import services as adviser_services
from candidates.models import Application
from candidates.tests.factories import ApplicationFactory, SupportFactory, adviser, application_in, candidate
from candidates.workflow import Status
from portal import public_cache
from portal.doors import service_write
from portal.tests.auth import PortalClient
from portal.tests.factories import municipal_staff
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def public_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def session():
    return SessionFactory(name="Développeur web Pantin", capacity=3)


def test_second_anonymous_visit_is_served_without_the_database(client, session, django_assert_num_queries):
    client.get(reverse("programmes:catalogue"))
    client.get(session.get_absolute_url())
    client.get("/")

    for url in (reverse("programmes:catalogue"), session.get_absolute_url(), "/"):
        with django_assert_num_queries(0):
            response = Client().get(url)
        assert response.status_code == 200
        assert "Développeur web Pantin" in response.content.decode()


def test_each_visitor_gets_their_own_csrf_token_and_it_works(session):
    Client().get(session.get_absolute_url())  # stored
    visitor = Client(enforce_csrf_checks=True)

    response = visitor.get(session.get_absolute_url())
    tokens = set(TOKEN.findall(response.content.decode()))
    answer = visitor.post(
        session.get_absolute_url(),
        {"csrfmiddlewaretoken": tokens.pop(), "birth_date": "2000-05-17", "postcode": "93500", "commune": "Pantin"},
    )

    assert "__public_page_csrf_token__" not in response.content.decode()
    assert "csrftoken" in response.cookies
    assert answer.status_code == 200


def test_a_change_of_session_or_seats_is_shown_at_once(session, django_capture_on_commit_callbacks):
    catalogue = reverse("programmes:catalogue")
    assert "3 places libres" in Client().get(catalogue).content.decode()

    with django_capture_on_commit_callbacks(execute=True), service_write():
        session.name = "Développeuse web Pantin"
        session.save()
    assert "Développeuse web Pantin" in Client().get(catalogue).content.decode()

    application = ApplicationFactory(session=session, eligible=True)
    Client().get(session.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        seats.offer_seat(application, actor=municipal_staff())
    assert "2 places libres" in Client().get(catalogue).content.decode()
    assert "2 places libres sur 3" in Client().get(session.get_absolute_url()).content.decode()


def test_a_draft_or_a_submission_does_not_empty_the_cache(session, django_capture_on_commit_callbacks):
    Client().get("/")
    with django_capture_on_commit_callbacks(execute=True):
        ApplicationFactory(session=session, submitted=True)
    generation = cache.get("public-pages:generation")

    with django_capture_on_commit_callbacks(execute=True):
        ApplicationFactory(session=session)

    assert cache.get("public-pages:generation") == generation


def test_each_language_has_its_own_page_and_says_so(session):
    french = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr")
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    french_again = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr")

    assert 'lang="fr"' in french.content.decode() and 'lang="fr"' in french_again.content.decode()
    assert 'lang="en"' in english.content.decode()
    assert "Accept-Language" in french_again["Vary"] and "Cookie" in french_again["Vary"]
    assert english["Content-Language"] == "en"


def test_logged_in_pages_are_never_stored_nor_served_from_the_cache(client, session):
    amina = candidate(user__first_name="Amina", user__email="amina@example.org")
    application_in(Status.SUBMITTED, candidate=amina, session=session)
    Client().get(session.get_absolute_url())  # the anonymous page is stored
    client.force_login(amina)

    logged_in = client.get(session.get_absolute_url()).content.decode()
    anonymous = Client().get(session.get_absolute_url()).content.decode()

    assert "Se déconnecter" in logged_in and "Se déconnecter" not in anonymous
    assert reverse("candidates:application_list") in logged_in
    assert "amina@example.org" not in anonymous and reverse("candidates:application_list") not in anonymous


def test_a_visitor_with_a_message_waiting_gets_the_page_rendered_for_them(session):
    visitor = Client()
    visitor.get(session.get_absolute_url())  # stored
    visitor.cookies["messages"] = "something"

    with CaptureQueriesContext(connection) as queries:
        response = visitor.get(session.get_absolute_url())

    assert response.status_code == 200
    assert len(queries) > 0  # the view ran


@pytest.mark.parametrize("count", [1, 15])
def test_logged_in_catalogue_queries_do_not_grow(client, count, django_assert_max_num_queries):
    """The session, the menu roles and the results fragment come from the cache."""
    for _index in range(count):
        SessionFactory()
    client.force_login(candidate())
    client.get(reverse("programmes:catalogue"))

    with django_assert_max_num_queries(3):  # the user, and what the account menu asks
        assert client.get(reverse("programmes:catalogue")).status_code == 200


def test_the_login_page_is_served_from_the_cache_and_its_form_works(session, django_assert_num_queries):
    from allauth.account.models import EmailAddress

    amina = candidate(user__email="amina@example.org")
    EmailAddress.objects.create(user=amina, email=amina.email, verified=True, primary=True)
    login, applying = (
        reverse("account_login"),
        f"{reverse('account_login')}?next={session.get_absolute_url()}candidater/",
    )
    Client().get(login)  # stored
    Client().get(applying)
    visitor = Client(enforce_csrf_checks=True)

    with django_assert_num_queries(0):
        page = visitor.get(login)
    with django_assert_num_queries(0):
        resuming_page = visitor.get(applying)
    resuming, resuming_templates = resuming_page.content.decode(), resuming_page.templates
    answer = visitor.post(
        login,
        {
            "csrfmiddlewaretoken": TOKEN.search(page.content.decode()).group(1),
            "login": "amina@example.org",
            "password": "motdepasse-solide-2017",
        },
    )

    assert page.templates == [] and resuming_templates == []  # nothing rendered: from the cache
    assert "no-store" in page["Cache-Control"]  # as allauth's view says (never_cache), cached or not
    assert "Développeur web Pantin" in resuming and "Développeur web Pantin" not in page.content.decode()
    assert answer.status_code == 302 and visitor.session["_auth_user_id"] == str(amina.pk)


APPLICATION_LIST_CONTENT = "candidates/includes/application_list_content.html"


def rendered(response):
    return [template.name for template in response.templates]


def test_my_applications_are_rendered_once_per_change_of_mine(client, session, django_capture_on_commit_callbacks):
    amina = candidate()
    application = application_in(Status.SUBMITTED, candidate=amina, session=session)
    client.force_login(amina)
    url = reverse("candidates:application_list")

    first = client.get(url)
    again = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(application, "withdraw", actor=amina)
    after_withdrawal = client.get(url)
    application.refresh_from_db()

    assert APPLICATION_LIST_CONTENT in rendered(first)
    assert APPLICATION_LIST_CONTENT not in rendered(again)  # from the cache
    assert "Développeur web Pantin" in again.content.decode()
    assert APPLICATION_LIST_CONTENT in rendered(after_withdrawal)
    assert str(presentation.candidate_status(application)) in after_withdrawal.content.decode()
    assert str(presentation.candidate_status(application)) not in again.content.decode()


def test_my_applications_follow_a_change_of_session_and_are_never_someone_elses(
    session, django_capture_on_commit_callbacks
):
    amina, bakary = candidate(), candidate()
    application_in(Status.SUBMITTED, candidate=amina, session=session)
    other = SessionFactory(name="Data analyst Saint-Denis")
    application_in(Status.SUBMITTED, candidate=bakary, session=other)
    url = reverse("candidates:application_list")
    as_amina, as_bakary = Client(), Client()
    as_amina.force_login(amina)
    as_bakary.force_login(bakary)

    as_amina.get(url)  # stored for Amina
    bakarys = as_bakary.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True), service_write():
        session.name = "Développeuse web Pantin"
        session.save()
    aminas = as_amina.get(url).content.decode()

    assert "Data analyst Saint-Denis" in bakarys and "Développeur web Pantin" not in bakarys
    assert "Développeuse web Pantin" in aminas and "Data analyst Saint-Denis" not in aminas


def test_the_cached_wish_buttons_carry_each_visitors_token_and_work(session):
    amina = candidate()
    second_session = SessionFactory(programme=session.programme, name="Développeur web Paris 20e")
    application_in(Status.SUBMITTED, candidate=amina, session=session, wish_rank=1)
    lower = application_in(Status.SUBMITTED, candidate=amina, session=second_session, wish_rank=2)
    url = reverse("candidates:application_list")
    first = Client()
    first.force_login(amina)
    first.get(url)  # stored
    visitor = Client(enforce_csrf_checks=True)
    visitor.force_login(amina)

    page = visitor.get(url)
    tokens = set(TOKEN.findall(page.content.decode()))
    answer = visitor.post(
        reverse("candidates:move_wish", args=[lower.reference, "up"]), {"csrfmiddlewaretoken": tokens.pop()}
    )

    assert APPLICATION_LIST_CONTENT not in rendered(page)
    assert "__public_page_csrf_token__" not in page.content.decode()
    assert answer.status_code == 302
    lower.refresh_from_db()
    assert lower.wish_rank == 1


def test_a_repeat_view_of_my_applications_makes_no_query(client, session, settings, django_assert_num_queries):
    settings.USER_CACHE_SECONDS = 300  # as in production: the user and their profile from the cache too
    amina = candidate()
    application_in(Status.SUBMITTED, candidate=amina, session=session)
    client.force_login(amina)
    url = reverse("candidates:application_list")
    client.get(url)  # stored

    with django_assert_num_queries(0):  # the session, the user, the version and the list from the cache
        response = client.get(url)

    assert response.status_code == 200 and "Développeur web Pantin" in response.content.decode()


# --- Every write of a person's applications shows on their list at once ----------------------
# Each returns ``(act, shown)``: the write, and whether a page's HTML shows its result.


def shows_status(status):
    return lambda html: escape(str(presentation.CANDIDATE_STATUS_LABELS[status])) in html


def as_client(user):
    client = PortalClient()  # staff with their second factor passed
    client.force_login(user)
    return client


def withdrawn_by_the_candidate(amina, session):
    application = application_in(Status.SUBMITTED, candidate=amina, session=session)
    return lambda: services.transition(application, "withdraw", actor=amina), shows_status(Status.WITHDRAWN)


def moved_in_bulk(amina, session):
    application = application_in(Status.SUBMITTED, candidate=amina, session=session)
    move = services.Move(application.pk, Status.SUBMITTED, "mark_eligible")
    return lambda: services.transition_in_bulk([move]), shows_status(Status.ELIGIBLE)


def offered_a_seat(amina, session):
    application = application_in(Status.WAITLISTED, candidate=amina, session=session)
    return lambda: seats.offer_seat(application, actor=municipal_staff()), shows_status(Status.SEAT_OFFERED)


def offer_accepted_on_the_candidates_page(amina, session):
    application = application_in(Status.SEAT_OFFERED, candidate=amina, session=session)
    url = reverse("candidates:application_action", args=[application.reference, "accept_offer"])
    return lambda: as_client(amina).post(url), shows_status(Status.SEAT_ACCEPTED)


def decided_by_staff_in_the_admin(amina, session):
    application = application_in(Status.ELIGIBLE, candidate=amina, session=session)
    url = reverse("admin:candidates_application_decision", args=[application.pk, "waitlist"])
    return lambda: as_client(municipal_staff()).post(url, {"note": ""}), shows_status(Status.WAITLISTED)


def wish_moved_up(amina, session):
    other = SessionFactory(programme=session.programme, name="Développeur web Paris 20e")
    application_in(Status.SUBMITTED, candidate=amina, session=session, wish_rank=1)
    lower = application_in(Status.SUBMITTED, candidate=amina, session=other, wish_rank=2)
    url = reverse("candidates:move_wish", args=[lower.reference, "up"])
    return lambda: as_client(amina).post(url), lambda html: html.index("Paris 20e") < html.index("web Pantin")


def _screened_again(amina, session):
    """Two applications among « Mes autres candidatures », the most recently changed first; the
    older one is screened again (new rules, same outcome, no status change): it comes first."""
    EligibilityRuleSetFactory(programme=session.programme, min_age=18, max_age=25)  # she is 28: not eligible
    screened = application_in(Status.NOT_ELIGIBLE, candidate=amina, session=session)
    application_in(Status.NOT_ELIGIBLE, candidate=amina, session=SessionFactory(name="Data analyst Saint-Denis"))
    return screened, lambda html: html.index("web Pantin") < html.index("Data analyst")


def screened_alone(amina, session):
    screened, shown = _screened_again(amina, session)
    return lambda: screening.screen(screened.pk), shown


def rescreened_in_a_chunk(amina, session):
    """On PostgreSQL the chunk's raw UPDATE, elsewhere bulk_update()."""
    screened, shown = _screened_again(amina, session)
    return lambda: screening.rescreen_chunk([screened.pk]), shown


def application_started(amina, session):
    return lambda: applying.start_application(amina, session), lambda html: "web Pantin" in html


def draft_step_saved(amina, session):
    draft = ApplicationFactory(candidate=amina, session=session, draft_step="profile")
    return lambda: applying.save_step(draft, "profile"), lambda html: "/etapes/motivation/" in html


def prepared_by_an_adviser(amina, session):
    by = adviser()
    support = SupportFactory(organisation=by.adviser_memberships.get().organisation, person=amina)
    act = lambda: adviser_services.start_application(support, session, adviser=by)  # noqa: E731
    return act, lambda html: "web Pantin" in html


def anonymised(amina, session):
    application = application_in(Status.REFUSED, candidate=amina, session=session)
    act = lambda: personal_data.anonymise_applications(Application.objects.filter(pk=application.pk))  # noqa: E731
    return act, lambda html: "web Pantin" not in html


def draft_deleted_by_retention(amina, session):
    ended = timezone.localdate() - datetime.timedelta(days=3650)
    old = SessionFactory(name="Data analyst Saint-Denis", starts_on=ended - datetime.timedelta(days=300), ends_on=ended)
    ApplicationFactory(candidate=amina, session=old)
    application_in(Status.SUBMITTED, candidate=amina, session=session)
    return personal_data.apply_retention, lambda html: "Data analyst" not in html


def created_in_bulk(amina, session):
    act = lambda: Application.objects.bulk_create([Application(candidate=amina, session=session)])  # noqa: E731
    return act, lambda html: "web Pantin" in html


WRITES = [
    withdrawn_by_the_candidate,
    moved_in_bulk,
    offered_a_seat,
    offer_accepted_on_the_candidates_page,
    decided_by_staff_in_the_admin,
    wish_moved_up,
    screened_alone,
    rescreened_in_a_chunk,
    application_started,
    draft_step_saved,
    prepared_by_an_adviser,
    anonymised,
    draft_deleted_by_retention,
    created_in_bulk,
]


@pytest.mark.parametrize("write", WRITES, ids=[write.__name__ for write in WRITES])
def test_my_applications_show_each_write_at_once(write, session, monkeypatch, django_capture_on_commit_callbacks):
    # Only the person's version may carry the change here: the public pages' invalidation (a seat
    # taken or freed) renders every fragment again and would hide a missing bump.
    monkeypatch.setattr(public_cache, "invalidate", lambda: None)
    amina = candidate()
    act, shown = write(amina, session)
    as_amina = as_client(amina)
    url = reverse("candidates:application_list")
    as_amina.get(url)  # stored
    before = as_amina.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        act()
    after = as_amina.get(url)

    assert APPLICATION_LIST_CONTENT not in rendered(before) and not shown(before.content.decode())
    assert APPLICATION_LIST_CONTENT in rendered(after) and shown(after.content.decode())


# --- The version's protocol (portal.public_cache.personal_fragment) ---------------------------


def fragment_request(user):
    request = RequestFactory().get(reverse("candidates:application_list"))
    request.user, request.LANGUAGE_CODE = user, "fr"
    return request


def test_a_rendering_from_data_changed_meanwhile_is_never_served(django_capture_on_commit_callbacks):
    amina = candidate()

    def render_while_a_write_commits():
        with django_capture_on_commit_callbacks(execute=True):
            public_cache.bump_personal_versions("list", [amina.pk])
        return "old"

    first = public_cache.personal_fragment(fragment_request(amina), "list", render=render_while_a_write_commits)
    second = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "new")

    assert (first, second) == ("old", "new")


def test_a_lost_version_never_serves_an_older_entry(django_capture_on_commit_callbacks):
    """Stored, bumped, and the version then evicted (or expired) from the cache: a missing version
    matches no entry, not even one stored while the version was missing."""
    amina = candidate()
    first = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "first")  # stored
    with django_capture_on_commit_callbacks(execute=True):
        public_cache.bump_personal_versions("list", [amina.pk])
    cache.delete(f"personal-version:list:{amina.pk}")  # evicted

    second = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "second")
    again = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "not rendered")

    assert (first, second, again) == ("first", "second", "second")


def test_a_version_started_meanwhile_by_another_request_is_kept(monkeypatch):
    """No version yet: between reading it and starting one, another request (that rendered after a
    write) started one first. This rendering, maybe from before the write, is not stored."""
    amina = candidate()
    key = f"personal-version:list:{amina.pk}"
    add = cache.add

    def another_request_first(name, value, timeout):
        add(name, "another request's", timeout)
        return add(name, value, timeout)

    monkeypatch.setattr(cache, "add", another_request_first)
    first = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "first")
    monkeypatch.undo()
    second = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "second")

    assert (first, second, cache.get(key)) == ("first", "second", "another request's")


def test_bumps_wait_for_the_commit_and_forget_only_those_people(django_capture_on_commit_callbacks):
    amina, bakary = candidate(), candidate()
    for person in (amina, bakary):
        public_cache.personal_fragment(fragment_request(person), "list", render=lambda: "stored")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        public_cache.bump_personal_versions("list", [amina.pk, None])
        during = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "during")
    for callback in callbacks:
        callback()
    aminas = public_cache.personal_fragment(fragment_request(amina), "list", render=lambda: "after")
    bakarys = public_cache.personal_fragment(fragment_request(bakary), "list", render=lambda: "after")

    assert (during, aminas, bakarys) == ("stored", "after", "stored")
