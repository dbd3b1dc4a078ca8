from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from . import views
from .identity import views as identity_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("", include("programmes.home_urls")),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon),
    path("compte/preferences/", views.preferences, name="preferences"),
    path("compte/securite/", identity_views.account_security, name="account_security"),
    path("", include("programmes.urls")),
    path("", include("candidates.urls")),
    path("", include("partners.urls")),
    path("centre/", include("candidates.centre.urls")),
]
