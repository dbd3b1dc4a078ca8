from allauth.account.views import LoginView
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from . import easy_read, public_cache, views
from .identity import views as identity_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # The login page is the same for every visitor who has no session yet (its form's CSRF token is
    # theirs): served from the cache on opening day (portal.public_cache). Same view as allauth's.
    path("comptes/login/", public_cache.public_page(LoginView.as_view()), name="account_login"),
    path("comptes/", include("allauth.urls")),
    path("", include("programmes.home_urls")),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("accessibilite/", views.information_page, {"slug": "accessibilite"}, name="accessibility"),
    path("mentions-legales/", views.information_page, {"slug": "mentions-legales"}, name="legal_notice"),
    path("aide/", views.information_page, {"slug": "aide"}, name="help"),
    path("favicon.ico", views.favicon),
    path("compte/preferences/", views.preferences, name="preferences"),
    path("facile-a-lire/changer/", easy_read.toggle, name="easy_read_toggle"),
    path("compte/securite/", identity_views.account_security, name="account_security"),
    path("", include("programmes.urls")),
    path("", include("candidates.urls")),
    path("", include("candidates.advisers.urls")),
    path("", include("partners.urls")),
    path("centre/", include("candidates.centre.urls")),
]
