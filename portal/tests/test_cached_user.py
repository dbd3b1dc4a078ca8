"""The signed-in user read from the cache (portal.user_cache), with the candidate's profile: no
query for them on the next pages, and any change of either row seen at once (deactivated, password
changed, deleted, renamed, profile changed or deleted)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.tests.factories import candidate
from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def user_cache_on(settings):
    settings.USER_CACHE_SECONDS = 300


PAGE = "/mes-candidatures/"


def user_reads(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "portal_user"."id", "portal_user"."password"')]
    return response, reads


@pytest.fixture
def signed_in(client):
    user = candidate()
    client.force_login(user)
    return client, user


def test_the_user_is_read_once_then_from_the_cache(signed_in):
    client, _user = signed_in
    response, reads = user_reads(client)
    assert response.status_code == 200 and len(reads) == 1
    response, reads = user_reads(client)
    assert response.status_code == 200 and reads == []


def deactivate(user):
    user.is_active = False
    user.save()


def change_password(user):
    user.set_password("un-autre-mot-de-passe-2026")
    user.save()


@pytest.mark.parametrize("change", [deactivate, change_password, lambda user: user.delete()])
def test_a_user_deactivated_deleted_or_with_a_new_password_is_signed_out_at_the_next_request(signed_in, change):
    client, user = signed_in
    user_reads(client)
    change(user)
    response, _reads = user_reads(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_renamed_user_is_seen_renamed(signed_in):
    client, user = signed_in
    user_reads(client)
    user.first_name = "Aïssata"
    user.save(update_fields=["first_name"])
    response, reads = user_reads(client)
    assert len(reads) == 1
    assert response.wsgi_request.user.first_name == "Aïssata"


def test_a_change_rolled_back_leaves_no_stale_user(signed_in, django_capture_on_commit_callbacks):
    """Forgotten now and again after the commit: a request between the save and the commit
    cannot leave the old row in the cache."""
    client, user = signed_in
    user_reads(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user.first_name = "Nadia"
        user.save()
        user_reads(client)  # a request in between caches the row again
    for callback in callbacks:
        callback()
    _response, reads = user_reads(client)
    assert len(reads) == 1


def test_staff_are_cached_too_and_see_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get(PAGE).status_code == 404  # not a candidate
    assert client.get(PAGE).wsgi_request.user == staff


def profile_reads(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    return response, [q["sql"] for q in queries if 'FROM "candidates_candidateprofile"' in q["sql"]]


def test_the_candidates_profile_comes_with_the_cached_user(signed_in):
    client, _user = signed_in
    client.get(PAGE)
    response, reads = profile_reads(client)
    assert response.status_code == 200 and reads == []


def test_a_changed_profile_is_read_again(signed_in):
    client, user = signed_in
    client.get(PAGE)
    profile = user.candidate_profile
    profile.commune = "Pantin"
    profile.save()
    response, reads = user_reads(client)
    assert len(reads) == 1 and "candidates_candidateprofile" in reads[0]  # read with the user
    assert response.wsgi_request.user.candidate_profile.commune == "Pantin"


def test_a_deleted_profile_is_no_longer_a_candidates(signed_in):
    client, user = signed_in
    client.get(PAGE)
    user.candidate_profile.delete()
    assert client.get(PAGE).status_code == 404
