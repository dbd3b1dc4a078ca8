"""Fill the sessions' new seat figures (programmes 0002) from their applications: the counts that
pages computed on every view until now. The statuses are written as they stand in
candidates.workflow.SEAT_COUNTERS (a migration keeps its own copy: the code may change later)."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

COUNTERS = {
    "seat_offered": "seats_offered",
    "seat_accepted": "seats_accepted",
    "enrolled": "seats_enrolled",
    "waitlisted": "waitlist_size",
}


def fill(apps, schema_editor):
    Session = apps.get_model("programmes", "Session")
    Application = apps.get_model("candidates", "Application")
    figures = {}
    for status, field in COUNTERS.items():
        count = (
            Application.objects.filter(session=OuterRef("pk"), status=status)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        figures[field] = Coalesce(Subquery(count), 0)
    Session.objects.update(**figures)


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0009_normalize_phones"),
        ("programmes", "0002_session_seat_figures"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
