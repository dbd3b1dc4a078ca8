"""The OpenID Connect federations' login and callback URLs (/comptes/oidc/<provider>/login/…), named
as allauth's openid_connect provider names them, served with portal.identity.federation's adapter."""

from allauth.socialaccount import app_settings
from django.urls import include, path

from .federation import callback_view, login_view

urlpatterns = [
    path(
        f"{app_settings.OPENID_CONNECT_URL_PREFIX}/<str:provider_id>/",
        include(
            [
                path("login/", login_view, name="openid_connect_login"),
                path("login/callback/", callback_view, name="openid_connect_callback"),
            ]
        ),
    )
]
