from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("chartes/", views.charter_list, name="charter_list"),
    path("chartes/<slug:slug>/", views.charter_detail, name="charter_detail"),
    path("chartes/<slug:slug>/exemplaire-signe/", views.signed_copy_download, name="signed_copy"),
    path("espace-partenaire/", views.partner_space, name="space"),
    path("espace-partenaire/opportunites/nouvelle/", views.opportunity_edit, name="opportunity_create"),
    path("espace-partenaire/opportunites/<int:pk>/", views.partner_opportunity, name="partner_opportunity"),
    path("espace-partenaire/opportunites/<int:pk>/modifier/", views.opportunity_edit, name="opportunity_edit"),
    path(
        "espace-partenaire/interets/<int:pk>/<str:decision>/",
        views.interest_decide,
        name="interest_decide",
    ),
    path("opportunites/", views.trainee_opportunities, name="trainee_opportunities"),
    path("opportunites/<int:pk>/", views.trainee_opportunity, name="trainee_opportunity"),
    path("opportunites/<int:pk>/retirer/", views.interest_withdraw, name="interest_withdraw"),
]
