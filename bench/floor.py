"""The floor: the cheapest useful Django request on this machine, to compare pages against.

One view doing ``SELECT 1`` on the database that DATABASE_URL names (persistent connection, as the
portal's), no middleware, no template. Served by the benches with the same gunicorn command and
worker count as the portal: ``gunicorn bench.floor:application``."""

import os

import environ
from django.conf import settings

if not settings.configured:
    database = environ.Env().db("DATABASE_URL")
    database.setdefault("CONN_MAX_AGE", 60)
    database["CONN_HEALTH_CHECKS"] = True
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "floor-" + "x" * 50),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={"default": database},
        USE_TZ=True,
    )

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def floor(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", floor)]
application = get_wsgi_application()
