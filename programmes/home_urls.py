"""The home page's URL, included by portal.urls without a namespace (its name stays ``home``)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.home, name="home")]
