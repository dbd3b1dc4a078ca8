from django.urls import path

from . import views

app_name = "advisers"

urlpatterns = [
    # The adviser space (members of an orienting organisation).
    path("conseillers/", views.space, name="space"),
    path("conseillers/personnes/nouvelle/", views.person_new, name="person_new"),
    path("conseillers/personnes/<int:pk>/", views.person, name="person"),
    path("conseillers/personnes/<int:pk>/profil/", views.person_profile, name="person_profile"),
    path("conseillers/personnes/<int:pk>/candidater/", views.start_application, name="start_application"),
    path("conseillers/personnes/<int:pk>/attester/", views.attest, name="attest"),
    path("conseillers/personnes/<int:pk>/referent/", views.take_over, name="take_over"),
    path("conseillers/personnes/<int:pk>/fiche-code/", views.code_sheet, name="code_sheet"),
    path("conseillers/candidatures/<uuid:reference>/", views.application, name="application"),
    path("conseillers/organisations/<int:pk>/", views.organisation, name="organisation"),
    path("conseillers/membres/<int:pk>/retirer/", views.remove_member, name="remove_member"),
    path("conseillers/preferences/", views.preferences, name="preferences"),
    path("conseillers/invitation/<str:key>/", views.accept_invitation, name="accept_invitation"),
    # The person's side: the emailed link, the code sheet, « Mon accompagnement ».
    path("accord/<str:token>/", views.accord, name="consent"),
    path("accord-par-code/", views.code, name="code"),
    path("mon-accompagnement/", views.my_supports, name="my_supports"),
    path("mon-accompagnement/<int:pk>/accord/", views.give_accord_signed_in, name="give_accord"),
    path("mon-accompagnement/<int:pk>/retirer/", views.withdraw, name="withdraw"),
]
