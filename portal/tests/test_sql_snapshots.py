"""The SQL of the five busiest pages, as committed snapshots (syrupy): the catalogue, a session's
page, « Mes candidatures », the admin's applications list and the training centre's session page.

A query count says how many; the snapshot says which: a new join, a lost select_related, a count
over applications coming back on a public page, or a query that grows with the data shows up in
review as a diff of SQL. The statements are recorded as Django sends them (placeholders, not
values), after one warm-up request (caches filled, as in production), with what varies between
runs and databases normalised (savepoint names, identifier quoting of random ordering). PostgreSQL
and SQLite write some SQL differently: each keeps its own snapshot, named after it.

When a page's queries change on purpose, update the snapshots and review the diff:

    .venv/bin/pytest portal/tests/test_sql_snapshots.py --snapshot-update          # SQLite
    DATABASE_URL=postgres://… .venv/bin/pytest portal/tests/test_sql_snapshots.py --snapshot-update
"""

import datetime
import re
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from syrupy.extensions.amber import AmberSnapshotExtension

from candidates.tests.factories import ApplicationFactory, application_in, candidate
from candidates.workflow import Status
from portal.tests.factories import municipal_staff
from programmes.tests.factories import ProgrammeFactory, SessionFactory, TrainingSiteFactory, centre_staff

pytestmark = pytest.mark.django_db

SAVEPOINT = re.compile(r'"s\d+_x\d+"')
RANDOM = re.compile(r"\bRAND(?:OM)?\(\)")
COLUMN = re.compile(r'^"(\w+)"\."\w+"$')
CLAUSES = re.compile(r" (FROM|INNER JOIN|LEFT OUTER JOIN|WHERE|GROUP BY|HAVING|ORDER BY|LIMIT|OFFSET|FOR UPDATE) ")


class SnapshotPerDatabase(AmberSnapshotExtension):
    """One snapshot file per database vendor (sql_snapshots/postgresql/, sql_snapshots/sqlite/),
    outside syrupy's default __snapshots__ folder: a run on one never sees the other's as unused."""

    @classmethod
    def dirname(cls, *, test_location):
        return str(Path(test_location.filepath).parent / "sql_snapshots" / connection.vendor)


def _top_level(text, separator):
    """``text`` split on ``separator`` outside parentheses and quotes."""
    parts, depth, quoted, start, index = [], 0, False, 0, 0
    while index < len(text):
        char = text[index]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            start = index = index + len(separator)
            continue
        index += 1
    return [*parts, text[start:]]


def _select_list(columns):
    """The selected columns as ``table.[N columns]`` per table, other expressions as written: a
    new join or annotation shows, a model's new field changes a count."""
    items, counts = [], {}
    for item in _top_level(columns, ", "):
        match = COLUMN.match(item)
        if match:
            if match[1] not in counts:
                items.append(match[1])
            counts[match[1]] = counts.get(match[1], 0) + 1
        else:
            items.append(item)
    return ", ".join(f"{item}.[{counts[item]} columns]" if item in counts else item for item in items)


def normalised(sql):
    """One statement, readable: its select list summarised, one clause per line, what varies
    between runs (savepoint names) and vendors (the random function's name) made constant."""
    sql = RANDOM.sub("RANDOM()", SAVEPOINT.sub('"savepoint"', sql))
    head, _sep, rest = sql.partition(" FROM ") if sql.startswith("SELECT ") else (sql, "", "")
    if rest:
        body = _top_level(rest, " FROM ")  # a FROM inside a subquery stays where it is
        distinct = "DISTINCT " if head.startswith("SELECT DISTINCT ") else ""
        head = f"SELECT {distinct}{_select_list(head.removeprefix('SELECT ').removeprefix('DISTINCT '))}"
        sql = f"{head} FROM {' FROM '.join(body)}"
    return CLAUSES.sub(lambda match: f"\n  {match[1]} ", sql)


def queries_of(client, url):
    """The statements one request sends, in order, once the page's caches are warm."""
    assert client.get(url).status_code == 200
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(normalised(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200
    return statements


@pytest.fixture
def world():
    """A small catalogue: two programmes, three sessions, a candidate with three applications, a
    training centre and a municipal agent. The pages' SQL does not depend on how many rows there are."""
    site = TrainingSiteFactory()
    paris_code, pop = ProgrammeFactory(), ProgrammeFactory()
    later = timezone.localdate() + datetime.timedelta(days=90)
    sessions = [
        SessionFactory(programme=paris_code, site=site),
        SessionFactory(programme=paris_code, site=site, starts_on=later, ends_on=later + datetime.timedelta(300)),
        SessionFactory(programme=pop),
    ]
    amina = candidate()
    application_in(Status.WAITLISTED, candidate=amina, session=sessions[0])
    application_in(Status.SEAT_OFFERED, candidate=amina, session=sessions[1])
    ApplicationFactory(candidate=amina, session=sessions[2])
    for status in (Status.ELIGIBLE, Status.INVITED_TO_TEST, Status.SEAT_ACCEPTED):
        application_in(status, session=sessions[0])
    return {
        "session": sessions[0],
        "candidate": amina,
        "centre": centre_staff(site.provider),
        "agent": municipal_staff(),
    }


PAGES = {
    "catalogue": (None, lambda world: reverse("programmes:catalogue")),
    "session_page": (None, lambda world: reverse("programmes:session_detail", args=[world["session"].pk])),
    "my_applications": ("candidate", lambda world: reverse("candidates:application_list")),
    "admin_changelist": ("agent", lambda world: reverse("admin:candidates_application_changelist")),
    "centre_session_page": ("centre", lambda world: reverse("centre:session_detail", args=[world["session"].pk])),
}


@pytest.mark.parametrize("page_name", PAGES)
def test_the_busiest_pages_send_the_sql_we_reviewed(page_name, client, world, snapshot):
    who, url = PAGES[page_name]
    if who is not None:
        client.force_login(world[who])
    assert queries_of(client, url(world)) == snapshot.use_extension(SnapshotPerDatabase)
