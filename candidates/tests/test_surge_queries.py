"""Opening day's journey (bench/surge.py), step by step: each request's queries are bounded, and
do not grow with the data around it (other sessions, applications, candidates).

bench/surge_steps.py measures the same steps' CPU time; these bounds keep what made them cheap
(cached public parts, one query for the menu's roles, no repeated reads) from coming undone.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from candidates.models import Application
from candidates.tests.factories import application_in, candidate
from candidates.tests.samples import MOTIVATION, PDF, PROFILE_FORM
from candidates.workflow import Status
from programmes.tests.factories import EligibilityRuleSetFactory, SessionFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "motdepasse-solide-2017"  # portal.tests.factories.UserFactory's

# The most queries each step may make: what it makes today (lower is welcome). The test runs inside
# a transaction, so what production runs as a transaction of its own (a session write, a user
# session, the send) shows here as SAVEPOINT and RELEASE statements too; bench/surge_steps.py
# prints production's counts.
BOUNDS = {
    "login page": 0,  # anonymous: from the public page cache
    "login": 19,  # password, verified address, second factor?, new session, roles (one query for the staff
    # session's mark and the landing: portal.identity.policy), user session
    "home": 5,  # menu roles (first page), the login message read (session write); user and programmes cached
    "catalogue": 0,  # the user and profile, menu roles and results from the cache (portal.user_cache)
    "filtered catalogue": 0,
    "session page": 3,  # session, own application, rules (the profile comes with the cached user)
    "apply: start": 3,  # session, own application and active applications (one query), rules
    "apply: start (POST)": 6,  # session, own and active applications (one query), the draft and its history
    "apply: profile": 1,  # the application (the profile comes with the cached user)
    "apply: profile (POST)": 3,  # confirmed: the application, its draft step and its history
    "apply: profile, form": 1,
    "apply: profile, form (POST)": 10,
    "apply: motivation": 2,
    "apply: motivation (POST)": 3,
    "apply: documents": 2,
    "apply: documents (POST, PDF)": 8,
    "apply: review": 5,  # application, its documents (once), the message read
    # The application (page), then the locks: the candidate's, the application's (read once, the
    # transition takes it as read); active applications and wish rank (one query), documents;
    # transition (history, event, receipt email, screening task).
    "apply: send": 15,
    "application page": 8,
    # First view after a change: the applications (their version, the user and profile from the cache).
    "my applications": 1,
    "my applications (again)": 0,  # all from the cache until her applications change
    "logout": 6,
}


@pytest.fixture(autouse=True)
def production_caches(settings):
    """As in production: public pages and their fragments, the signed-in user in the cache."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    settings.USER_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_session():
    session = SessionFactory(site__departement="93", capacity=12)
    EligibilityRuleSetFactory(programme=session.programme, allowed_departements=["93"])
    return session


def surroundings(count):
    """Other sessions, candidates and applications: what the bounds must not depend on."""
    for _index in range(count):
        session = SessionFactory(site__departement="93")
        for status in (Status.SUBMITTED, Status.ELIGIBLE, Status.WAITLISTED):
            application_in(status, session=session)


class Journey:
    """bench/surge_locustfile.py's candidate, with Django's test client (CSRF checks on)."""

    def __init__(self, django_assert_max_num_queries):
        self.client = Client(enforce_csrf_checks=True)
        self.assert_max = django_assert_max_num_queries
        self.counts = {}

    def _request(self, name, method, path, data=None):
        with self.assert_max(BOUNDS[name]) as queries:
            response = self.client.get(path) if method == "get" else self.client.post(path, data)
        self.counts[name] = len(queries)
        return response

    def get(self, path, name):
        response = self._request(name, "get", path)
        assert response.status_code == 200, (name, response.status_code)
        return TOKEN.search(response.content.decode()).group(1)

    def post(self, path, name, data):
        response = self._request(name, "post", path, data)
        assert response.status_code == 302, (name, response.status_code)
        return response["Location"]

    def run(self, user, session):
        page = session.get_absolute_url()
        for public in ("/comptes/login/", "/", "/formations/", "/formations/?open=on&departement=93", page):
            Client().get(public)  # earlier visitors put the public pages (and their parts) in the cache
        token = self.get("/comptes/login/", "login page")
        self.post("/comptes/login/", "login", {"csrfmiddlewaretoken": token, "login": user.email, "password": PASSWORD})
        self.get("/", "home")
        self.get("/formations/", "catalogue")
        self.get("/formations/?open=on&departement=93", "filtered catalogue")
        self.get(page, "session page")
        token = self.get(f"{page}candidater/", "apply: start")
        step = self.post(f"{page}candidater/", "apply: start (POST)", {"csrfmiddlewaretoken": token})
        token = self.get(step, "apply: profile")  # her complete profile, to be checked
        profile_step = step
        step = self.post(step, "apply: profile (POST)", {"csrfmiddlewaretoken": token, "action": "confirm"})
        # « Modifier »: the form, saved (a candidate whose profile lacks an answer gets it at once).
        token = self.get(f"{profile_step}?modifier=1", "apply: profile, form")
        self.post(
            f"{profile_step}?modifier=1", "apply: profile, form (POST)", {"csrfmiddlewaretoken": token, **PROFILE_FORM}
        )
        token = self.get(step, "apply: motivation")
        step = self.post(step, "apply: motivation (POST)", {"csrfmiddlewaretoken": token, "motivation": MOTIVATION})
        token = self.get(step, "apply: documents")
        upload = SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")
        step = self.post(
            step,
            "apply: documents (POST, PDF)",
            {"csrfmiddlewaretoken": token, "kind": "cv", "action": "continue", "file": upload},
        )
        token = self.get(step, "apply: review")
        sent = self.post(step, "apply: send", {"csrfmiddlewaretoken": token})
        self.get(sent, "application page")
        self.get("/mes-candidatures/", "my applications")
        token = self.get("/mes-candidatures/", "my applications (again)")
        self.post("/comptes/logout/", "logout", {"csrfmiddlewaretoken": token})


@pytest.mark.parametrize("others", [0, 4])
def test_each_step_of_the_journey_makes_a_bounded_number_of_queries(
    open_session, others, django_assert_max_num_queries
):
    surroundings(others)
    user = candidate(user__email="ines@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for _index in range(others):  # earlier applications of hers, to other programmes
        application_in(Status.ELIGIBLE, candidate=user)

    journey = Journey(django_assert_max_num_queries)
    journey.run(user, open_session)

    application = Application.objects.get(candidate=user, session=open_session)
    assert application.status == Status.SUBMITTED
    assert set(journey.counts) == set(BOUNDS)
