"""load_demo: the real programmes, idempotent, accounts per role, and the synthetic candidates' mix."""

import datetime
import io
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from candidates import demo as candidates_demo
from candidates.demo_candidates import FAMILY_SHARES, audience_flags, family_quotas
from candidates.models import Application, CandidateProfile
from partners import demo as partners_demo
from partners.models import Charter, PartnerMembership
from portal import demo
from portal.models import User
from programmes import demo as programmes_demo
from programmes.models import TRACK_FAMILIES, Programme, ProviderMembership, Session, Track, TrackFamily

pytestmark = pytest.mark.django_db

# Every app's demo accounts (each app's demo module declares its own).
ACCOUNTS = {**demo.ACCOUNTS, **programmes_demo.ACCOUNTS, **candidates_demo.ACCOUNTS, **partners_demo.ACCOUNTS}


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def load_demo(*args, debug=True, settings=None):
    out = io.StringIO()
    if settings is not None:
        settings.DEBUG = debug
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_load_demo_twice_gives_the_same_counts(settings):
    load_demo(settings=settings)
    first = row_counts()
    load_demo(settings=settings)

    assert row_counts() == first
    assert first["programmes.Session"] == len(programmes_demo.SESSIONS)
    assert first["partners.CharterSignature"] == 5


def test_demo_has_the_real_programmes_and_useful_dates(settings):
    load_demo(settings=settings)
    today = timezone.localdate()

    assert set(Programme.objects.values_list("name", flat=True)) == {
        "Paris Code",
        "Écoles du Web dans les quartiers",
        "POP School",
    }
    edw = Programme.objects.get(slug="ecoles-du-web")
    assert edw.labels.get().awarded_on.isoformat() == "2016-02-03"
    assert {s.capacity for s in edw.sessions.all()} == {12}
    assert set(edw.sessions.values_list("learner_status", flat=True)) == {Session.LearnerStatus.SALARIED}
    pop = Programme.objects.get(slug="pop-school")
    assert str(pop.fundings.get(funder__name="Valenciennes Métropole").amount) == "81758.20"

    open_now = Session.objects.open_for_applications()
    assert open_now.count() >= 8
    assert all(s.starts_on > today for s in open_now)
    assert Session.objects.filter(ends_on__lt=today).exists() or Session.objects.filter(starts_on__lt=today).exists()
    open_families = {TRACK_FAMILIES[Track(track)] for track in open_now.values_list("track", flat=True)}
    assert open_families == set(TrackFamily)
    charter = Charter.objects.get()
    assert "Microsoft France" in charter.signatures.values_list("company__name", flat=True)


def test_one_account_per_role_verified_for_allauth(settings):
    out = load_demo(settings=settings)

    candidate = User.objects.get(email=ACCOUNTS["candidate"].email)
    assert CandidateProfile.objects.filter(user=candidate, birth_date__isnull=False, postcode="93500").exists()
    agent = User.objects.get(email=ACCOUNTS["municipal_staff"].email)
    assert agent.is_staff and agent.is_municipal_staff and not agent.is_superuser
    centre = User.objects.get(email=ACCOUNTS["centre_staff"].email)
    assert ProviderMembership.objects.filter(user=centre, provider__slug="lepoles").exists()
    partner = User.objects.get(email=ACCOUNTS["partner"].email)
    assert PartnerMembership.objects.filter(user=partner, company__slug="microsoft-france").exists()
    assert User.objects.get(email=ACCOUNTS["superuser"].email).is_superuser
    for account in ACCOUNTS.values():
        user = User.objects.get(email=account.email)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=account.email, verified=True, primary=True).exists()
        assert account.email in out
    assert demo.DEMO_PASSWORD in out
    assert "apprenante@demo.example.org" in out  # the trainee too (walk-through row 39)


def test_demo_timelines_read_in_order(settings):
    from candidates.models import Application

    load_demo(settings=settings)
    # Sent applications (the advisers' demo also has a draft and one waiting for the person's accord).
    for application in Application.objects.filter(
        candidate__email__endswith="@demo.example.org", submitted_at__isnull=False
    ):
        assert application.created_at < application.submitted_at, application.candidate.email


def test_passwords_are_neither_printed_nor_usable_without_debug(settings):
    out = load_demo(settings=settings, debug=False)

    assert demo.DEMO_PASSWORD not in out
    agent = User.objects.get(email=ACCOUNTS["municipal_staff"].email)
    assert not agent.has_usable_password()


def test_family_quotas_are_exact():
    quotas = family_quotas(1001)
    assert sum(quotas.values()) == 1001
    for family, share in FAMILY_SHARES.items():
        assert abs(quotas[family] - 1001 * share / 100) < 1


def test_synthetic_candidates_follow_paris_code_season_1_track_mix(settings):
    load_demo(settings=settings)
    before = Application.objects.count()
    load_demo("--candidates", "2000", settings=settings)

    synthetic = Application.objects.filter(candidate__email__endswith="@candidats.example.org")
    assert Application.objects.count() - before == synthetic.count() == 2000
    families = Counter(TRACK_FAMILIES[Track(track)] for track in synthetic.values_list("session__track", flat=True))
    for family, share in FAMILY_SHARES.items():
        assert abs(100 * families[family] / 2000 - share) <= 2, family
    statuses = Counter(synthetic.values_list("status", flat=True))
    assert len(statuses) >= 8
    assert "draft" not in statuses


def test_synthetic_applications_audience_flags_match_the_profile(settings):
    load_demo(settings=settings)
    load_demo("--candidates", "300", settings=settings)

    applications = Application.objects.filter(candidate__email__endswith="@candidats.example.org").select_related(
        "candidate__candidate_profile", "session"
    )
    women = 0
    for application in applications:
        profile = application.candidate.candidate_profile
        expected = audience_flags(profile, session_start=application.session.starts_on)
        assert {flag: getattr(application, flag) for flag in expected} == expected
        women += application.is_woman
        # Started as a draft before it was sent, not at load time.
        assert datetime.timedelta(minutes=10) <= application.submitted_at - application.created_at
        assert application.submitted_at - application.created_at <= datetime.timedelta(days=3)
    assert 0.25 < women / 300 < 0.5


def test_synthetic_candidates_never_fill_a_session_beyond_capacity(settings):
    load_demo(settings=settings)
    load_demo("--candidates", "1500", settings=settings)

    for session in Session.objects.all():
        assert session.seats_taken <= session.capacity


def test_candidates_can_be_added_twice_without_clashing(settings):
    load_demo("--candidates", "50", settings=settings)
    load_demo("--candidates", "50", settings=settings)

    assert Application.objects.filter(candidate__email__endswith="@candidats.example.org").count() == 100
