"""The admin's add and change forms take any posted value without a 500 (issue 15; found by the
fuzz suite posting the admin's forms): a rejected value is the form's error, and nothing is written.

Regression: Django's autocomplete widgets (``autocomplete_fields``) re-rendered a rejected form
by querying the posted value as it came (``abc`` for an integer key, a NUL byte, a number beyond
the column's range) and raised ValueError. ``portal.admin_widgets`` looks up only the values the
target field accepts, for every admin and inline of the portal.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.test import RequestFactory
from django.urls import reverse

from candidates.models import CandidateProfile
from portal.admin_widgets import SafeAutocompleteMixin
from portal.tests.factories import UserFactory, give_second_factor, municipal_staff
from programmes.models import ProviderMembership, Session
from programmes.tests.factories import SessionFactory, TrainingProviderFactory

pytestmark = pytest.mark.django_db

HOSTILE_KEYS = ["abc", " ", "a\x00b", "\x00", "99999999999999999999", "-1", "1.5", "🚀", "x" * 100_000]


@pytest.fixture
def superuser():
    user = UserFactory(is_staff=True, is_superuser=True)
    give_second_factor(user)
    return user


@pytest.mark.parametrize("value", HOSTILE_KEYS)
def test_a_bad_autocomplete_value_is_the_form_s_error_not_a_500(client, superuser, value):
    client.force_login(superuser)
    client.raise_request_exception = False

    response = client.post(reverse("admin:candidates_candidateprofile_add"), {"user": value, "postcode": "75020"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"]
    assert not CandidateProfile.objects.exists()


@pytest.mark.parametrize("value", ["abc", "a\x00b", "99999999999999999999"])
def test_a_bad_autocomplete_value_in_an_inline_is_the_form_s_error(client, superuser, value):
    provider = TrainingProviderFactory()
    client.force_login(superuser)
    client.raise_request_exception = False
    prefix = "memberships"
    change = reverse("admin:programmes_trainingprovider_change", args=[provider.pk])
    page = client.get(change)
    prefix = next(formset.formset.prefix for formset in page.context["inline_admin_formsets"])
    data = {
        "name": provider.name,
        "slug": provider.slug,
        "kind": provider.kind,
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-user": value,
    }

    response = client.post(change, data)

    assert response.status_code == 200
    assert not ProviderMembership.objects.exists()


def test_a_bad_session_site_as_a_municipal_agent(client):
    session = SessionFactory()
    client.force_login(municipal_staff())
    client.raise_request_exception = False
    before = Session.objects.get(pk=session.pk).site_id

    response = client.post(reverse("admin:programmes_session_change", args=[session.pk]), {"site": "a\x00b"})

    assert response.status_code == 200
    assert Session.objects.get(pk=session.pk).site_id == before


def test_every_admin_and_inline_uses_the_safe_autocomplete_widgets():
    """One place: every registered ModelAdmin and its inlines build their autocomplete widgets
    through portal.admin_widgets (a new admin on Django's bare base classes fails here)."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    unsafe = []
    for model_admin in admin.site._registry.values():
        for owner in [model_admin, *model_admin.get_inline_instances(request)]:
            if not owner.get_autocomplete_fields(request):
                continue
            form = owner.get_formset(request).form if owner is not model_admin else owner.get_form(request)
            for name, field in form.base_fields.items():
                widget = getattr(field.widget, "widget", field.widget)
                if isinstance(widget, AutocompleteMixin) and not isinstance(widget, SafeAutocompleteMixin):
                    unsafe.append(f"{type(owner).__name__}.{name}")
    assert unsafe == []
