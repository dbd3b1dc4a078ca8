"""The test suite's guard rails on the ORM (conftest.py) are in force: they must fail the tests
that trip them, so they are tested too."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import SelectForUpdateWithoutOf
from programmes.models import Funding, ProviderMembership, Session
from programmes.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def sql_of(queryset):
    with CaptureQueriesContext(connection) as queries:
        list(queryset)
    # PostgreSQL's RANDOM(), SQLite's RAND() (Django's own function there).
    return queries.captured_queries[-1]["sql"].upper().replace("RAND()", "RANDOM()")


def test_an_unordered_query_comes_in_random_order():
    assert "RANDOM()" in sql_of(Funding.objects.all())
    assert "RANDOM()" in sql_of(ProviderMembership.objects.filter(pk__gt=0))


def test_ordered_distinct_and_cleared_queries_are_left_alone():
    assert "RANDOM()" not in sql_of(Session.objects.all())  # Meta.ordering
    assert "RANDOM()" not in sql_of(Funding.objects.order_by("pk"))
    assert "RANDOM()" not in sql_of(Funding.objects.order_by())  # cleared on purpose
    assert "RANDOM()" not in sql_of(Funding.objects.values("programme").distinct())
    with CaptureQueriesContext(connection) as queries:
        Funding.objects.count()
    assert "RAND" not in queries.captured_queries[-1]["sql"].upper()


def test_select_for_update_across_a_join_must_name_its_rows():
    session = SessionFactory()
    with transaction.atomic():
        with pytest.raises(SelectForUpdateWithoutOf, match="of="):
            Session.objects.select_for_update().select_related("programme").get(pk=session.pk)
        with pytest.raises(SelectForUpdateWithoutOf):
            list(Session.objects.select_for_update().filter(programme__name=session.programme.name))
        Session.objects.select_for_update(of=("self",)).select_related("programme").get(pk=session.pk)
        Session.objects.select_for_update().get(pk=session.pk)  # one table: nothing else to lock
