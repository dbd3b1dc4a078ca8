"""portal.postgresql: Django's PostgreSQL backend, with the joined columns' types compared once per
pair of fields instead of on every join compiled. The SQL must be Django's, cast included."""

from unittest import mock

import pytest
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as DjangoOperations
from django.db.models import CharField, F

from candidates.models import Application
from programmes.models import Session

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend (CI runs on PostgreSQL)"),
]


def _sql(queryset):
    return str(queryset.query)


def test_the_portal_runs_on_its_backend():
    from portal.postgresql.base import DatabaseOperations

    assert isinstance(connection.ops, DatabaseOperations)
    assert connection.vendor == "postgresql"


def test_joins_compile_to_the_sql_of_djangos_backend():
    queryset = Application.objects.select_related("session__programme", "session__site__provider").filter(
        session__programme__name__icontains="code"
    )
    ours = _sql(queryset)
    with mock.patch.object(type(connection.ops), "prepare_join_on_clause", DjangoOperations.prepare_join_on_clause):
        djangos = _sql(queryset)
    assert ours == djangos
    assert ours.count("INNER JOIN") == 4


def test_columns_of_different_types_are_still_cast():
    """A text column joined to a bigint one (as a generic relation does) gets Django's cast."""
    text_field = CharField(max_length=20)
    text_field.set_attributes_from_name("object_id")
    id_field = Session._meta.pk
    for _ in range(2):  # the first call finds the answer, the second reads it
        lhs, rhs = connection.ops.prepare_join_on_clause("t1", text_field, "t2", id_field)
        expected_lhs, expected_rhs = DjangoOperations.prepare_join_on_clause(
            connection.ops, "t1", text_field, "t2", id_field
        )
        assert repr(lhs) == repr(expected_lhs)
        assert repr(rhs) == repr(expected_rhs)
        assert type(rhs).__name__ == "Cast"


def test_the_types_of_a_pair_are_compared_once():
    session_field = Application._meta.get_field("session")
    str(Application.objects.filter(session__name="x").query)  # the pair is known after one join
    with mock.patch.object(type(session_field), "db_type", side_effect=AssertionError("compared again")):
        sql = str(Application.objects.filter(session__name="x").annotate(other=F("session__programme_id")).query)
    assert 'INNER JOIN "programmes_session"' in sql
