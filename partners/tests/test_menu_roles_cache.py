"""The menu's roles come from the cache in the same round trip as the signed-in user
(portal.user_cache.read_with_user): one round trip fewer on every page of a signed-in person, and a
role granted or taken away still shows at the next page."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from candidates.tests.factories import candidate
from partners.templatetags.partners_tags import menu_roles_key
from partners.tests.factories import PartnerMembershipFactory
from portal.user_cache import _key as user_key

pytestmark = pytest.mark.django_db

PAGE = "/formations/"


@pytest.fixture(autouse=True)
def user_cache_on(settings):
    settings.USER_CACHE_SECONDS = 300
    caches["default"].clear()


class CacheReads:
    """The keys each read of the default cache asked for, one entry per round trip (the
    local-memory cache of the tests answers ``get_many`` with ``get``: those are not counted again)."""

    def __init__(self, monkeypatch):
        self.round_trips = []
        self.inside_get_many = False
        cache = caches["default"]
        get, get_many = cache.get, cache.get_many

        def recorded_get(key, *args, **kwargs):
            if not self.inside_get_many:
                self.round_trips.append([key])
            return get(key, *args, **kwargs)

        def recorded_get_many(keys, *args, **kwargs):
            self.round_trips.append(list(keys))
            self.inside_get_many = True
            try:
                return get_many(keys, *args, **kwargs)
            finally:
                self.inside_get_many = False

        monkeypatch.setattr(cache, "get", recorded_get)
        monkeypatch.setattr(cache, "get_many", recorded_get_many)

    def asking_for(self, key):
        return [keys for keys in self.round_trips if key in keys]


def test_the_roles_come_with_the_user_in_one_round_trip(client, monkeypatch):
    person = candidate()
    client.force_login(person)
    client.get(PAGE)  # the user and the roles are read from the database and cached

    reads = CacheReads(monkeypatch)
    response = client.get(PAGE)

    assert response.status_code == 200
    assert reverse("candidates:application_list") in response.content.decode()
    assert reads.asking_for(menu_roles_key(person.pk)) == [[user_key(person.pk), menu_roles_key(person.pk)]]


def test_a_role_granted_shows_at_the_next_page(client):
    person = candidate()
    client.force_login(person)
    assert reverse("partners:space") not in client.get(PAGE).content.decode()
    client.get(PAGE)  # now from the cache, with the user

    PartnerMembershipFactory(user=person)

    page = client.get(PAGE).content.decode()
    assert reverse("partners:space") in page and reverse("candidates:application_list") in page


def test_a_role_taken_away_shows_at_the_next_page(client):
    membership = PartnerMembershipFactory()
    client.force_login(membership.user)
    client.get(PAGE)
    assert reverse("partners:space") in client.get(PAGE).content.decode()

    membership.delete()

    assert reverse("partners:space") not in client.get(PAGE).content.decode()


def test_without_the_user_cache_the_roles_are_still_cached_alone(client, settings, monkeypatch):
    settings.USER_CACHE_SECONDS = 0
    person = candidate()
    client.force_login(person)
    client.get(PAGE)

    reads = CacheReads(monkeypatch)
    page = client.get(PAGE).content.decode()

    assert reverse("candidates:application_list") in page
    assert reads.asking_for(menu_roles_key(person.pk)) == [[menu_roles_key(person.pk)]]
